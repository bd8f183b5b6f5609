/** Pixel grids and windows: validation, intersection, tiling, sub-grids and re-gridding to another GSD. */
import type { Bounds, Grid, Window } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { ellipsoidOf, gridBounds, metresPerDegree, windowGeoTransform } from '../geo';

/** Throws INVALID_ARGUMENT unless the window has integer offsets and a positive integer size. */
export function assertWindow(w: Window, file?: string): void {
  const ok = [w.x, w.y, w.width, w.height].every(Number.isInteger) && w.width > 0 && w.height > 0;
  if (!ok)
    throw new ScarpError({
      code: 'INVALID_ARGUMENT',
      message: `Invalid pixel window ${JSON.stringify(w)}${file ? ` for ${file}` : ''}: offsets must be integers and sizes positive integers`,
      file,
    });
}

/** Intersection of two windows, or null when they do not overlap. */
export function intersectWindows(a: Window, b: Window): Window | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  return x1 > x && y1 > y ? { x, y, width: x1 - x, height: y1 - y } : null;
}

/** The window clipped to the grid, or null when entirely outside. */
export function clipWindow(w: Window, g: { width: number; height: number }): Window | null {
  return intersectWindows(w, { x: 0, y: 0, width: g.width, height: g.height });
}

/** A window grown by `n` pixels on every side (not clipped). */
export function expandWindow(w: Window, n: number): Window {
  return { x: w.x - n, y: w.y - n, width: w.width + 2 * n, height: w.height + 2 * n };
}

/** Windows of at most `size` × `size` covering the grid, row by row. */
export function* tileWindows(g: { width: number; height: number }, size: number, sizeY = size): Generator<Window> {
  for (let y = 0; y < g.height; y += sizeY) {
    for (let x = 0; x < g.width; x += size) {
      yield { x, y, width: Math.min(size, g.width - x), height: Math.min(sizeY, g.height - y) };
    }
  }
}

/** Full-width row bands of `rows` rows covering the grid. */
export function* rowBands(g: { width: number; height: number }, rows: number): Generator<Window> {
  for (let y = 0; y < g.height; y += rows) yield { x: 0, y, width: g.width, height: Math.min(rows, g.height - y) };
}

/** The grid of a window of a grid (same CRS and resolution). */
export function subGrid(g: Grid, w: Window): Grid {
  return { width: w.width, height: w.height, geoTransform: windowGeoTransform(g.geoTransform, w), crs: g.crs };
}

/** A north-up grid covering `bounds` with square pixels of `pixelSize` CRS units (size rounded up). */
export function gridFromBounds(bounds: Bounds, pixelSize: number, crs: Grid['crs'], pixelSizeY = pixelSize): Grid {
  const width = Math.max(1, Math.ceil((bounds.maxX - bounds.minX) / pixelSize - 1e-9));
  const height = Math.max(1, Math.ceil((bounds.maxY - bounds.minY) / pixelSizeY - 1e-9));
  return { width, height, geoTransform: [bounds.minX, pixelSize, 0, bounds.maxY, 0, -pixelSizeY], crs };
}

/** Whether the grid is north-up (no rotation terms). */
export function isNorthUp(g: Grid): boolean {
  return g.geoTransform[2] === 0 && g.geoTransform[4] === 0;
}

/**
 * The grid with the same origin and extent at a GSD of `gsdMetres` (square in metres; for geographic CRSs the
 * degrees per pixel come from metres per degree at the grid's centre latitude). Pixels are exactly the requested
 * size; the size is rounded to the nearest whole pixel (at least 1), so the extent may differ by < ½ pixel.
 */
export function resampleGrid(g: Grid, gsdMetres: number): Grid {
  if (!(gsdMetres > 0))
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Target GSD must be positive, got ${gsdMetres}` });
  if (!isNorthUp(g))
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'resampleGrid needs a north-up grid (no rotation in the geotransform)' });
  const [ox, a, , oy, , e] = g.geoTransform;
  let px: number;
  let py: number;
  if (g.crs.isGeographic) {
    const b = gridBounds(g);
    const m = metresPerDegree((b.minY + b.maxY) / 2, ellipsoidOf(g.crs));
    px = gsdMetres / m.x;
    py = gsdMetres / m.y;
  } else {
    const k = g.crs.metresPerUnit ?? 1;
    px = gsdMetres / k;
    py = gsdMetres / k;
  }
  const width = Math.max(1, Math.round((Math.abs(a) * g.width) / px));
  const height = Math.max(1, Math.round((Math.abs(e) * g.height) / py));
  return { width, height, geoTransform: [ox, Math.sign(a) * px, 0, oy, 0, Math.sign(e) * py], crs: g.crs };
}
