/**
 * runTiledInference end to end with tiny ONNX models generated at test time: the worker, batching,
 * normalisation through a real graph, blending, streaming, cancellation, resume.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  loadModelFile,
  planTiles,
  runTiledInference,
  sessionOptions,
  startInProcessRunner,
  startWorkerRunner,
  type InferenceProgress,
  type LoadedModel,
  type OrtRunner,
} from '../../src-main/core/inference';
import type { Window } from '../../src-shared/geo';
import { ScarpError } from '../../src-shared/errors';
import { hasTorch, modelPath } from '../unit/inference/_models';
import { functionReader, pixelHash } from '../helpers/inference';


async function run(model: LoadedModel, W: number, H: number, read: ReturnType<typeof functionReader>, extra: Partial<Parameters<typeof runTiledInference>[0]> = {}) {
  const plan = planTiles({ width: W, height: H, tileSize: model.card.tile.size, overlap: model.card.tile.overlap, multipleOf: model.card.tile.multipleOf });
  const rows: Float32Array[] = [];
  const ys: number[] = [];
  const progress: InferenceProgress[] = [];
  const stats = await runTiledInference({
    width: W,
    height: H,
    plan,
    model,
    readTile: read,
    sink: (y, block) => {
      block.forEach((r, i) => {
        ys.push(y + i);
        rows[y + i] = r;
      });
    },
    onProgress: (p) => progress.push(p),
    ...extra,
  });
  return { rows, ys, progress, stats, plan };
}

const rgb = (x: number, y: number) => [pixelHash(x, y, 0) * 255, pixelHash(x, y, 1) * 255, pixelHash(x, y, 2) * 255];

describe.skipIf(!hasTorch)('tiled inference', () => {
  it('a constant model blends to exactly its constant, every row once, in order, with progress', async () => {
    const m = await loadModelFile(modelPath('const.onnx'));
    const { rows, ys, progress, stats } = await run(m, 150, 110, functionReader({ image: [(x) => x, (x, y) => y, () => 1] }), { batchSize: 3 });
    expect(ys).toEqual(Array.from({ length: 110 }, (_, i) => i));
    let bad = 0;
    for (const r of rows) for (const v of r) if (v !== Math.fround(0.3)) bad++;
    expect(bad).toBe(0);
    expect(stats.provider).toBe('cpu');
    expect(stats.mode).toBe('worker');
    expect(stats.tiles).toBe(6);
    expect(stats.batches).toBe(2);
    expect(stats.ortSeconds).toBeGreaterThan(0);
    expect(stats.ortSeconds).toBeLessThan(stats.seconds);
    expect(progress[0]).toMatchObject({ tilesDone: 0, tilesTotal: 6, etaSeconds: null, provider: 'cpu' });
    expect(progress.at(-1)).toMatchObject({ tilesDone: 6, tilesTotal: 6, etaSeconds: 0 });
    expect(progress.map((p) => p.tilesDone)).toEqual([0, 3, 6]);
  });

  it('normalises through a real graph as the card says (identity model, one padded tile)', async () => {
    const m = await loadModelFile(modelPath('identity.onnx'));
    const W = 50;
    const H = 40;
    const red = (x: number, y: number) => (x === 3 && y === 4 ? NaN : x + 2 * y);
    const dem = (x: number, y: number) => 1000 + x + y;
    const slope = (x: number) => x; // zscore mean 10 std 4, clip [-1, 1]
    const hs = (x: number, y: number) => (y < 20 ? 10 : 20); // tile mean 15, scale 2 -> ±2.5
    const read = functionReader({ x: [red, dem, slope, hs] });
    const expectCh = [
      (x: number, y: number) => (Number.isNaN(red(x, y)) ? -1 : red(x, y) * 0.5 + 1),
      (x: number, y: number) => (dem(x, y) - 1000) / (49 + 39),
      (x: number) => Math.min(1, Math.max(-1, (x - 10) / 4)),
      (_x: number, y: number) => (hs(0, y) - 15) / 2,
    ];
    for (let ch = 0; ch < 4; ch++) {
      const model = { ...m, card: { ...m.card, output: { ...m.card.output, channel: ch } } };
      const { rows } = await run(model, W, H, read);
      let maxErr = 0;
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) maxErr = Math.max(maxErr, Math.abs(rows[y]![x]! - expectCh[ch]!(x, y)));
      expect(maxErr, `channel ${ch}`).toBeLessThan(1e-6);
    }
  });

  it('a linear ramp through the identity model stays seamless across many tiles', async () => {
    const m = await loadModelFile(modelPath('identity.onnx'));
    const ramp = (x: number, y: number) => 0.01 * x - 0.02 * y;
    const { rows } = await run(m, 301, 203, functionReader({ x: [ramp, () => 0, () => 0, () => 0] }), { batchSize: 5 });
    let maxErr = 0;
    for (let y = 0; y < 203; y++) for (let x = 0; x < 301; x++) maxErr = Math.max(maxErr, Math.abs(rows[y]![x]! - (ramp(x, y) * 0.5 + 1)));
    expect(maxErr).toBeLessThan(1e-5);
  });

  it('worker results equal session.run in-process on the same tiles (within 1e-6)', async () => {
    const path = modelPath('tiny-rgb.onnx');
    const B = 3;
    const n = B * 3 * 64 * 64;
    const data = Float32Array.from({ length: n }, (_, i) => pixelHash(i, 7, 3));
    const session = await ort.InferenceSession.create(path, sessionOptions('cpu', 1));
    const direct = (await session.run({ image: new ort.Tensor('float32', data.slice(), [B, 3, 64, 64]) })).prob!.data as Float32Array;
    await session.release();
    const worker = await startWorkerRunner(path, { preferred: 'cpu', intraOpThreads: 1 });
    const viaWorker = (await worker.run({ image: { data: data.slice(), dims: [B, 3, 64, 64] } }, ['prob'])).outputs.prob!;
    await worker.close();
    expect(viaWorker.dims).toEqual([B, 1, 64, 64]);
    let maxDiff = 0;
    for (let i = 0; i < direct.length; i++) maxDiff = Math.max(maxDiff, Math.abs(direct[i]! - viaWorker.data[i]!));
    expect(maxDiff).toBeLessThanOrEqual(1e-6);

    // And the whole tiled run: worker mode == in-process mode.
    const m = await loadModelFile(path);
    const read = functionReader({ image: [0, 1, 2].map((b) => (x: number, y: number) => rgb(x, y)[b]!) });
    const a = await run(m, 140, 100, read, { mode: 'worker', intraOpThreads: 1 });
    const b = await run(m, 140, 100, read, { mode: 'in-process', intraOpThreads: 1 });
    expect(b.stats.mode).toBe('in-process');
    let maxRun = 0;
    for (let y = 0; y < 100; y++) for (let x = 0; x < 140; x++) maxRun = Math.max(maxRun, Math.abs(a.rows[y]![x]! - b.rows[y]![x]!));
    expect(maxRun).toBeLessThanOrEqual(1e-6);
  });

  it('is deterministic, and a resumed run reproduces the remaining rows bit for bit', async () => {
    const m = await loadModelFile(modelPath('tiny-rgb.onnx'));
    const read = functionReader({ image: [0, 1, 2].map((b) => (x: number, y: number) => rgb(x, y)[b]!) });
    const full = await run(m, 120, 260, read, { batchSize: 2 });
    const again = await run(m, 120, 260, read, { batchSize: 2 });
    for (let y = 0; y < 260; y++) expect(again.rows[y]).toEqual(full.rows[y]);
    const resumed = await run(m, 120, 260, read, { batchSize: 2, startRow: 150 });
    expect(resumed.ys[0]).toBe(150);
    expect(resumed.ys).toHaveLength(110);
    expect(resumed.stats.startBatch).toBeGreaterThan(0);
    expect(resumed.progress[0]!.tilesDone).toBeGreaterThan(0);
    for (let y = 150; y < 260; y++) expect(resumed.rows[y]).toEqual(full.rows[y]);
  });

  it('cancellation stops a run part-way, terminates the worker and throws CANCELLED', async () => {
    const m = await loadModelFile(modelPath('tiny-rgb.onnx'));
    const ac = new AbortController();
    let runner: OrtRunner | null = null;
    let abortedAt = 0;
    const t0 = Date.now();
    const p = run(m, 64 * 40, 64 * 40, functionReader({ image: [() => 1, () => 2, () => 3] }, 2), {
      signal: ac.signal,
      batchSize: 2,
      onRunner: (r) => (runner = r),
      onProgress: (pr) => {
        if (pr.tilesDone >= 6 && !ac.signal.aborted) {
          abortedAt = Date.now();
          ac.abort();
        }
      },
    });
    const err = await p.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ScarpError);
    expect((err as ScarpError).code).toBe('CANCELLED');
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(runner).not.toBeNull();
    expect(runner!.exited).toBeDefined();
    await expect(Promise.race([runner!.exited!, new Promise((r) => setTimeout(() => r('still running'), 2000))])).resolves.not.toBe('still running');

    const pre = new AbortController();
    pre.abort();
    await expect(run(m, 64, 64, functionReader({ image: [() => 1, () => 2, () => 3] }), { signal: pre.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('runs a dual-input model with and without its optional terrain input', async () => {
    const m = await loadModelFile(modelPath('tiny-dual.onnx'));
    const image = [0, 1, 2].map((b) => (x: number, y: number) => rgb(x, y)[b]!);
    const withDem = await run(m, 100, 90, functionReader({ image, terrain: [(x, y) => 500 + x - y, (x) => x % 40] }));
    const without = await run(m, 100, 90, functionReader({ image, terrain: null }));
    let diff = 0;
    for (let y = 0; y < 90; y++) {
      for (let x = 0; x < 100; x++) {
        const a = withDem.rows[y]![x]!;
        const b = without.rows[y]![x]!;
        expect(a >= 0 && a <= 1 && b >= 0 && b <= 1).toBe(true);
        diff = Math.max(diff, Math.abs(a - b));
      }
    }
    expect(diff).toBeGreaterThan(0);
    // The RGB-only input of a required model cannot be left out.
    await expect(run(m, 100, 90, functionReader({ image: null, terrain: null }))).rejects.toMatchObject({ code: 'INCOMPATIBLE_BANDS' });
  });

  it('runs a Deepness model (softmax, landslide channel) and a fixed-batch graph', async () => {
    const d = await loadModelFile(modelPath('deepness.onnx'));
    const image = [0, 1, 2].map((b) => (x: number, y: number) => rgb(x, y)[b]!);
    const r1 = await run(d, 100, 70, functionReader({ input: image }));
    expect(r1.rows.every((r) => r.every((v) => v >= 0 && v <= 1))).toBe(true);
    const fb = await loadModelFile(modelPath('fixed-batch.onnx'));
    const r2 = await run(fb, 100, 70, functionReader({ image }), { batchSize: 8 });
    expect(r2.stats.batchSize).toBe(1);
    expect(r2.stats.batches).toBe(r2.plan.included.length);
  });

  it('passes errors from readTile through and shuts the worker down', async () => {
    const m = await loadModelFile(modelPath('const.onnx'));
    let runner: OrtRunner | null = null;
    let calls = 0;
    const failing = async (w: Window) => {
      if (++calls > 3) throw new ScarpError({ code: 'ALL_NODATA', message: 'boom at ' + w.x });
      return functionReader({ image: [() => 1, () => 1, () => 1] })(w);
    };
    await expect(run(m, 300, 300, failing, { batchSize: 2, onRunner: (r) => (runner = r) })).rejects.toMatchObject({ code: 'ALL_NODATA' });
    await runner!.exited;
  });

  it('an in-process runner can be shared across runs', async () => {
    const m = await loadModelFile(modelPath('const.onnx'));
    const r = await startInProcessRunner(m.onnxPath);
    const a = await run(m, 70, 70, functionReader({ image: [() => 1, () => 1, () => 1] }), { runner: r });
    const b = await run(m, 70, 70, functionReader({ image: [() => 1, () => 1, () => 1] }), { runner: r });
    expect(a.rows[5]![5]).toBe(b.rows[5]![5]);
    await r.close();
  });
});
