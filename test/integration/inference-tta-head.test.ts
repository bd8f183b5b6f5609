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
  type TensorMap,
} from '../../src-main/core/inference';
import { hasTorch, modelPath } from '../unit/inference/_models';
import { flippedRunner, noiseReader } from '../helpers/inference';

async function infer(model: LoadedModel, W: number, H: number, read: ReturnType<typeof noiseReader>, extra: Partial<Parameters<typeof runTiledInference>[0]> = {}) {
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

describe.skipIf(!hasTorch)('test-time flips in tiled inference', () => {
  it('equal the mean of the four manually flipped runs (edge tiles padded, worker, batches of 3)', async () => {
    const m = await loadModelFile(modelPath('tiny-rgb.onnx'));
    const W = 150;
    const H = 110; // not multiples of the tile: padded edge tiles
    const read = noiseReader(3, 'image');
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
    const read = noiseReader(4, 'x');
    const a = (await infer(id, 97, 75, read, { tta: true, mode: 'in-process' })).out;
    const b = (await infer(id, 97, 75, read, { tta: false, mode: 'in-process' })).out;
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    expect(maxDiff).toBeLessThan(1e-6);
    const c = await loadModelFile(modelPath('const.onnx'));
    const k = (await infer(c, 80, 70, noiseReader(3, 'image'), { tta: true })).out;
    expect(k.every((v) => Math.abs(v - 0.3) < 1e-6)).toBe(true);
  }, 60_000);

  it('work with a fixed-batch graph and default to the card (tta: flips)', async () => {
    const m = await loadModelFile(modelPath('fixed-batch.onnx'));
    const read = noiseReader(3, 'image');
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
      await infer(m, 70, 70, noiseReader(3, 'image'), { runner: spy });
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
    // A tile far beyond any network's memory is refused from the card, before a session is built.
    const huge = { ...m.card, tile: { ...m.card.tile, size: 100_000 - (100_000 % m.card.tile.multipleOf) } };
    expect(() => crossCheckCard(huge, m.onnx, 'x.json')).toThrow(/tile.size \d+ is larger than 4096 px/);
  });
});
