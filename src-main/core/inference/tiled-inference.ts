/**
 * Tiled inference over a grid: read tiles (caller's `readTile`), normalise them as the card says,
 * run batches in the ONNX Runtime worker, blend the outputs with a smooth window and stream finished
 * rows to `sink`.
 *
 * Pipelining: batch k+1 is read and preprocessed on this thread while the worker runs batch k; at
 * most two batches are in flight, so memory stays bounded. Batches are fixed chunks of the plan's
 * included tiles and results are blended in plan order, so a run — and a resumed run — produces
 * the same bytes every time.
 */
import { performance } from 'node:perf_hooks';
import type { Window } from '../../../src-shared/geo';
import { ScarpError, isScarpError } from '../../../src-shared/errors';
import type { ModelCard } from '../../../src-shared/model-card';
import { StreamingBlender, type RowSink } from './blend';
import { extractProbability, writeInputTile, type BandStretch, type InputBands } from './preprocess';
import type { ProviderAttempt, ProviderName, ProviderPreference } from './providers';
import { startInProcessRunner, startWorkerRunner, type OrtRunner, type RunOutput } from './runner';
import { planBatches, resumeBatchIndex, type TilePlan, type TileSpec } from './tiling';
import type { TensorData, TensorMap } from './worker-protocol';
import { TTA_FLIPS, flipFeeds } from './tta';

/** Raw band data for one tile, per card input name (see `InputBands`). Missing key = null. */
export type TileInputs = Record<string, InputBands | undefined>;

export interface InferenceProgress {
  tilesDone: number;
  tilesTotal: number;
  /** Seconds left at the rate so far; null until the first batch is done. */
  etaSeconds: number | null;
  provider: ProviderName;
}

export interface TiledInferenceOptions {
  /** Grid size; must match the plan. */
  width: number;
  height: number;
  plan: TilePlan;
  /** The model: card + .onnx path (a `LoadedModel` fits). */
  model: { card: ModelCard; onnxPath: string; fixedBatch?: number | null };
  /** Raw bands of each card input for a tile window (window-sized Float32Arrays, NaN = nodata). */
  readTile: (window: Window, tile: TileSpec) => Promise<TileInputs>;
  sink: RowSink;
  /** Tiles per ORT run; default DEFAULT_BATCH_SIZE (4); a fixed-batch graph imposes its own. */
  batchSize?: number;
  onProgress?: (p: InferenceProgress) => void;
  signal?: AbortSignal;
  /** Scene percentiles per input name and band, for 'uint8' models fed non-uint8 imagery. */
  stretch?: Record<string, ReadonlyArray<BandStretch | null | undefined>>;
  /** Execution provider preference (default 'auto') and whether to refuse fallback. */
  provider?: ProviderPreference;
  strictProvider?: boolean;
  intraOpThreads?: number;
  /** 'worker' (default) or 'in-process' (same thread; tests/benchmarks). Ignored when `runner` is given. */
  mode?: 'worker' | 'in-process';
  /** An already started runner for this model (kept open afterwards). */
  runner?: OrtRunner;
  /** Resume: image rows before this were already written; they are not emitted again. */
  startRow?: number;
  /** Rows from this one on are not emitted (a shard's part of the plan ends above them). */
  endRow?: number;
  /** Hand the sink each row's weighted sum and weight sum too (blend.ts RowSums). */
  sums?: boolean;
  /** Called once the runner exists (diagnostics/tests: e.g. to watch the worker exit). */
  onRunner?: (runner: OrtRunner) => void;
  /**
   * Test-time flips (tta.ts): every batch also runs flipped horizontally, vertically and both, and
   * each tile's probability is the mean of the four un-flipped outputs. Default: the card's `tta`.
   */
  tta?: boolean;
  /**
   * Also fetch the card's features output (`card.head.output`) and hand each tile's slot to this
   * callback (learning from corrections samples labelled pixels from it). Not with `tta`.
   */
  onFeatures?: (tile: TileSpec, features: TensorData, slot: number) => void;
}

export interface InferenceStats {
  tiles: number;
  tilesSkipped: number;
  batches: number;
  batchSize: number;
  /** First batch run (non-zero when resumed). */
  startBatch: number;
  rowsEmitted: number;
  provider: ProviderName;
  attempts: ProviderAttempt[];
  mode: 'worker' | 'in-process';
  /** Wall time of the whole call, session creation included. */
  seconds: number;
  /** Time to create the session (and start the worker). */
  setupSeconds: number;
  /** Time inside session.run. */
  ortSeconds: number;
  /** Whether test-time flips were averaged (4 ORT runs per batch). */
  tta: boolean;
}

/** Tiles per ORT run unless the caller says otherwise (fixed, so batch composition never depends on the provider found). */
export const DEFAULT_BATCH_SIZE = 4;

const cancelledError = () => new ScarpError({ code: 'CANCELLED', message: 'Detection cancelled: nothing was written.' });

export async function runTiledInference(opts: TiledInferenceOptions): Promise<InferenceStats> {
  const t0 = performance.now();
  const { plan, model, signal } = opts;
  const card = model.card;
  if (opts.width !== plan.width || opts.height !== plan.height) {
    throw new ScarpError({ code: 'INTERNAL', message: `Tile plan is for ${plan.width}×${plan.height}, the grid is ${opts.width}×${opts.height}.` });
  }
  if (plan.tensorSize % card.tile.multipleOf !== 0) {
    throw new ScarpError({
      code: 'INVALID_MODEL',
      message: `Tile size ${plan.tensorSize} is not a multiple of ${card.tile.multipleOf}, as model '${card.id}' needs.`,
    });
  }
  if (signal?.aborted) throw cancelledError();

  // Cancellation: every await below races this promise.
  let onAbort: (() => void) | null = null;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(cancelledError());
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  const race = <T>(p: Promise<T>): Promise<T> => (signal ? Promise.race([p, aborted]) : p);

  const ownRunner = !opts.runner;
  let runner: OrtRunner | null = opts.runner ?? null;
  const inFlight: Array<{ batch: number; promise: Promise<RunOutput[]> }> = [];
  try {
    const fixed = model.fixedBatch ?? null;
    const batchSize = fixed ?? opts.batchSize ?? DEFAULT_BATCH_SIZE;
    const batches = planBatches(plan, batchSize);
    const startRow = opts.startRow ?? 0;
    const startBatch = resumeBatchIndex(plan, batches, startRow);
    const TW = plan.tensorWidth;
    const TH = plan.tensorHeight;
    // The probability output, and the features output only when `onFeatures` asks for it.
    const outputName = card.output.name;
    const tta = opts.tta ?? card.tta === 'flips';
    const featuresName = opts.onFeatures ? card.head?.output : undefined;
    if (opts.onFeatures && !featuresName) {
      throw new ScarpError({
        code: 'INVALID_MODEL',
        message: `Model '${card.id}' exposes no features output (its card has no head).`,
        hint: 'Learning from corrections needs a model exported with a features output and a head in its card.',
      });
    }
    if (featuresName && tta) throw new ScarpError({ code: 'INTERNAL', message: 'Features are sampled without test-time flips.' });
    const fetchNames = featuresName ? [outputName, featuresName] : [outputName];

    const prepare = async (k: number): Promise<TensorMap> => {
      const tiles = batches[k]!;
      const n = fixed ?? tiles.length;
      const feeds: TensorMap = {};
      for (const input of card.inputs) {
        feeds[input.name] = { data: new Float32Array(n * input.bands.length * TH * TW), dims: [n, input.bands.length, TH, TW] };
      }
      await Promise.all(
        tiles.map(async (ti, slot) => {
          const tile = plan.tiles[ti]!;
          const data = await opts.readTile(tile.window, tile);
          if (signal?.aborted) return;
          const shape = { width: tile.window.width, height: tile.window.height, tensorWidth: TW, tensorHeight: TH };
          for (const input of card.inputs) {
            writeInputTile(input, data[input.name] ?? null, shape, feeds[input.name]!.data, slot, opts.stretch?.[input.name]);
          }
        }),
      );
      // Padding slots of a fixed-batch graph: fill values (their outputs are ignored).
      for (let slot = tiles.length; slot < n; slot++) {
        for (const input of card.inputs) writeInputTile(input, null, { width: TW, height: TH, tensorWidth: TW, tensorHeight: TH }, feeds[input.name]!.data, slot);
      }
      return feeds;
    };

    // The first batch is read while the session is being created.
    let firstFeeds: Promise<TensorMap> | null = startBatch < batches.length ? prepare(startBatch) : null;
    firstFeeds?.catch(() => undefined);
    if (!runner) {
      const ro = { preferred: opts.provider ?? 'auto', strict: opts.strictProvider, intraOpThreads: opts.intraOpThreads };
      const starting = opts.mode === 'in-process' ? startInProcessRunner(model.onnxPath, ro) : startWorkerRunner(model.onnxPath, ro);
      // If cancelled while starting, still shut the runner down once it exists (gracefully: see below).
      starting.then((r) => (signal?.aborted ? r.close() : undefined)).catch(() => undefined);
      runner = await race(starting);
    }
    const r = runner;
    opts.onRunner?.(r);
    const setupSeconds = (performance.now() - t0) / 1000;

    const tilesTotal = plan.included.length;
    let tilesDone = batches.slice(0, startBatch).reduce((n, b) => n + b.length, 0);
    const tilesAtStart = tilesDone;
    const runStart = performance.now();
    let ortMs = 0;
    const blender = new StreamingBlender(plan, opts.sink, { startRow, endRow: opts.endRow, sums: opts.sums });

    const report = () => {
      if (!opts.onProgress) return;
      const doneHere = tilesDone - tilesAtStart;
      const elapsed = (performance.now() - runStart) / 1000;
      const eta = doneHere > 0 ? (elapsed / doneHere) * (tilesTotal - tilesDone) : null;
      opts.onProgress({ tilesDone, tilesTotal, etaSeconds: eta, provider: r.provider });
    };
    report();

    /** The probability of one tile (window-sized) from the run(s) of its batch. */
    const tileProbability = (outs: TensorData[], slot: number, window: Window): Float32Array => {
      if (!tta) return extractProbability(card.output, outs[0]!.data, outs[0]!.dims, slot, window);
      const { width: w, height: h } = window;
      const acc = new Float64Array(w * h);
      for (const [f, out] of outs.entries()) {
        const OH = out.dims[out.dims.length - 2]!;
        const OW = out.dims[out.dims.length - 1]!;
        if (OH !== TH || OW !== TW) {
          throw new ScarpError({
            code: 'INVALID_MODEL',
            message: `Test-time flips need an output as large as the input: model '${card.id}' maps ${TW}×${TH} to ${OW}×${OH}.`,
            hint: 'Run without test-time flips.',
            options: ['no-tta'],
          });
        }
        // The flipped run's output, flipped back: pixel (x, y) of the tile is at the mirrored place.
        const p = extractProbability(card.output, out.data, out.dims, slot, { width: OW, height: OH });
        const fx = (TTA_FLIPS[f]! & 1) !== 0;
        const fy = (TTA_FLIPS[f]! & 2) !== 0;
        for (let y = 0; y < h; y++) {
          const src = (fy ? OH - 1 - y : y) * OW;
          const dst = y * w;
          if (fx) for (let x = 0; x < w; x++) acc[dst + x] += p[src + OW - 1 - x]!;
          else for (let x = 0; x < w; x++) acc[dst + x] += p[src + x]!;
        }
      }
      const prob = new Float32Array(w * h);
      const n = outs.length;
      for (let i = 0; i < prob.length; i++) prob[i] = acc[i]! / n;
      return prob;
    };

    const consume = async (k: number, results: RunOutput[]): Promise<void> => {
      const outs: TensorData[] = [];
      for (const result of results) {
        ortMs += result.ortMs;
        const out = result.outputs[outputName];
        if (!out) throw new ScarpError({ code: 'INVALID_MODEL', message: `Model '${card.id}' produced no output '${outputName}'.` });
        outs.push(out);
      }
      const tiles = batches[k]!;
      const features = featuresName ? results[0]!.outputs[featuresName] : undefined;
      if (featuresName && !features) throw new ScarpError({ code: 'INVALID_MODEL', message: `Model '${card.id}' produced no output '${featuresName}'.` });
      for (let slot = 0; slot < tiles.length; slot++) {
        const tile = plan.tiles[tiles[slot]!]!;
        if (features) opts.onFeatures!(tile, features, slot);
        await race(blender.add(tile.index, tileProbability(outs, slot, tile.window)));
      }
      tilesDone += tiles.length;
      report();
    };

    for (let k = startBatch; k < batches.length; k++) {
      if (signal?.aborted) throw cancelledError();
      const feeds = await race(k === startBatch && firstFeeds ? firstFeeds : prepare(k));
      firstFeeds = null;
      if (signal?.aborted) throw cancelledError();
      // Flipped copies first: the worker takes ownership of the feeds' buffers when they are run.
      const runs = tta ? TTA_FLIPS.map((f) => (f === 0 ? feeds : flipFeeds(feeds, f))) : [feeds];
      const promise = Promise.all(runs.map((f) => r.run(f, fetchNames)));
      promise.catch(() => undefined);
      inFlight.push({ batch: k, promise });
      if (inFlight.length >= 2) {
        const head = inFlight.shift()!;
        await consume(head.batch, await race(head.promise));
      }
    }
    while (inFlight.length > 0) {
      const head = inFlight.shift()!;
      await consume(head.batch, await race(head.promise));
    }
    await race(blender.finish());

    if (ownRunner) await r.close();
    runner = null;
    return {
      tiles: tilesDone - tilesAtStart,
      tilesSkipped: plan.tiles.length - plan.included.length,
      batches: batches.length - startBatch,
      batchSize,
      startBatch,
      rowsEmitted: blender.emitted,
      provider: r.provider,
      attempts: r.attempts,
      mode: r.mode,
      seconds: (performance.now() - t0) / 1000,
      setupSeconds,
      ortSeconds: ortMs / 1000,
      tta,
    };
  } catch (e) {
    const wasCancelled = signal?.aborted || (isScarpError(e) && e.code === 'CANCELLED');
    // Close, never terminate: a worker terminated while ONNX Runtime is inside session.run aborts the
    // whole process (std::terminate on a Napi::Error). close() lets the runs in flight (at most two
    // batches) finish, releases the session, then stops the worker.
    if (runner && ownRunner) await runner.close().catch(() => undefined);
    if (wasCancelled) throw cancelledError();
    throw e;
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
