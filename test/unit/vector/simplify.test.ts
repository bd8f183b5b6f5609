import { describe, expect, it } from 'vitest';
import {
  findIntersectingRings,
  multiPolygonArea,
  pixelPartsToMap,
  polygonizeMask,
  RingLocator,
  ringSignedArea2,
  simplifyMultiPolygon,
  simplifyRingDP,
  type FlatMultiPolygon,
} from '../../../src-main/core/vector';

function maskFrom(rows: string[]): { mask: Uint8Array; w: number; h: number } {
  const h = rows.length;
  const w = rows[0]!.length;
  const mask = new Uint8Array(w * h);
  rows.forEach((r, y) => [...r].forEach((c, x) => (mask[y * w + x] = c === '#' ? 1 : 0)));
  return { mask, w, h };
}

function valid(mp: FlatMultiPolygon): boolean {
  const rings = mp.flat();
  const seen = new Map<string, number>();
  for (const r of rings) for (let k = 0; k + 2 < r.length; k += 2) seen.set(`${r[k]},${r[k + 1]}`, (seen.get(`${r[k]},${r[k + 1]}`) ?? 0) + 1);
  const allowed = new Set([...seen].filter(([, c]) => c > 1).map(([k]) => k));
  if (findIntersectingRings(rings, allowed).size > 0) return false;
  for (const p of mp) {
    if (ringSignedArea2(p[0]!) <= 0) return false;
    const shell = new RingLocator(p[0]!);
    for (const h of p.slice(1)) {
      if (ringSignedArea2(h) >= 0 || h.length < 8) return false;
      // some vertex of the hole strictly inside the shell
      let inside = false;
      for (let k = 0; k + 2 < h.length && !inside; k += 2) inside = shell.contains(h[k]!, h[k + 1]!);
      if (!inside) return false;
    }
  }
  return true;
}

describe('simplify', () => {
  it('turns a pixel staircase into a straight diagonal', () => {
    // A right triangle of pixels: the hypotenuse is a 30-step staircase.
    const n = 30;
    const rows = Array.from({ length: n }, (_, y) => '#'.repeat(y + 1) + '.'.repeat(n - y - 1));
    const { mask, w, h } = maskFrom(rows);
    const [p] = polygonizeMask(mask, w, h);
    const mp = pixelPartsToMap(p!.parts, [0, 1, 0, 0, 0, -1]);
    const before = mp[0]![0]!.length / 2 - 1;
    const s = simplifyMultiPolygon(mp, { tolerance: 1 });
    const after = s[0]![0]!.length / 2 - 1;
    expect(before).toBe(2 * n + 2);
    expect(after).toBeLessThanOrEqual(4);
    expect(valid(s)).toBe(true);
    const a0 = multiPolygonArea(mp);
    expect(Math.abs(multiPolygonArea(s) - a0) / a0).toBeLessThan(0.05);
  });

  it('keeps a hole near the shell inside it and both valid (falls back to a smaller tolerance)', () => {
    const rows = [
      '############',
      '#..........#',
      '############',
      '############',
      '############',
    ];
    const { mask, w, h } = maskFrom(rows);
    const [p] = polygonizeMask(mask, w, h);
    const mp = pixelPartsToMap(p!.parts, [0, 1, 0, 0, 0, -1]);
    for (const tol of [0.5, 1, 2, 5]) {
      const s = simplifyMultiPolygon(mp, { tolerance: tol });
      expect(s[0]!.length).toBe(2);
      expect(valid(s)).toBe(true);
    }
  });

  it('keeps pinch points of diagonal contacts, parts stay valid and touching', () => {
    let seed = 3;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const w = 60;
    const h = 60;
    const mask = new Uint8Array(w * h);
    for (let i = 0; i < mask.length; i++) mask[i] = rnd() < 0.5 ? 1 : 0;
    const polys = polygonizeMask(mask, w, h);
    let checked = 0;
    for (const p of polys) {
      const mp = pixelPartsToMap(p.parts, [0, 1, 0, 0, 0, -1]);
      expect(valid(mp)).toBe(true);
      for (const tol of [0.75, 1.5]) {
        const s = simplifyMultiPolygon(mp, { tolerance: tol });
        expect(s.length).toBe(mp.length);
        expect(s.map((q) => q.length)).toEqual(mp.map((q) => q.length));
        expect(valid(s)).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('detects an invalid (self-crossing) ring with the validity checker', () => {
    const bow = new Float64Array([0, 0, 2, 2, 2, 0, 0, 2, 0, 0]);
    expect(findIntersectingRings([bow], new Set()).size).toBe(1);
    const sq = new Float64Array([0, 0, 2, 0, 2, 2, 0, 2, 0, 0]);
    expect(findIntersectingRings([sq], new Set()).size).toBe(0);
    // A hole crossing its shell.
    const hole = new Float64Array([1, 1, 1, 3, 1.5, 3, 1.5, 1, 1, 1]);
    expect(findIntersectingRings([sq, hole], new Set()).size).toBe(2);
    // DP never drops a square below 4 points.
    expect(simplifyRingDP(sq, 10)).toBe(sq);
  });
});
