/**
 * A simulated operator, for measuring learning from corrections without a person:
 * - reference landslides are the 8-connected components of reference = 1 inside the review rows
 *   (unmapped pixels excluded);
 * - candidate decisions are every predicted polygon whose centroid lies in the review rows (confirm
 *   it if ≥ 50 % of its area is on reference landslide pixels, else reject it) and every reference
 *   landslide less than 20 % covered by predicted polygons (draw it: "missed");
 * - all candidates are sorted by area, largest first, and the first N are applied.
 * With `uninformative`, the only candidates are the predicted polygons that are already right
 * (confirmations).
 * Areas and overlaps are counted in reference pixels (polygons burned by pixel centre).
 */
import type { Grid, Window } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { invertGeoTransform, windowGeoTransform, worldToPixel } from '../geo';
import { Polygonizer, multiPolygonBounds, rasterizePolygons, vectorizePolygon, type FlatMultiPolygon } from '../vector';
import type { LabelDecision } from './labels';

export interface ReferenceMask {
  grid: Grid;
  /** width × height: 1 = landslide, 0 = not, 255 = unmapped (the reference read by referenceClass). */
  values: Uint8Array;
}

export interface SimulationOptions {
  /** Review rows [start, end) of the reference grid. */
  reviewRows: [number, number];
  corrections: number;
  uninformative?: boolean;
}

export interface SimulatedDecision extends LabelDecision {
  /** Index of the predicted polygon it decides on (−1 for a drawn landslide). */
  polygon: number;
  /** Area in reference pixels (the sort key). */
  pixels: number;
}

/** Area-weighted centroid of a multipolygon (holes subtract). */
export function centroidOf(mp: FlatMultiPolygon): [number, number] {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (const poly of mp) {
    for (const ring of poly) {
      const n = ring.length >> 1;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const x0 = ring[2 * j]!;
        const y0 = ring[2 * j + 1]!;
        const x1 = ring[2 * i]!;
        const y1 = ring[2 * i + 1]!;
        const cross = x0 * y1 - x1 * y0;
        a += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
      }
    }
  }
  if (a === 0) {
    const b = multiPolygonBounds(mp);
    return [(b.minX + b.maxX) / 2, (b.minY + b.maxY) / 2];
  }
  return [cx / (3 * a), cy / (3 * a)];
}

/** Pixel window of a geometry on a grid (clipped), or null outside. */
function windowOf(grid: Grid, mp: FlatMultiPolygon): Window | null {
  const b = multiPolygonBounds(mp);
  const inv = invertGeoTransform(grid.geoTransform);
  const pts = [worldToPixel(inv, b.minX, b.minY), worldToPixel(inv, b.maxX, b.maxY), worldToPixel(inv, b.minX, b.maxY), worldToPixel(inv, b.maxX, b.minY)];
  const x0 = Math.max(0, Math.floor(Math.min(...pts.map((p) => p[0]))));
  const y0 = Math.max(0, Math.floor(Math.min(...pts.map((p) => p[1]))));
  const x1 = Math.min(grid.width, Math.ceil(Math.max(...pts.map((p) => p[0]))));
  const y1 = Math.min(grid.height, Math.ceil(Math.max(...pts.map((p) => p[1]))));
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
}

/** Calls `f(index on the full grid)` for every pixel of the geometry (pixel-centre rule). */
function forPixels(grid: Grid, mp: FlatMultiPolygon, f: (k: number) => void): void {
  const w = windowOf(grid, mp);
  if (!w) return;
  const m = rasterizePolygons([mp], { width: w.width, height: w.height, geoTransform: windowGeoTransform(grid.geoTransform, w) });
  for (let y = 0; y < w.height; y++) {
    for (let x = 0; x < w.width; x++) if (m[y * w.width + x]) f((w.y + y) * grid.width + w.x + x);
  }
}

/** The reference landslides of the review rows, as polygons on the reference grid. */
export function referenceLandslides(ref: ReferenceMask, rows: [number, number]): FlatMultiPolygon[] {
  const { width, height } = ref.grid;
  const [a, b] = [Math.max(0, rows[0]), Math.min(height, rows[1])];
  const polygonizer = new Polygonizer({ width, height: b - a, connectivity: 8 });
  const out: FlatMultiPolygon[] = [];
  const sub: Grid = { ...ref.grid, height: b - a, geoTransform: windowGeoTransform(ref.grid.geoTransform, { x: 0, y: a }) };
  const take = (list: ReturnType<Polygonizer['push']>): void => {
    for (const p of list) {
      const v = vectorizePolygon(p, { grid: sub });
      if (v) out.push(v.geometry);
    }
  };
  const band = 256;
  for (let y = a; y < b; y += band) {
    const n = Math.min(band, b - y);
    const mask = new Uint8Array(n * width);
    for (let k = 0; k < mask.length; k++) mask[k] = ref.values[y * width + k] === 1 ? 1 : 0;
    take(polygonizer.push(y - a, mask));
  }
  take(polygonizer.finish());
  return out;
}

/** The operator's decisions on `predicted` (polygons in the reference grid's CRS). */
export function simulateOperator(ref: ReferenceMask, predicted: readonly FlatMultiPolygon[], opts: SimulationOptions): SimulatedDecision[] {
  const { grid, values } = ref;
  if (values.length !== grid.width * grid.height) throw new ScarpError({ code: 'INTERNAL', message: 'Reference mask size does not match its grid.' });
  const [r0, r1] = opts.reviewRows;
  const inv = invertGeoTransform(grid.geoTransform);
  const candidates: SimulatedDecision[] = [];

  const covered = new Uint8Array(values.length);
  predicted.forEach((mp, i) => {
    let pixels = 0;
    let onLandslide = 0;
    forPixels(grid, mp, (k) => {
      covered[k] = 1;
      pixels++;
      if (values[k] === 1) onLandslide++;
    });
    const [, row] = worldToPixel(inv, ...centroidOf(mp));
    if (!(row >= r0 && row < r1) || pixels === 0) return;
    const right = onLandslide >= 0.5 * pixels;
    if (opts.uninformative && !right) return;
    candidates.push({ kind: right ? 'confirmed' : 'rejected', geometry: mp, polygon: i, pixels });
  });
  if (!opts.uninformative) {
    for (const mp of referenceLandslides(ref, opts.reviewRows)) {
      let pixels = 0;
      let hit = 0;
      forPixels(grid, mp, (k) => {
        pixels++;
        if (covered[k]) hit++;
      });
      if (pixels > 0 && hit < 0.2 * pixels) candidates.push({ kind: 'drawn', geometry: mp, polygon: -1, pixels });
    }
  }
  // Largest first; ties keep a stable, documented order (predicted polygons by index, then drawn).
  candidates.sort((p, q) => q.pixels - p.pixels);
  return candidates.slice(0, Math.max(0, opts.corrections));
}
