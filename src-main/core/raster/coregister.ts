/**
 * coregister: a band of one raster (a DEM in another CRS, resolution or extent) resampled onto a target grid
 * (the imagery's), read by target windows. gdalwarp semantics: see warp.ts.
 */
import type { Grid } from '../../../src-shared/geo';
import type { GridBandSource, RasterSource } from './types';
import { bandOf } from './band-provider';
import { assertOverlap } from './overlap';
import { warpBand, type WarpMethod } from './warp';

export interface CoregisterOptions {
  method?: WarpMethod;
  /** Coordinate interpolation tolerance in source pixels (default 0.01). */
  maxErrorPx?: number;
}

export function coregister(source: RasterSource, bandIndex: number, target: Grid, opts: CoregisterOptions = {}): GridBandSource {
  const band = bandOf(source, bandIndex);
  assertOverlap(band.grid, target, source.info.path);
  return warpBand(band, target, { method: opts.method ?? 'bilinear', maxErrorPx: opts.maxErrorPx });
}
