/**
 * Polygon tools as pure functions over FlatMultiPolygon (project CRS): make valid, merge, split
 * with a line, fill holes, cut a hole. Boolean operations use polyclip-ts (the maintained successor
 * of polygon-clipping; Martinez-Rueda sweep line), whose output is a valid (OGC) MultiPolygon: rings
 * closed, shells counter-clockwise, holes clockwise, no self-intersections; self-intersecting input
 * (e.g. a vertex dragged across an edge) is resolved by the same sweep (even-odd).
 *
 * Rules (also in docs/correcting.md):
 * - merge: the union of the selected polygons is one feature (a MultiPolygon when they do not
 *   touch); it keeps the uuid and attributes of the largest one; the others are deleted.
 * - split with a line: the polyline is extended straight beyond the polygon at both ends and the
 *   polygon is cut into the parts on either side; every connected part becomes a feature, the
 *   largest keeps the uuid, the others get new uuids and copies of the attributes.
 * - fill holes: inner rings are dropped (all, or those smaller than `maxArea`).
 * - cut a hole: the drawn polygon is subtracted.
 */
import * as pc from 'polyclip-ts';
import { ScarpError } from '../../../src-shared/errors';
import { multiPolygonArea, multiPolygonBounds, polygonArea, type FlatMultiPolygon, type FlatPolygon, type FlatRing } from '../vector/geometry';
import { pointInRing } from '../vector/polygonize';

type PcRing = Array<[number, number]>;
type PcPolygon = PcRing[];
type PcMultiPolygon = PcPolygon[];

/**
 * Boolean operations run on coordinates relative to a local origin (the inputs' lower-left corner):
 * at projected magnitudes (10⁵–10⁶ m) polyclip-ts fails on polygons that share collinear pixel-grid
 * edges ("Unable to complete output ring"; a site B landslide against its separated neighbours)
 * where the same shapes near the origin succeed.
 */
type Origin = readonly [number, number];

function originOf(...mps: FlatMultiPolygon[]): Origin {
  let x = Infinity;
  let y = Infinity;
  for (const mp of mps) {
    if (mp.length === 0) continue;
    const b = multiPolygonBounds(mp);
    x = Math.min(x, b.minX);
    y = Math.min(y, b.minY);
  }
  return Number.isFinite(x) && Number.isFinite(y) ? [x, y] : [0, 0];
}

export function toClip(mp: FlatMultiPolygon, origin: Origin = [0, 0]): PcMultiPolygon {
  const [ox, oy] = origin;
  return mp.map((p) =>
    p.map((r) => {
      const out: Array<[number, number]> = [];
      for (let k = 0; k < r.length; k += 2) out.push([(r[k] as number) - ox, (r[k + 1] as number) - oy]);
      // polyclip-ts takes closed or open rings alike; keep closed.
      return out;
    }),
  );
}

export function fromClip(mp: PcMultiPolygon, origin: Origin = [0, 0]): FlatMultiPolygon {
  const [ox, oy] = origin;
  return mp.map((p) =>
    p.map((ring) => {
      const closed = ring.length > 0 && ring[0]![0] === ring[ring.length - 1]![0] && ring[0]![1] === ring[ring.length - 1]![1];
      const n = ring.length + (closed ? 0 : 1);
      const o = new Float64Array(n * 2);
      ring.forEach(([x, y], k) => {
        o[2 * k] = x + ox;
        o[2 * k + 1] = y + oy;
      });
      if (!closed) {
        o[2 * (n - 1)] = ring[0]![0] + ox;
        o[2 * (n - 1) + 1] = ring[0]![1] + oy;
      }
      return o;
    }),
  );
}

function nonEmpty(mp: FlatMultiPolygon, what: string): FlatMultiPolygon {
  if (mp.length === 0 || multiPolygonArea(mp) <= 0) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${what} leaves an empty polygon.` });
  return mp;
}

/**
 * polyclip-ts throws a plain Error on some degenerate inputs (rings it cannot close, e.g. from a
 * corrupted file's coordinates); that is bad input, not an internal fault.
 */
function clip<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof ScarpError) throw e;
    throw new ScarpError(
      {
        code: 'INVALID_ARGUMENT',
        message: `A polygon's outline could not be resolved (${e instanceof Error ? e.message.split('.')[0] : String(e)}): its rings are degenerate or cross themselves.`,
        hint: 'Repair the geometry (for example with QGIS "Fix geometries") and try again.',
      },
      { cause: e },
    );
  }
}

/** A valid version of any (multi)polygon: self-intersections resolved, rings oriented, duplicates dropped. */
export function makeValid(mp: FlatMultiPolygon): FlatMultiPolygon {
  if (mp.length === 0) return [];
  const o = originOf(mp);
  return clip(() => fromClip(pc.union(toClip(mp, o)), o));
}

/** The union of several (multi)polygons. */
export function unionAll(mps: FlatMultiPolygon[]): FlatMultiPolygon {
  const o = originOf(...mps);
  const geoms = mps.filter((m) => m.length > 0).map((m) => toClip(m, o));
  if (geoms.length === 0) return [];
  return clip(() => fromClip(pc.union(geoms[0]!, ...geoms.slice(1)), o));
}

export function difference(a: FlatMultiPolygon, b: FlatMultiPolygon): FlatMultiPolygon {
  if (a.length === 0) return [];
  if (b.length === 0) return makeValid(a);
  const o = originOf(a, b);
  return clip(() => fromClip(pc.difference(toClip(a, o), toClip(b, o)), o));
}

export function intersection(a: FlatMultiPolygon, b: FlatMultiPolygon): FlatMultiPolygon {
  if (a.length === 0 || b.length === 0) return [];
  const o = originOf(a, b);
  return clip(() => fromClip(pc.intersection(toClip(a, o), toClip(b, o)), o));
}

/** Even-odd: inside a multipolygon (holes excluded). */
function insideMulti(mp: FlatMultiPolygon, x: number, y: number): boolean {
  return mp.some((p) => p.reduce((inside, r) => (pointInRing(x, y, r) ? !inside : inside), false));
}

/**
 * Area of the overlap of two (multi)polygons, in map units². Exact (polyclip-ts) where the sweep
 * succeeds; polyclip-ts can fail on nearly coincident edges (e.g. an outline reprojected there and
 * back running along pixel-aligned polygon edges), and then the overlap is measured on a 256 × 256
 * lattice over the shared bounding box (error below 1% of that box).
 */
export function overlapArea(a: FlatMultiPolygon, b: FlatMultiPolygon): number {
  if (a.length === 0 || b.length === 0) return 0;
  const ba = multiPolygonBounds(a);
  const bb = multiPolygonBounds(b);
  const x0 = Math.max(ba.minX, bb.minX);
  const x1 = Math.min(ba.maxX, bb.maxX);
  const y0 = Math.max(ba.minY, bb.minY);
  const y1 = Math.min(ba.maxY, bb.maxY);
  if (!(x1 > x0 && y1 > y0)) return 0;
  try {
    return multiPolygonArea(intersection(a, b));
  } catch {
    const N = 256;
    const dx = (x1 - x0) / N;
    const dy = (y1 - y0) / N;
    let hits = 0;
    for (let i = 0; i < N; i++) {
      const y = y0 + (i + 0.5) * dy;
      for (let j = 0; j < N; j++) {
        const x = x0 + (j + 0.5) * dx;
        if (insideMulti(a, x, y) && insideMulti(b, x, y)) hits++;
      }
    }
    return hits * dx * dy;
  }
}

/** Intersection over union of two (multi)polygons; 0 when either is empty (overlap by overlapArea). */
export function iou(a: FlatMultiPolygon, b: FlatMultiPolygon): number {
  const aa = multiPolygonArea(a);
  const ab = multiPolygonArea(b);
  if (aa <= 0 || ab <= 0) return 0;
  const inter = Math.min(overlapArea(a, b), aa, ab);
  const union = aa + ab - inter;
  return union > 0 ? inter / union : 0;
}

/** Merge: the union of the polygons (valid; a MultiPolygon when they do not touch). */
export function mergePolygons(mps: FlatMultiPolygon[]): FlatMultiPolygon {
  if (mps.length < 2) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'Select at least two landslides to merge.' });
  return nonEmpty(unionAll(mps), 'Merging');
}

/** Drop holes: all of them, or those with an area below `maxArea` (map units²). */
export function fillHoles(mp: FlatMultiPolygon, maxArea = Infinity): FlatMultiPolygon {
  return mp.map((p) => [p[0]!, ...p.slice(1).filter((h) => polygonArea([h]) >= maxArea)]);
}

/** Cut a hole (or a bite at the edge): the polygon minus `hole`. */
export function cutHole(mp: FlatMultiPolygon, hole: FlatMultiPolygon): FlatMultiPolygon {
  return nonEmpty(difference(mp, hole), 'Cutting that hole');
}

/** The parts (connected polygons) of a MultiPolygon, largest first. */
export function partsBySize(mp: FlatMultiPolygon): FlatMultiPolygon[] {
  return mp
    .map((p) => ({ p, a: polygonArea(p) }))
    .sort((x, y) => y.a - x.a)
    .map(({ p }) => [p]);
}

/** Where the ray from (x, y) in direction (dx, dy) leaves the box (x inside it). */
function exitPoint(x: number, y: number, dx: number, dy: number, b: { minX: number; minY: number; maxX: number; maxY: number }): [number, number] {
  let t = Infinity;
  if (dx > 0) t = Math.min(t, (b.maxX - x) / dx);
  if (dx < 0) t = Math.min(t, (b.minX - x) / dx);
  if (dy > 0) t = Math.min(t, (b.maxY - y) / dy);
  if (dy < 0) t = Math.min(t, (b.minY - y) / dy);
  return [x + dx * t, y + dy * t];
}

/** Position along the box boundary, counter-clockwise from (minX, minY): 0..4. */
function boundaryParam(x: number, y: number, b: { minX: number; minY: number; maxX: number; maxY: number }): number {
  const w = b.maxX - b.minX;
  const h = b.maxY - b.minY;
  const eps = 1e-9 * Math.max(w, h);
  if (Math.abs(y - b.minY) <= eps) return (x - b.minX) / w; // bottom, left → right
  if (Math.abs(x - b.maxX) <= eps) return 1 + (y - b.minY) / h; // right, bottom → top
  if (Math.abs(y - b.maxY) <= eps) return 2 + (b.maxX - x) / w; // top, right → left
  return 3 + (b.maxY - y) / h; // left, top → bottom
}

/**
 * Split a (multi)polygon with a polyline [x0, y0, x1, y1, ...] (at least 2 points). The line is
 * extended straight beyond both ends to a box around polygon and line, and closed along that box
 * into a "left side" polygon; the parts are polygon ∩ left and polygon − left, each split into its
 * connected parts. Returns the parts largest first; fewer than 2 means the line does not cut it.
 */
export function splitByLine(mp: FlatMultiPolygon, line: ArrayLike<number>): FlatMultiPolygon[] {
  const n = line.length >> 1;
  if (n < 2) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'A split line needs at least two points.' });
  const pb = multiPolygonBounds(mp);
  const box = { minX: pb.minX, minY: pb.minY, maxX: pb.maxX, maxY: pb.maxY };
  for (let k = 0; k < n; k++) {
    box.minX = Math.min(box.minX, line[2 * k] as number);
    box.maxX = Math.max(box.maxX, line[2 * k] as number);
    box.minY = Math.min(box.minY, line[2 * k + 1] as number);
    box.maxY = Math.max(box.maxY, line[2 * k + 1] as number);
  }
  const pad = Math.max(box.maxX - box.minX, box.maxY - box.minY, 1e-9) * 0.5;
  box.minX -= pad;
  box.minY -= pad;
  box.maxX += pad;
  box.maxY += pad;
  const pts: Array<[number, number]> = [];
  for (let k = 0; k < n; k++) {
    const x = line[2 * k] as number;
    const y = line[2 * k + 1] as number;
    const last = pts[pts.length - 1];
    if (!last || last[0] !== x || last[1] !== y) pts.push([x, y]);
  }
  if (pts.length < 2) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'The split line has no length.' });
  const [s0, s1] = [pts[0]!, pts[1]!];
  const [e1, e0] = [pts[pts.length - 2]!, pts[pts.length - 1]!];
  const start = exitPoint(s0[0], s0[1], s0[0] - s1[0], s0[1] - s1[1], box);
  const end = exitPoint(e0[0], e0[1], e0[0] - e1[0], e0[1] - e1[1], box);
  // Close from `end` back to `start` counter-clockwise along the box, through its corners.
  const corners: Array<[number, number, number]> = [
    [box.minX, box.minY, 0],
    [box.maxX, box.minY, 1],
    [box.maxX, box.maxY, 2],
    [box.minX, box.maxY, 3],
  ];
  const tEnd = boundaryParam(end[0], end[1], box);
  let tStart = boundaryParam(start[0], start[1], box);
  if (tStart <= tEnd) tStart += 4;
  const ring: Array<[number, number]> = [start, ...pts, end];
  for (const [cx, cy, ct] of [...corners, ...corners.map(([x, y, t]) => [x, y, t + 4] as [number, number, number])]) {
    if (ct > tEnd && ct < tStart) ring.push([cx, cy]);
  }
  ring.push(start);
  const o = originOf(mp);
  const side: PcPolygon = [ring.map(([x, y]): [number, number] => [x - o[0], y - o[1]])];
  const subject = toClip(mp, o);
  const a = fromClip(pc.intersection(subject, side), o);
  const b = fromClip(pc.difference(subject, side), o);
  return [...a, ...b]
    .map((p) => ({ p, area: polygonArea(p) }))
    .filter((x) => x.area > 0)
    .sort((x, y) => y.area - x.area)
    .map(({ p }) => [p] as FlatMultiPolygon);
}

/** Replace one vertex (ring `ring` of part `part`, vertex `index`), keeping the ring closed. */
export function moveVertex(mp: FlatMultiPolygon, part: number, ring: number, index: number, x: number, y: number): FlatMultiPolygon {
  return editRing(mp, part, ring, (r) => {
    const n = (r.length >> 1) - 1;
    if (index < 0 || index >= n) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `No vertex ${index} in that ring.` });
    const o = Float64Array.from(r);
    o[2 * index] = x;
    o[2 * index + 1] = y;
    if (index === 0) {
      o[2 * n] = x;
      o[2 * n + 1] = y;
    }
    return o;
  });
}

/** Insert a vertex after vertex `index`. */
export function insertVertex(mp: FlatMultiPolygon, part: number, ring: number, index: number, x: number, y: number): FlatMultiPolygon {
  return editRing(mp, part, ring, (r) => {
    const o = new Float64Array(r.length + 2);
    o.set(r.subarray(0, 2 * (index + 1)), 0);
    o[2 * (index + 1)] = x;
    o[2 * (index + 1) + 1] = y;
    o.set(r.subarray(2 * (index + 1)), 2 * (index + 2));
    return o;
  });
}

/** Delete vertex `index` (a ring keeps at least 3 distinct vertices). */
export function deleteVertex(mp: FlatMultiPolygon, part: number, ring: number, index: number): FlatMultiPolygon {
  return editRing(mp, part, ring, (r) => {
    const n = (r.length >> 1) - 1;
    if (n <= 3) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'A ring needs at least three vertices.' });
    const pts: number[] = [];
    for (let k = 0; k < n; k++) if (k !== index) pts.push(r[2 * k] as number, r[2 * k + 1] as number);
    pts.push(pts[0]!, pts[1]!);
    return Float64Array.from(pts);
  });
}

function editRing(mp: FlatMultiPolygon, part: number, ring: number, f: (r: FlatRing) => FlatRing): FlatMultiPolygon {
  const p = mp[part];
  const r = p?.[ring];
  if (!p || !r) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `No ring ${ring} in part ${part}.` });
  const np: FlatPolygon = p.map((x, i) => (i === ring ? f(x) : x));
  return nonEmpty(makeValid(mp.map((x, i) => (i === part ? np : x))), 'That vertex edit');
}
