/**
 * `evaluate`: pooled pixel metrics of a prediction against a reference, on the reference grid,
 * read by row bands. Prediction: a probability or mask GeoTIFF (value ≥ threshold = landslide) or a
 * polygon file; reference: a mask GeoTIFF (non-zero = landslide, `ignoreValue` and nodata excluded)
 * or a polygon file (rasterised by pixel centre, as gdal_rasterize). When the reference is a polygon
 * file the grid comes from the prediction raster (or `grid`). A prediction raster on another grid
 * of the same CRS is sampled at the reference pixel centres (nearest). Optional: a row range
 * [a, b) and/or an AOI polygon file restricting the pixels counted.
 *
 * Pixels counted: those where the reference is mapped (not nodata, not `ignoreValue`) inside the
 * row range and AOI. A counted pixel with no prediction (prediction nodata/NaN, or outside the
 * prediction raster) is "not predicted" (a negative: a missed landslide or a true negative), never
 * left out, so a prediction covering less than the reference is not flattered; `noPrediction`
 * says how many there were.
 */
import { extname } from 'node:path';
import type { Grid } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { openRaster, sameCrs, type RasterSource } from '../raster';
import type { FlatMultiPolygon } from '../vector/geometry';
import { boundsIntersect, gridBounds, invertGeoTransform, worldToPixel } from '../geo';
import { multiPolygonBounds } from '../vector/geometry';
import { PolygonRasterizer } from '../vector/rasterize';
import { readPolygons } from '../vector/readers';
import { accumulateConfusion, emptyCounts, scores, type ConfusionCounts, type Scores } from './metrics';

export interface EvaluateOptions {
  /** GeoTIFF (probability or mask) or polygon file (.gpkg/.geojson/.json/.shp). */
  prediction: string;
  /** Mask GeoTIFF or polygon file. */
  reference: string;
  /** Reference value excluded (e.g. 255 for unmapped). Default none. */
  ignoreValue?: number | null;
  /** Threshold for a raster prediction (default 0.5). */
  threshold?: number;
  /** Row range [start, end) on the reference grid. */
  rows?: [number, number];
  /** Polygon file (or polygons in the grid's CRS) limiting the evaluated area. */
  aoi?: string | FlatMultiPolygon[];
  /** GeoPackage layer of a polygon prediction/reference. */
  layer?: string;
  /** Grid to use when both inputs are polygons. */
  grid?: Grid;
  /** Rows per band (default 256). */
  bandRows?: number;
}

export interface EvaluationResult extends Scores {
  counts: ConfusionCounts;
  /** Pixels counted (tp + fp + fn + tn). */
  pixels: number;
  /** Pixels of the row range left out (reference ignore value or nodata, outside the AOI). */
  excluded: number;
  /** Counted pixels (reference mapped) where the prediction had no value: counted as not predicted. */
  noPrediction: number;
  rows: [number, number];
  grid: { width: number; height: number };
  threshold: number;
  /** What makes the figures suspect, for the user (e.g. a prediction that does not overlap the reference). */
  warnings: string[];
}

const RASTER_EXT = new Set(['.tif', '.tiff', '.gtiff']);

export function isRaster(path: string): boolean {
  return RASTER_EXT.has(extname(path).toLowerCase());
}

type BandReader = (y0: number, rows: number) => Promise<ArrayLike<number>>;

function sameGrid(a: Grid, b: Grid): boolean {
  if (a.width !== b.width || a.height !== b.height) return false;
  const tol = 1e-6 * Math.max(Math.abs(a.geoTransform[1]), Math.abs(a.geoTransform[5]));
  return a.geoTransform.every((v, i) => Math.abs(v - (b.geoTransform[i] as number)) <= tol);
}

/** Read a raster's band 1 on the target grid by rows (direct windows, or nearest sampling). */
function rasterReader(src: RasterSource, target: Grid): BandReader {
  const g = src.info;
  if (!sameCrs(g.crs, target.crs)) {
    throw new ScarpError({
      code: 'INVALID_ARGUMENT',
      message: `${src.info.path} is in ${g.crs.name}, the reference grid in ${target.crs.name}`,
      hint: 'Evaluate on rasters in the same CRS (warp one with gdalwarp first).',
      file: src.info.path,
    });
  }
  const w = target.width;
  if (sameGrid(g, target)) {
    return async (y0, rows) => (await src.readWindow({ x: 0, y: y0, width: w, height: rows }, [0]))[0] as Float32Array;
  }
  const toPx = invertGeoTransform(g.geoTransform);
  const [ox, a, b, oy, d, e] = target.geoTransform;
  return async (y0, rows) => {
    const out = new Float32Array(w * rows).fill(NaN);
    // Source pixel of each target pixel centre, and the window covering them.
    const sx = new Int32Array(w * rows);
    const sy = new Int32Array(w * rows);
    let x0 = Infinity;
    let x1 = -Infinity;
    let yy0 = Infinity;
    let yy1 = -Infinity;
    for (let r = 0; r < rows; r++) {
      for (let x = 0; x < w; x++) {
        const mx = ox + (x + 0.5) * a + (y0 + r + 0.5) * b;
        const my = oy + (x + 0.5) * d + (y0 + r + 0.5) * e;
        const [px, py] = worldToPixel(toPx, mx, my);
        const ix = Math.floor(px);
        const iy = Math.floor(py);
        const k = r * w + x;
        sx[k] = ix;
        sy[k] = iy;
        if (ix >= 0 && iy >= 0 && ix < g.width && iy < g.height) {
          if (ix < x0) x0 = ix;
          if (ix > x1) x1 = ix;
          if (iy < yy0) yy0 = iy;
          if (iy > yy1) yy1 = iy;
        }
      }
    }
    if (!Number.isFinite(x0)) return out;
    const ww = x1 - x0 + 1;
    const data = (await src.readWindow({ x: x0, y: yy0, width: ww, height: yy1 - yy0 + 1 }, [0]))[0] as Float32Array;
    for (let k = 0; k < out.length; k++) {
      const ix = sx[k] as number;
      const iy = sy[k] as number;
      if (ix >= x0 && ix <= x1 && iy >= yy0 && iy <= yy1) out[k] = data[(iy - yy0) * ww + (ix - x0)] as number;
    }
    return out;
  };
}

function polygonReader(polys: FlatMultiPolygon[], grid: Grid): BandReader {
  const r = new PolygonRasterizer(polys, grid);
  return async (y0, rows) => r.rasterizeRows(y0, rows);
}

export async function evaluate(opts: EvaluateOptions): Promise<EvaluationResult> {
  const threshold = opts.threshold ?? 0.5;
  const opened: RasterSource[] = [];
  try {
    let grid: Grid;
    let refReader: BandReader;
    let predReader: BandReader;
    const warnings: string[] = [];
    let refSrc: RasterSource | null = null;
    let predSrc: RasterSource | null = null;
    if (isRaster(opts.reference)) {
      refSrc = await openRaster(opts.reference);
      opened.push(refSrc);
      grid = { width: refSrc.info.width, height: refSrc.info.height, geoTransform: refSrc.info.geoTransform, crs: refSrc.info.crs };
    } else if (isRaster(opts.prediction)) {
      predSrc = await openRaster(opts.prediction);
      opened.push(predSrc);
      grid = { width: predSrc.info.width, height: predSrc.info.height, geoTransform: predSrc.info.geoTransform, crs: predSrc.info.crs };
    } else if (opts.grid) {
      grid = opts.grid;
    } else {
      throw new ScarpError({
        code: 'INVALID_ARGUMENT',
        message: 'Both the prediction and the reference are polygon files: there is no grid to evaluate on',
        hint: 'Give a raster for one of them (e.g. the reference mask GeoTIFF).',
      });
    }
    if (refSrc) {
      const s = refSrc;
      refReader = async (y0, rows) => (await s.readWindow({ x: 0, y: y0, width: grid.width, height: rows }, [0]))[0] as Float32Array;
    } else {
      const ref = await readPolygons(opts.reference, { crs: grid.crs, layer: opts.layer });
      refReader = polygonReader(ref.features.map((f) => f.geometry), grid);
    }
    if (isRaster(opts.prediction)) {
      if (!predSrc) {
        predSrc = await openRaster(opts.prediction);
        opened.push(predSrc);
      }
      predReader = rasterReader(predSrc, grid);
    } else {
      const pred = await readPolygons(opts.prediction, { crs: grid.crs, layer: opts.layer });
      const polys = pred.features.map((f) => f.geometry);
      predReader = polygonReader(polys, grid);
      const area = gridBounds(grid);
      if (polys.length > 0 && !polys.some((p) => boundsIntersect(multiPolygonBounds(p), area)))
        warnings.push(`None of the ${polys.length} polygons of ${opts.prediction} lies on the reference's area: the two cover different places (or one is in another CRS without saying so), so every landslide of the reference counts as missed.`);
    }
    if (predSrc && !boundsIntersect(gridBounds(predSrc.info), gridBounds(grid)))
      warnings.push(`${opts.prediction} does not overlap the reference's area: every pixel counts as not predicted.`);
    let aoiReader: BandReader | null = null;
    if (opts.aoi !== undefined) {
      const polys = typeof opts.aoi === 'string' ? (await readPolygons(opts.aoi, { crs: grid.crs })).features.map((f) => f.geometry) : opts.aoi;
      aoiReader = polygonReader(polys, grid);
    }
    const [a, b] = opts.rows ?? [0, grid.height];
    if (!(Number.isInteger(a) && Number.isInteger(b) && 0 <= a && a < b && b <= grid.height)) {
      throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Row range ${a}:${b} is not within the grid's 0:${grid.height}`, hint: 'Give a row range start:end with 0 ≤ start < end ≤ height.', options: ['rows'] });
    }
    // Predicted values: probability/mask raster compared with the threshold; rasterised polygons are 0/1.
    const predThreshold = isRaster(opts.prediction) ? threshold : 0.5;
    const counts = emptyCounts();
    let excluded = 0;
    let noPrediction = 0;
    const band = Math.max(1, opts.bandRows ?? 256);
    for (let y = a; y < b; y += band) {
      const rows = Math.min(band, b - y);
      const [ref, pred, aoi] = await Promise.all([refReader(y, rows), predReader(y, rows), aoiReader ? aoiReader(y, rows) : Promise.resolve(null)]);
      const acc = accumulateConfusion(counts, pred, ref, { threshold: predThreshold, ignoreValue: opts.ignoreValue ?? null, aoi });
      excluded += acc.excluded;
      noPrediction += acc.noPrediction;
    }
    return {
      ...scores(counts),
      counts,
      pixels: counts.tp + counts.fp + counts.fn + counts.tn,
      excluded,
      noPrediction,
      rows: [a, b],
      grid: { width: grid.width, height: grid.height },
      threshold: predThreshold,
      warnings,
    };
  } finally {
    for (const s of opened) await s.close().catch(() => undefined);
  }
}
