/**
 * Test-time flips inside tiled inference (worker, batching, fixed batch) and the card's head applied
 * in the app, on small real ONNX models generated at test time.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  applyHead,
  crossCheckCard,
  loadModelFile,
  planTiles,
  runTiledInference,
  startInProcessRunner,
  type LoadedModel,
  type OrtRunner,
  type RunOutput,
  type TensorMap,
  type TileInputs,
} from '../../src-main/core/inference';
import type { Window } from '../../src-shared/geo';
import { hasTorch, modelPath } from '../unit/inference/_models';

function hash(x: number, y: number, b: number): number {
  let h = (x * 374761393 + y * 668265263 + b * 2147483647) | 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

function reader(bands: number, inputName: string) {
  return async (w: Window): Promise<TileInputs> => {
    const planes = Array.from({ length: bands }, (_, b) => {
      const a = new Float32Array(w.width * w.height);
      for (let y = 0; y < w.height; y++) for (let x = 0; x < w.width; x++) a[y * w.width + x] = hash(w.x + x, w.y + y, b) * 255;
      return a;
    });
    return { [inputName]: planes };
  };
}

async function infer(model: LoadedModel, W: number, H: number, read: ReturnType<typeof reader>, extra: Partial<Parameters<typeof runTiledInference>[0]> = {}) {
  const plan = planTiles({ width: W, height: H, tileSize: model.card.tile.size, overlap: model.card.tile.overlap, multipleOf: model.card.tile.multipleOf });
  const out = new Float32Array(W * H);
  const stats = await runTiledInference({
    width: W,
    height: H,
    plan,
    model,
    readTile: read,
    sink: (y, rows) => rows.forEach((r, i) => out.set(r, (y + i) * W)),
    ...extra,
  });
  return { out, stats };
}

/** Mirror every H×W plane of an NCHW tensor (written independently of tta.ts). */
function mirror(data: Float32Array, dims: readonly number[], fx: boolean, fy: boolean): Float32Array {
  const H = dims[dims.length - 2]!;
  const W = dims[dims.length - 1]!;
  const out = new Float32Array(data.length);
  for (let p = 0; p < data.length / (H * W); p++) {
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[p * H * W + y * W + x] = data[p * H * W + (fy ? H - 1 - y : y) * W + (fx ? W - 1 - x : x)]!;
  }
  return out;
}

/** A runner that runs the model on flipped tensors and flips the outputs back: "the network seen through a flip". */
function flippedRunner(inner: OrtRunner, fx: boolean, fy: boolean): OrtRunner {
  return {
    mode: inner.mode,
    provider: inner.provider,
    attempts: inner.attempts,
    intraOpThreads: inner.intraOpThreads,
    inputNames: inner.inputNames,
    outputNames: inner.outputNames,
    async run(feeds: TensorMap, outputs: string[]): Promise<RunOutput> {
      const f: TensorMap = {};
      for (const [n, t] of Object.entries(feeds)) f[n] = { data: mirror(t.data, t.dims, fx, fy), dims: t.dims };
      const r = await inner.run(f, outputs);
      const o: TensorMap = {};
      for (const [n, t] of Object.entries(r.outputs)) o[n] = { data: mirror(t.data, t.dims, fx, fy), dims: t.dims };
      return { outputs: o, ortMs: r.ortMs };
    },
    close: () => Promise.resolve(),
    terminate: () => Promise.resolve(),
  };
}

describe.skipIf(!hasTorch)('test-time flips in tiled inference', () => {
  it('equal the mean of the four manually flipped runs (edge tiles padded, worker, batches of 3)', async () => {
    const m = await loadModelFile(modelPath('tiny-rgb.onnx'));
    const W = 150;
    const H = 110; // not multiples of the tile: padded edge tiles
    const read = reader(3, 'image');
    const { out: tta, stats } = await infer(m, W, H, read, { tta: true, batchSize: 3 });
    expect(stats.tta).toBe(true);
    expect(stats.mode).toBe('worker');
    const inner = await startInProcessRunner(m.onnxPath);
    try {
      const runs: Float32Array[] = [];
      for (const [fx, fy] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        runs.push((await infer(m, W, H, read, { tta: false, batchSize: 3, runner: flippedRunner(inner, fx, fy) })).out);
      }
      let maxDiff = 0;
      for (let i = 0; i < W * H; i++) maxDiff = Math.max(maxDiff, Math.abs(tta[i]! - (runs[0]![i]! + runs[1]![i]! + runs[2]![i]! + runs[3]![i]!) / 4));
      expect(maxDiff).toBeLessThan(1e-6);
      // And it is not the plain run (the net is not flip-equivariant).
      const plain = (await infer(m, W, H, read, { tta: false })).out;
      let d = 0;
      for (let i = 0; i < W * H; i++) d = Math.max(d, Math.abs(plain[i]! - tta[i]!));
      expect(d).toBeGreaterThan(1e-4);
    } finally {
      await inner.close();
    }
  }, 60_000);

  it('equal the plain run for a flip-equivariant network (identity, 4 normalisations) and a constant one', async () => {
    const id = await loadModelFile(modelPath('identity.onnx'));
    const read = reader(4, 'x');
    const a = (await infer(id, 97, 75, read, { tta: true, mode: 'in-process' })).out;
    const b = (await infer(id, 97, 75, read, { tta: false, mode: 'in-process' })).out;
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    expect(maxDiff).toBeLessThan(1e-6);
    const c = await loadModelFile(modelPath('const.onnx'));
    const k = (await infer(c, 80, 70, reader(3, 'image'), { tta: true })).out;
    expect(k.every((v) => Math.abs(v - 0.3) < 1e-6)).toBe(true);
  }, 60_000);

  it('work with a fixed-batch graph and default to the card (tta: flips)', async () => {
    const m = await loadModelFile(modelPath('fixed-batch.onnx'));
    const read = reader(3, 'image');
    const flips: LoadedModel = { ...m, card: { ...m.card, tta: 'flips' } };
    const on = await infer(flips, 100, 90, read);
    expect(on.stats.tta).toBe(true);
    const explicit = await infer(m, 100, 90, read, { tta: true });
    expect(explicit.out).toEqual(on.out);
    const off = await infer(flips, 100, 90, read, { tta: false });
    expect(off.stats.tta).toBe(false);
  }, 60_000);
});

describe.skipIf(!hasTorch)('the card head on the features output', () => {
  it('applyHead reproduces the calibrated probability output within 1e-4; tiling fetches only the probability', async () => {
    const m = await loadModelFile(modelPath('tiny-head.onnx'));
    expect(m.card.head?.output).toBe('features');
    const session = await ort.InferenceSession.create(m.onnxPath);
    try {
      const N = 2;
      const T = 64;
      const x = new Float32Array(N * 3 * T * T).map((_, i) => Math.sin(i * 0.013) * 2);
      const r = await session.run({ image: new ort.Tensor('float32', x, [N, 3, T, T]) });
      const prob = r.prob!;
      const feat = r.features!;
      for (let slot = 0; slot < N; slot++) {
        const mine = applyHead(m.card, feat.data as Float32Array, feat.dims, slot, { width: 50, height: 40 });
        let maxDiff = 0;
        const pd = prob.data as Float32Array;
        for (let y = 0; y < 40; y++) for (let xx = 0; xx < 50; xx++) maxDiff = Math.max(maxDiff, Math.abs(mine[y * 50 + xx]! - pd[slot * T * T + y * T + xx]!));
        expect(maxDiff).toBeLessThan(1e-4);
      }
      // Without the temperature it would not match: the calibration is applied.
      const raw = applyHead({ ...m.card, calibration: undefined }, feat.data as Float32Array, feat.dims, 0, { width: 8, height: 8 });
      expect(Math.abs(raw[0]! - (prob.data as Float32Array)[0]!)).toBeGreaterThan(1e-4);
    } finally {
      await session.release();
    }
    // Tiled inference asks the runner for the card's output only.
    const asked: string[][] = [];
    const inner = await startInProcessRunner(m.onnxPath);
    const spy: OrtRunner = Object.assign(Object.create(Object.getPrototypeOf(inner)) as OrtRunner, inner, {
      run: (feeds: TensorMap, outputs: string[]) => {
        asked.push(outputs);
        return inner.run(feeds, outputs);
      },
    });
    try {
      await infer(m, 70, 70, reader(3, 'image'), { runner: spy });
    } finally {
      await inner.close();
    }
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((o) => o.length === 1 && o[0] === 'prob')).toBe(true);
  }, 60_000);

  it('crossCheckCard validates head.output and its channel count', async () => {
    const m = await loadModelFile(modelPath('tiny-head.onnx'));
    const head = m.card.head!;
    expect(() => crossCheckCard({ ...m.card, head: { ...head, output: 'nope' } }, m.onnx, 'x.json')).toThrow(/head.output 'nope' is not an output/);
    // The exported features have a dynamic channel count only if torch left it so; check with a static shape.
    const onnx = { ...m.onnx, outputs: m.onnx.outputs.map((o) => (o.name === 'features' ? { ...o, dims: ['batch', 8, 'h', 'w'] } : o)) };
    expect(() => crossCheckCard({ ...m.card, head: { ...head, weights: head.weights.slice(0, 5) } }, onnx, 'x.json')).toThrow(/5 value\(s\) but graph output 'features' has 8 channels/);
    expect(() => crossCheckCard(m.card, onnx, 'x.json')).not.toThrow();
  });
});
