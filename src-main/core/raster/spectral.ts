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

/**
 * Green Leaf Index (Louhaichi et al. 2001) = (2G − R − B) / (2G + R + B): the visible-band index
 * that tracks NDVI best on real 10 m Sentinel-2 reflectance (docs/change-detection.md measures it).
 */
export function gli(red: ArrayLike<number>, green: ArrayLike<number>, blue: ArrayLike<number>): Float32Array {
  const out = new Float32Array(red.length);
  for (let i = 0; i < red.length; i++) {
    const r = red[i] as number;
    const g = green[i] as number;
    const b = blue[i] as number;
    const d = 2 * g + r + b;
    out[i] = d === 0 || Number.isNaN(d) ? NaN : (2 * g - r - b) / d;
  }
  return out;
}

/**
 * HazMapper's relative difference NDVI (Scheip & Wegmann 2021, NHESS 21:1495, eq. 1):
 * rdNDVI = (NDVI_post − NDVI_pre) / √(NDVI_post + NDVI_pre) × 100. Undefined (NaN) where the sum
 * is not positive (water, bare ground in both images) or either NDVI is undefined.
 */
export function rdNdvi(ndviPre: number, ndviPost: number): number {
  const s = ndviPost + ndviPre;
  if (!(s > 0)) return NaN;
  return ((ndviPost - ndviPre) / Math.sqrt(s)) * 100;
}

/** Mean visible reflectance (R + G + B) / 3: the brightness the visible-band change compares. */
export function brightness(red: number, green: number, blue: number): number {
  return (red + green + blue) / 3;
}
