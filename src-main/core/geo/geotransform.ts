/**
 * GDAL-order affine geotransforms [originX, pixelWidth, rowRotation, originY, columnRotation, pixelHeight]:
 * pixel ↔ map, the transform of a window, the map bounds of a grid or window and the pixel box of map
 * bounds. Pixel-corner convention: pixel (i, j) spans [i, i + 1) × [j, j + 1), its centre at i + 0.5.
 */
import type { Bounds, GeoTransform, Window } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';

/**
 * Inverse of a geotransform (map → pixel), computed as GDAL's GDALInvGeoTransform does — including its
 * exact path for north-up transforms — so pixel positions (and the rasteriser's centre tests) match GDAL's.
 */
export function invertGeoTransform(gt: GeoTransform): GeoTransform {
  const [ox, a, b, oy, d, e] = gt;
  if (b === 0 && d === 0 && a !== 0 && e !== 0) return [-ox / a, 1 / a, 0, -oy / e, 0, 1 / e];
  const det = a * e - b * d;
  const magnitude = Math.max(Math.abs(a), Math.abs(b), Math.abs(d), Math.abs(e));
  if (!Number.isFinite(det) || Math.abs(det) <= 1e-10 * magnitude * magnitude) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `The geotransform [${gt.join(', ')}] is not invertible` });
  }
  const k = 1 / det;
  return [(b * oy - ox * e) * k, e * k, -b * k, (-a * oy + ox * d) * k, -d * k, a * k];
}

/** Map coordinates of pixel position (px, py). */
export function pixelToWorld(gt: GeoTransform, px: number, py: number): [number, number] {
  return [gt[0] + gt[1] * px + gt[2] * py, gt[3] + gt[4] * px + gt[5] * py];
}

/** Pixel position of map point (x, y), given the inverse transform (invertGeoTransform). */
export function worldToPixel(inv: GeoTransform, x: number, y: number): [number, number] {
  return [inv[0] + inv[1] * x + inv[2] * y, inv[3] + inv[4] * x + inv[5] * y];
}

/** The geotransform of the window of a grid starting at pixel (w.x, w.y). */
export function windowGeoTransform(gt: GeoTransform, w: { x: number; y: number }): GeoTransform {
  const [x, y] = pixelToWorld(gt, w.x, w.y);
  return [x, gt[1], gt[2], y, gt[4], gt[5]];
}

/** Map bounds of a pixel window (all four corners, so rotated transforms are enclosed). */
export function windowBounds(gt: GeoTransform, win: Window): Bounds {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [px, py] of [
    [win.x, win.y],
    [win.x + win.width, win.y],
    [win.x, win.y + win.height],
    [win.x + win.width, win.y + win.height],
  ] as const) {
    const [x, y] = pixelToWorld(gt, px, py);
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  return { minX, minY, maxX, maxY };
}

/** Bounds of a whole grid in its own CRS. */
export function gridBounds(g: { width: number; height: number; geoTransform: GeoTransform }): Bounds {
  return windowBounds(g.geoTransform, { x: 0, y: 0, width: g.width, height: g.height });
}

/** Pixel box (grid coordinates, half-open, not clamped) covering map bounds. */
export function pixelBox(gt: GeoTransform, b: Bounds): { x0: number; y0: number; x1: number; y1: number } {
  const inv = invertGeoTransform(gt);
  const pts = [worldToPixel(inv, b.minX, b.minY), worldToPixel(inv, b.maxX, b.minY), worldToPixel(inv, b.minX, b.maxY), worldToPixel(inv, b.maxX, b.maxY)];
  return {
    x0: Math.floor(Math.min(...pts.map((p) => p[0]))),
    y0: Math.floor(Math.min(...pts.map((p) => p[1]))),
    x1: Math.ceil(Math.max(...pts.map((p) => p[0]))),
    y1: Math.ceil(Math.max(...pts.map((p) => p[1]))),
  };
}

/** Whether two bounds (same CRS) share an area: touching edges do not count. */
export function boundsIntersect(a: Bounds, b: Bounds): boolean {
  return a.minX < b.maxX && a.maxX > b.minX && a.minY < b.maxY && a.maxY > b.minY;
}
