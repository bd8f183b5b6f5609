/**
 * A detection run: imagery (+ DEM) → probability raster (streamed by row bands) → thresholded
 * mask → polygons with attributes → inventory file. Memory stays bounded by the tile size and
 * the scene width; outputs appear only when the whole run succeeded.
 */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DetectRequestParsed, DetectResult, ProgressSink } from '../../../src-shared/api';
import { ScarpError, isScarpError } from '../../../src-shared/errors';
import type { RasterSource } from '../raster';
import { createCogWriter, type CogWriter } from '../export/cog';
import { outputProvenance, provenanceItems } from '../export/provenance';
import type { InventoryMeta } from '../export/inventory';
import { RASTER_DESCRIPTIONS, rasterQml } from '../export/raster-style';
import { sidecarAction } from '../export/sidecars';
import { runTiledInference, usesTerrain, DEFAULT_BATCH_SIZE } from '../inference';
import { SeparatingPolygonizer, separationFor, vectorizePolygon, type InventoryPolygon, type PixelPolygon } from '../vector';
import { pixelAreaM2 } from '../geo';
import { discardOutputs, planOutput, type PlannedOutput } from '../util/atomic-output';
import { finishOutputs, INVENTORY_EXTENSIONS } from './inventory-output';
import { openScene } from './open-scene';
import { probabilityAndMask, seedThresholdOf, undefinedPixels } from './probability-rows';
import type { DetectionHooks } from './detection-hooks';

const cancelled = (): ScarpError => new ScarpError({ code: 'CANCELLED', message: 'Detection cancelled: nothing was written.' });

/** Value written where the probability is undefined (no imagery, outside the AOI). */
export const PROBABILITY_NODATA = -1;

/**
 * `hooks` (optional, e.g. a project-backed run): receive the probability rows as they stream,
 * choose the resume row, feed the rows to vectorise and receive the inventory (detection-hooks.ts).
 */
export async function runDetection(
  req: DetectRequestParsed,
  onProgress?: ProgressSink,
  signal?: AbortSignal,
  hooks?: DetectionHooks,
  /** 'in-process': the ONNX Runtime session on this thread (a detection worker: already off the main thread). */
  opts: { inferenceMode?: 'worker' | 'in-process' } = {},
): Promise<DetectResult> {
  const t0 = performance.now();
  const warnings: string[] = [];
  if (!req.out && !req.probability && !hooks) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'Nothing to write: give an inventory output (out) and/or a probability raster.' });
  }
  const planned: PlannedOutput[] = [];
  // The inventory is checked here and written last, through the exporter (finishOutputs).
  const inventoryOut = req.out ? planOutput(req.out, INVENTORY_EXTENSIONS, req.overwrite, 'inventory') : null;
  const probabilityOut = req.probability ? planOutput(req.probability, ['.tif', '.tiff'], req.overwrite, 'probability raster') : null;
  if (probabilityOut) planned.push(probabilityOut);
  if (inventoryOut && probabilityOut && inventoryOut.finalPath === probabilityOut.finalPath) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'The inventory and the probability raster must be different files.' });
  }

  const opened: RasterSource[] = [];
  let writer: CogWriter | null = null;
  /** Report progress, then stop if cancelled (so a cancel lands at every stage, not only during inference). */
  const progress: ProgressSink = (e) => {
    onProgress?.(e);
    if (signal?.aborted) throw cancelled();
  };
  try {
    const scene = await openScene(req, opened, warnings, progress);
    const { image, dem, model, modelReason, card, tta, scale, workGrid, aoi, region, bands, attributes, stretch, plan } = scene;

    const threshold = req.threshold ?? card.threshold;
    const seedThreshold = seedThresholdOf(req, card);
    const batchSize = model.fixedBatch ?? req.batchSize ?? DEFAULT_BATCH_SIZE;
    const started = hooks
      ? await hooks.begin({ model, workGrid, region, resampled: scale.kind === 'resample', plan, batchSize, threshold, seedThreshold, tta })
      : { runId: randomUUID(), startRow: 0 };
    const meta: InventoryMeta = {
      ...hooks?.provenance?.(),
      modelId: model.id,
      modelName: card.name,
      modelSha256: model.sha256,
      threshold,
      runId: started.runId,
      runStartedAt: new Date(t0 + performance.timeOrigin).toISOString(),
      scenes: [{ name: basename(image.info.path), role: null, date: null }],
    };
    if (probabilityOut) {
      // A Cloud-Optimized GeoTIFF with its band description and provenance (export/cog.ts).
      const prov = outputProvenance(meta, { output: 'detect', crs: { epsg: bands.grid.crs.epsg, name: bands.grid.crs.name } });
      writer = await createCogWriter(probabilityOut.tempPath, bands.grid, {
        dataType: 'float32',
        nodata: PROBABILITY_NODATA,
        resampling: 'average',
        overwrite: true,
        description: RASTER_DESCRIPTIONS.probability,
        metadata: { ...provenanceItems(prov), SCARP_LAYER: 'probability' },
      });
    }
    const separation = req.separate ? separationFor(pixelAreaM2(bands.grid, Math.floor(bands.grid.height / 2)), req.minAreaM2, threshold) : null;
    const polygonizer = new SeparatingPolygonizer({ width: region.width, height: region.height, connectivity: 8 }, separation, seedThreshold);
    const polygons: InventoryPolygon[] = [];
    const vectorOpts = { grid: bands.grid, minAreaM2: req.minAreaM2, simplifyM: req.simplifyM };
    let vectoriseMs = 0;
    const take = (list: Iterable<PixelPolygon>): void => {
      const s = performance.now();
      for (const p of list) {
        const v = vectorizePolygon(p, vectorOpts);
        if (v) polygons.push(v);
      }
      vectoriseMs += performance.now() - s;
    };

    const W = region.width;
    /** Probability rows (NaN = undefined) and their mask → probability raster + polygons. */
    const vectoriseRows = async (y: number, n: number, probability: Float32Array, mask: Uint8Array): Promise<void> => {
      if (writer) await writer.writeRows(probability);
      const terrain = attributes ? await attributes.readUnder(y, n, mask) : null;
      const values = terrain ? { ...terrain, probability } : { probability };
      take(polygonizer.push(y, mask, values));
    };
    const stats = await runTiledInference({
      width: region.width,
      height: region.height,
      plan,
      model,
      readTile: (w) => bands.readTile(w),
      stretch,
      batchSize,
      tta,
      startRow: started.startRow,
      provider: req.provider,
      mode: opts.inferenceMode,
      signal,
      onProgress: (p) => onProgress?.({ stage: 'infer', done: p.tilesDone, total: p.tilesTotal, etaSeconds: p.etaSeconds ?? undefined }),
      sink: async (y, rows) => {
        const n = rows.length;
        const values = new Float32Array(n * W);
        for (let i = 0; i < n; i++) values.set(rows[i]!, i * W);
        const { probability, mask } = probabilityAndMask(values, await undefinedPixels(bands, aoi, y, n, W), threshold);
        if (hooks) await hooks.rows({ y, height: n, probability });
        else await vectoriseRows(y, n, probability, mask);
      },
    });
    if (hooks) {
      // Vectorise (and write the raster) from the hooks' kept rows: identical for fresh and resumed runs.
      for await (const r of hooks.vectorRows()) {
        const mask = new Uint8Array(r.probability.length);
        for (let k = 0; k < mask.length; k++) mask[k] = r.probability[k]! >= threshold ? 1 : 0;
        await vectoriseRows(r.y, r.height, r.probability, mask);
        progress({ stage: 'vectorise', done: r.y + r.height, total: region.height });
      }
    }
    take(polygonizer.finish());
    if (writer) {
      await writer.close();
      writer = null;
    }

    progress({ stage: 'write', done: 0, total: 1 });
    const runId = started.runId;
    if (hooks) {
      await hooks.end({
        runId,
        polygons,
        provider: stats.provider,
        tiles: stats.tiles,
        timings: { totalS: (performance.now() - t0) / 1000, inferenceS: stats.seconds, vectoriseS: vectoriseMs / 1000 },
      });
    }
    const inventory = inventoryOut && { path: inventoryOut.finalPath, polygons, ctx: { scene: basename(image.info.path), run: runId, crs: bands.grid.crs, meta: { ...meta, provider: stats.provider } }, overwrite: req.overwrite };
    warnings.push(...(await finishOutputs(inventory, planned)));
    if (probabilityOut) {
      // Its QGIS style beside it (a different .qml of the user's own is kept, with a warning).
      const style = { path: probabilityOut.finalPath.replace(/\.tiff?$/i, '.qml'), content: rasterQml('probability'), kind: 'style' as const };
      if (sidecarAction(style, req.overwrite ?? false, warnings) === 'write') writeFileSync(style.path, style.content);
    }
    onProgress?.({ stage: 'write', done: 1, total: 1 });

    return {
      model: { id: model.id, name: card.name, path: model.onnxPath, sha256: model.sha256, domain: card.domain },
      modelReason,
      provider: stats.provider,
      gsdM: scale.targetGsd,
      resampled: scale.kind === 'resample',
      gsdPlan: { sceneM: scale.sceneGsd, kind: scale.kind, targetM: scale.targetGsd, reason: scale.kind === 'resample' ? scale.reason : undefined },
      tta,
      usedDem: dem !== null && usesTerrain(card),
      threshold,
      seedThreshold,
      outputs: { inventory: inventoryOut?.finalPath, probability: probabilityOut?.finalPath },
      features: polygons.length,
      totalAreaM2: polygons.reduce((s, p) => s + p.attributes.area_m2, 0),
      tiles: stats.tiles,
      timings: { totalS: (performance.now() - t0) / 1000, inferenceS: stats.seconds, vectoriseS: vectoriseMs / 1000 },
      warnings,
    };
  } catch (err) {
    // A cancel that surfaced as another error (a read interrupted) is still a cancel.
    const e = signal?.aborted && !isScarpError(err) ? cancelled() : err;
    hooks?.fail(e);
    if (writer) await writer.abort().catch(() => undefined);
    discardOutputs(planned);
    throw e;
  } finally {
    await Promise.all(opened.map((r) => r.close().catch(() => undefined)));
  }
}
