/**
 * The raster brush on the landslide mask, and the local re-vectorising of what a stroke touched.
 * Pure functions over a window of the scene-grid mask (Uint8Array, 1 = landslide).
 *
 * A stroke is a polyline of dab centres (pixel coordinates of the scene grid, continuous: pixel
 * (i, j) has its centre at (i + 0.5, j + 0.5)) with a radius in pixels; a pixel is under the stroke
 * when its centre lies within the radius of the polyline (capsules between successive dabs).
 *
 * Re-deriving (rules, also in docs/correcting.md):
 * - Only the touched area is re-vectorised: the 8-connected components of the new mask that hold
 *   or neighbour a changed pixel, closed over the old polygons they overlap (an old polygon that
 *   lost pixels is re-derived whole, with all its parts).
 * - Every new polygon keeps the uuid and attributes of the old polygon it overlaps most (pixel
 *   count); an old polygon gives its uuid to one new polygon only, the one overlapping it most — so
 *   when a stroke splits a polygon, the largest part keeps the uuid, and the other parts are new
 *   features (new uuids) with the attributes copied. Kept and new polygons become `edited`.
 * - Old polygons that no new polygon keeps are deleted (e.g. erased false positives, or the smaller
 *   of two polygons a stroke joined).
 * - New polygons are the exact pixel outlines (not simplified), so they rasterize by pixel centre
 *   to exactly the mask: mask and polygons agree.
 */
import type { Window } from '../../../src-shared/geo';
import { polygonizeMask, type PixelRing } from '../vector/polygonize';

export type BrushMode = 'paint' | 'erase';

/** Pixel-space stroke: flat [x0, y0, x1, y1, ...] dab centres, radius in pixels. */
export interface PixelStroke {
  points: ArrayLike<number>;
  radius: number;
}

/** Pixels (grid coordinates) whose centres the stroke covers: its bounding window, clamped to the grid. */
export function strokeWindow(s: PixelStroke, width: number, height: number): Window | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let k = 0; k < s.points.length; k += 2) {
    minX = Math.min(minX, s.points[k] as number);
    maxX = Math.max(maxX, s.points[k] as number);
    minY = Math.min(minY, s.points[k + 1] as number);
    maxY = Math.max(maxY, s.points[k + 1] as number);
  }
  const x0 = Math.max(0, Math.floor(minX - s.radius - 0.5));
  const y0 = Math.max(0, Math.floor(minY - s.radius - 0.5));
  const x1 = Math.min(width, Math.ceil(maxX + s.radius + 0.5));
  const y1 = Math.min(height, Math.ceil(maxY + s.radius + 0.5));
  if (!(x1 > x0 && y1 > y0)) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Apply a stroke to `mask` (a window `win` of the grid): paint sets covered pixels to 1, erase to 0.
 * Returns the window-relative indices of the pixels that changed.
 */
export function applyStroke(mask: Uint8Array, win: Window, s: PixelStroke, mode: BrushMode): Int32Array {
  const sw = strokeWindow(s, win.x + win.width, win.y + win.height);
  const changed: number[] = [];
  if (!sw) return new Int32Array(0);
  const value = mode === 'paint' ? 1 : 0;
  const r2 = s.radius * s.radius;
  const n = s.points.length >> 1;
  const x0 = Math.max(sw.x, win.x);
  const y0 = Math.max(sw.y, win.y);
  const x1 = Math.min(sw.x + sw.width, win.x + win.width);
  const y1 = Math.min(sw.y + sw.height, win.y + win.height);
  for (let y = y0; y < y1; y++) {
    const cy = y + 0.5;
    for (let x = x0; x < x1; x++) {
      const i = (y - win.y) * win.width + (x - win.x);
      if ((mask[i] ? 1 : 0) === value) continue;
      const cx = x + 0.5;
      let inside = false;
      for (let k = 0; k < n && !inside; k++) {
        const ax = s.points[2 * k] as number;
        const ay = s.points[2 * k + 1] as number;
        if (k + 1 < n) {
          const bx = s.points[2 * k + 2] as number;
          const by = s.points[2 * k + 3] as number;
          const dx = bx - ax;
          const dy = by - ay;
          const l2 = dx * dx + dy * dy;
          const t = l2 > 0 ? Math.max(0, Math.min(1, ((cx - ax) * dx + (cy - ay) * dy) / l2)) : 0;
          const px = ax + t * dx - cx;
          const py = ay + t * dy - cy;
          inside = px * px + py * py <= r2;
        } else {
          inside = (ax - cx) * (ax - cx) + (ay - cy) * (ay - cy) <= r2;
        }
      }
      if (inside) {
        mask[i] = value;
        changed.push(i);
      }
    }
  }
  return Int32Array.from(changed);
}

/** An old polygon's pixels (by pixel centre) in a window: a bounding box (window-relative) and its bits. */
export interface FeatureRaster {
  id: number;
  x: number;
  y: number;
  width: number;
  height: number;
  data: Uint8Array;
  /** Whether the polygon lies wholly inside the window (else it must grow). */
  inside: boolean;
}

export interface NewPolygon {
  /** Pixel-corner rings, window-relative, [shell, ...holes] per part. */
  parts: PixelRing[][];
  pixels: number;
  /** The old polygon whose uuid it keeps, or null for a new feature. */
  keeps: number | null;
  /** For a new feature: the old polygon whose attributes it copies (largest overlap), or null. */
  copiesFrom: number | null;
}

export interface Rederived {
  /** Window-relative pixel box the caller's window must cover, when it does not yet (retry with it). */
  grow: { minX: number; minY: number; maxX: number; maxY: number } | null;
  polygons: NewPolygon[];
  /** Old polygons deleted (no new polygon keeps them). */
  deleted: number[];
  /** Old polygons re-derived (kept or deleted): everything the edit touches. */
  touched: number[];
}

/**
 * Re-derive the polygons a stroke touched. `after` is the window's mask after the stroke, `changed`
 * the changed pixels (window indices), `olds` the rasters of the old polygons meeting the window.
 * `atGridEdge` says which window sides are the grid's own edges (components may touch those).
 */
export function rederive(after: Uint8Array, win: Window, changed: ArrayLike<number>, olds: FeatureRaster[], atGridEdge: { left: boolean; top: boolean; right: boolean; bottom: boolean }): Rederived {
  const W = win.width;
  const H = win.height;
  const label = new Int32Array(W * H); // 0 = not affected, k > 0 = component k
  const comps: Array<{ pixels: number[]; minX: number; minY: number; maxX: number; maxY: number }> = [];
  const stack: number[] = [];
  const flood = (seed: number): void => {
    if (!after[seed] || label[seed]) return;
    const id = comps.length + 1;
    const c = { pixels: [] as number[], minX: W, minY: H, maxX: -1, maxY: -1 };
    comps.push(c);
    label[seed] = id;
    stack.push(seed);
    while (stack.length > 0) {
      const i = stack.pop()!;
      c.pixels.push(i);
      const x = i % W;
      const y = (i - x) / W;
      if (x < c.minX) c.minX = x;
      if (x > c.maxX) c.maxX = x;
      if (y < c.minY) c.minY = y;
      if (y > c.maxY) c.maxY = y;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= H) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= W) continue;
          const j = yy * W + xx;
          if (after[j] && !label[j]) {
            label[j] = id;
            stack.push(j);
          }
        }
      }
    }
  };
  const seedAround = (i: number): void => {
    const x = i % W;
    const y = (i - x) / W;
    for (let dy = -1; dy <= 1; dy++) {
      const yy = y + dy;
      if (yy < 0 || yy >= H) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx;
        if (xx >= 0 && xx < W) flood(yy * W + xx);
      }
    }
  };
  for (let k = 0; k < changed.length; k++) seedAround(changed[k] as number);
  // Close over old polygons: one that overlaps a changed pixel or an affected component is touched,
  // and all its remaining pixels seed components too.
  const changedSet = new Uint8Array(W * H);
  for (let k = 0; k < changed.length; k++) changedSet[changed[k] as number] = 1;
  const touched = new Set<number>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const o of olds) {
      if (touched.has(o.id)) continue;
      let hit = false;
      for (let y = 0; y < o.height && !hit; y++) {
        const row = (o.y + y) * W + o.x;
        for (let x = 0; x < o.width; x++) {
          if (o.data[y * o.width + x] && (label[row + x] || changedSet[row + x])) {
            hit = true;
            break;
          }
        }
      }
      if (!hit) continue;
      touched.add(o.id);
      grew = true;
      for (let y = 0; y < o.height; y++) {
        for (let x = 0; x < o.width; x++) if (o.data[y * o.width + x]) flood((o.y + y) * W + o.x + x);
      }
    }
  }
  // Everything affected must lie inside the window, off its inner edges.
  let gMinX = Infinity;
  let gMinY = Infinity;
  let gMaxX = -Infinity;
  let gMaxY = -Infinity;
  let needGrow = false;
  const check = (minX: number, minY: number, maxX: number, maxY: number, inside = true): void => {
    const out = !inside || (minX <= 0 && !atGridEdge.left) || (minY <= 0 && !atGridEdge.top) || (maxX >= W - 1 && !atGridEdge.right) || (maxY >= H - 1 && !atGridEdge.bottom);
    if (out) needGrow = true;
    gMinX = Math.min(gMinX, minX);
    gMinY = Math.min(gMinY, minY);
    gMaxX = Math.max(gMaxX, maxX);
    gMaxY = Math.max(gMaxY, maxY);
  };
  for (const c of comps) check(c.minX, c.minY, c.maxX, c.maxY);
  for (const o of olds) if (touched.has(o.id)) check(o.x, o.y, o.x + o.width - 1, o.y + o.height - 1, o.inside);
  if (needGrow) return { grow: { minX: gMinX, minY: gMinY, maxX: gMaxX, maxY: gMaxY }, polygons: [], deleted: [], touched: [] };

  // Overlaps (pixel counts) of new components with old polygons.
  const overlaps: Array<{ c: number; o: number; n: number }> = [];
  for (const o of olds) {
    if (!touched.has(o.id)) continue;
    const counts = new Map<number, number>();
    for (let y = 0; y < o.height; y++) {
      const row = (o.y + y) * W + o.x;
      for (let x = 0; x < o.width; x++) {
        const l = o.data[y * o.width + x] ? label[row + x]! : 0;
        if (l) counts.set(l, (counts.get(l) ?? 0) + 1);
      }
    }
    for (const [c, n] of counts) overlaps.push({ c, o: o.id, n });
  }
  overlaps.sort((a, b) => b.n - a.n || comps[b.c - 1]!.pixels.length - comps[a.c - 1]!.pixels.length || a.o - b.o);
  const keeps = new Map<number, number>();
  const given = new Set<number>();
  const best = new Map<number, number>();
  for (const { c, o } of overlaps) {
    if (!best.has(c)) best.set(c, o);
    if (keeps.has(c) || given.has(o)) continue;
    keeps.set(c, o);
    given.add(o);
  }
  const polygons: NewPolygon[] = comps.map((c, k) => {
    const id = k + 1;
    const bw = c.maxX - c.minX + 1;
    const bh = c.maxY - c.minY + 1;
    const m = new Uint8Array(bw * bh);
    for (const i of c.pixels) {
      const x = i % W;
      const y = (i - x) / W;
      m[(y - c.minY) * bw + (x - c.minX)] = 1;
    }
    const polys = polygonizeMask(m, bw, bh, { connectivity: 8 });
    const parts: PixelRing[][] = [];
    for (const p of polys) {
      for (const part of p.parts) {
        parts.push(
          part.map((r) => {
            const o = new Int32Array(r.length);
            for (let j = 0; j < r.length; j += 2) {
              o[j] = (r[j] as number) + c.minX;
              o[j + 1] = (r[j + 1] as number) + c.minY;
            }
            return o;
          }),
        );
      }
    }
    const kept = keeps.get(id) ?? null;
    return { parts, pixels: c.pixels.length, keeps: kept, copiesFrom: kept === null ? best.get(id) ?? null : null };
  });
  const deleted = [...touched].filter((o) => !given.has(o)).sort((a, b) => a - b);
  return { grow: null, polygons, deleted, touched: [...touched].sort((a, b) => a - b) };
}
