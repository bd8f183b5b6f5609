/** Spectral indices from band windows (NaN where an input is nodata or the index is undefined). */
import type { Grid, Window } from '../../../src-shared/geo';
import type { BandData, GridBandSource, RasterSource } from './types';
import { bandOf } from './band-provider';
import { warpBand, type WarpMethod } from './warp';

/** NDVI = (NIR − red) / (NIR + red). */
export function ndvi(red: ArrayLike<number>, nir: ArrayLike<number>): Float32Array {
  const out = new Float32Array(red.length);
  for (let i = 0; i < red.length; i++) {
    const r = red[i] as number;
    const n = nir[i] as number;
    const s = n + r;
    out[i] = s === 0 || Number.isNaN(s) ? NaN : (n - r) / s;
  }
  return out;
}

/**
 * NDVI of two bands of a raster on a target grid: the bands are resampled first (bilinear, or area average
 * when down-sampling with method 'average'), then combined per pixel.
 */
export function ndviBand(source: RasterSource, redBand: number, nirBand: number, target: Grid, opts: { method?: WarpMethod } = {}): GridBandSource {
  const red = warpBand(bandOf(source, redBand), target, { method: opts.method });
  const nir = warpBand(bandOf(source, nirBand), target, { method: opts.method });
  return {
    grid: target,
    async readWindow(w: Window): Promise<BandData> {
      const [r, n] = await Promise.all([red.readWindow(w), nir.readWindow(w)]);
      return ndvi(r, n);
    },
  };
}
