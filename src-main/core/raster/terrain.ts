/**
 * Terrain layers on a target grid: slope, aspect and hillshade are derived at the DEM's own resolution (or on the
 * DEM area-averaged to `derivedAtM` metres when the DEM is finer), by windows with a 1-pixel halo, then warped
 * bilinearly onto the target grid (aspect through its unit vector). Never from an up-sampled DEM.
 */
import type { Grid, Window } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import type { GridBandSource, RasterSource } from './types';
import { averagedBand, bandOf, type BandProvider } from './band-provider';
import { ellipsoidOf, gsdOf, metresPerDegree } from '../geo';
import { clipWindow, expandWindow, resampleGrid } from './grid';
import { assertOverlap } from './overlap';
import { hornDerivative, type DerivativeKind } from './terrain-kernels';
import { warpBand, type WarpMethod } from './warp';

export type TerrainKind = DerivativeKind | 'dem';

export interface TerrainBandOptions {
  /** Average the DEM to this GSD (metres) before deriving, when the DEM is finer. */
  derivedAtM?: number;
  /** DEM band (default 0). */
  band?: number;
  /**
   * Fill the DEM's outermost pixels and nodata neighbours as gdaldem -compute_edges does (default true, so the
   * scene border gets values); false reproduces gdaldem's default (edge pixels nodata).
   */
  computeEdges?: boolean;
  /** Aspect of flat cells 0 instead of nodata (gdaldem -zero_for_flat). Default false: flat = NaN. */
  zeroForFlat?: boolean;
  zFactor?: number;
  azimuth?: number;
  altitude?: number;
  /** Resampling onto the target (default bilinear). */
  method?: WarpMethod;
}

/** Metric pixel sizes (signed, geotransform-like) per row of a window of a grid. */
function metricResolution(g: Grid, w: Window): { ewres: number | Float64Array; nsres: number | Float64Array } {
  const [, a, , oy, , e] = g.geoTransform;
  if (!g.crs.isGeographic) {
    const k = g.crs.metresPerUnit ?? 1;
    return { ewres: a * k, nsres: e * k };
  }
  const ell = ellipsoidOf(g.crs);
  const ew = new Float64Array(w.height);
  const ns = new Float64Array(w.height);
  for (let j = 0; j < w.height; j++) {
    const lat = Math.max(-89.9999, Math.min(89.9999, oy + e * (w.y + j + 0.5)));
    const m = metresPerDegree(lat, ell);
    ew[j] = a * m.x;
    ns[j] = e * m.y;
  }
  return { ewres: ew, nsres: ns };
}

/** A derivative of a DEM band on the DEM's grid, computed by windows with a 1-pixel halo. */
export function derivativeBand(dem: BandProvider, kind: DerivativeKind, opts: TerrainBandOptions = {}): BandProvider {
  const g = dem.grid;
  if (g.geoTransform[2] !== 0 || g.geoTransform[4] !== 0)
    throw new ScarpError({
      code: 'INVALID_ARGUMENT',
      message: `Terrain derivatives need a north-up DEM; ${dem.label} has a rotated geotransform`,
      hint: 'Warp it first: gdalwarp -t_srs <its CRS> in.tif out.tif',
      file: dem.label,
    });
  return {
    grid: g,
    label: dem.label,
    async read(w) {
      const out = new Float32Array(w.width * w.height).fill(NaN);
      const rw = clipWindow(expandWindow(w, 1), g);
      if (!rw) return out;
      const data = await dem.read(rw);
      const res = metricResolution(g, rw);
      const d = hornDerivative(kind, data, rw.width, rw.height, {
        ...res,
        zFactor: opts.zFactor,
        computeEdges: opts.computeEdges ?? true,
        edges: { left: rw.x === 0, top: rw.y === 0, right: rw.x + rw.width === g.width, bottom: rw.y + rw.height === g.height },
        aspectUsesPixelSize: g.crs.isGeographic,
        zeroForFlat: opts.zeroForFlat,
        azimuth: opts.azimuth,
        altitude: opts.altitude,
      });
      const x0 = Math.max(w.x, 0);
      const x1 = Math.min(w.x + w.width, g.width);
      for (let y = Math.max(w.y, 0); y < Math.min(w.y + w.height, g.height); y++) {
        const s = (y - rw.y) * rw.width + (x0 - rw.x);
        out.set(d.subarray(s, s + (x1 - x0)), (y - w.y) * w.width + (x0 - w.x));
      }
      return out;
    },
  };
}

/**
 * A terrain layer ('dem', 'slope' in degrees, 'aspect' in degrees clockwise from north, 'hillshade' 1–255 as
 * gdaldem) of a DEM raster on a target grid.
 */
export function terrainBand(demSource: RasterSource, kind: TerrainKind, target: Grid, opts: TerrainBandOptions = {}): GridBandSource {
  let dem = bandOf(demSource, opts.band ?? 0);
  assertOverlap(dem.grid, target, demSource.info.path);
  if (opts.derivedAtM !== undefined) {
    const gsd = gsdOf(dem.grid);
    if (opts.derivedAtM > Math.max(gsd.x, gsd.y) * 1.01) dem = averagedBand(dem, resampleGrid(dem.grid, opts.derivedAtM));
  }
  const src = kind === 'dem' ? dem : derivativeBand(dem, kind, opts);
  return warpBand(src, target, { method: opts.method ?? 'bilinear', circular: kind === 'aspect' });
}

/** Window side in pixels of a `window-center` normalisation: k = 2·floor(windowM / (2·gsd)) + 1. */
export function windowCenterSize(windowM: number, gsdM: number): number {
  return 2 * Math.floor(windowM / (2 * gsdM)) + 1;
}

/** The GSD (m) a `window-center` window is measured in: (|xres| + |yres|) / 2 of the grid, in metres. */
export function windowCenterGsd(g: Grid): number {
  const s = gsdOf(g);
  return (Math.abs(s.x) + Math.abs(s.y)) / 2;
}

/**
 * Value minus the mean of the valid (finite) values in the k × k window centred on each pixel of a
 * width × height plane (k odd), the window clipped at the plane's edges; NaN where the pixel is NaN
 * (or when its window has no valid value, which cannot happen for a valid pixel). Summed-area
 * tables of the valid values and of their count, in float64. The Python twin is
 * training/scarp_train/preprocess.py `window_center`.
 */
export function windowCenter(plane: ArrayLike<number>, width: number, height: number, k: number): Float64Array {
  const r = (k - 1) >> 1;
  const W1 = width + 1;
  const sum = new Float64Array(W1 * (height + 1));
  const cnt = new Float64Array(W1 * (height + 1));
  for (let y = 0; y < height; y++) {
    let rowSum = 0;
    let rowCnt = 0;
    const src = y * width;
    const above = y * W1;
    const here = (y + 1) * W1;
    for (let x = 0; x < width; x++) {
      const v = plane[src + x]!;
      if (v === v && v !== Infinity && v !== -Infinity) {
        rowSum += v;
        rowCnt++;
      }
      sum[here + x + 1] = sum[above + x + 1]! + rowSum;
      cnt[here + x + 1] = cnt[above + x + 1]! + rowCnt;
    }
  }
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    const y0 = Math.max(0, y - r) * W1;
    const y1 = (Math.min(height - 1, y + r) + 1) * W1;
    for (let x = 0; x < width; x++) {
      const v = plane[y * width + x]!;
      if (!(v === v && v !== Infinity && v !== -Infinity)) {
        out[y * width + x] = NaN;
        continue;
      }
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(width - 1, x + r) + 1;
      const s = sum[y1 + x1]! - sum[y0 + x1]! - sum[y1 + x0]! + sum[y0 + x0]!;
      const n = cnt[y1 + x1]! - cnt[y0 + x1]! - cnt[y1 + x0]! + cnt[y0 + x0]!;
      out[y * width + x] = n > 0 ? v - s / n : NaN;
    }
  }
  return out;
}

/**
 * A band on a grid, window-centred over `windowM` metres (see `windowCenter`) and divided by `scale`
 * (float64, rounded to float32 once), read by windows: each
 * read takes the window plus a halo of (k − 1) / 2 pixels (clipped to the grid), so every pixel sees
 * its whole clipped k × k window and the result equals a whole-scene pass. Memory per read:
 * (w + k − 1)(h + k − 1) values plus two float64 tables of that size (a 256 px tile with a 257 px
 * window: 512² → ~5 MB); the halo is re-read and re-derived for neighbouring tiles (up to ~4× the
 * reads of the plain band), the price of bounded memory on scenes of any size.
 */
export function windowCenterBand(src: GridBandSource, windowM: number, scale = 1): GridBandSource & { readonly k: number } {
  const g = src.grid;
  const k = windowCenterSize(windowM, windowCenterGsd(g));
  const r = (k - 1) >> 1;
  return {
    grid: g,
    k,
    async readWindow(w) {
      const out = new Float32Array(w.width * w.height).fill(NaN);
      const inner = clipWindow(w, g);
      const rw = inner ? clipWindow(expandWindow(inner, r), g) : null;
      if (!inner || !rw) return out;
      const data = await src.readWindow(rw);
      const c = windowCenter(data, rw.width, rw.height, k);
      for (let y = inner.y; y < inner.y + inner.height; y++) {
        const s = (y - rw.y) * rw.width + (inner.x - rw.x);
        const d = (y - w.y) * w.width + (inner.x - w.x);
        for (let x = 0; x < inner.width; x++) out[d + x] = c[s + x]! / scale;
      }
      return out;
    },
  };
}
