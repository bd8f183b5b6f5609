import { describe, expect, it } from 'vitest';
import { StreamingBlender, maskSkipper, planTiles, taperWindow, type TilePlan } from '../../../src-main/core/inference';

/** Feed every included tile `f(x, y)` sampled on its window; collect the emitted rows. */
async function blendFn(plan: TilePlan, f: (x: number, y: number, tile: number) => number, startRow = 0) {
  const rows = new Map<number, Float32Array>();
  const order: number[] = [];
  let maxOpenRows = 0;
  const blender = new StreamingBlender(plan, (y, block) => {
    block.forEach((r, i) => {
      if (rows.has(y + i)) throw new Error(`row ${y + i} emitted twice`);
      rows.set(y + i, r);
      order.push(y + i);
    });
  }, { startRow });
  for (const ti of plan.included) {
    const { x: x0, y: y0, width: w, height: h } = plan.tiles[ti]!.window;
    if (y0 + h <= startRow) continue;
    const v = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) v[y * w + x] = f(x0 + x, y0 + y, ti);
    await blender.add(ti, v);
    maxOpenRows = Math.max(maxOpenRows, y0 + h - blender.emitted - startRow);
  }
  await blender.finish();
  return { rows, order, maxOpenRows };
}

describe('taper window', () => {
  it('is positive, 1 in the core, and two regular tapers sum to 1', () => {
    const w = taperWindow(64, 16, 16);
    expect(Math.min(...w)).toBeGreaterThan(0);
    expect(w.slice(16, 48).every((v) => v === 1)).toBe(true);
    const next = taperWindow(64, 16, 16);
    for (let k = 0; k < 16; k++) expect(w[48 + k]! + next[k]!).toBeCloseTo(1, 14);
    expect(taperWindow(10, 0, 0).every((v) => v === 1)).toBe(true);
  });
});

describe('streaming blender', () => {
  const plans: Array<[string, TilePlan]> = [
    ['regular', planTiles({ width: 300, height: 200, tileSize: 64, overlap: 16 })],
    ['edge-aligned, big overlap', planTiles({ width: 333, height: 151, tileSize: 64, overlap: 24 })],
    ['smaller than a tile', planTiles({ width: 50, height: 40, tileSize: 64, overlap: 16 })],
    ['no overlap', planTiles({ width: 128, height: 192, tileSize: 64, overlap: 0 })],
  ];

  it.each(plans)('a constant blends to exactly that constant (%s)', async (_, plan) => {
    for (const c of [0.3, 0.7071067690849304, 1e-7, 0.999]) {
      const { rows } = await blendFn(plan, () => c);
      const want = Math.fround(c);
      let bad = 0;
      for (const r of rows.values()) for (const v of r) if (v !== want) bad++;
      expect(bad).toBe(0);
      expect(rows.size).toBe(plan.height);
    }
  });

  it.each(plans)('every row is emitted exactly once, in order (%s)', async (_, plan) => {
    const { order } = await blendFn(plan, () => 0.5);
    expect(order).toEqual(Array.from({ length: plan.height }, (_, i) => i));
  });

  it('a linear ramp stays seamless (max error tiny)', async () => {
    const plan = planTiles({ width: 517, height: 389, tileSize: 64, overlap: 20 });
    const f = (x: number, y: number) => Math.fround(0.001 * x - 0.0007 * y + 0.2);
    const { rows } = await blendFn(plan, f);
    let maxErr = 0;
    for (const [y, r] of rows) for (let x = 0; x < r.length; x++) maxErr = Math.max(maxErr, Math.abs(r[x]! - f(x, y)));
    expect(maxErr).toBeLessThan(1e-6);
  });

  it('smooths disagreeing tiles with no jump at tile borders', async () => {
    // Each tile predicts its own constant; the blend must vary smoothly across every overlap.
    const plan = planTiles({ width: 400, height: 64, tileSize: 64, overlap: 32 });
    const { rows } = await blendFn(plan, (_x, _y, t) => (t % 2 === 0 ? 0 : 1));
    const r = rows.get(32)!;
    let maxStep = 0;
    for (let x = 1; x < r.length; x++) maxStep = Math.max(maxStep, Math.abs(r[x]! - r[x - 1]!));
    // hard switching would jump by 1; a 32-px sin² taper changes by < 0.06 per pixel
    expect(maxStep).toBeLessThan(0.06);
  });

  it('keeps memory to a band of tile rows, not the scene', async () => {
    const plan = planTiles({ width: 200, height: 2000, tileSize: 64, overlap: 16 });
    const { maxOpenRows } = await blendFn(plan, () => 0.1);
    expect(maxOpenRows).toBeLessThanOrEqual(64);
    const b = new StreamingBlender(plan, () => undefined);
    // ring of tileSize rows of width doubles
    expect((b as unknown as { ring: Float64Array[] }).ring.length).toBe(64);
  });

  it('leaves pixels no tile covers as NaN and blends exactly next to skipped tiles', async () => {
    const data = new Uint8Array(16);
    data[0] = 1; // top-left cell of a 4x4 mask only
    const plan = planTiles({ width: 256, height: 256, tileSize: 64, overlap: 16, skip: maskSkipper({ data, width: 4, height: 4 }, 256, 256) });
    expect(plan.included.length).toBeLessThan(plan.tiles.length);
    const { rows, order } = await blendFn(plan, () => 0.25);
    expect(order).toHaveLength(256);
    expect(rows.get(10)![10]).toBe(0.25);
    expect(Number.isNaN(rows.get(250)![250]!)).toBe(true);
    let bad = 0;
    for (const r of rows.values()) for (const v of r) if (!(Number.isNaN(v) || v === 0.25)) bad++;
    expect(bad).toBe(0);
  });

  it('a resumed blend (startRow) reproduces the same rows bit for bit', async () => {
    const plan = planTiles({ width: 230, height: 410, tileSize: 64, overlap: 24 });
    const f = (x: number, y: number, t: number) => Math.fround(Math.sin(x * 0.05 + t) * Math.cos(y * 0.03));
    const full = await blendFn(plan, f);
    for (const start of [1, 100, 137, 400]) {
      const resumed = await blendFn(plan, f, start);
      expect(resumed.order[0]).toBe(start);
      for (const [y, r] of resumed.rows) expect(r).toEqual(full.rows.get(y));
    }
  });

  it('rejects tiles out of order', async () => {
    const plan = planTiles({ width: 128, height: 128, tileSize: 64, overlap: 0 });
    const b = new StreamingBlender(plan, () => undefined);
    await b.add(1, new Float32Array(64 * 64));
    await expect(b.add(0, new Float32Array(64 * 64))).rejects.toThrow(/plan order/);
  });
});
