/**
 * A detection run: imagery (+ DEM) → probability raster (streamed by row bands) → thresholded
 * mask → polygons with attributes → inventory file. Memory stays bounded by the tile size and
 * the scene width; outputs appear only when the whole run succeeded.
 */
import { basename } from 'node:path';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DetectRequestParsed, DetectResult, ProgressSink } from '../../../src-shared/api';
import type { Grid, Window } from '../../../src-shared/geo';
import type { BandSource } from '../../../src-shared/model-card';
import { fmtM, fmtRange, pickableFromCard, resampleRange, runnableWith } from '../../../src-shared/model-pick';
import { ScarpError } from '../../../src-shared/errors';
import {
  assertOverlap,
  createGeoTiffWriter,
  openRaster,
  resampleGrid,
  type GeoTiffWriter,
  type RasterSource,
} from '../raster';
import {
  cardSources,
  listModels,
  maskSkipper,
  percentileStretch,
  pickDefaultModel,
  planScale,
  sceneGsdOf,
  planTiles,
  resolveModel,
  runTiledInference,
  usesTerrain,
  DEFAULT_BATCH_SIZE,
  type BandStretch,
  type LoadedModel,
} from '../inference';
import { Polygonizer, vectorizePolygon, type InventoryPolygon, type PixelPolygon } from '../vector';
import { commitOutputs, discardOutputs, planOutput, type PlannedOutput } from '../util/atomic-output';
import { modelsDir } from '../paths';
import { SceneBands } from './scene-bands';
import { AttributeBands } from './attribute-bands';
import { coverageOf, type Coverage } from './coverage';
import { writeInventory } from './inventory-output';
import { AoiMask } from './aoi';
import type { DetectionHooks } from './detection-hooks';

/** Value written where the probability is undefined (no imagery, outside the AOI). */
export const PROBABILITY_NODATA = -1;

/** The requested model, or the one the picker chooses for the scene, with the reason. */
async function chooseModel(
  requested: string | undefined,
  scene: { hasDem: boolean; gsdM: number; opticalBands: BandSource[] },
): Promise<{ model: LoadedModel; reason: string }> {
  if (requested) {
    const model = await resolveModel(requested, modelsDir());
    return { model, reason: `${model.id}: named in the request, not picked.` };
  }
  const { models } = await listModels(modelsDir());
  const pick = pickDefaultModel(models, scene);
  if (!pick) {
    if (models.length === 0) {
      throw new ScarpError({ code: 'INVALID_MODEL', message: `No usable model in ${modelsDir()}.`, hint: 'Reinstall Scarp, or choose a model file (.onnx) with a model card.', options: ['model'] });
    }
    const bandsFit = models.filter((m) => runnableWith(pickableFromCard(m.card), scene));
    if (bandsFit.length === 0) {
      throw new ScarpError({
        code: 'INCOMPATIBLE_BANDS',
        message: `No model in ${modelsDir()} can run on ${scene.opticalBands.length} optical band(s) ${scene.hasDem ? 'with' : 'without'} a DEM (${models.map((m) => `${m.id} needs ${[...cardSources(m.card).required].join(', ')}`).join('; ')}).`,
        hint: scene.opticalBands.length < 3 ? 'Use RGB imagery (bands ordered red, green, blue).' : 'Add a DEM, or choose a model.',
        options: scene.opticalBands.length < 3 ? undefined : ['dem', 'model'],
      });
    }
    const ranges = bandsFit.map((m) => {
      const wide = resampleRange(m.card.gsd);
      return `${m.id} ${fmtRange(m.card.gsd.minM, m.card.gsd.maxM)}${wide ? ` (resamples ${fmtRange(wide[0], wide[1])})` : ''}`;
    });
    throw new ScarpError({
      code: 'RESOLUTION_OUT_OF_RANGE',
      message: `No model in ${modelsDir()} accepts imagery of ${fmtM(scene.gsdM)} per pixel: ${ranges.join('; ')}.`,
      hint: 'Use imagery inside one of these ranges, or choose a model.',
      options: ['model'],
    });
  }
  return { model: pick.model, reason: pick.reason };
}

function scenePercentiles(coverage: Coverage, bands: number[]): BandStretch[] {
  return bands.map((b) => percentileStretch(coverage.sample.get(b) ?? new Float32Array(0)) ?? { low: 0, high: 255 });
}

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
  const inventoryOut = req.out ? planOutput(req.out, ['.gpkg', '.geojson', '.json'], req.overwrite, 'inventory') : null;
  const probabilityOut = req.probability ? planOutput(req.probability, ['.tif', '.tiff'], req.overwrite, 'probability raster') : null;
  if (inventoryOut) planned.push(inventoryOut);
  if (probabilityOut) planned.push(probabilityOut);
  if (inventoryOut && probabilityOut && inventoryOut.finalPath === probabilityOut.finalPath) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'The inventory and the probability raster must be different files.' });
  }

  const opened: RasterSource[] = [];
  let writer: GeoTiffWriter | null = null;
  try {
    onProgress?.({ stage: 'prepare', done: 0, total: 4, message: 'opening inputs' });
    const image = await openRaster(req.image);
    opened.push(image);
    const dem = req.dem ? await openRaster(req.dem) : null;
    if (dem) {
      opened.push(dem);
      assertOverlap(dem.info, image.info, dem.info.path, 'the imagery');
    }
    const sceneGsd = sceneGsdOf(image.info.gsd);
    const opticalBands = (['red', 'green', 'blue', 'nir'] as const).slice(0, Math.min(4, image.info.bandCount));
    const { model, reason: modelReason } = await chooseModel(req.model, { hasDem: dem !== null, gsdM: sceneGsd, opticalBands: [...opticalBands] });
    const card = model.card;
    const tta = req.tta ?? card.tta === 'flips';
    onProgress?.({ stage: 'prepare', done: 0, total: 4, message: `model ${modelReason}` });
    if (dem && !usesTerrain(card)) warnings.push(`Model '${card.id}' does not use terrain; the DEM only feeds the slope/elevation/aspect attributes.`);
    if (!dem && usesTerrain(card)) warnings.push(`Model '${card.id}' was given no DEM: its terrain stream is fed its fill value (trained with terrain dropped).`);

    const scale = planScale(image.info.gsd, card.gsd, `model '${card.id}'`);
    const imageGrid: Grid = { width: image.info.width, height: image.info.height, geoTransform: image.info.geoTransform, crs: image.info.crs };
    const workGrid = scale.kind === 'resample' ? resampleGrid(imageGrid, scale.targetGsd) : imageGrid;
    if (scale.kind === 'resample') warnings.push(`Scene ${scale.reason}.`);
    onProgress?.({ stage: 'prepare', done: 1, total: 4, message: 'area of interest' });

    const aoi = req.aoi ? await AoiMask.load(req.aoi, workGrid) : null;
    const region: Window = aoi ? aoi.window : { x: 0, y: 0, width: workGrid.width, height: workGrid.height };
    const bands = new SceneBands({ image, dem, card, workGrid, resampled: scale.kind === 'resample', region });
    const attributes = dem ? new AttributeBands(dem, workGrid, region) : null;
    onProgress?.({ stage: 'prepare', done: 2, total: 4, message: 'coverage' });

    const coverage = await coverageOf(image, workGrid, region, aoi);
    if (coverage.validCells === 0) {
      throw new ScarpError({
        code: 'ALL_NODATA',
        message: `${image.info.path} has no valid pixels ${aoi ? `inside the area of interest ${req.aoi}` : 'anywhere'} (every pixel is nodata).`,
        file: image.info.path,
        hint: aoi ? 'Check that the area of interest covers the imagery.' : 'Check the nodata value of the imagery (scarp info).',
      });
    }
    const stretch: Record<string, BandStretch[]> = {};
    if (image.info.dataType !== 'uint8') {
      for (const input of card.inputs) {
        if (input.valueDomain === 'uint8') stretch[input.name] = scenePercentiles(coverage, [0, 1, 2, 3]).slice(0, input.bands.length);
      }
    }
    const plan = planTiles({
      width: region.width,
      height: region.height,
      tileSize: card.tile.size,
      overlap: card.tile.overlap,
      multipleOf: card.tile.multipleOf,
      skip: maskSkipper(coverage.mask, region.width, region.height),
    });
    onProgress?.({ stage: 'prepare', done: 4, total: 4 });

    const threshold = req.threshold ?? card.threshold;
    const batchSize = model.fixedBatch ?? req.batchSize ?? DEFAULT_BATCH_SIZE;
    const started = hooks
      ? await hooks.begin({ model, workGrid, region, resampled: scale.kind === 'resample', plan, batchSize, threshold, tta })
      : { runId: randomUUID(), startRow: 0 };
    if (probabilityOut) {
      writer = await createGeoTiffWriter(probabilityOut.tempPath, bands.grid, {
        dataType: 'float32',
        bandCount: 1,
        nodata: PROBABILITY_NODATA,
        compression: 'deflate',
        overwrite: true,
      });
    }
    const polygonizer = new Polygonizer({ width: region.width, height: region.height, connectivity: 8 });
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
      if (writer) await writer.writeRows(y, [probability]);
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
        const optical = await bands.readOptical({ x: 0, y, width: W, height: n });
        const inside = aoi ? aoi.rows(y, n) : null;
        const probability = new Float32Array(n * W);
        const mask = new Uint8Array(n * W);
        const r = optical.get(0)!;
        const g = optical.get(1)!;
        const b = optical.get(2)!;
        for (let i = 0; i < n; i++) {
          const row = rows[i]!;
          for (let x = 0; x < W; x++) {
            const k = i * W + x;
            const v = row[x]!;
            const noImage = Number.isNaN(r[k]!) && Number.isNaN(g[k]!) && Number.isNaN(b[k]!);
            if (Number.isNaN(v) || noImage || (inside !== null && inside[k] === 0)) {
              probability[k] = Number.NaN;
            } else {
              probability[k] = v;
              mask[k] = v >= threshold ? 1 : 0;
            }
          }
        }
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
        onProgress?.({ stage: 'vectorise', done: r.y + r.height, total: region.height });
      }
    }
    take(polygonizer.finish());
    if (writer) {
      await writer.close();
      writer = null;
    }

    onProgress?.({ stage: 'write', done: 0, total: 1 });
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
    if (inventoryOut) await writeInventory(inventoryOut.tempPath, polygons, { scene: basename(image.info.path), run: runId, crs: bands.grid.crs });
    commitOutputs(planned);
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
      outputs: { inventory: inventoryOut?.finalPath, probability: probabilityOut?.finalPath },
      features: polygons.length,
      totalAreaM2: polygons.reduce((s, p) => s + p.attributes.area_m2, 0),
      tiles: stats.tiles,
      timings: { totalS: (performance.now() - t0) / 1000, inferenceS: stats.seconds, vectoriseS: vectoriseMs / 1000 },
      warnings,
    };
  } catch (e) {
    hooks?.fail(e);
    if (writer) await writer.abort().catch(() => undefined);
    discardOutputs(planned);
    throw e;
  } finally {
    await Promise.all(opened.map((r) => r.close().catch(() => undefined)));
  }
}
