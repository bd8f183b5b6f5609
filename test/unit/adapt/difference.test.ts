import { describe, expect, it } from 'vitest';
import { classifyChanges, type Outline } from '../../../src-main/core/adapt/difference';

/** An axis-aligned rectangle as a flat multipolygon (counter-clockwise shell). */
const rect = (fid: number, x0: number, y0: number, x1: number, y1: number): Outline => ({
  fid,
  geometry: [[Float64Array.from([x0, y0, x1, y0, x1, y1, x0, y1, x0, y0])]],
});

describe('classifyChanges (what an adapted run changed among the unreviewed landslides)', () => {
  const before = [
    rect(1, 0, 0, 10, 10), // drawn again identically: unchanged
    rect(2, 20, 0, 30, 10), // grown: reshaped
    rect(3, 40, 0, 50, 10), // gone: removed
    rect(4, 60, 0, 80, 10), // split in two: two reshapes from it
    rect(5, 100, 0, 110, 10), // merged with 6 into one
    rect(6, 112, 0, 120, 10),
  ];
  const after = [
    rect(11, 0, 0, 10, 10),
    rect(12, 18, 0, 32, 12),
    rect(13, 200, 0, 210, 10), // new: added
    rect(14, 60, 0, 69, 10),
    rect(15, 71, 0, 80, 10),
    rect(16, 100, 0, 120, 10),
    rect(17, 10, 20, 20, 30), // touches nothing (only near 1 and 2): added
  ];
  const c = classifyChanges(before, after);

  it('sorts every outline into exactly one kind', () => {
    expect(c.added.sort()).toEqual([13, 17]);
    expect(c.removed).toEqual([3]);
    expect(c.unchanged).toBe(1);
    expect(c.reshaped).toEqual([
      { after: 12, before: [2] },
      { after: 14, before: [4] },
      { after: 15, before: [4] },
      { after: 16, before: [5, 6] },
    ]);
    expect(c.added.length + c.reshaped.length + c.unchanged).toBe(after.length);
  });

  it('adds up the areas of each kind (an old outline split in two counted once)', () => {
    expect(c.areaM2.added).toBe(200);
    expect(c.areaM2.removed).toBe(100);
    expect(c.areaM2.reshapedBefore).toBe(100 + 200 + 100 + 80);
    expect(c.areaM2.reshapedAfter).toBe(14 * 12 + 90 + 90 + 200);
  });

  it('a run that changed nothing reports nothing but unchanged outlines', () => {
    const same = classifyChanges(before, before.map((o) => ({ ...o, fid: o.fid + 100 })));
    expect(same).toEqual({ added: [], removed: [], reshaped: [], unchanged: before.length, areaM2: { added: 0, removed: 0, reshapedBefore: 0, reshapedAfter: 0 } });
  });
});
