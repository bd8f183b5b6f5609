/** The brush on a mask window and the re-deriving of touched polygons with the uuid rules. */
import { describe, expect, it } from 'vitest';
import { applyStroke, rederive, strokeWindow, type FeatureRaster } from '../../../src-main/core/edit/mask-brush';

const W = 40;
const H = 30;
const win = { x: 0, y: 0, width: W, height: H };
const edges = { left: true, top: true, right: true, bottom: true };

function rect(mask: Uint8Array, x0: number, y0: number, x1: number, y1: number, v = 1): void {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * W + x] = v;
}
function rasterOf(id: number, x0: number, y0: number, x1: number, y1: number): FeatureRaster {
  const data = new Uint8Array((x1 - x0) * (y1 - y0)).fill(1);
  return { id, x: x0, y: y0, width: x1 - x0, height: y1 - y0, data, inside: true };
}
const area = (parts: Int32Array[][]): number =>
  parts.reduce((s, p) => s + p.reduce((t, r, i) => {
    let a = 0;
    const n = r.length >> 1;
    for (let k = 0; k < n; k++) a += (r[2 * k] as number) * (r[(2 * ((k + 1) % n)) + 1] as number) - (r[(2 * ((k + 1) % n))] as number) * (r[2 * k + 1] as number);
    return t + (i === 0 ? Math.abs(a) / 2 : -Math.abs(a) / 2);
  }, 0), 0);

describe('mask brush', () => {
  it('paints pixels whose centres lie within the radius of the stroke (capsules between dabs)', () => {
    const m = new Uint8Array(W * H);
    const changed = applyStroke(m, win, { points: [10, 10], radius: 2 }, 'paint');
    // centres within 2 px of (10, 10): a disc of 12 pixels... count them
    let n = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if ((x + 0.5 - 10) ** 2 + (y + 0.5 - 10) ** 2 <= 4) n++;
    expect(changed.length).toBe(n);
    const line = applyStroke(new Uint8Array(W * H), win, { points: [5, 5, 25, 5], radius: 1 }, 'paint');
    expect(line.length).toBe(20 * 2 + 4); // two rows from x 5..24, plus the round caps
    expect(strokeWindow({ points: [1, 1], radius: 3 }, W, H)).toEqual({ x: 0, y: 0, width: 5, height: 5 });
    expect(applyStroke(m, win, { points: [10, 10], radius: 2 }, 'paint')).toHaveLength(0);
  });

  it('erasing a false positive deletes it; the neighbours are untouched', () => {
    const m = new Uint8Array(W * H);
    rect(m, 2, 2, 6, 6);
    rect(m, 20, 2, 30, 12);
    const ch = applyStroke(m, win, { points: [4, 4], radius: 4 }, 'erase');
    const r = rederive(m, win, ch, [rasterOf(1, 2, 2, 6, 6), rasterOf(2, 20, 2, 30, 12)], edges);
    expect(r.grow).toBeNull();
    expect(r.polygons).toHaveLength(0);
    expect(r.deleted).toEqual([1]);
    expect(r.touched).toEqual([1]);
  });

  it('a stroke that cuts a polygon in two: the largest part keeps the uuid, the other copies attributes', () => {
    const m = new Uint8Array(W * H);
    rect(m, 2, 2, 30, 10);
    const ch = applyStroke(m, win, { points: [10, 0, 10, 12], radius: 1 }, 'erase');
    const r = rederive(m, win, ch, [rasterOf(7, 2, 2, 30, 10)], edges);
    expect(r.polygons).toHaveLength(2);
    const [big, small] = [...r.polygons].sort((a, b) => b.pixels - a.pixels);
    expect(big!.keeps).toBe(7);
    expect(small!.keeps).toBeNull();
    expect(small!.copiesFrom).toBe(7);
    expect(r.deleted).toEqual([]);
    expect(area(big!.parts)).toBe(big!.pixels);
    expect(big!.pixels).toBe(19 * 8); // x 11..29 (x 9, 10 erased)
    expect(small!.pixels).toBe(7 * 8);
  });

  it('painting across two polygons joins them: the one overlapping most keeps its uuid, the other is deleted', () => {
    const m = new Uint8Array(W * H);
    rect(m, 2, 2, 10, 10);
    rect(m, 14, 2, 34, 10);
    const ch = applyStroke(m, win, { points: [8, 6, 16, 6], radius: 1.5 }, 'paint');
    const r = rederive(m, win, ch, [rasterOf(1, 2, 2, 10, 10), rasterOf(2, 14, 2, 34, 10)], edges);
    expect(r.polygons).toHaveLength(1);
    expect(r.polygons[0]!.keeps).toBe(2);
    expect(r.deleted).toEqual([1]);
  });

  it('painting in empty space makes a new feature; an extension keeps the uuid', () => {
    const m = new Uint8Array(W * H);
    rect(m, 2, 2, 10, 10);
    const ch = applyStroke(m, win, { points: [25, 20], radius: 3 }, 'paint');
    const r = rederive(m, win, ch, [rasterOf(1, 2, 2, 10, 10)], edges);
    expect(r.polygons).toHaveLength(1);
    expect(r.polygons[0]!.keeps).toBeNull();
    expect(r.polygons[0]!.copiesFrom).toBeNull();
    expect(r.touched).toEqual([]);
    const ch2 = applyStroke(m, win, { points: [10, 6], radius: 2 }, 'paint');
    const r2 = rederive(m, win, ch2, [rasterOf(1, 2, 2, 10, 10)], edges);
    expect(r2.polygons).toHaveLength(1);
    expect(r2.polygons[0]!.keeps).toBe(1);
  });

  it('asks for a larger window when the touched area reaches an inner window edge', () => {
    const m = new Uint8Array(W * H);
    rect(m, 0, 5, 10, 10);
    const ch = applyStroke(m, win, { points: [5, 7], radius: 1 }, 'erase');
    const r = rederive(m, win, ch, [rasterOf(1, 0, 5, 10, 10)], { ...edges, left: false });
    expect(r.grow).not.toBeNull();
  });
});
