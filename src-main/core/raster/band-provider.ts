/** A single band readable by window on its own grid (NaN = nodata or outside): the input side of a warp. */
import type { Grid, Window } from '../../../src-shared/geo';
import type { RasterSource } from './types';
import { ScarpError } from '../../../src-shared/errors';
import { clipWindow } from './grid';
import { boxAverage, type BandWindow } from './resample';

export interface BandProvider {
  readonly grid: Grid;
  /** A label for messages (usually the file path). */
  readonly label: string;
  read(window: Window): Promise<Float32Array>;
}

export function bandOf(source: RasterSource, bandIndex: number): BandProvider {
  if (!Number.isInteger(bandIndex) || bandIndex < 0 || bandIndex >= source.info.bandCount)
    throw new ScarpError({
      code: 'INVALID_ARGUMENT',
      message: `Band ${bandIndex} does not exist in ${source.info.path} (it has ${source.info.bandCount} band(s), numbered from 0)`,
      file: source.info.path,
    });
  const { width, height, geoTransform, crs } = source.info;
  return {
    grid: { width, height, geoTransform, crs },
    label: source.info.path,
    read: async (w) => (await source.readWindow(w, [bandIndex]))[0] as Float32Array,
  };
}

/**
 * The band area-averaged onto a coarser grid with the same origin and orientation (`coarse` from resampleGrid):
 * each coarse pixel is the coverage-weighted mean of the fine pixels under it (nodata ignored).
 */
export function averagedBand(fine: BandProvider, coarse: Grid): BandProvider {
  const fg = fine.grid.geoTransform;
  const cg = coarse.geoTransform;
  const kx = cg[1] / fg[1];
  const ky = cg[5] / fg[5];
  const ox = (cg[0] - fg[0]) / fg[1];
  const oy = (cg[3] - fg[3]) / fg[5];
  return {
    grid: coarse,
    label: fine.label,
    async read(w) {
      const out = new Float32Array(w.width * w.height).fill(NaN);
      const sx0 = ox + w.x * kx;
      const sy0 = oy + w.y * ky;
      const need = clipWindow(
        {
          x: Math.floor(sx0),
          y: Math.floor(sy0),
          width: Math.ceil(ox + (w.x + w.width) * kx) - Math.floor(sx0),
          height: Math.ceil(oy + (w.y + w.height) * ky) - Math.floor(sy0),
        },
        fine.grid,
      );
      if (!need) return out;
      const bw: BandWindow = { data: await fine.read(need), width: need.width, height: need.height, x0: need.x, y0: need.y };
      for (let j = 0; j < w.height; j++) {
        const y0 = oy + (w.y + j) * ky;
        for (let i = 0; i < w.width; i++) {
          const x0 = ox + (w.x + i) * kx;
          out[j * w.width + i] = boxAverage(bw, x0, y0, x0 + kx, y0 + ky);
        }
      }
      return out;
    },
  };
}
