/**
 * The chain shared by the index methods (pre/post-event change, single-date bare ground): a score
 * and a mask per pixel, streamed by row bands, become a score raster, the project's map layer
 * (the strength, 0..1), and polygons with attributes (terrain from the DEM, the strength in
 * prob_mean/prob_max) through the detection's Polygonizer → vectorizePolygon, then an inventory
 * file and/or a project run whose predicted landslides replace the scene's previous ones through
 * Project.apply. Outputs appear only when the whole run succeeded; a failed run is recorded as such.
 */
import { basename, dirname, resolve } from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ProgressSink, ProjectRunSummary } from '../../../src-shared/api';
import type { Grid, Window } from '../../../src-shared/geo';
import type { SceneRole } from '../../../src-shared/vocabulary';
import { ScarpError, isScarpError } from '../../../src-shared/errors';
import { createGeoTiffWriter, subGrid, type GeoTiffWriter, type RasterSource } from '../raster';
import { Polygonizer, vectorizePolygon, type InventoryPolygon, type PixelPolygon } from '../vector';
import { discardOutputs, planOutput, type PlannedOutput } from '../util/atomic-output';
import { removeProjectFiles, sweepLeftovers } from '../util/leftovers';
import { Project, quantise, RASTER_TILE_SIZE } from '../store/project';
import type { LandslideFeature } from '../store/geopackage-writer';
import { polygonConfidence } from '../vector/confidence';
import { finishOutputs, INVENTORY_EXTENSIONS } from './inventory-output';
import type { InventoryMeta } from '../export/inventory';
import { projectMeta } from '../export/project-export';
import type { AttributeBands } from './attribute-bands';
import type { AoiMask } from './aoi';
import { predictionsPlan } from './project-run';

/** The strength at the method's own threshold (IndexRows.strength): what the run records as its threshold. */
export const STRENGTH_THRESHOLD = 0.5;

/** Rows per band of the stream. */
export const BAND_ROWS = 256;

/** One row band of an index method. */
export interface IndexRows {
  /** The method's score (NaN where undefined or outside the AOI). */
  score: Float32Array;
  /** 1 where the pixel counts as a landslide. */
  mask: Uint8Array;
  /** Strength 0..1 for the polygon attributes and the project's map layer (0.5 at the threshold). */
  strength: Float32Array;
  valid: number;
  flagged: number;
  /** Pixels with data a cloud mask flagged (inside the AOI): NaN in the score, never in the mask. */
  masked: number;
}

/** What a method prepared: its grid, its per-row rule and what the project records. */
export interface IndexRunPlan {
  /** The image whose grid the score and the polygons are on (the project's scene). */
  scene: RasterSource;
  sceneRole?: SceneRole;
  workGrid: Grid;
  region: Window;
  aoi: AoiMask | null;
  attributes: AttributeBands | null;
  minAreaM2: number;
  simplifyM: number;
  rows(w: Window, y: number, n: number): Promise<IndexRows>;
  /** Progress message of the main pass. */
  scoreLabel: string;
  /** The run in the project: model id/name/sha of the method and every parameter. */
  run: { modelId: string; modelName: string; modelSha256: string; params: Record<string, unknown>; what: string };
  dem?: string;
  /** Other files recorded as layers of the scene (the pre-event image). */
  layers?: Array<{ kind: 'imagery'; path: string; info: Record<string, unknown> }>;
  /** The error when no pixel could be scored (`maskedPixels` of them were cloud-masked). */
  noValid(maskedPixels: number): ScarpError;
}

export interface IndexRunRequest {
  out?: string;
  score?: string;
  project?: string;
  overwrite: boolean;
}

export interface IndexRunContext {
  opened: RasterSource[];
  warnings: string[];
  progress: ProgressSink;
}

export interface IndexRunOutcome<P> {
  plan: P;
  polygons: InventoryPolygon[];
  validPixels: number;
  flaggedPixels: number;
  maskedPixels: number;
  project?: ProjectRunSummary;
  outputs: { inventory?: string; score?: string };
  warnings: string[];
  totalS: number;
}

/**
 * Above this share of the mapped ground flagged, an index method has not told landslides from the
 * rest: far more than any inventory in our data covers (Jinsha sites 17–22 % of the mapped ground,
 * Bijie 2.5 %), and more than the worst-hit areas of large events. Measured: the single-date GLI on
 * the Iburi post-event image flags 70 % (a hazy image, blue brighter than green).
 */
export const IMPLAUSIBLE_FLAGGED_SHARE = 0.4;

/** A warning when a method flagged an implausible share of the valid ground, else null. */
export function implausibleShare(what: string, flagged: number, valid: number): string | null {
  if (valid === 0 || flagged / valid <= IMPLAUSIBLE_FLAGGED_SHARE) return null;
  return `${what} flagged ${Math.round((100 * flagged) / valid)} % of the mapped ground (${flagged} of ${valid} pixels), far more than landslides cover: the index does not separate them from the rest in this image (haze, season, snow or a sensor difference), and the polygons say little. Check the image on the map; with two images, that they are of the same season and sensor.`;
}

/** sha256 of a value's JSON (run identities). */
export const sha = (v: unknown): string => createHash('sha256').update(JSON.stringify(v)).digest('hex');

/**
 * Run an index method: `prepare` opens its inputs (pushing them to ctx.opened, closed here) and
 * returns its plan; the rest is the shared chain. `open`: a project already open (the app's).
 */
export async function runIndexMethod<P extends IndexRunPlan>(
  req: IndexRunRequest,
  prepare: (ctx: IndexRunContext) => Promise<P>,
  opts: { onProgress?: ProgressSink; signal?: AbortSignal; open?: Project; cancelled: () => ScarpError },
): Promise<IndexRunOutcome<P>> {
  const t0 = performance.now();
  const runStartedAt = new Date().toISOString();
  const { onProgress, signal, open, cancelled } = opts;
  const warnings: string[] = [];
  if (!req.out && !req.score && !req.project && !open) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'Nothing to write: give an inventory output (out), a score raster and/or a project.', options: ['out', 'score', 'project'] });
  }
  const planned: PlannedOutput[] = [];
  // The inventory is checked here and written last, through the exporter (finishOutputs).
  const inventoryOut = req.out ? planOutput(req.out, INVENTORY_EXTENSIONS, req.overwrite, 'inventory') : null;
  const scoreOut = req.score ? planOutput(req.score, ['.tif', '.tiff'], req.overwrite, 'score raster') : null;
  if (scoreOut) planned.push(scoreOut);
  const progress: ProgressSink = (e) => {
    onProgress?.(e);
    if (signal?.aborted) throw cancelled();
  };
  const opened: RasterSource[] = [];
  let writer: GeoTiffWriter | null = null;
  let project: { p: Project; created: boolean; owned: boolean } | null = null;
  let summary: ProjectRunSummary | undefined;
  let failure: unknown = null;
  try {
    const plan = await prepare({ opened, warnings, progress });
    const { region } = plan;
    const grid = subGrid(plan.workGrid, region);
    if (scoreOut) writer = await createGeoTiffWriter(scoreOut.tempPath, grid, { dataType: 'float32', bandCount: 1, compression: 'deflate', overwrite: true });

    // The project: the image is the scene, other inputs layers of it; a run records the parameters.
    let tiles: ReturnType<Project['runs']['tileWriter']> | null = null;
    let runId: string = randomUUID();
    let sceneId = basename(plan.scene.info.path);
    if (open) project = { p: open, created: false, owned: false };
    else if (req.project) {
      sweepLeftovers(dirname(resolve(req.project)));
      const o = Project.openOrCreate(resolve(req.project));
      project = { p: o.project, created: o.created, owned: true };
    }
    if (project) {
      const p = project.p;
      const { scene } = await p.addScene(plan.scene.info.path, plan.sceneRole ? { role: plan.sceneRole } : {});
      sceneId = scene.id;
      const demLayerId = plan.dem ? p.tx(() => p.scenes.addLayer(scene.id, 'dem', plan.dem!), 'recording the DEM') : null;
      const noDem = plan.dem ? null : p.demNotGiven(scene.id);
      if (noDem) warnings.push(noDem);
      for (const l of plan.layers ?? []) p.tx(() => p.scenes.addLayer(scene.id, l.kind, l.path, l.info), 'recording an input layer');
      const r = plan.run;
      const run = p.tx(
        () =>
          p.runs.create({
            sceneId: scene.id,
            demLayerId,
            modelId: r.modelId,
            modelName: r.modelName,
            modelSha256: r.modelSha256,
            params: r.params,
            paramsKey: sha({ ...r.params, run: randomUUID() }),
            grid: { width: region.width, height: region.height, geoTransform: grid.geoTransform, region, resampled: false },
            plan: { tileSize: RASTER_TILE_SIZE, overlap: 0, batchSize: 1, tilesTotal: 0, signature: sha({ region, method: r.modelId }) },
            threshold: STRENGTH_THRESHOLD,
          }),
        'recording the run',
      );
      runId = run.id;
      tiles = p.runs.tileWriter(run.id, region.width, region.height);
      summary = { path: p.path, runId: run.id, sceneId: scene.id, resumed: false, startRow: 0, featuresAdded: 0, predictedReplaced: 0, editId: null };
    }

    const polygonizer = new Polygonizer({ width: region.width, height: region.height, connectivity: 8 });
    const polygons: InventoryPolygon[] = [];
    const take = (list: Iterable<PixelPolygon>): void => {
      for (const q of list) {
        const v = vectorizePolygon(q, { grid, minAreaM2: plan.minAreaM2, simplifyM: plan.simplifyM });
        if (v) polygons.push(v);
      }
    };
    let validPixels = 0;
    let flaggedPixels = 0;
    let maskedPixels = 0;
    const W = region.width;
    for (let y = 0; y < region.height; y += BAND_ROWS) {
      progress({ stage: 'infer', done: y, total: region.height, message: plan.scoreLabel });
      const n = Math.min(BAND_ROWS, region.height - y);
      const rows = await plan.rows({ x: region.x, y: region.y + y, width: W, height: n }, y, n);
      validPixels += rows.valid;
      flaggedPixels += rows.flagged;
      maskedPixels += rows.masked;
      if (writer) await writer.writeRows(y, [rows.score]);
      if (tiles && project) {
        const q = new Uint8Array(rows.strength.length);
        for (let k = 0; k < q.length; k++) q[k] = quantise(rows.strength[k]!);
        const t = tiles;
        project.p.tx(() => t.write(y, q, n, []), 'storing the score layer');
      }
      const terrain = plan.attributes ? await plan.attributes.readUnder(y, n, rows.mask) : null;
      take(polygonizer.push(y, rows.mask, terrain ? { ...terrain, probability: rows.strength } : { probability: rows.strength }));
    }
    take(polygonizer.finish());
    if (validPixels === 0) throw plan.noValid(maskedPixels);
    const implausible = implausibleShare(plan.run.what, flaggedPixels, validPixels);
    if (implausible) warnings.push(implausible);
    if (writer) {
      await writer.close();
      writer = null;
    }
    progress({ stage: 'write', done: 0, total: 1 });
    if (project && summary) {
      const p = project.p;
      const now = new Date().toISOString();
      const crs = plan.scene.info.crs;
      const features: LandslideFeature[] = polygons.map((q) => ({
        geometry: p.toProjectCrs(q.geometry, crs),
        properties: { ...q.attributes, scene: sceneId, run: runId, status: 'predicted', confidence: polygonConfidence(q.attributes.prob_mean), created_at: now, updated_at: now },
      }));
      const label = `${plan.run.what} ${runId.slice(0, 8)} (${plan.run.modelId}) on ${sceneId}: ${features.length} predicted landslides`;
      const r = p.tx(() => {
        const applied = p.apply(predictionsPlan(p, sceneId, features, label));
        p.runs.finish(runId, 'done', { timings: { totalS: (performance.now() - t0) / 1000 }, featureCount: features.length, provider: 'cpu' });
        return applied;
      }, label);
      summary.featuresAdded = r.added.length;
      summary.predictedReplaced = r.removed.length;
      summary.editId = r.edit?.id ?? null;
    }
    const meta: InventoryMeta = {
      ...(project ? projectMeta(project.p, project.p.runs.get(runId)) : {}),
      modelId: plan.run.modelId,
      modelName: plan.run.modelName,
      modelSha256: plan.run.modelSha256,
      threshold: STRENGTH_THRESHOLD,
      runId,
      runStartedAt,
      scenes: [
        { name: basename(plan.scene.info.path), role: plan.sceneRole ?? null, date: null },
        ...(plan.layers ?? []).map((l) => ({ name: basename(l.path), role: typeof l.info.role === 'string' ? l.info.role : null, date: null })),
      ],
    };
    const inventory = inventoryOut && { path: inventoryOut.finalPath, polygons, ctx: { scene: basename(plan.scene.info.path), run: runId, crs: grid.crs, meta }, overwrite: req.overwrite };
    warnings.push(...(await finishOutputs(inventory, planned)));
    onProgress?.({ stage: 'write', done: 1, total: 1 });
    return {
      plan,
      polygons,
      validPixels,
      flaggedPixels,
      maskedPixels,
      project: summary,
      outputs: { inventory: inventoryOut?.finalPath, score: scoreOut?.finalPath },
      warnings,
      totalS: (performance.now() - t0) / 1000,
    };
  } catch (err) {
    const e = signal?.aborted && !isScarpError(err) ? cancelled() : err;
    failure = e;
    if (writer) await writer.abort().catch(() => undefined);
    discardOutputs(planned);
    if (project && summary) {
      const p = project.p;
      const id = summary.runId;
      try {
        p.tx(() => p.runs.finish(id, isScarpError(e) && e.code === 'CANCELLED' ? 'cancelled' : 'failed', { error: e instanceof Error ? e.message : String(e) }), 'recording the failure');
      } catch {
        /* the run stays 'running' */
      }
    }
    throw e;
  } finally {
    await Promise.all(opened.map((r) => r.close().catch(() => undefined)));
    if (project?.owned) {
      project.p.close();
      if (project.created && failure !== null) removeProjectFiles(project.p.path);
    }
  }
}
