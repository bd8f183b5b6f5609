/**
 * `scarp detect … --shard K/N --out shard_K.gpkg`: the K-th of N parts of a detection's tile plan
 * (inference/shards.ts), written as a shard file (store/shard-file.ts) that `merge-shards` joins.
 *
 * The shard runs only its own tiles. Rows no other shard reaches are vectorised here: polygons that
 * stay clear of the shard's first and last such row are final and go into the file's `landslides`
 * layer; polygons that touch them may continue in the next shard, so they are held back and the
 * foreground of the rows they cover is stored (probability and terrain, held-rows.ts) for the merge. Rows shared with another
 * shard are stored as weighted sums, which the merge adds up and divides exactly as one run blends.
 */
import { createHash } from 'node:crypto';
import { basename, dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DetectRequestParsed, DetectResult, ProgressSink } from '../../../../src-shared/api';
import { ScarpError, isScarpError } from '../../../../src-shared/errors';
import type { RasterSource } from '../../raster';
import { DEFAULT_BATCH_SIZE, runTiledInference, usesTerrain } from '../../inference';
import { restrictPlan, shardPart, shardTileCount, type ShardSpec } from '../../inference/shards';
import type { RowSums } from '../../inference/blend';
import { SeparatingPolygonizer, meetsSeed, offsetPixels, separationFor, vectorizePolygon, type SeparatedPolygon } from '../../vector';
import { pixelAreaM2 } from '../../geo';
import { ShardFileWriter, type ShardRow } from '../../store/shard-file';
import { HeldRows } from './held-rows';
import { sparseRows } from '../../vector/sparse-rows';
import { SHARD_FORMAT, type ShardDescription, type ShardRun } from './shard-format';
import { completeRecord } from '../../store/geopackage-writer';
import { commitOutputs, discardOutputs, planOutput } from '../../util/atomic-output';
import { openScene } from '../open-scene';
import { probabilityAndMask, seedThresholdOf, undefinedPixels } from '../probability-rows';

function runIdOf(fingerprint: string): string {
  const h = fingerprint;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const cancelled = (): ScarpError => new ScarpError({ code: 'CANCELLED', message: 'Shard cancelled: nothing was written.' });

export async function runShard(req: DetectRequestParsed & { shard: ShardSpec }, onProgress?: ProgressSink, signal?: AbortSignal): Promise<DetectResult> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const warnings: string[] = [];
  if (!req.out) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'A shard needs an output shard file (out, .gpkg).', hint: 'Give --out shard_K.gpkg.' });
  if (req.probability || req.project) {
    throw new ScarpError({
      code: 'INVALID_ARGUMENT',
      message: 'A shard writes only its shard file: no probability raster and no project.',
      hint: 'Run merge-shards on all the shard files; it writes the inventory (and the probability raster with --probability).',
    });
  }
  const out = planOutput(req.out, ['.gpkg'], req.overwrite, 'shard file');
  const opened: RasterSource[] = [];
  let writer: ShardFileWriter | null = null;
  const progress: ProgressSink = (e) => {
    onProgress?.(e);
    if (signal?.aborted) throw cancelled();
  };
  try {
    // The shards of a scene write into one folder: the first reads the whole scene, the others its result.
    const scene = await openScene(req, opened, warnings, progress, dirname(out.finalPath));
    const { image, dem, model, modelReason, card, tta, scale, aoi, region, bands, attributes, plan } = scene;
    const threshold = req.threshold ?? card.threshold;
    const seedThreshold = seedThresholdOf(req, card);
    const batchSize = model.fixedBatch ?? req.batchSize ?? DEFAULT_BATCH_SIZE;
    const part = shardPart(plan, req.shard);
    const run: ShardRun = {
      image: resolve(req.image),
      dem: req.dem ? resolve(req.dem) : null,
      aoi: req.aoi ? resolve(req.aoi) : null,
      model: { id: model.id, name: card.name, sha256: model.sha256 },
      threshold,
      // Only when one applies, so the fingerprints of runs without one are unchanged.
      ...(seedThreshold !== null ? { seedThreshold } : {}),
      minAreaM2: req.minAreaM2,
      simplifyM: req.simplifyM,
      // As runDetection computes it, so a sharded run cuts blobs exactly as a whole one.
      separation: req.separate ? separationFor(pixelAreaM2(bands.grid, Math.floor(bands.grid.height / 2)), req.minAreaM2, threshold) : null,
      tta,
      batchSize,
      layout: req.layout ?? null,
      grid: bands.grid,
      plan: { width: plan.width, height: plan.height, tileSize: plan.tileSize, overlap: plan.overlap, tileRows: plan.rows.length, tiles: plan.included.length },
    };
    const fingerprint = createHash('sha256').update(JSON.stringify(run)).digest('hex');
    const runId = runIdOf(fingerprint);
    const sceneName = basename(image.info.path);

    writer = ShardFileWriter.create(out.tempPath, bands.grid.crs);
    const w = writer;
    const W = region.width;
    const H = region.height;
    const { y0: f0, y1: f1 } = part.final;
    const polygonizer = f1 > f0 ? new SeparatingPolygonizer({ width: W, height: f1 - f0, connectivity: 8 }, run.separation) : null;
    const vectorOpts = { grid: bands.grid, minAreaM2: req.minAreaM2, simplifyM: req.simplifyM };
    const edges = { topEnd: f0, bottomStart: f1 };
    // Final rows under polygons that may be held back, as their foreground (held-rows.ts): rows of
    // polygons touching the first final row until every such polygon has closed, and rows of the
    // polygons still open (any of them may reach the last final row).
    const held = new HeldRows(part.final, { above: f0 > 0, below: f1 < H });
    let features = 0;
    let areaM2 = 0;
    let heldBack = 0;
    let vectoriseMs = 0;
    const now = new Date().toISOString();
    const take = (list: Iterable<SeparatedPolygon>): void => {
      const s = performance.now();
      for (const p of list) {
        // Whether the blob (not the part) touches an edge: the merge cuts the joined blob again.
        const top = f0 > 0 && p.component.minY === 0;
        const bottom = f1 < H && p.component.maxY === f1 - f0;
        if (top || bottom) {
          // It may continue in a neighbouring shard: merge-shards vectorises it with its other part.
          if (top) edges.topEnd = Math.max(edges.topEnd, f0 + p.component.maxY);
          if (bottom) edges.bottomStart = Math.min(edges.bottomStart, f0 + p.component.minY);
          heldBack++;
          continue;
        }
        // Not in the polygonizer: a blob held back above is judged whole, by the merge.
        if (!meetsSeed(p.peak, seedThreshold)) continue;
        const v = vectorizePolygon(offsetPixels(p, 0, f0), vectorOpts);
        if (!v) continue;
        w.addFeature({ geometry: v.geometry, properties: completeRecord({ ...v.attributes, scene: sceneName, run: runId, confidence: v.attributes.prob_mean }, now) });
        features++;
        areaM2 += v.attributes.area_m2;
      }
      vectoriseMs += performance.now() - s;
    };

    /** Rows [y, y + n) of one kind → the shard file (and the polygonizer for final rows). */
    const store = async (y: number, n: number, kind: ShardRow['kind'], values: Float32Array, invalid: Uint8Array, sums: { acc: Float64Array[]; weight: Float64Array[] } | null): Promise<void> => {
      if (kind === 'final') {
        const { probability, mask } = probabilityAndMask(values, invalid, threshold);
        const terrain = attributes ? await attributes.readUnder(y, n, mask) : null;
        const under = terrain ? { ...terrain, probability } : { probability };
        held.add(sparseRows(y, W, mask, under));
        take(polygonizer!.push(y - f0, mask, under));
        held.settle(f0 + polygonizer!.openFromRow, edges.topEnd);
        return;
      }
      // Shared rows: the terrain of the whole row (the merge finds the mask only when it has every shard's
      // sums). It is the same in both shards of the seam: only the shard below the seam (the rows come
      // before its final rows) reads and stores it; every shared row lies before the final rows of the
      // last shard that reaches it (inference/shards.ts), so each is stored at least once.
      const terrain = attributes && y < f0 ? await attributes.read(y, n) : null;
      for (let i = 0; i < n; i++) {
        const row = (a: Float32Array | undefined) => a?.subarray(i * W, (i + 1) * W);
        w.putRow({ y: y + i, kind, acc: sums!.acc[i], weight: sums!.weight[i], invalid: invalid.subarray(i * W, (i + 1) * W), slope: row(terrain?.slope), elevation: row(terrain?.elevation), aspect: row(terrain?.aspect) });
      }
    };

    const sink = async (y: number, rows: Float32Array[], sums?: RowSums): Promise<void> => {
      const n = rows.length;
      const invalid = await undefinedPixels(bands, aoi, y, n, W);
      // Split the band into runs of final and shared rows.
      let i = 0;
      while (i < n) {
        const isFinal = y + i >= f0 && y + i < f1;
        let j = i + 1;
        while (j < n && (y + j >= f0 && y + j < f1) === isFinal) j++;
        const values = new Float32Array((j - i) * W);
        for (let k = i; k < j; k++) values.set(rows[k]!, (k - i) * W);
        await store(y + i, j - i, isFinal ? 'final' : 'partial', values, invalid.subarray(i * W, j * W), sums ? { acc: sums.acc.slice(i, j), weight: sums.weight.slice(i, j) } : null);
        i = j;
      }
    };

    const tiles = shardTileCount(plan, part);
    let provider = 'none';
    let inferenceS = 0;
    if (part.touched.y1 > part.touched.y0) {
      const stats = await runTiledInference({
        width: W,
        height: H,
        plan: restrictPlan(plan, part),
        model,
        readTile: (win) => bands.readTile(win),
        stretch: scene.stretch,
        batchSize,
        tta,
        startRow: part.touched.y0,
        endRow: part.touched.y1,
        sums: true,
        provider: req.provider,
        signal,
        onProgress: (p) => onProgress?.({ stage: 'infer', done: p.tilesDone, total: p.tilesTotal, etaSeconds: p.etaSeconds ?? undefined }),
        sink,
      });
      provider = stats.provider;
      inferenceS = stats.seconds;
    }
    if (polygonizer) take(polygonizer.finish());
    progress({ stage: 'write', done: 0, total: 1 });
    for (const r of held.within([
      { y0: f0, y1: edges.topEnd },
      { y0: edges.bottomStart, y1: f1 },
    ])) {
      w.putRow({ ...r, kind: 'final' });
    }
    const cpu = process.cpuUsage(cpu0);
    const timings = { totalS: (performance.now() - t0) / 1000, inferenceS, vectoriseS: vectoriseMs / 1000, cpuS: (cpu.user + cpu.system) / 1e6 };
    const result: ShardDescription['result'] = {
      model: { id: model.id, name: card.name, path: model.onnxPath, sha256: model.sha256, domain: card.domain },
      modelReason,
      gsdM: scale.targetGsd,
      resampled: scale.kind === 'resample',
      gsdPlan: { sceneM: scale.sceneGsd, kind: scale.kind, targetM: scale.targetGsd, reason: scale.kind === 'resample' ? scale.reason : undefined },
      usedDem: dem !== null && usesTerrain(card),
    };
    const description: ShardDescription = {
      format: SHARD_FORMAT,
      fingerprint,
      runId,
      scene: sceneName,
      run,
      part,
      edges,
      terrain: attributes !== null,
      features,
      heldBack,
      tiles,
      provider,
      timings,
      warnings,
      result,
    };
    w.commit(description);
    writer = null;
    commitOutputs([out]);
    onProgress?.({ stage: 'write', done: 1, total: 1 });
    return {
      ...result,
      provider,
      tta,
      threshold,
      seedThreshold,
      outputs: { inventory: out.finalPath },
      features,
      totalAreaM2: areaM2,
      tiles,
      timings: { totalS: timings.totalS, inferenceS, vectoriseS: timings.vectoriseS },
      warnings,
      shard: { index: part.index, count: part.count, tileRows: [part.tileRows.first, part.tileRows.end], finalRows: [f0, f1], heldBack, cpuS: timings.cpuS },
    };
  } catch (err) {
    const e = signal?.aborted && !isScarpError(err) ? cancelled() : err;
    writer?.abort();
    discardOutputs([out]);
    throw e;
  } finally {
    await Promise.all(opened.map((r) => r.close().catch(() => undefined)));
  }
}
