/**
 * Imagery bands on another grid (e.g. the model's native GSD from resampleGrid): area averaging when
 * down-sampling, bilinear when up-sampling (method 'auto'), nodata-aware.
 */
import type { Grid, Window } from '../../../src-shared/geo';
import type { BandData, GridBandsSource, RasterSource } from './types';
import { bandOf } from './band-provider';
import { gsdOf } from '../geo';
import { assertOverlap } from './overlap';
import { warpBand, type WarpMethod } from './warp';

export interface ResampleBandsOptions {
  bands?: number[];
  method?: 'auto' | WarpMethod;
}

export function resampleBands(source: RasterSource, target: Grid, opts: ResampleBandsOptions = {}): GridBandsSource {
  const bands = opts.bands ?? Array.from({ length: source.info.bandCount }, (_, i) => i);
  assertOverlap(source.info, target, source.info.path);
  let method: WarpMethod;
  if (!opts.method || opts.method === 'auto') {
    const s = gsdOf(source.info);
    const t = gsdOf(target);
    method = t.x > s.x * 1.0001 && t.y > s.y * 1.0001 ? 'average' : 'bilinear';
  } else method = opts.method;
  const warps = bands.map((b) => warpBand(bandOf(source, b), target, { method }));
  return {
    grid: target,
    bandCount: bands.length,
    readWindow: (w: Window): Promise<BandData[]> => Promise.all(warps.map((x) => x.readWindow(w))),
  };
}
