import { describe, expect, it } from 'vitest';
import { axisSpans, maskSkipper, planBatches, planTiles, resumeBatchIndex } from '../../../src-main/core/inference';

function coverage(plan: ReturnType<typeof planTiles>): Uint16Array {
  const c = new Uint16Array(plan.width * plan.height);
  for (const t of plan.tiles) {
    const w = t.window;
    for (let y = w.y; y < w.y + w.height; y++) for (let x = w.x; x < w.x + w.width; x++) c[y * plan.width + x]!++;
  }
  return c;
}

describe('tile plan', () => {
  it('covers every pixel, stays inside the image, aligns the last tile to the edge', () => {
    for (const [W, H, T, O] of [
      [1000, 700, 256, 32],
      [257, 256, 256, 32],
      [512, 512, 256, 0],
      [300, 1000, 128, 64],
      [100, 60, 64, 16],
    ] as const) {
      const plan = planTiles({ width: W, height: H, tileSize: T, overlap: O, multipleOf: 32 });
      const cov = coverage(plan);
      expect(cov.every((v) => v > 0), `${W}x${H}`).toBe(true);
      for (const t of plan.tiles) {
        expect(t.window.x + t.window.width).toBeLessThanOrEqual(W);
        expect(t.window.y + t.window.height).toBeLessThanOrEqual(H);
        expect(t.window.width).toBe(Math.min(T, W));
        expect(t.window.height).toBe(Math.min(T, H));
      }
      const lastCol = plan.cols[plan.cols.length - 1]!;
      expect(lastCol.start + lastCol.size).toBe(W);
      const lastRow = plan.rows[plan.rows.length - 1]!;
      expect(lastRow.start + lastRow.size).toBe(H);
      // Regular stride except the edge-aligned last tile.
      for (let i = 1; i < plan.cols.length - 1; i++) expect(plan.cols[i]!.start).toBe(i * (T - O));
    }
  });

  it('is row-major and deterministic', () => {
    const a = planTiles({ width: 900, height: 500, tileSize: 128, overlap: 32 });
    const b = planTiles({ width: 900, height: 500, tileSize: 128, overlap: 32 });
    expect(a).toEqual(b);
    for (let i = 1; i < a.tiles.length; i++) {
      const p = a.tiles[i - 1]!;
      const t = a.tiles[i]!;
      expect(t.row * a.cols.length + t.col).toBe(i);
      expect(t.row > p.row || (t.row === p.row && t.window.x > p.window.x)).toBe(true);
    }
  });

  it('uses one short tile (padded tensor) when the image is smaller than a tile', () => {
    const plan = planTiles({ width: 40, height: 300, tileSize: 64, overlap: 16 });
    expect(plan.cols).toEqual([{ start: 0, size: 40, overlapBefore: 0, overlapAfter: 0 }]);
    expect(plan.tensorSize).toBe(64);
    expect([plan.tensorWidth, plan.tensorHeight]).toEqual([64, 64]);
  });

  it('feeds an image smaller than a tile as a tensor its own size, rounded up to the multiple, when asked', () => {
    const small = planTiles({ width: 500, height: 300, tileSize: 768, overlap: 192, multipleOf: 32, fitSmallImage: true });
    expect([small.tensorWidth, small.tensorHeight]).toEqual([512, 320]);
    expect(small.tiles.map((t) => t.window)).toEqual([{ x: 0, y: 0, width: 500, height: 300 }]);
    // one axis larger than a tile: that axis keeps whole tiles
    const wide = planTiles({ width: 2000, height: 300, tileSize: 768, overlap: 192, multipleOf: 32, fitSmallImage: true });
    expect([wide.tensorWidth, wide.tensorHeight]).toEqual([768, 320]);
    const padded = planTiles({ width: 500, height: 300, tileSize: 768, overlap: 192, multipleOf: 32 });
    expect([padded.tensorWidth, padded.tensorHeight]).toEqual([768, 768]);
  });

  it('records the overlaps, including the larger one of the edge tile', () => {
    expect(axisSpans(1000, 512, 64)).toEqual([
      { start: 0, size: 512, overlapBefore: 0, overlapAfter: 64 },
      { start: 448, size: 512, overlapBefore: 64, overlapAfter: 472 },
      { start: 488, size: 512, overlapBefore: 472, overlapAfter: 0 },
    ]);
  });

  it('validates its arguments', () => {
    expect(() => planTiles({ width: 10, height: 10, tileSize: 64, overlap: 64 })).toThrow(/overlap/);
    expect(() => planTiles({ width: 10, height: 10, tileSize: 100, overlap: 0, multipleOf: 32 })).toThrow(/multiple of 32/);
    expect(() => planTiles({ width: 0, height: 10, tileSize: 64, overlap: 0 })).toThrow(/grid size/);
  });

  it('skips tiles entirely outside a coarse AOI mask (conservatively)', () => {
    // 10x10 mask over a 1000x1000 grid: only cell (7,2) is inside.
    const data = new Uint8Array(100);
    data[2 * 10 + 7] = 1;
    const plan = planTiles({ width: 1000, height: 1000, tileSize: 256, overlap: 32, skip: maskSkipper({ data, width: 10, height: 10 }, 1000, 1000) });
    const kept = plan.included.map((i) => plan.tiles[i]!.window);
    expect(kept.length).toBeGreaterThan(0);
    for (const w of kept) {
      // every kept tile touches the cell [700,800) x [200,300)
      expect(w.x < 800 && w.x + w.width > 700 && w.y < 300 && w.y + w.height > 200).toBe(true);
    }
    const all = planTiles({ width: 1000, height: 1000, tileSize: 256, overlap: 32 });
    const touching = all.tiles.filter((t) => t.window.x < 800 && t.window.x + 256 > 700 && t.window.y < 300 && t.window.y + 256 > 200);
    expect(kept.length).toBe(touching.length);
  });

  it('fixes batch composition: batch k always holds the same tiles', () => {
    const skip = (w: { x: number; y: number }) => (w.x + w.y) % 3 === 0 && w.x > 0;
    const plan = planTiles({ width: 2000, height: 1200, tileSize: 256, overlap: 32, skip });
    const b1 = planBatches(plan, 4);
    const b2 = planBatches(planTiles({ width: 2000, height: 1200, tileSize: 256, overlap: 32, skip }), 4);
    expect(b1).toEqual(b2);
    expect(b1.flat()).toEqual(plan.included);
    expect(b1.slice(0, -1).every((b) => b.length === 4)).toBe(true);
    expect(() => planBatches(plan, 0)).toThrow();
  });

  it('finds the batch a resumed run restarts from', () => {
    const plan = planTiles({ width: 500, height: 1000, tileSize: 128, overlap: 32 });
    const batches = planBatches(plan, 3);
    expect(resumeBatchIndex(plan, batches, 0)).toBe(0);
    const k = resumeBatchIndex(plan, batches, 400);
    // every tile before batch k ends at or above row 400; batch k has one reaching below it
    for (const t of batches.slice(0, k).flat()) expect(plan.tiles[t]!.window.y + 128).toBeLessThanOrEqual(400);
    expect(batches[k]!.some((t) => plan.tiles[t]!.window.y + 128 > 400)).toBe(true);
    expect(resumeBatchIndex(plan, batches, 1000)).toBe(batches.length);
  });
});
