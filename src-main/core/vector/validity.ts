/**
 * Validity checks for one (multi)polygon's rings, with grid indexes so large rings stay fast:
 * - segment intersections between and within rings (proper crossings, T-touches, collinear
 *   overlaps, spikes); touching at a vertex both rings share and that is listed as an allowed
 *   touch point (pinch points of pixel polygons) is allowed;
 * - point-in-ring with a band index.
 */

/** Key of a coordinate pair for hashing exact vertices. */
export function coordKey(x: number, y: number): string {
  return `${x},${y}`;
}

function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const v = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

function onSegment(ax: number, ay: number, bx: number, by: number, px: number, py: number): boolean {
  return Math.min(ax, bx) <= px && px <= Math.max(ax, bx) && Math.min(ay, by) <= py && py <= Math.max(ay, by);
}

/**
 * Classify the intersection of segments AB and CD: 0 none; 1 they meet only at an endpoint shared
 * by both (same coordinates); 2 any other contact (crossing, T-touch, collinear overlap).
 */
export function segmentContact(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, dx: number, dy: number): 0 | 1 | 2 {
  if (Math.max(ax, bx) < Math.min(cx, dx) || Math.max(cx, dx) < Math.min(ax, bx) || Math.max(ay, by) < Math.min(cy, dy) || Math.max(cy, dy) < Math.min(ay, by)) return 0;
  const o1 = orient(ax, ay, bx, by, cx, cy);
  const o2 = orient(ax, ay, bx, by, dx, dy);
  const o3 = orient(cx, cy, dx, dy, ax, ay);
  const o4 = orient(cx, cy, dx, dy, bx, by);
  if (o1 === 0 && o2 === 0) {
    // Collinear: overlapping in more than a point?
    const useX = Math.abs(bx - ax) >= Math.abs(by - ay);
    const a0 = useX ? Math.min(ax, bx) : Math.min(ay, by);
    const a1 = useX ? Math.max(ax, bx) : Math.max(ay, by);
    const c0 = useX ? Math.min(cx, dx) : Math.min(cy, dy);
    const c1 = useX ? Math.max(cx, dx) : Math.max(cy, dy);
    const lo = Math.max(a0, c0);
    const hi = Math.min(a1, c1);
    if (hi < lo) return 0;
    if (hi > lo) return 2;
    return sharedEndpoint(ax, ay, bx, by, cx, cy, dx, dy) ? 1 : 2;
  }
  if (o1 !== o2 && o3 !== o4) {
    // Proper or endpoint contact.
    if (o1 === 0 || o2 === 0 || o3 === 0 || o4 === 0) return sharedEndpoint(ax, ay, bx, by, cx, cy, dx, dy) ? 1 : 2;
    return 2;
  }
  if (o1 === 0 && onSegment(ax, ay, bx, by, cx, cy)) return sharedEndpoint(ax, ay, bx, by, cx, cy, dx, dy) ? 1 : 2;
  if (o2 === 0 && onSegment(ax, ay, bx, by, dx, dy)) return sharedEndpoint(ax, ay, bx, by, cx, cy, dx, dy) ? 1 : 2;
  if (o3 === 0 && onSegment(cx, cy, dx, dy, ax, ay)) return sharedEndpoint(ax, ay, bx, by, cx, cy, dx, dy) ? 1 : 2;
  if (o4 === 0 && onSegment(cx, cy, dx, dy, bx, by)) return sharedEndpoint(ax, ay, bx, by, cx, cy, dx, dy) ? 1 : 2;
  return 0;
}

function sharedEndpoint(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, dx: number, dy: number): boolean {
  return (ax === cx && ay === cy) || (ax === dx && ay === dy) || (bx === cx && by === cy) || (bx === dx && by === dy);
}

/**
 * Find rings involved in invalid contacts. `rings` are closed flat rings; `allowed` holds the
 * coordinate keys where different rings (or a ring with itself at non-adjacent segments) may touch.
 * Returns the set of offending ring indices.
 */
export function findIntersectingRings(rings: Float64Array[], allowed: Set<string>): Set<number> {
  const bad = new Set<number>();
  // Segment table.
  let nseg = 0;
  for (const r of rings) nseg += (r.length >> 1) - 1;
  if (nseg === 0) return bad;
  const segRing = new Int32Array(nseg);
  const segIdx = new Int32Array(nseg);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  let totalLen = 0;
  let s = 0;
  rings.forEach((r, ri) => {
    const n = (r.length >> 1) - 1;
    for (let k = 0; k < n; k++) {
      segRing[s] = ri;
      segIdx[s] = k;
      s++;
      const x = r[2 * k] as number;
      const y = r[2 * k + 1] as number;
      totalLen += Math.abs((r[2 * k + 2] as number) - x) + Math.abs((r[2 * k + 3] as number) - y);
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  });
  // Adjacent segments of one ring: spikes (going back along the same line).
  rings.forEach((r, ri) => {
    const n = (r.length >> 1) - 1;
    if (n < 3) {
      bad.add(ri);
      return;
    }
    for (let k = 0; k < n; k++) {
      const k1 = (k + 1) % n;
      const ax = r[2 * k] as number;
      const ay = r[2 * k + 1] as number;
      const bx = r[2 * k1] as number;
      const by = r[2 * k1 + 1] as number;
      const cx = r[2 * k1 + 2] as number;
      const cy = r[2 * k1 + 3] as number;
      if (orient(ax, ay, bx, by, cx, cy) === 0 && (bx - ax) * (cx - bx) + (by - ay) * (cy - by) <= 0) {
        bad.add(ri);
        return;
      }
    }
  });
  // Uniform grid over the extent; cell about the mean segment length (bounded cell count).
  const w = Math.max(maxX - minX, 1e-12);
  const h = Math.max(maxY - minY, 1e-12);
  const mean = Math.max(totalLen / nseg, 1e-12);
  let cell = mean * 2;
  const maxCells = Math.max(64, nseg * 2);
  while ((w / cell + 1) * (h / cell + 1) > maxCells) cell *= 1.5;
  const gw = Math.floor(w / cell) + 1;
  const gh = Math.floor(h / cell) + 1;
  const buckets = new Map<number, number[]>();
  for (let i = 0; i < nseg; i++) {
    const r = rings[segRing[i] as number] as Float64Array;
    const k = segIdx[i] as number;
    const x0 = r[2 * k] as number;
    const y0 = r[2 * k + 1] as number;
    const x1 = r[2 * k + 2] as number;
    const y1 = r[2 * k + 3] as number;
    const cx0 = Math.floor((Math.min(x0, x1) - minX) / cell);
    const cx1 = Math.min(gw - 1, Math.floor((Math.max(x0, x1) - minX) / cell));
    const cy0 = Math.floor((Math.min(y0, y1) - minY) / cell);
    const cy1 = Math.min(gh - 1, Math.floor((Math.max(y0, y1) - minY) / cell));
    for (let gy = cy0; gy <= cy1; gy++) {
      for (let gx = cx0; gx <= cx1; gx++) {
        const key = gy * gw + gx;
        const b = buckets.get(key);
        if (b) b.push(i);
        else buckets.set(key, [i]);
      }
    }
  }
  for (const b of buckets.values()) {
    for (let p = 0; p < b.length; p++) {
      const i = b[p] as number;
      const ri = segRing[i] as number;
      const ra = rings[ri] as Float64Array;
      const ka = segIdx[i] as number;
      const na = (ra.length >> 1) - 1;
      const ax = ra[2 * ka] as number;
      const ay = ra[2 * ka + 1] as number;
      const bx = ra[2 * ka + 2] as number;
      const by = ra[2 * ka + 3] as number;
      for (let q = p + 1; q < b.length; q++) {
        const j = b[q] as number;
        const rj = segRing[j] as number;
        const kb = segIdx[j] as number;
        if (ri === rj && (kb === ka + 1 || ka === kb + 1 || (ka === 0 && kb === na - 1) || (kb === 0 && ka === na - 1))) continue;
        if (bad.has(ri) && bad.has(rj)) continue;
        const rb = rings[rj] as Float64Array;
        const cx = rb[2 * kb] as number;
        const cy = rb[2 * kb + 1] as number;
        const dx = rb[2 * kb + 2] as number;
        const dy = rb[2 * kb + 3] as number;
        const c = segmentContact(ax, ay, bx, by, cx, cy, dx, dy);
        if (c === 0) continue;
        if (c === 1) {
          // Shared endpoint: allowed only at listed touch points.
          let px: number;
          let py: number;
          if ((ax === cx && ay === cy) || (ax === dx && ay === dy)) {
            px = ax;
            py = ay;
          } else {
            px = bx;
            py = by;
          }
          if (allowed.has(coordKey(px, py))) continue;
        }
        bad.add(ri);
        bad.add(rj);
      }
    }
  }
  return bad;
}

/** Point-in-ring with a horizontal band index (built once per ring, O(n / bands) per query). */
export class RingLocator {
  private readonly ring: Float64Array;
  private readonly minY: number;
  private readonly bandH: number;
  private readonly bands: Int32Array[] | null;
  readonly minX: number;
  readonly maxX: number;
  readonly maxY: number;

  constructor(ring: Float64Array) {
    this.ring = ring;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let k = 0; k < ring.length; k += 2) {
      const x = ring[k] as number;
      const y = ring[k + 1] as number;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    this.minX = minX;
    this.minY = minY;
    this.maxX = maxX;
    this.maxY = maxY;
    const n = (ring.length >> 1) - 1;
    if (n < 64) {
      this.bands = null;
      this.bandH = 1;
      return;
    }
    const nb = Math.max(1, Math.floor(n / 8));
    this.bandH = Math.max((maxY - minY) / nb, 1e-12);
    const lists: number[][] = Array.from({ length: nb }, () => []);
    for (let k = 0; k < n; k++) {
      const y0 = ring[2 * k + 1] as number;
      const y1 = ring[2 * k + 3] as number;
      const b0 = Math.max(0, Math.min(nb - 1, Math.floor((Math.min(y0, y1) - minY) / this.bandH)));
      const b1 = Math.max(0, Math.min(nb - 1, Math.floor((Math.max(y0, y1) - minY) / this.bandH)));
      for (let b = b0; b <= b1; b++) (lists[b] as number[]).push(k);
    }
    this.bands = lists.map((l) => Int32Array.from(l));
  }

  /** Even-odd test (points on the boundary may go either way). */
  contains(px: number, py: number): boolean {
    if (px < this.minX || px > this.maxX || py < this.minY || py > this.maxY) return false;
    const r = this.ring;
    let inside = false;
    const test = (k: number): void => {
      const xi = r[2 * k] as number;
      const yi = r[2 * k + 1] as number;
      const xj = r[2 * k + 2] as number;
      const yj = r[2 * k + 3] as number;
      if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
    };
    if (!this.bands) {
      const n = (r.length >> 1) - 1;
      for (let k = 0; k < n; k++) test(k);
      return inside;
    }
    const nb = this.bands.length;
    const b = Math.max(0, Math.min(nb - 1, Math.floor((py - this.minY) / this.bandH)));
    for (const k of this.bands[b] as Int32Array) test(k);
    return inside;
  }
}

/**
 * Whether the rings of a (multi)polygon are clean: no crossings, touches, spikes or degenerate rings
 * between or within them (what makeValid repairs; an import counts the features that were not).
 */
export function ringsAreClean(mp: readonly (readonly Float64Array[])[]): boolean {
  const rings: Float64Array[] = [];
  for (const p of mp) for (const r of p) rings.push(r);
  // Different rings may touch at a vertex they share (a hole touching its shell, parts meeting at a point: valid OGC).
  const ringOf = new Map<string, number>();
  const allowed = new Set<string>();
  rings.forEach((r, i) => {
    for (let k = 0; k + 3 < r.length; k += 2) {
      const key = coordKey(r[k] as number, r[k + 1] as number);
      const first = ringOf.get(key);
      if (first === undefined) ringOf.set(key, i);
      else if (first !== i) allowed.add(key);
    }
  });
  return findIntersectingRings(rings, allowed).size === 0;
}
