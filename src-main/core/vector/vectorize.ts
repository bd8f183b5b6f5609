/**
 * One closed pixel polygon → an inventory polygon: map coordinates, minimum-area filter,
 * validity-preserving simplification (tolerance in metres), attributes of the final geometry.
 * The detect pipeline calls this for each polygon `Polygonizer.push` emits.
 */
import type { Grid } from '../../../src-shared/geo';
import type { PolygonAttributes } from './attributes';
import { computeAttributes } from './attributes';
import { multiPolygonBounds, pixelPartsToMap, type FlatMultiPolygon } from './geometry';
import { meetsMinArea } from './filter';
import { metresPerUnitAt } from './measure';
import type { PixelPolygon } from './polygonize';
import { simplifyMultiPolygon, type SimplifyReport } from './simplify';
import { coordKey } from './validity';

export interface VectorizeOptions {
  /** Grid the mask rows belong to (geotransform and CRS). */
  grid: Pick<Grid, 'geoTransform' | 'crs'>;
  /** Drop polygons smaller than this (m², measured before simplification). Default 0. */
  minAreaM2?: number;
  /** Douglas-Peucker tolerance in metres (validity kept). Default 0 = no simplification. */
  simplifyM?: number;
}

export interface InventoryPolygon {
  /** The polygonizer's id (emission order). */
  id: number;
  geometry: FlatMultiPolygon;
  attributes: PolygonAttributes;
  pixelCount: number;
  /** Hole count as gdal_polygonize counts it (before simplification). */
  holeCount: number;
}

/** Convert a metre tolerance into CRS units at a latitude (geographic CRSs) or through the unit. */
export function toleranceInUnits(metres: number, grid: Pick<Grid, 'crs'>, lat = 0): number {
  return metres / metresPerUnitAt(grid.crs, lat);
}

export function vectorizePolygon(p: PixelPolygon, opts: VectorizeOptions, report?: SimplifyReport): InventoryPolygon | null {
  const crs = opts.grid.crs;
  let geometry = pixelPartsToMap(p.parts, opts.grid.geoTransform);
  if (!meetsMinArea(geometry, crs, opts.minAreaM2 ?? 0)) return null;
  const tolM = opts.simplifyM ?? 0;
  if (tolM > 0) {
    const b = multiPolygonBounds(geometry);
    const tol = toleranceInUnits(tolM, opts.grid, (b.minY + b.maxY) / 2);
    geometry = simplifyMultiPolygon(geometry, { tolerance: tol, keep: p.fixedCorners && fixedKeys(p.fixedCorners, opts.grid.geoTransform) }, report);
  }
  return { id: p.id, geometry, attributes: computeAttributes(geometry, p.stats, crs), pixelCount: p.stats.pixelCount, holeCount: p.holeCount };
}

/** Map-coordinate keys of pixel corners, computed as pixelPartsToMap computes vertices (so they compare equal). */
function fixedKeys(corners: Int32Array, gt: Grid['geoTransform']): Set<string> {
  const [ox, a, b, oy, d, e] = gt;
  const keys = new Set<string>();
  for (let k = 0; k + 1 < corners.length; k += 2) {
    const px = corners[k]!;
    const py = corners[k + 1]!;
    keys.add(coordKey(ox + px * a + py * b, oy + px * d + py * e));
  }
  return keys;
}

/**
 * A polygon of a window whose first pixel is (dx, dy) of the grid, in the grid's pixels (a band of
 * rows: dx = 0; a blob's window: separate.ts). Shifting the integer pixel corners (rather than the
 * geotransform's origin) keeps the map coordinates bit for bit those of a scan of the whole grid, so
 * simplification decides the same way (detect/shard/).
 */
export function offsetPixels(p: PixelPolygon, dx: number, dy: number): PixelPolygon {
  if (dx === 0 && dy === 0) return p;
  const shift = (r: Int32Array): Int32Array => {
    const o = new Int32Array(r.length);
    for (let k = 0; k < r.length; k += 2) {
      o[k] = r[k]! + dx;
      o[k + 1] = r[k + 1]! + dy;
    }
    return o;
  };
  const shifted: PixelPolygon = {
    ...p,
    parts: p.parts.map((rings) => rings.map(shift)),
    bbox: { minX: p.bbox.minX + dx, minY: p.bbox.minY + dy, maxX: p.bbox.maxX + dx, maxY: p.bbox.maxY + dy },
  };
  if (p.fixedCorners) shifted.fixedCorners = shift(p.fixedCorners);
  return shifted;
}
