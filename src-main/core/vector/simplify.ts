/**
 * Validity-preserving simplification of one (multi)polygon.
 *
 * Each ring is simplified with Douglas-Peucker (closed-ring form, split at anchor points), keeping
 * the points where rings of the feature touch (pinch corners of pixel polygons) so those contacts
 * stay single points. The result is then checked: no ring with fewer than 4 points or a flipped or
 * zero area, no crossing/touching segments (within a ring or between rings) except at the kept
 * touch points, and every ring keeps its inside/outside relation to every other ring (holes stay in
 * their shells, parts do not swallow each other). Offending rings are redone with half the tolerance,
 * down to their original form, which is valid by construction. So the output is valid whenever the
 * input is, and no ring collapses or disappears.
 *
 * Why not an npm package: simplify-js and @turf/simplify (which wraps it) simplify rings
 * independently and only guard against rings dropping under 4 points; they can produce
 * self-intersections and holes crossing or leaving their shells. topojson-simplify keeps shared arcs
 * but not validity. mapshaper does but is a whole CLI application.
 */
import type { FlatMultiPolygon } from './geometry';
import { ringSignedArea2 } from './geometry';
import { coordKey, findIntersectingRings, RingLocator } from './validity';

export interface SimplifyOptions {
  /** Tolerance in the geometry's units (convert metres first; see toleranceInUnits). */
  tolerance: number;
  /** Halvings of the tolerance tried for an offending ring before its original is kept (default 4). */
  halvings?: number;
  /** Vertices (coordKey) kept wherever they occur: a boundary shared with another polygon. */
  keep?: ReadonlySet<string>;
}

export interface SimplifyReport {
  /** Rings that needed a smaller tolerance than asked. */
  ringsReduced: number;
  /** Rings kept unsimplified because every smaller tolerance still conflicted. */
  ringsKeptOriginal: number;
}

/** Douglas-Peucker on a closed flat ring, keeping the given vertex indices. Returns a closed ring. */
export function simplifyRingDP(ring: Float64Array, tolerance: number, keep?: ReadonlySet<number>): Float64Array {
  const n = (ring.length >> 1) - 1; // distinct vertices
  if (n <= 4 || tolerance <= 0) return ring;
  const t2 = tolerance * tolerance;
  const kept = new Uint8Array(n);
  const splits: number[] = keep ? [...keep].filter((i) => i >= 0 && i < n).sort((a, b) => a - b) : [];
  if (splits.length === 0) {
    // Start at the lowest-left vertex (a true corner), plus the vertex farthest from it.
    let i0 = 0;
    for (let k = 1; k < n; k++) {
      const x = ring[2 * k] as number;
      const y = ring[2 * k + 1] as number;
      const bx = ring[2 * i0] as number;
      const by = ring[2 * i0 + 1] as number;
      if (x < bx || (x === bx && y < by)) i0 = k;
    }
    splits.push(i0);
  }
  if (splits.length === 1) {
    const i0 = splits[0] as number;
    const x0 = ring[2 * i0] as number;
    const y0 = ring[2 * i0 + 1] as number;
    let far = (i0 + 1) % n;
    let fd = -1;
    for (let k = 0; k < n; k++) {
      const x = ring[2 * k] as number;
      const y = ring[2 * k + 1] as number;
      const d = (x - x0) ** 2 + (y - y0) ** 2;
      // Ties (common on a pixel grid) go to the lowest-left vertex, so the result does not depend on where the ring starts.
      const fx = ring[2 * far] as number;
      const fy = ring[2 * far + 1] as number;
      if (d > fd || (d === fd && (x < fx || (x === fx && y < fy)))) {
        fd = d;
        far = k;
      }
    }
    if (far !== i0) splits.push(far);
    splits.sort((a, b) => a - b);
  }
  for (const s of splits) kept[s] = 1;
  const stack: number[] = [];
  for (let si = 0; si < splits.length; si++) {
    const a = splits[si] as number;
    const b = splits[(si + 1) % splits.length] as number;
    // Section from a to b going forward (cyclic); indices unrolled as a..a+len.
    const len = b > a ? b - a : b + n - a;
    if (len < 2) continue;
    stack.push(a, a + len);
    while (stack.length > 0) {
      const e = stack.pop() as number;
      const s = stack.pop() as number;
      const sx = ring[2 * (s % n)] as number;
      const sy = ring[2 * (s % n) + 1] as number;
      const ex = ring[2 * (e % n)] as number;
      const ey = ring[2 * (e % n) + 1] as number;
      const dx = ex - sx;
      const dy = ey - sy;
      const l2 = dx * dx + dy * dy;
      let best = -1;
      let bd = t2;
      for (let k = s + 1; k < e; k++) {
        const px = ring[2 * (k % n)] as number;
        const py = ring[2 * (k % n) + 1] as number;
        let d: number;
        if (l2 === 0) d = (px - sx) ** 2 + (py - sy) ** 2;
        else {
          let t = ((px - sx) * dx + (py - sy) * dy) / l2;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          d = (sx + t * dx - px) ** 2 + (sy + t * dy - py) ** 2;
        }
        if (d > bd) {
          bd = d;
          best = k;
        }
      }
      if (best >= 0) {
        kept[best % n] = 1;
        if (best - s > 1) stack.push(s, best);
        if (e - best > 1) stack.push(best, e);
      }
    }
  }
  let m = 0;
  for (let k = 0; k < n; k++) m += kept[k] as number;
  const out = new Float64Array((m + 1) * 2);
  let o = 0;
  for (let k = 0; k < n; k++) {
    if (kept[k]) {
      out[o++] = ring[2 * k] as number;
      out[o++] = ring[2 * k + 1] as number;
    }
  }
  out[o++] = out[0] as number;
  out[o] = out[1] as number;
  return out;
}

/** Simplify a (multi)polygon keeping it valid; see the module comment. */
export function simplifyMultiPolygon(mp: FlatMultiPolygon, opts: SimplifyOptions, report?: SimplifyReport): FlatMultiPolygon {
  if (!(opts.tolerance > 0)) return mp;
  const halvings = opts.halvings ?? 4;
  const orig: Float64Array[] = [];
  const partOf: number[] = [];
  mp.forEach((p, pi) =>
    p.forEach((r) => {
      orig.push(r);
      partOf.push(pi);
    }),
  );
  const R = orig.length;
  // Touch points: vertices appearing in more than one place.
  const allowed = new Set<string>();
  const keepIdx: Array<Set<number> | undefined> = new Array(R);
  if (R > 1) {
    const seen = new Map<string, number>();
    for (const r of orig) {
      for (let k = 0; k + 2 < r.length; k += 2) {
        const key = coordKey(r[k] as number, r[k + 1] as number);
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
    for (const [k, c] of seen) if (c > 1) allowed.add(k);
    if (allowed.size > 0) {
      orig.forEach((r, ri) => {
        for (let k = 0; k + 2 < r.length; k += 2) {
          if (allowed.has(coordKey(r[k] as number, r[k + 1] as number))) {
            let s = keepIdx[ri];
            if (!s) keepIdx[ri] = s = new Set();
            s.add(k >> 1);
          }
        }
      });
    }
  } else {
    // A single ring may pass a vertex twice only if the input is a self-touching ring.
  }
  if (opts.keep && opts.keep.size > 0) {
    const keep = opts.keep;
    orig.forEach((r, ri) => {
      for (let k = 0; k + 2 < r.length; k += 2) {
        if (!keep.has(coordKey(r[k] as number, r[k + 1] as number))) continue;
        let s = keepIdx[ri];
        if (!s) keepIdx[ri] = s = new Set();
        s.add(k >> 1);
      }
    });
  }
  const level = new Int32Array(R);
  const origArea = orig.map((r) => ringSignedArea2(r));
  const cur: Float64Array[] = orig.map((r, i) => simplifyRingDP(r, opts.tolerance, keepIdx[i]));
  const isOrig = (i: number): boolean => cur[i] === orig[i];
  for (let iter = 0; iter < 4 * (halvings + 2) + R; iter++) {
    const bad = new Set<number>();
    for (let i = 0; i < R; i++) {
      if (isOrig(i)) continue;
      const c = cur[i] as Float64Array;
      const a = ringSignedArea2(c);
      if (c.length < 8 || a === 0 || Math.sign(a) !== Math.sign(origArea[i] as number)) bad.add(i);
    }
    for (const i of findIntersectingRings(cur, allowed)) bad.add(i);
    if (R > 1) for (const i of relationChanges(orig, cur, allowed, isOrig)) bad.add(i);
    let changed = false;
    for (const i of bad) {
      if (isOrig(i)) continue;
      changed = true;
      level[i] += 1;
      cur[i] = (level[i] as number) > halvings ? (orig[i] as Float64Array) : simplifyRingDP(orig[i] as Float64Array, opts.tolerance / 2 ** (level[i] as number), keepIdx[i]);
    }
    if (!changed) break;
  }
  if (report) {
    for (let i = 0; i < R; i++) {
      if ((level[i] as number) > 0) report.ringsReduced++;
      if ((level[i] as number) > halvings) report.ringsKeptOriginal++;
    }
  }
  const out: FlatMultiPolygon = mp.map(() => []);
  cur.forEach((r, i) => (out[partOf[i] as number] as Float64Array[]).push(r));
  return out;
}

/**
 * Rings whose inside/outside relation to another ring differs between the original and the
 * simplified rings (tested with a vertex of each simplified ring that is not a touch point).
 */
function relationChanges(orig: Float64Array[], cur: Float64Array[], allowed: Set<string>, isOrig: (i: number) => boolean): Set<number> {
  const R = orig.length;
  const bad = new Set<number>();
  // Bounding boxes covering both versions, and a grid over them for candidate lookup.
  const bb = new Float64Array(R * 4);
  let gx0 = Infinity;
  let gy0 = Infinity;
  let gx1 = -Infinity;
  let gy1 = -Infinity;
  for (let i = 0; i < R; i++) {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const r of [orig[i] as Float64Array, cur[i] as Float64Array]) {
      for (let k = 0; k < r.length; k += 2) {
        const x = r[k] as number;
        const y = r[k + 1] as number;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
    bb[4 * i] = x0;
    bb[4 * i + 1] = y0;
    bb[4 * i + 2] = x1;
    bb[4 * i + 3] = y1;
    if (x0 < gx0) gx0 = x0;
    if (y0 < gy0) gy0 = y0;
    if (x1 > gx1) gx1 = x1;
    if (y1 > gy1) gy1 = y1;
  }
  const G = Math.max(1, Math.min(256, Math.ceil(Math.sqrt(R))));
  const cw = Math.max((gx1 - gx0) / G, 1e-12);
  const ch = Math.max((gy1 - gy0) / G, 1e-12);
  const cellOf = (v: number, o: number, s: number): number => Math.max(0, Math.min(G - 1, Math.floor((v - o) / s)));
  const grid: number[][] = Array.from({ length: G * G }, () => []);
  for (let i = 0; i < R; i++) {
    const cx0 = cellOf(bb[4 * i] as number, gx0, cw);
    const cx1 = cellOf(bb[4 * i + 2] as number, gx0, cw);
    const cy0 = cellOf(bb[4 * i + 1] as number, gy0, ch);
    const cy1 = cellOf(bb[4 * i + 3] as number, gy0, ch);
    for (let y = cy0; y <= cy1; y++) for (let x = cx0; x <= cx1; x++) (grid[y * G + x] as number[]).push(i);
  }
  const locO = new Map<number, RingLocator>();
  const locC = new Map<number, RingLocator>();
  const loc = (m: Map<number, RingLocator>, rings: Float64Array[], j: number): RingLocator => {
    let l = m.get(j);
    if (!l) m.set(j, (l = new RingLocator(rings[j] as Float64Array)));
    return l;
  };
  for (let i = 0; i < R; i++) {
    const c = cur[i] as Float64Array;
    // A representative vertex that is not a touch point.
    let px = NaN;
    let py = NaN;
    for (let k = 0; k + 2 < c.length; k += 2) {
      if (!allowed.has(coordKey(c[k] as number, c[k + 1] as number))) {
        px = c[k] as number;
        py = c[k + 1] as number;
        break;
      }
    }
    if (Number.isNaN(px)) continue;
    const cand = grid[cellOf(py, gy0, ch) * G + cellOf(px, gx0, cw)] as number[];
    for (const j of cand) {
      if (j === i || (isOrig(i) && isOrig(j))) continue;
      if (px < (bb[4 * j] as number) || px > (bb[4 * j + 2] as number) || py < (bb[4 * j + 1] as number) || py > (bb[4 * j + 3] as number)) continue;
      const inO = loc(locO, orig, j).contains(px, py);
      const inC = isOrig(j) ? inO : loc(locC, cur, j).contains(px, py);
      if (inO !== inC) {
        bad.add(i);
        bad.add(j);
      }
    }
  }
  return bad;
}
