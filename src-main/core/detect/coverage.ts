/**
 * A coarse map of where the imagery has data (and the AOI reaches), read from overviews, used to
 * skip tiles with nothing to detect and to sample band statistics for the display-range stretch.
 */
import type { Grid, Window } from '../../../src-shared/geo';
import type { CoverageMask } from '../inference';
import { applyScale, type BandLayout, type RasterSource } from '../raster';
import type { AoiMask } from './aoi';

/** Region pixels per coverage cell. */
export const COVERAGE_CELL = 8;
const MAX_SAMPLE = 200_000;

export interface Coverage {
  mask: CoverageMask;
  validCells: number;
  /** Valid values per optical band (0 red, 1 green, 2 blue, 3 nir: the layout's file bands, in reflectance), subsampled, for percentile statistics. */
  sample: Map<number, Float32Array>;
}

/** `optical`: the file bands of red, green, blue[, nir] (default the first four) and their scaling. */
export async function coverageOf(image: RasterSource, workGrid: Grid, region: Window, aoi: AoiMask | null, optical?: { bands: number[]; layout: Pick<BandLayout, 'scale' | 'offset'> }): Promise<Coverage> {
  const sx = image.info.width / workGrid.width;
  const sy = image.info.height / workGrid.height;
  const imageWindow: Window = {
    x: Math.floor(region.x * sx),
    y: Math.floor(region.y * sy),
    width: Math.max(1, Math.min(image.info.width, Math.ceil((region.x + region.width) * sx)) - Math.floor(region.x * sx)),
    height: Math.max(1, Math.min(image.info.height, Math.ceil((region.y + region.height) * sy)) - Math.floor(region.y * sy)),
  };
  const cw = Math.max(1, Math.ceil(region.width / COVERAGE_CELL));
  const ch = Math.max(1, Math.ceil(region.height / COVERAGE_CELL));
  const bands = optical?.bands ?? Array.from({ length: Math.min(4, image.info.bandCount) }, (_, i) => i);
  const data = await image.readWindowResampled(imageWindow, cw, ch, bands);
  if (optical) for (const d of data) applyScale(d, optical.layout);
  const inAoi = aoi ? aoi.coarse(cw, ch) : null;
  const mask = new Uint8Array(cw * ch);
  let validCells = 0;
  for (let k = 0; k < mask.length; k++) {
    if (inAoi && inAoi[k] === 0) continue;
    if (data.some((b) => !Number.isNaN(b[k]!))) {
      mask[k] = 1;
      validCells++;
    }
  }
  const step = Math.max(1, Math.floor(validCells / MAX_SAMPLE));
  const sample = new Map<number, Float32Array>();
  bands.forEach((_, i) => {
    const out: number[] = [];
    let seen = 0;
    for (let k = 0; k < mask.length; k++) {
      if (mask[k] === 0) continue;
      const v = data[i]![k]!;
      if (seen++ % step === 0 && !Number.isNaN(v)) out.push(v);
    }
    sample.set(i, Float32Array.from(out));
  });
  return { mask: { data: mask, width: cw, height: ch }, validCells, sample };
}
