import { describe, expect, it } from 'vitest';
import { circularMeanDeg, findIntersectingRings, pixelPartsToMap, Polygonizer, polygonizeMask, ringArea2, ringSignedArea2 } from '../../../src-main/core/vector';
import type { PixelPolygon } from '../../../src-main/core/vector';

function grid(rows: string[]): { mask: Uint8Array; w: number; h: number } {
  const h = rows.length;
  const w = rows[0]!.length;
  const mask = new Uint8Array(w * h);
  rows.forEach((r, y) => [...r].forEach((c, x) => (mask[y * w + x] = c === '#' ? 1 : 0)));
  return { mask, w, h };
}

function area(p: PixelPolygon): number {
  let a = 0;
  for (const part of p.parts) for (const r of part) a += ringArea2(r) / 2;
  return a;
}

describe('polygonize (pixel topology)', () => {
  it('a single pixel is one square ring', () => {
    const { mask, w, h } = grid(['...', '.#.', '...']);
    const ps = polygonizeMask(mask, w, h);
    expect(ps).toHaveLength(1);
    expect(ps[0]!.parts).toHaveLength(1);
    expect(ps[0]!.parts[0]).toHaveLength(1);
    const ring = Array.from(ps[0]!.parts[0]![0]!);
    expect(ring.length).toBe(8);
    const pts = new Set<string>();
    for (let k = 0; k < 8; k += 2) pts.add(`${ring[k]},${ring[k + 1]}`);
    expect(pts).toEqual(new Set(['1,1', '2,1', '2,2', '1,2']));
    expect(area(ps[0]!)).toBe(1);
  });

  it('diagonal pixels form one 8-connected polygon made of two parts touching at a point', () => {
    const { mask, w, h } = grid(['#.', '.#']);
    const ps = polygonizeMask(mask, w, h);
    expect(ps).toHaveLength(1);
    expect(ps[0]!.parts).toHaveLength(2);
    expect(ps[0]!.holeCount).toBe(0);
    // With 4-connectivity they are two polygons.
    expect(polygonizeMask(mask, w, h, { connectivity: 4 })).toHaveLength(2);
  });

  it('counts holes as GDAL does (enclosed 4-connected background) and keeps geometry valid', () => {
    // Diamond: GDAL -8 gives 1 polygon with 1 hole (an invalid ring touching at 4 points).
    const d = grid(['.#.', '#.#', '.#.']);
    const pd = polygonizeMask(d.mask, d.w, d.h);
    expect(pd).toHaveLength(1);
    expect(pd[0]!.holeCount).toBe(1);
    expect(pd[0]!.parts).toHaveLength(4);
    expect(area(pd[0]!)).toBe(4);
    // A ring of pixels closed by a diagonal step: 2 holes (the background pixels are only diagonal).
    const r = grid(['......', '.###..', '.#.#..', '.##.#.', '...##.', '......']);
    const pr = polygonizeMask(r.mask, r.w, r.h);
    expect(pr).toHaveLength(1);
    expect(pr[0]!.holeCount).toBe(2);
    expect(area(pr[0]!)).toBe(10);
  });

  it('a block with a hole: shell positive, hole negative, hole inside shell', () => {
    const { mask, w, h } = grid(['#####', '#...#', '#.#.#', '#...#', '#####']);
    const ps = polygonizeMask(mask, w, h);
    expect(ps).toHaveLength(2); // ring + island
    const ring = ps.find((p) => p.stats.pixelCount === 16)!;
    expect(ring.holeCount).toBe(1);
    expect(ring.parts).toHaveLength(1);
    expect(ring.parts[0]).toHaveLength(2);
    expect(ringArea2(ring.parts[0]![0]!)).toBeGreaterThan(0);
    expect(ringArea2(ring.parts[0]![1]!)).toBeLessThan(0);
    expect(area(ring)).toBe(16);
    expect(ring.bbox).toEqual({ minX: 0, minY: 0, maxX: 5, maxY: 5 });
  });

  it('C-shaped piece whose tips touch diagonally splits into a shell and a touching hole (valid)', () => {
    const { mask, w, h } = grid(['####.', '#....', '#....', '###..', '...#.']);
    const ps = polygonizeMask(mask, w, h);
    expect(ps).toHaveLength(1);
    const mp = pixelPartsToMap(ps[0]!.parts, [0, 1, 0, 0, 0, -1]);
    // No crossings; rings touch only at the pinch vertex.
    const rings = mp.flat();
    const allowed = new Set<string>();
    const seen = new Map<string, number>();
    for (const rr of rings) for (let k = 0; k + 2 < rr.length; k += 2) seen.set(`${rr[k]},${rr[k + 1]}`, (seen.get(`${rr[k]},${rr[k + 1]}`) ?? 0) + 1);
    for (const [k, c] of seen) if (c > 1) allowed.add(k);
    expect(findIntersectingRings(rings, allowed).size).toBe(0);
    expect(area(ps[0]!)).toBe(10);
  });

  it('streaming in bands of any size gives the same polygons as the whole mask', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const w = 97;
    const h = 83;
    const mask = new Uint8Array(w * h);
    for (let i = 0; i < mask.length; i++) mask[i] = rnd() < 0.45 ? 1 : 0;
    const whole = polygonizeMask(mask, w, h);
    for (const band of [1, 5, 16]) {
      const p = new Polygonizer({ width: w, height: h });
      const got: PixelPolygon[] = [];
      for (let y = 0; y < h; y += band) got.push(...p.push(y, mask.subarray(y * w, Math.min(h, y + band) * w)));
      got.push(...p.finish());
      expect(got.length).toBe(whole.length);
      const key = (q: PixelPolygon): string => `${q.stats.pixelCount}/${q.holeCount}/${q.bbox.minX},${q.bbox.minY}`;
      expect(got.map(key).sort()).toEqual(whole.map(key).sort());
    }
    const total = whole.reduce((s, q) => s + area(q), 0);
    expect(total).toBe(mask.reduce((s, v) => s + v, 0));
  });

  it('emits polygons as soon as they close (before the scan ends)', () => {
    const { mask, w } = grid(['##..', '##..', '....', '..#.', '....']);
    const p = new Polygonizer({ width: w, height: 5 });
    expect(p.push(0, mask.subarray(0, 2 * w))).toHaveLength(0);
    expect(p.push(2, mask.subarray(2 * w, 3 * w))).toHaveLength(1);
    expect(p.push(3, mask.subarray(3 * w, 5 * w))).toHaveLength(1);
    expect(p.finish()).toHaveLength(0);
  });

  it('rejects out-of-order rows and bad band sizes', () => {
    const p = new Polygonizer({ width: 4, height: 4 });
    expect(() => p.push(1, new Uint8Array(4))).toThrow(/expected row 0/);
    expect(() => p.push(0, new Uint8Array(5))).toThrow(/multiple of the width/);
    expect(() => p.finish()).toThrow(/0 of 4 rows/);
  });

  it('map conversion orients shells counter-clockwise for north-up and south-up transforms', () => {
    const { mask, w, h } = grid(['##', '#.']);
    const [p] = polygonizeMask(mask, w, h);
    for (const gt of [
      [100, 2, 0, 50, 0, -2],
      [100, 2, 0, 50, 0, 2],
    ] as Array<[number, number, number, number, number, number]>) {
      const mp = pixelPartsToMap(p!.parts, gt);
      expect(ringSignedArea2(mp[0]![0]!)).toBeGreaterThan(0);
      expect(ringSignedArea2(mp[0]![0]!) / 2).toBeCloseTo(3 * 4, 9);
      const r = mp[0]![0]!;
      expect([r[0], r[1]]).toEqual([r[r.length - 2], r[r.length - 1]]);
    }
  });
});

describe('pixel statistics', () => {
  it('probability mean/max, slope mean, elevation range, NaN skipped', () => {
    const { mask, w, h } = grid(['##.', '...', '..#']);
    const probability = new Float32Array([0.5, 0.9, 0, 0, 0, 0, 0, 0, 0.7]);
    const slope = new Float32Array([10, NaN, 0, 0, 0, 0, 0, 0, 30]);
    const elevation = new Float32Array([100, 120, 0, 0, 0, 0, 0, 0, NaN]);
    const ps = polygonizeMask(mask, w, h, { values: { probability, slope, elevation } });
    const a = ps.find((p) => p.stats.pixelCount === 2)!;
    const b = ps.find((p) => p.stats.pixelCount === 1)!;
    expect(a.stats.probMean).toBeCloseTo(0.7, 6);
    expect(a.stats.probMax).toBeCloseTo(0.9, 6);
    expect(a.stats.slopeMean).toBe(10);
    expect(a.stats.elevMin).toBe(100);
    expect(a.stats.elevMax).toBe(120);
    expect(a.stats.aspectMean).toBeNull();
    expect(b.stats.elevMin).toBeNull();
    expect(b.stats.slopeMean).toBe(30);
  });

  it('dem_coverage: the share of a polygon\'s pixels with a valid elevation, also across a late merge; null without a DEM', () => {
    // U shape: the branches join on the last row; the DEM has a gap (NaN) under 3 of its 7 pixels.
    const { mask, w, h } = grid(['#.#', '#.#', '###', '...', '.##']);
    const elevation = new Float32Array([NaN, 0, 5, NaN, 0, 6, 7, NaN, 8, 0, 0, 0, 0, NaN, NaN]);
    const ps = polygonizeMask(mask, w, h, { values: { elevation } });
    const u = ps.find((p) => p.stats.pixelCount === 7)!;
    const off = ps.find((p) => p.stats.pixelCount === 2)!;
    expect(u.stats.demCoverage).toBeCloseTo(4 / 7, 12);
    expect(off.stats.demCoverage).toBe(0);
    const [none] = polygonizeMask(grid(['##']).mask, 2, 1, { values: { probability: new Float32Array([0.5, 0.6]) } });
    expect(none!.stats.demCoverage).toBeNull();
  });

  it('statistics of polygons merged late (U shape) include both branches', () => {
    const { mask, w, h } = grid(['#.#', '#.#', '###']);
    const probability = new Float32Array([0.1, 0, 0.2, 0.3, 0, 0.4, 0.5, 0.6, 1.0]);
    const [p] = polygonizeMask(mask, w, h, { values: { probability } });
    expect(p!.stats.pixelCount).toBe(7);
    expect(p!.stats.probMean).toBeCloseTo((0.1 + 0.2 + 0.3 + 0.4 + 0.5 + 0.6 + 1.0) / 7, 6);
    expect(p!.stats.probMax).toBeCloseTo(1.0, 6);
  });

  it('aspect is a circular mean: 350° and 10° average to 0°, not 180°', () => {
    const { mask, w, h } = grid(['##']);
    const aspect = new Float32Array([350, 10]);
    const [p] = polygonizeMask(mask, w, h, { values: { aspect } });
    const m = p!.stats.aspectMean!;
    expect(Math.min(m, 360 - m)).toBeLessThan(1e-6);
    // 80 and 100 → 90; 270 and 0 → 315; flat (-9999) skipped; opposite directions → undefined
    const deg = (xs: number[]): number | null => {
      const s = xs.reduce((a, x) => a + Math.sin((x * Math.PI) / 180), 0);
      const c = xs.reduce((a, x) => a + Math.cos((x * Math.PI) / 180), 0);
      return circularMeanDeg(s, c, xs.length);
    };
    expect(deg([80, 100])).toBeCloseTo(90, 9);
    expect(deg([270, 0])).toBeCloseTo(315, 9);
    expect(deg([0, 180])).toBeNull();
    const f = polygonizeMask(new Uint8Array([1, 1, 1]), 3, 1, { values: { aspect: new Float32Array([20, -9999, 40]) } });
    expect(f[0]!.stats.aspectMean).toBeCloseTo(30, 6);
  });
});
