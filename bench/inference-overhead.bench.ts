/**
 * Inference overhead: wall time of `runTiledInference` (worker thread, reading + normalisation +
 * blending + streaming rows) against onnxruntime-node alone running the very same batches with the
 * same session options on the calling thread. Target: ratio ≤ 1.15.
 *
 * Model: $BENCH_MODEL (an .onnx with a card), else the first shipped model in models/, else a
 * random-weight U-Net generated with test/fixtures/make_bench_model.py (needs torch).
 * Run alone: `node --import tsx bench/inference-overhead.bench.ts [width] [height]`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import {
  DEFAULT_BATCH_SIZE,
  createSessionWithFallback,
  listModels,
  loadModelFile,
  planBatches,
  planTiles,
  runTiledInference,
  writeInputTile,
  type LoadedModel,
  type TileInputs,
} from '../src-main/core/inference';
import { repoRoot } from '../src-main/core/paths';
import type { Window } from '../src-shared/geo';

export interface OverheadOptions {
  modelPath?: string;
  width?: number;
  height?: number;
  batchSize?: number;
  /** Timed repetitions of each side; the best is reported. */
  repeats?: number;
  provider?: 'auto' | 'cpu' | 'cuda' | 'dml' | 'coreml';
}

async function pickModel(modelPath?: string): Promise<LoadedModel> {
  const p = modelPath ?? process.env.BENCH_MODEL;
  if (p) return loadModelFile(p);
  const { models } = await listModels();
  const rgbOnly = models.find((m) => m.card.inputs.length === 1 && !m.card.inputs[0]!.optional);
  if (rgbOnly) return rgbOnly;
  const dir = resolve(repoRoot, 'bench/.tmp');
  const onnx = join(dir, 'bench-unet.onnx');
  if (!existsSync(onnx)) {
    mkdirSync(dir, { recursive: true });
    const r = spawnSync('/usr/bin/python3', [resolve(repoRoot, 'test/fixtures/make_bench_model.py'), dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`no model to benchmark: make_bench_model.py failed: ${r.stderr.slice(-500)}`);
  }
  return loadModelFile(onnx);
}

/** An in-memory scene: each card band a deterministic texture (reads cost a window copy). */
function makeScene(model: LoadedModel, W: number, H: number): Map<string, Float32Array[]> {
  const scene = new Map<string, Float32Array[]>();
  for (const input of model.card.inputs) {
    scene.set(
      input.name,
      input.bands.map((_, b) => {
        const a = new Float32Array(W * H);
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) a[y * W + x] = 128 + 100 * Math.sin(0.013 * x * (b + 1) + 0.007 * y) * Math.cos(0.011 * y - 0.005 * x * b);
        }
        return a;
      }),
    );
  }
  return scene;
}

function readWindow(scene: Map<string, Float32Array[]>, W: number, w: Window): TileInputs {
  const out: TileInputs = {};
  for (const [name, bands] of scene) {
    out[name] = bands.map((band) => {
      const a = new Float32Array(w.width * w.height);
      for (let y = 0; y < w.height; y++) a.set(band.subarray((w.y + y) * W + w.x, (w.y + y) * W + w.x + w.width), y * w.width);
      return a;
    });
  }
  return out;
}

export async function run(options: OverheadOptions = {}): Promise<Record<string, unknown>> {
  const model = await pickModel(options.modelPath);
  const card = model.card;
  const W = options.width ?? 3072;
  const H = options.height ?? 2048;
  const repeats = options.repeats ?? 2;
  const scene = makeScene(model, W, H);
  const plan = planTiles({ width: W, height: H, tileSize: card.tile.size, overlap: card.tile.overlap, multipleOf: card.tile.multipleOf });
  const T = plan.tensorSize;

  // Baseline: the same batches, pre-built (same preprocessing), through a bare session.
  const created = await createSessionWithFallback(model.onnxPath, { preferred: options.provider ?? 'auto' });
  const provider = created.provider;
  const threads = created.intraOpThreads;
  await created.session.release();
  const batchSize = model.fixedBatch ?? options.batchSize ?? DEFAULT_BATCH_SIZE;
  const batches = planBatches(plan, batchSize);
  const feedsPerBatch = batches.map((tiles) => {
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of card.inputs) {
      const data = new Float32Array(tiles.length * input.bands.length * T * T);
      tiles.forEach((ti, slot) => {
        const w = plan.tiles[ti]!.window;
        writeInputTile(input, readWindow(scene, W, w)[input.name] ?? null, { width: w.width, height: w.height, tensorWidth: T, tensorHeight: T }, data, slot);
      });
      feeds[input.name] = new ort.Tensor('float32', data, [tiles.length, input.bands.length, T, T]);
    }
    return feeds;
  });

  const baseline: number[] = [];
  const baselineRunOnly: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    const s = await createSessionWithFallback(model.onnxPath, { preferred: provider, strict: true, intraOpThreads: threads });
    const t1 = performance.now();
    for (const feeds of feedsPerBatch) await s.session.run(feeds, [card.output.name]);
    const t2 = performance.now();
    await s.session.release();
    baseline.push((t2 - t0) / 1000);
    baselineRunOnly.push((t2 - t1) / 1000);
  }

  const ours: Array<{ seconds: number; setupSeconds: number; ortSeconds: number }> = [];
  let rows = 0;
  for (let i = 0; i < repeats; i++) {
    rows = 0;
    const stats = await runTiledInference({
      width: W,
      height: H,
      plan,
      model,
      batchSize,
      provider,
      strictProvider: true,
      intraOpThreads: threads,
      readTile: async (w) => readWindow(scene, W, w),
      sink: (_y, block) => {
        rows += block.length;
      },
    });
    ours.push({ seconds: stats.seconds, setupSeconds: stats.setupSeconds, ortSeconds: stats.ortSeconds });
  }
  const best = (xs: number[]) => Math.min(...xs);
  const oursBest = ours.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    model: { id: card.id, path: model.onnxPath, parameters: card.parameters ?? null },
    scene: { width: W, height: H, tiles: plan.included.length, tileSize: T, overlap: plan.overlap, batchSize, batches: batches.length },
    provider,
    intraOpThreads: threads,
    rowsEmitted: rows,
    baselineSeconds: round(best(baseline)),
    baselineRunOnlySeconds: round(best(baselineRunOnly)),
    tiledSeconds: round(oursBest.seconds),
    tiledSetupSeconds: round(oursBest.setupSeconds),
    tiledOrtSeconds: round(oursBest.ortSeconds),
    /** Whole call vs session creation + runs: the figure the ≤ 1.15 target is about. */
    ratio: round(oursBest.seconds / best(baseline)),
    /** Excluding session creation (worker start + tsx) on both sides. */
    ratioSteadyState: round((oursBest.seconds - oursBest.setupSeconds) / best(baselineRunOnly)),
    target: 1.15,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [w, h] = process.argv.slice(2).map(Number);
  run({ width: w || undefined, height: h || undefined })
    .then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`))
    .catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
}
