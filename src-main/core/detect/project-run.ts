/**
 * A detection run backed by a project: the scene and the run are recorded, the probability is
 * stored as 8-bit tiles while it streams (each band of rows in the same transaction as the run's
 * tile bookkeeping), an interrupted run of the same scene + model + parameters resumes from the last
 * stored row, and the inventory replaces the scene's previous predicted features through the journal.
 *
 * Identity of resumed and uninterrupted runs: inference batches are fixed and the blender resumes
 * bit-exactly (inference/tiling.ts), and the inventory is always vectorised from the stored 8-bit
 * tiles (never from the streamed float rows), so both paths see the same bytes.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DetectRequestParsed, DetectResult, ProgressSink, ProjectRunSummary } from '../../../src-shared/api';
import type { CrsInfo } from '../../../src-shared/geo';
import { ScarpError, isScarpError } from '../../../src-shared/errors';
import { fileFingerprint, Project, type EditPlan, type RunRecord, type PredictionTileWriter, quantise, dequantise, RASTER_TILE_SIZE, type SceneRecord } from '../store/project';
import type { LandslideFeature } from '../store/geopackage-writer';
import type { TileSpec } from '../inference';
import { runDetection } from './run-detection';
import { keepOffReviewedGround } from '../edit/reviewed-ground';
import { multiPolygonBounds, type FlatMultiPolygon } from '../vector/geometry';
import { areaM2, perimeterM } from '../vector/measure';
import { windowGeoTransform } from '../geo';
import { REVIEWED_STATUSES } from '../../../src-shared/vocabulary';
import { removeProjectFiles, sweepLeftovers } from '../util/leftovers';
import { ANY_STORED_PATH, checkStoredPaths, modelFileOf, type StoredPathCheck } from '../util/stored-paths';
import type { DetectionBegin, DetectionContext, DetectionEnd, DetectionHooks, ProbabilityRows } from './detection-hooks';
import { polygonConfidence } from '../vector/confidence';
import type { InventoryMeta } from '../export/inventory';
import { projectMeta } from '../export/project-export';

const sha = (v: unknown): string => createHash('sha256').update(JSON.stringify(v)).digest('hex');

/**
 * Test hook: SCARP_TEST_KILL_AT = 'rows:N' (right after the Nth row band commits), 'rows-tx:N'
 * (inside the Nth row band's transaction, before it commits), 'before-inventory', 'inventory-tx'
 * (inside the inventory transaction). The process SIGKILLs itself there, as a crash would.
 */
function killPoint(name: string, n?: number): void {
  const at = process.env.SCARP_TEST_KILL_AT;
  if (!at) return;
  if (at === name || (n !== undefined && at === `${name}:${n}`)) process.kill(process.pid, 'SIGKILL');
}

class ProjectRunHooks implements DetectionHooks {
  summary: ProjectRunSummary | null = null;
  private runId = '';
  private writer: PredictionTileWriter | null = null;
  private width = 0;
  private height = 0;
  /** Included tiles by bottom edge, and how many are marked done. */
  private pending: TileSpec[] = [];
  private bands = 0;

  constructor(
    private readonly project: Project,
    private readonly scene: SceneRecord,
    private readonly sceneCrs: CrsInfo,
    private readonly demLayerId: string | null,
    private readonly req: DetectRequestParsed,
    private readonly extraKey: Record<string, unknown>,
  ) {}

  begin(ctx: DetectionContext): DetectionBegin {
    const { plan, region } = ctx;
    const params = {
      image: this.scene.path,
      dem: this.req.dem ?? null,
      model: this.req.model ?? null,
      threshold: ctx.threshold,
      seedThreshold: ctx.seedThreshold,
      minAreaM2: this.req.minAreaM2,
      simplifyM: this.req.simplifyM,
      aoi: this.req.aoi ?? null,
      batchSize: ctx.batchSize,
      provider: this.req.provider,
      tta: ctx.tta,
      layout: this.req.layout ?? null,
      separate: this.req.separate,
    };
    const key = sha({
      scene: this.scene.fingerprint,
      model: ctx.model.sha256,
      threshold: ctx.threshold,
      // Only when one applies, so the keys of runs recorded before seed thresholds existed still match.
      ...(ctx.seedThreshold !== null ? { seedThreshold: ctx.seedThreshold } : {}),
      minAreaM2: this.req.minAreaM2,
      simplifyM: this.req.simplifyM,
      batchSize: ctx.batchSize,
      provider: this.req.provider,
      // Only when on, so the keys of runs recorded before TTA existed still match.
      ...(ctx.tta ? { tta: true } : {}),
      region,
      // Only when given, so the keys of runs recorded before band layouts existed still match.
      ...(this.req.layout ? { layout: this.req.layout } : {}),
      // Only when off, so the keys of runs recorded before touching landslides were separated still match.
      ...(this.req.separate ? {} : { separate: false }),
      ...this.extraKey,
    });
    const signature = sha({ w: plan.width, h: plan.height, t: plan.tensorSize, ...(plan.tensorWidth !== plan.tensorSize || plan.tensorHeight !== plan.tensorSize ? { tw: plan.tensorWidth, th: plan.tensorHeight } : {}), o: plan.overlap, tiles: plan.tiles.map((t) => [t.window.x, t.window.y, t.window.width, t.window.height, t.skip]), b: ctx.batchSize });
    const runs = this.project.runs;
    const grid = {
      width: region.width,
      height: region.height,
      geoTransform: windowGeoTransform(ctx.workGrid.geoTransform, region),
      region,
      resampled: ctx.resampled,
    };
    const planInfo = { tileSize: plan.tileSize, overlap: plan.overlap, batchSize: ctx.batchSize, tilesTotal: plan.included.length, signature };
    let startRow = 0;
    let resumed = false;
    const existing = runs.findResumable(this.scene.id, key);
    const run = this.project.tx(() => {
      if (existing && existing.plan.signature === signature && existing.grid.width === grid.width && existing.grid.height === grid.height) {
        runs.reopen(existing.id, false);
        startRow = existing.rowsDone;
        resumed = true;
        return existing;
      }
      return runs.create({
        sceneId: this.scene.id,
        demLayerId: this.demLayerId,
        modelId: ctx.model.card.id,
        modelName: ctx.model.card.name,
        modelSha256: ctx.model.sha256,
        params,
        paramsKey: key,
        grid,
        plan: planInfo,
        threshold: ctx.threshold,
      });
    }, 'recording the run');
    this.runId = run.id;
    this.width = region.width;
    this.height = region.height;
    this.writer = this.project.runs.tileWriter(run.id, region.width, region.height);
    this.pending = plan.included.map((i) => plan.tiles[i]!).sort((a, b) => a.window.y + a.window.height - (b.window.y + b.window.height) || a.index - b.index);
    while (this.pending.length && this.pending[0]!.window.y + this.pending[0]!.window.height <= startRow) this.pending.shift();
    this.summary = { path: this.project.path, runId: run.id, sceneId: this.scene.id, resumed, startRow, featuresAdded: 0, predictedReplaced: 0, editId: null };
    return { runId: run.id, startRow };
  }

  rows(r: ProbabilityRows): void {
    const q = new Uint8Array(r.probability.length);
    for (let k = 0; k < q.length; k++) q[k] = quantise(r.probability[k]!);
    const bottom = r.y + r.height;
    const done: Array<{ index: number; window: TileSpec['window'] }> = [];
    while (this.pending.length && this.pending[0]!.window.y + this.pending[0]!.window.height <= bottom) {
      const t = this.pending.shift()!;
      done.push({ index: t.index, window: t.window });
    }
    const n = ++this.bands;
    this.project.tx(() => {
      this.writer!.write(r.y, q, r.height, done);
      killPoint('rows-tx', n);
    }, 'storing probability tiles');
    killPoint('rows', n);
  }

  async *vectorRows(): AsyncIterable<ProbabilityRows> {
    const T = RASTER_TILE_SIZE;
    for (let y = 0; y < this.height; y += T) {
      const h = Math.min(T, this.height - y);
      const q = this.project.runs.readProbability(this.runId, { x: 0, y, width: this.width, height: h });
      const probability = new Float32Array(q.length);
      for (let k = 0; k < q.length; k++) probability[k] = dequantise(q[k]!);
      yield { y, height: h, probability };
    }
  }

  end(result: DetectionEnd): void {
    killPoint('before-inventory');
    const now = new Date().toISOString();
    const features: LandslideFeature[] = result.polygons.map((p) => ({
      geometry: this.project.toProjectCrs(p.geometry, this.sceneCrs),
      properties: { ...p.attributes, scene: this.scene.id, run: result.runId, status: 'predicted', confidence: polygonConfidence(p.attributes.prob_mean), created_at: now, updated_at: now },
    }));
    // The scene's still-unreviewed features are replaced by the run's; reviewed/edited ones stay.
    // One journal edit (undo brings the old ones back), in one transaction with the run's bookkeeping.
    const label = `Detection run ${result.runId.slice(0, 8)} on ${this.scene.id}: ${features.length} predicted landslides`;
    const r = this.project.tx(() => {
      const applied = this.project.apply(predictionsPlan(this.project, this.scene.id, features, label));
      this.project.runs.finish(result.runId, 'done', { timings: result.timings, featureCount: features.length, provider: result.provider });
      killPoint('inventory-tx');
      return applied;
    }, label);
    if (this.summary) {
      this.summary.featuresAdded = r.added.length;
      this.summary.predictedReplaced = r.removed.length;
      this.summary.editId = r.edit?.id ?? null;
    }
  }

  provenance(): InventoryMeta {
    return projectMeta(this.project, this.project.runs.get(this.runId));
  }

  fail(error: unknown): void {
    if (!this.runId || !this.project.isOpen) return;
    const cancelled = isScarpError(error) && error.code === 'CANCELLED';
    try {
      this.project.tx(() => this.project.runs.finish(this.runId, cancelled ? 'cancelled' : 'failed', { error: error instanceof Error ? error.message : String(error) }), 'recording the failure');
    } catch {
      /* the run stays 'running': it will still be resumed */
    }
  }
}

/**
 * The edit a finished run makes: the scene's still-unreviewed landslides are replaced by the run's
 * (reviewed and edited ones stay), as one journal edit without a mapper.
 */
export function predictionsPlan(project: Project, sceneId: string, features: LandslideFeature[], label: string): EditPlan {
  return { label, kind: 'detection', reason: 'detection', mapper: null, deletes: project.features.predictedFids(sceneId), adds: offReviewedGround(project, features), updateExtent: true };
}

/** The run's polygons minus those lying mostly on ground the operator already decided (edit/reviewed-ground.ts). */
function offReviewedGround(project: Project, features: LandslideFeature[]): LandslideFeature[] {
  if (features.length === 0) return features;
  const boxes = features.map((f) => multiPolygonBounds(f.geometry));
  const extent = {
    minX: Math.min(...boxes.map((b) => b.minX)),
    minY: Math.min(...boxes.map((b) => b.minY)),
    maxX: Math.max(...boxes.map((b) => b.maxX)),
    maxY: Math.max(...boxes.map((b) => b.maxY)),
  };
  const decided = project.features.allIn(extent, REVIEWED_STATUSES).map((f) => f.geometry);
  const crs = project.crs();
  // A polygon trimmed to its pieces off decided ground: its area and perimeter follow the geometry.
  const trim = crs ? (f: LandslideFeature, geometry: FlatMultiPolygon): LandslideFeature => ({ ...f, geometry, properties: { ...f.properties, area_m2: areaM2(geometry, crs), perimeter_m: perimeterM(geometry, crs) } }) : undefined;
  return keepOffReviewedGround(features, decided, trim);
}

/** Rebuild the request of the project's latest unfinished run (scarp detect --project p --resume). */
/** A run's DEM as the project knows it now (followed or relinked when it moved), else as the run recorded it. */
export function runDemPath(project: Project, run: RunRecord): string | undefined {
  const layer = run.demLayerId ? project.scenes.layers(run.sceneId).find((l) => l.id === run.demLayerId) : undefined;
  const recorded = (run.params as Record<string, unknown>).dem;
  return layer?.path ?? (typeof recorded === 'string' ? recorded : undefined);
}

export function resumeRequestOf(project: Project, base: Partial<DetectRequestParsed> = {}, storedPaths: StoredPathCheck = ANY_STORED_PATH): DetectRequestParsed {
  const run = project.runs.latestUnfinished();
  if (!run) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${project.path} has no unfinished run to resume.`, hint: 'Start a run with imagery (and a DEM).', options: ['image', 'dem'], file: project.path });
  }
  const scene = project.requireScene(run.sceneId);
  const p = run.params as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  const dem = runDemPath(project, run);
  checkStoredPaths(storedPaths, [scene.path, dem, str(p.aoi), modelFileOf(str(p.model))]);
  if (dem && !existsSync(dem)) {
    throw new ScarpError({ code: 'SCENE_MOVED', message: `The DEM of the unfinished run is no longer at ${dem}.`, hint: 'Run again with the imagery and the DEM at their new places.', options: ['image', 'dem'], file: dem });
  }
  return {
    ...base,
    image: scene.path,
    dem,
    model: str(p.model),
    threshold: num(p.threshold),
    // A run recorded before seed thresholds existed ran without one.
    seedThreshold: num(p.seedThreshold) ?? null,
    minAreaM2: num(p.minAreaM2) ?? 50,
    simplifyM: num(p.simplifyM) ?? 0.5,
    aoi: str(p.aoi),
    batchSize: num(p.batchSize),
    provider: (str(p.provider) as DetectRequestParsed['provider']) ?? 'auto',
    tta: typeof p.tta === 'boolean' ? p.tta : undefined,
    layout: p.layout && typeof p.layout === 'object' ? (p.layout as DetectRequestParsed['layout']) : undefined,
    separate: typeof p.separate === 'boolean' ? p.separate : true,
    overwrite: base.overwrite ?? false,
    resume: true,
  };
}

/**
 * Run a detection into a project (opened or created here unless `open` is given, then closed).
 * `req.project` names the file; without `req.image`, `resume` continues the latest unfinished run.
 */
export async function runProjectDetection(
  req: DetectRequestParsed,
  onProgress?: ProgressSink,
  signal?: AbortSignal,
  open?: Project,
  /** What runs the detection (runDetection here, or in a worker thread: worker/worker-runner.ts). */
  run: typeof runDetection = runDetection,
): Promise<DetectResult> {
  if (!req.project && !open) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'A project-backed detection needs a project file.' });
  if (!open) sweepLeftovers(dirname(resolve(req.project!)));
  const { project, created } = open ? { project: open, created: false } : Project.openOrCreate(resolve(req.project!));
  let hooks: ProjectRunHooks | null = null;
  let failure: unknown = null;
  try {
    const { scene, crs } = await project.addScene(req.image);
    let demLayerId: string | null = null;
    const extraKey: Record<string, unknown> = {};
    if (req.dem) {
      const dem = req.dem;
      demLayerId = project.tx(() => project.scenes.addLayer(scene.id, 'dem', dem), 'recording the DEM');
      extraKey.dem = fileFingerprint(resolve(dem));
    }
    if (req.aoi) extraKey.aoi = fileFingerprint(resolve(req.aoi));
    const noDem = req.dem ? null : project.demNotGiven(scene.id);
    hooks = new ProjectRunHooks(project, scene, crs, demLayerId, req, extraKey);
    const result = await run(req, onProgress, signal, hooks);
    return { ...result, warnings: noDem ? [...result.warnings, noDem] : result.warnings, project: hooks.summary ?? undefined };
  } catch (e) {
    failure = e;
    throw e;
  } finally {
    if (!open) project.close();
    // A project this detection created is removed when the detection failed, or was cancelled before
    // its run was recorded: nothing in it to keep or resume. (One made on purpose is never touched.)
    const resumable = isScarpError(failure) && failure.code === 'CANCELLED' && hooks?.summary;
    if (created && failure !== null && !resumable) removeProjectFiles(project.path);
  }
}
