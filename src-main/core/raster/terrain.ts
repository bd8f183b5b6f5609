/**
 * Terrain layers on a target grid: slope, aspect and hillshade are derived at the DEM's own resolution (or on the
 * DEM area-averaged to `derivedAtM` metres when the DEM is finer), by windows with a 1-pixel halo, then warped
 * bilinearly onto the target grid (aspect through its unit vector). Never from an up-sampled DEM.
 */
import type { Grid, Window } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import type { GridBandSource, RasterSource } from './types';
import { averagedBand, bandOf, type BandProvider } from './band-provider';
import { ellipsoidOf, gsdOf, metresPerDegree } from './crs';
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
