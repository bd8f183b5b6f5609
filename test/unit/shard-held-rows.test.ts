/**
 * What a shard keeps of its final rows (detect/shard/held-rows.ts): the foreground as sparse rows,
 * written back exactly, and rows let go only when no polygon that may be held back can cover them
 * (Polygonizer.openFromRow). A shard whose rows were let go too early would merge a landslide cut
 * at its edge with pixels missing.
 */
import { describe, expect, it } from 'vitest';
import { Polygonizer } from '../../src-main/core/vector';
import { HeldRows } from '../../src-main/core/detect/shard/held-rows';
import { scatterRow, sparseRows } from '../../src-main/core/vector/sparse-rows';
import { rng } from '../fuzz/corpus';

/** A mask of random discs (landslide-like blobs of many sizes), some crossing the first and last rows. */
function blobs(width: number, height: number, seed: number): Uint8Array {
  const r = rng(seed);
  const mask = new Uint8Array(width * height);
  for (let k = 0; k < 40; k++) {
    const cx = r() * width;
    const cy = r() * height;
    const rad = 1 + r() * r() * 30;
    for (let y = Math.max(0, Math.floor(cy - rad)); y < Math.min(height, Math.ceil(cy + rad)); y++) {
      for (let x = Math.max(0, Math.floor(cx - rad)); x < Math.min(width, Math.ceil(cx + rad)); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 <= rad * rad) mask[y * width + x] = 1;
      }
    }
  }
  return mask;
}

describe('sparse rows', () => {
  it('keep the foreground pixels and their values, and nothing else', () => {
    const W = 37;
    const mask = blobs(W, 9, 3);
    const r = rng(9);
    const probability = Float32Array.from(mask, (m) => (m ? 0.5 + r() / 2 : r() / 2));
    const slope = Float32Array.from(mask, () => r() * 60);
    const rows = sparseRows(100, W, mask, { probability, slope });
    expect(rows.map((row) => row.y)).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108]);
    expect(rows.reduce((n, row) => n + row.probability.length, 0)).toBe(mask.reduce((n, m) => n + m, 0));
    const back = { probability: new Float32Array(mask.length).fill(Number.NaN), slope: new Float32Array(mask.length).fill(Number.NaN) };
    for (const row of rows) scatterRow(row, (row.y - 100) * W, back);
    for (let k = 0; k < mask.length; k++) {
      if (mask[k]) {
        expect(back.probability[k]).toBe(probability[k]);
        expect(back.slope[k]).toBe(slope[k]);
      } else {
        expect(back.probability[k]).toBeNaN();
        expect(back.slope[k]).toBeNaN();
      }
    }
  });
});

describe('HeldRows with Polygonizer.openFromRow', () => {
  it('openFromRow is the first row of the polygons still open', () => {
    // A U: two bars from row 0 joined at row 5, closed after row 6; a dot at row 8.
    const W = 7;
    const rows = ['1000001', '1000001', '1000001', '1000001', '1000001', '1111111', '0000000', '0001000', '0000000'];
    const p = new Polygonizer({ width: W });
    const seen: number[] = [];
    rows.forEach((s, y) => {
      p.push(y, Uint8Array.from(s, Number));
      seen.push(p.openFromRow);
    });
    expect(seen).toEqual([0, 0, 0, 0, 0, 0, 7, 7, 9]);
  });

  for (const [above, below] of [
    [true, true],
    [true, false],
    [false, true],
  ] as const) {
    it(`keeps every row a held-back polygon covers (shard ${above ? 'below one' : 'first'}, ${below ? 'above one' : 'last'}) and lets the others go`, () => {
      const W = 120;
      const H = 400;
      for (const seed of [1, 2, 3, 4, 5]) {
        const mask = blobs(W, H, seed);
        const probability = Float32Array.from(mask, (m) => (m ? 0.9 : 0.1));
        const held = new HeldRows({ y0: 0, y1: H }, { above, below });
        const p = new Polygonizer({ width: W, height: H });
        let topEnd = 0;
        let bottomStart = H;
        let most = 0;
        const take = (list: ReturnType<Polygonizer['push']>) => {
          for (const q of list) {
            if (above && q.bbox.minY === 0) topEnd = Math.max(topEnd, q.bbox.maxY);
            if (below && q.bbox.maxY === H) bottomStart = Math.min(bottomStart, q.bbox.minY);
          }
        };
        // Bands of 16 rows, as the blender hands them over.
        for (let y = 0; y < H; y += 16) {
          const band = mask.subarray(y * W, (y + 16) * W);
          held.add(sparseRows(y, W, band, { probability: probability.subarray(y * W, (y + 16) * W) }));
          take(p.push(y, band));
          held.settle(p.openFromRow, topEnd);
          most = Math.max(most, held.size);
        }
        take(p.finish());
        const spans = [
          { y0: 0, y1: topEnd },
          { y0: bottomStart, y1: H },
        ];
        const kept = held.within(spans).map((r) => r.y);
        const needed = Array.from({ length: H }, (_, y) => y).filter((y) => y < topEnd || y >= bottomStart);
        expect(kept, `seed ${seed}`).toEqual(needed);
        // Memory: fewer rows than the shard's were ever held at once (the blobs leave gaps).
        expect(most, `seed ${seed}`).toBeLessThan(H);
      }
    });
  }
});
