import { describe, expect, it } from 'vitest';
import { keepOffReviewedGround, REMAINDER_SHARE, REMAINDER_WIDTH, REVIEWED_GROUND_SHARE } from '../../../src-main/core/edit/reviewed-ground';
import { multiPolygonArea, multiPolygonBounds, type FlatMultiPolygon } from '../../../src-main/core/vector/geometry';

// UTM-sized coordinates, as the app's polygons have.
const X = 470000;
const Y = 3444000;
const rect = (x0: number, y0: number, x1: number, y1: number): FlatMultiPolygon => [[Float64Array.from([X + x0, Y + y0, X + x1, Y + y0, X + x1, Y + y1, X + x0, Y + y1, X + x0, Y + y0])]];
const feature = (name: string, geometry: FlatMultiPolygon) => ({ name, geometry, trimmed: false });

describe('a re-run on ground the operator decided', () => {
  const decided = [rect(0, 0, 10, 10)];
  const off = feature('off', rect(30, 0, 40, 10));
  // Its rim off the square is 31 % of its area, but 1 m wide against its 6 m.
  const rim = feature('slightly larger outline', rect(-1, -1, 11, 11));
  const spill = feature('spills onto new ground', rect(0, 0, 10, 20));
  const trim = (f: ReturnType<typeof feature>, geometry: FlatMultiPolygon) => ({ ...f, geometry, trimmed: true });

  it('keeps polygons mostly off it as they are, lets a slightly larger outline go, keeps what spills onto new ground', () => {
    expect(REVIEWED_GROUND_SHARE).toBe(0.5);
    expect(REMAINDER_SHARE).toBe(0.25);
    expect(REMAINDER_WIDTH).toBe(0.5);
    const kept = keepOffReviewedGround([off, rim, spill], decided, trim);
    expect(kept.map((f) => f.name)).toEqual(['off', 'spills onto new ground']);
    expect(kept[0]).toBe(off);
    // The spill keeps only its part off the decided square: the upper 10 × 10.
    const s = kept[1]!;
    expect(s.trimmed).toBe(true);
    expect(multiPolygonArea(s.geometry)).toBeCloseTo(100, 3);
    const b = multiPolygonBounds(s.geometry);
    expect([b.minX - X, b.minY - Y, b.maxX - X, b.maxY - Y].map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0, 10, 10, 20]);
  });

  it('without a trim, drops every polygon mostly on decided ground (the rule before trimming)', () => {
    expect(keepOffReviewedGround([off, rim, spill], decided).map((f) => f.name)).toEqual(['off']);
  });

  it('counts ground decided twice once', () => {
    // Half of this polygon lies on two overlapping decided squares: on decided ground, and its other half is kept.
    const twice = [rect(0, 0, 10, 10), rect(0, 0, 10, 10)];
    const kept = keepOffReviewedGround([feature('half', rect(0, 0, 20, 10))], twice, trim);
    expect(kept).toHaveLength(1);
    expect(multiPolygonArea(kept[0]!.geometry)).toBeCloseTo(100, 3);
  });
});
