/**
 * Flat polygon geometry in map coordinates: rings as Float64Array [x0, y0, ..., xn, yn] with the
 * last point repeating the first. A polygon is [shell, ...holes]; a multipolygon a list of those.
 * Typed arrays keep millions of vertices cheap; converters to GeoJSON-style arrays are below.
 */
import type { Bounds, GeoTransform, PolygonCoords } from '../../../src-shared/geo';
import type { PixelRing } from './polygonize';

export type FlatRing = Float64Array;
export type FlatPolygon = FlatRing[];
export type FlatMultiPolygon = FlatPolygon[];

/** Twice the signed area of a closed flat ring (shoelace; positive = counter-clockwise with y up). */
export function ringSignedArea2(r: ArrayLike<number>): number {
  let s = 0;
  const n = r.length - 2;
  for (let k = 0; k < n; k += 2) {
    s += (r[k] as number) * (r[k + 3] as number) - (r[k + 2] as number) * (r[k + 1] as number);
  }
  return s;
}

/** Planar area of a polygon (shell minus holes), in squared CRS units. */
export function polygonArea(p: FlatPolygon): number {
  let a = 0;
  p.forEach((r, i) => {
    const s = Math.abs(ringSignedArea2(r)) / 2;
    a += i === 0 ? s : -s;
  });
  return a;
}

export function multiPolygonArea(mp: FlatMultiPolygon): number {
  let a = 0;
  for (const p of mp) a += polygonArea(p);
  return a;
}

export function ringLength(r: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k + 3 < r.length; k += 2) s += Math.hypot((r[k + 2] as number) - (r[k] as number), (r[k + 3] as number) - (r[k + 1] as number));
  return s;
}

export function ringBounds(r: ArrayLike<number>, b?: Bounds): Bounds {
  const o = b ?? { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (let k = 0; k < r.length; k += 2) {
    const x = r[k] as number;
    const y = r[k + 1] as number;
    if (x < o.minX) o.minX = x;
    if (x > o.maxX) o.maxX = x;
    if (y < o.minY) o.minY = y;
    if (y > o.maxY) o.maxY = y;
  }
  return o;
}

export function multiPolygonBounds(mp: FlatMultiPolygon): Bounds {
  const b = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const p of mp) if (p[0]) ringBounds(p[0], b);
  return b;
}

export function vertexCount(mp: FlatMultiPolygon): number {
  let n = 0;
  for (const p of mp) for (const r of p) n += r.length >> 1;
  return n;
}

/** Reverse a closed flat ring's direction (new array). */
export function reverseRing(r: FlatRing): FlatRing {
  const n = r.length >> 1;
  const o = new Float64Array(r.length);
  for (let k = 0; k < n; k++) {
    o[2 * k] = r[2 * (n - 1 - k)] as number;
    o[2 * k + 1] = r[2 * (n - 1 - k) + 1] as number;
  }
  return o;
}

/** Orient shells counter-clockwise and holes clockwise (y up), or the opposite with ccwShells = false. */
export function orientMultiPolygon(mp: FlatMultiPolygon, ccwShells = true): FlatMultiPolygon {
  return mp.map((p) =>
    p.map((r, i) => {
      const ccw = ringSignedArea2(r) > 0;
      const wantCcw = i === 0 ? ccwShells : !ccwShells;
      return ccw === wantCcw ? r : reverseRing(r);
    }),
  );
}

/**
 * Pixel-corner rings → map coordinates through a GDAL geotransform, closing every ring and
 * orienting shells counter-clockwise in map space (whatever the sign of the pixel size).
 */
export function pixelPartsToMap(parts: PixelRing[][], gt: GeoTransform): FlatMultiPolygon {
  const [ox, a, b, oy, d, e] = gt;
  // Pixel-space shells have a positive shoelace sum; a north-up transform (det < 0) negates it,
  // so then the vertex order is reversed to make shells counter-clockwise in map space.
  const flip = a * e - b * d < 0;
  return parts.map((part) =>
    part.map((r) => {
      const n = r.length >> 1;
      const o = new Float64Array((n + 1) * 2);
      for (let k = 0; k < n; k++) {
        const src = flip ? n - 1 - k : k;
        const px = r[2 * src] as number;
        const py = r[2 * src + 1] as number;
        o[2 * k] = ox + px * a + py * b;
        o[2 * k + 1] = oy + px * d + py * e;
      }
      o[2 * n] = o[0] as number;
      o[2 * n + 1] = o[1] as number;
      return o;
    }),
  );
}

/** GeoJSON-style polygon coordinates → flat polygon (rings closed if they were not). */
export function fromPolygonCoords(p: PolygonCoords): FlatPolygon {
  return p.map((ring) => {
    const closed = ring.length > 0 && ring[0]![0] === ring[ring.length - 1]![0] && ring[0]![1] === ring[ring.length - 1]![1];
    const n = ring.length + (closed ? 0 : 1);
    const o = new Float64Array(n * 2);
    ring.forEach((pt, k) => {
      o[2 * k] = pt[0] as number;
      o[2 * k + 1] = pt[1] as number;
    });
    if (!closed && ring.length > 0) {
      o[2 * (n - 1)] = ring[0]![0] as number;
      o[2 * (n - 1) + 1] = ring[0]![1] as number;
    }
    return o;
  });
}

export function toPolygonCoords(p: FlatPolygon): PolygonCoords {
  return p.map((r) => {
    const out: number[][] = [];
    for (let k = 0; k < r.length; k += 2) out.push([r[k] as number, r[k + 1] as number]);
    return out;
  });
}

/** Apply a point function to every vertex (e.g. a proj4 transform); returns new rings. */
export function mapCoords(mp: FlatMultiPolygon, f: (x: number, y: number) => [number, number]): FlatMultiPolygon {
  return mp.map((p) =>
    p.map((r) => {
      const o = new Float64Array(r.length);
      for (let k = 0; k < r.length; k += 2) {
        const [x, y] = f(r[k] as number, r[k + 1] as number);
        o[k] = x;
        o[k + 1] = y;
      }
      return o;
    }),
  );
}

/**
 * A point inside the multipolygon (on its surface, never in a hole), for a point-per-landslide table:
 * a centroid can fall outside a curved or holed polygon. GEOS's interior-point rule for areas: on the
 * largest part, a horizontal line half-way between the two vertex heights nearest the middle of its
 * extent (so it crosses no vertex), cut by every ring; the middle of the widest inside stretch.
 * Falls back to the middle of the extent for a degenerate geometry.
 */
export function pointOnSurface(mp: FlatMultiPolygon): [number, number] {
  let best: FlatPolygon | null = null;
  let bestArea = -1;
  for (const p of mp) {
    const a = Math.abs(polygonArea(p));
    if (a > bestArea && p[0] && p[0].length >= 6) {
      bestArea = a;
      best = p;
    }
  }
  const b = multiPolygonBounds(mp);
  const fallback: [number, number] = [(b.minX + b.maxX) / 2, (b.minY + b.maxY) / 2];
  if (!best) return fallback;
  const shell = best[0]!;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let k = 1; k < shell.length; k += 2) {
    minY = Math.min(minY, shell[k] as number);
    maxY = Math.max(maxY, shell[k] as number);
  }
  const mid = (minY + maxY) / 2;
  // The vertex heights nearest the middle from below and from above (all rings of the part).
  let lo = minY;
  let hi = maxY;
  for (const r of best) {
    for (let k = 1; k < r.length; k += 2) {
      const y = r[k] as number;
      if (y <= mid && y > lo) lo = y;
      if (y > mid && y < hi) hi = y;
    }
  }
  const y0 = (lo + hi) / 2;
  const xs: number[] = [];
  for (const r of best) {
    for (let k = 0; k + 3 < r.length; k += 2) {
      const x1 = r[k] as number;
      const y1 = r[k + 1] as number;
      const x2 = r[k + 2] as number;
      const y2 = r[k + 3] as number;
      if (y1 > y0 !== y2 > y0) xs.push(x1 + ((y0 - y1) * (x2 - x1)) / (y2 - y1));
    }
  }
  xs.sort((a, c) => a - c);
  let width = -1;
  let x0 = fallback[0];
  for (let i = 0; i + 1 < xs.length; i += 2) {
    const w = xs[i + 1]! - xs[i]!;
    if (w > width) {
      width = w;
      x0 = (xs[i]! + xs[i + 1]!) / 2;
    }
  }
  return width > 0 ? [x0, y0] : fallback;
}

/** Exactly the same rings and coordinates, in the same order. */
export function sameGeometry(a: FlatMultiPolygon, b: FlatMultiPolygon): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const pa = a[i]!;
    const pb = b[i]!;
    if (pa.length !== pb.length) return false;
    for (let j = 0; j < pa.length; j++) {
      const ra = pa[j]!;
      const rb = pb[j]!;
      if (ra.length !== rb.length) return false;
      for (let k = 0; k < ra.length; k++) if (ra[k] !== rb[k]) return false;
    }
  }
  return true;
}
