/**
 * Project part of ScarpService: holds the one open project and maps its stores to the ScarpApi
 * types. Requests arrive validated (ScarpService validates them once with the api.ts schemas).
 */
import { z } from 'zod';
import { resolve } from 'node:path';
import type {
  MovedImagery,
  AdaptModelResult,
  AddFeatureRequest,
  AddSceneRequest,
  RemoveSceneRequest,
  DeleteFeaturesRequest,
  DetectRequestParsed,
  DetectResult,
  EditInfo,
  EditResult,
  CorrectionResult,
  FeatureInfo,
  FeaturePage,
  InventoryChanges,
  MapFeaturePage,
  OpenProjectRequest,
  ProgressSink,
  ProjectInfo,
  RelinkSceneRequest,
  SetSceneDemRequest,
  ResumeDetectionRequest,
  RunInfo,
  SceneInfo,
  UpdateFeaturesRequest,
  UpdateProjectRequest,
} from '../../../src-shared/api';
import {
  AdaptModelRequest,
  CreateProjectRequest as CreateProjectRequestSchema,
  HistoryRequest as HistoryRequestSchema,
  ListFeaturesRequest as ListFeaturesRequestSchema,
  MapFeaturesRequest as MapFeaturesRequestSchema,
} from '../../../src-shared/api';
import { errorInfoOf, ScarpError } from '../../../src-shared/errors';
import type { CrsInfo } from '../../../src-shared/geo';
import { crsFromEpsg } from '../geo';
import { checkDemFile, isOpenAt, Project, withProject, type ApplyResult, type EditEntry, type ReplayResult, type RunRecord, type SceneWithState, type StoredFeature } from '../store/project';
import { fromPolygonCoords, toPolygonCoords } from '../vector/geometry';
import { mapCrs, mapFeature } from './map-features';
import type { runDetection } from '../detect/run-detection';
import { ANY_STORED_PATH, type StoredPathCheck } from '../util/stored-paths';

type CreateParsed = z.output<typeof CreateProjectRequestSchema>;
type ListParsed = z.output<typeof ListFeaturesRequestSchema>;
type HistoryParsed = z.output<typeof HistoryRequestSchema>;
type MapFeaturesParsed = z.output<typeof MapFeaturesRequestSchema>;

const withNotes = (notes: string[]): { notes?: string[] } => (notes.length > 0 ? { notes } : {});

function sceneInfo(s: SceneWithState): SceneInfo {
  return {
    id: s.id,
    name: s.name,
    path: s.path,
    state: s.state,
    size: s.size,
    fingerprint: s.fingerprint,
    crsName: s.crsName,
    width: s.width,
    height: s.height,
    bounds: s.bounds,
    gsd: s.gsd,
    bandCount: s.bandCount,
    dataType: s.dataType,
    nodata: s.nodata,
    bandStats: s.bandStats,
    addedAt: s.addedAt,
    role: s.role,
    date: s.acquired,
    dem: s.dem,
  };
}

function runInfo(r: RunRecord): RunInfo {
  return {
    id: r.id,
    sceneId: r.sceneId,
    modelId: r.modelId,
    modelName: r.modelName,
    modelSha256: r.modelSha256,
    params: r.params,
    provider: r.provider,
    status: r.status,
    error: r.error,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    timings: r.timings,
    threshold: r.threshold,
    rowsDone: r.rowsDone,
    rowsTotal: r.grid.height,
    tilesDone: r.tilesDone,
    tilesTotal: r.tilesTotal,
    resumed: r.resumed,
    featureCount: r.featureCount,
  };
}

export function featureInfo(f: StoredFeature): FeatureInfo {
  return { fid: f.fid, properties: { ...f.properties }, geometry: { type: 'MultiPolygon', coordinates: f.geometry.map(toPolygonCoords) } };
}

const editInfo = (e: EditEntry | null): EditInfo | null => (e ? { ...e } : null);

/** A project CRS asked for by EPSG code ('EPSG:32643' or 32643). */
function requestedCrs(c: string | number): CrsInfo {
  const s = String(c).trim();
  const m = /^(?:EPSG:)?(\d{4,6})$/i.exec(s);
  if (!m) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `The project CRS "${s}" is not understood.`, hint: 'Give an EPSG code such as EPSG:32643.', options: ['crs'] });
  return crsFromEpsg(Number(m[1]));
}

export interface ProjectServiceOptions {
  /** What runs detections: runDetection in this thread (default), or in a worker thread (detect/worker/worker-runner.ts). */
  runDetection?: typeof runDetection;
  /** Which files named in a project (imagery, DEM, AOI, model) may be read: util/stored-paths.ts. */
  storedPaths?: StoredPathCheck;
}

export class ProjectService {
  private project: Project | null = null;
  private readonly detectionRunner: typeof runDetection;
  readonly storedPaths: StoredPathCheck;

  constructor(opts: ProjectServiceOptions = {}) {
    this.detectionRunner = opts.runDetection ?? (async (...a) => (await import('../detect/run-detection')).runDetection(...a));
    this.storedPaths = opts.storedPaths ?? ANY_STORED_PATH;
  }

  /** The open project, or PROJECT_NOT_OPEN. */
  current(): Project {
    if (!this.project) throw new ScarpError({ code: 'PROJECT_NOT_OPEN', message: 'No project is open.', hint: 'Open or create a project first.' });
    return this.project;
  }

  /**
   * The open project when `path` names it, or names nothing; else undefined (the work then opens the
   * file itself: withProject, runProjectDetection).
   */
  openAt(path: string | undefined): Project | undefined {
    if (!this.project) return undefined;
    return path === undefined || isOpenAt(this.project, path) ? this.project : undefined;
  }

  /** Work on the named project (the open one when it is that file, else the file opened for the call), or on the open one. */
  private on<T>(path: string | undefined, fn: (p: Project) => Promise<T>): Promise<T> {
    return path ? withProject(path, this.project, fn) : fn(this.current());
  }

  private info(): ProjectInfo {
    return { ...this.current().summary() };
  }

  /**
   * What changed, as the map applies it: the changed features (WGS 84) and the removed fids, with
   * whatever edits made by other programs (QGIS) were taken in on the way (Project.drainExternalChanges).
   */
  private changes(changed: number[], removed: number[]): InventoryChanges {
    const p = this.current();
    const c = mapCrs(p);
    const ext = p.drainExternalChanges();
    const gone = new Set([...removed, ...ext.removed]);
    const now = new Set([...ext.changed, ...changed]);
    for (const fid of changed) gone.delete(fid);
    for (const fid of gone) now.delete(fid);
    const features = p.features.many(now);
    // A removal that did not last (its transaction rolled back) is not sent.
    const removedNow = [...gone].filter((fid) => !p.features.get(fid));
    return { changed: features.map((f) => mapFeature(f, c)), removed: removedNow, ...p.features.totals() };
  }

  /**
   * Take in edits other programs (QGIS, ArcGIS, ogr2ogr) made to the open project's landslides: one
   * undoable journal edit (kind 'external'), attributes measured again; `changes` is what the map
   * applies. One pragma when there are none: the UI asks whenever its window gets the focus back.
   */
  async takeExternalEdits(): Promise<EditResult> {
    const p = this.current();
    p.pollExternalEdits();
    const notes = await this.measureReshaped();
    const ext = p.drainExternalChanges();
    return { edit: editInfo(ext.edit), ...p.journal.stacks(), changes: this.changes(ext.changed, ext.removed), ...withNotes(notes) };
  }

  /**
   * The probability and terrain attributes of the landslides an edit gave a new geometry, and of those
   * other programs reshaped (taken in on the way), measured from the stored probability and the DEM
   * and written into the journal edit that made each change (detect/feature-attributes.ts): one undo
   * takes back both. Returns why attributes are empty where they are. The edit itself is already
   * saved: a failure to measure becomes a note, never an error.
   */
  private async measureReshaped(r?: ApplyResult): Promise<string[]> {
    const p = this.current();
    const byEdit = new Map<number | null, number[]>();
    if (r && r.reshaped.length > 0) byEdit.set(r.edit?.id ?? null, [...r.reshaped]);
    for (const [fid, edit] of p.takeExternalReshaped()) byEdit.set(edit, [...(byEdit.get(edit) ?? []), fid]);
    const notes: string[] = [];
    if (byEdit.size === 0) return notes;
    const { attributesPlan, measureFeatures } = await import('../detect/feature-attributes');
    for (const [edit, fids] of byEdit) {
      try {
        const m = await measureFeatures(p, fids);
        p.apply(attributesPlan(p, m, edit ?? undefined, `Measure ${fids.length} reshaped landslide${fids.length === 1 ? '' : 's'}`));
        notes.push(...m.notes);
      } catch (e) {
        notes.push(`The probability and terrain attributes of landslide${fids.length === 1 ? '' : 's'} ${fids.join(', ')} could not be measured: ${errorInfoOf(e).message}`);
      }
    }
    return notes;
  }

  /** The API's result of an applied edit plan (fids: changed then added; deleted: removed), reshaped landslides measured. */
  async applied(r: ApplyResult): Promise<CorrectionResult> {
    const notes = await this.measureReshaped(r);
    return { edit: editInfo(r.edit), fids: [...r.updated, ...r.added], deleted: r.removed, ...this.current().journal.stacks(), changes: this.changes([...r.updated, ...r.added], r.removed), ...withNotes(notes) };
  }

  private async replayResult(r: ReplayResult): Promise<EditResult> {
    const notes = await this.measureReshaped();
    return { edit: editInfo(r.edit), ...this.current().journal.stacks(), changes: this.changes(r.changed, r.removed), ...withNotes(notes) };
  }

  create(req: CreateParsed): ProjectInfo {
    const crs = req.crs === undefined ? null : requestedCrs(req.crs);
    this.close();
    const p = Project.create(req.path, { overwrite: req.overwrite });
    try {
      if (req.author) p.setSettings({ author: req.author });
      if (req.event) p.setEvent(req.event);
      if (crs) p.adoptCrsIfUnset(crs);
    } catch (e) {
      p.close();
      throw e;
    }
    this.project = p;
    return this.info();
  }

  async open(req: OpenProjectRequest): Promise<ProjectInfo> {
    if (this.project && this.project.path === resolve(req.path)) return this.info();
    this.close();
    this.project = Project.open(req.path);
    // What other programs reshaped while Scarp was closed is measured too.
    await this.measureReshaped();
    // The map reads the whole inventory on open: what opening took in is already in it.
    this.project.drainExternalChanges();
    return this.info();
  }

  close(): void {
    const p = this.project;
    this.project = null;
    p?.close();
  }

  projectInfo(): ProjectInfo {
    return this.info();
  }

  update(req: UpdateProjectRequest): ProjectInfo {
    const p = this.current();
    if (req.author !== undefined) p.setSettings({ author: req.author });
    if (req.event) p.setEvent(req.event);
    return this.info();
  }

  listScenes(): SceneInfo[] {
    return this.current().listScenes().map(sceneInfo);
  }

  async addScene(req: AddSceneRequest): Promise<SceneInfo> {
    const p = this.current();
    const dem = req.dem === undefined ? null : await checkDemFile(req.dem, req.path);
    const { scene } = await p.addScene(req.path, { role: req.role, date: req.date });
    // Checked above, before the scene was added: recorded as is.
    if (dem) p.tx(() => p.scenes.recordDem(scene.id, dem), 'recording the DEM');
    return sceneInfo(p.withState(scene));
  }

  removeScene(req: RemoveSceneRequest): { removed: string } {
    this.current().removeScene(req.sceneId);
    return { removed: req.sceneId };
  }

  relinkScene(req: RelinkSceneRequest): SceneInfo {
    const p = this.current();
    const s = p.relinkScene(req.sceneId, req.path);
    return sceneInfo(p.withState(s));
  }

  async setSceneDem(req: SetSceneDemRequest): Promise<SceneInfo> {
    return sceneInfo(await this.current().chooseDem(req.sceneId, req.path));
  }

  findMovedImagery(req: { folder?: string; relink?: boolean }): MovedImagery {
    return this.current().findMovedImagery(req.folder, req.relink === true);
  }

  listRuns(): RunInfo[] {
    return this.current().runs.list().map(runInfo);
  }

  /** A project-backed detection: into the open project when it is the one named, else opened (or created) for the run. */
  async detect(req: DetectRequestParsed, onProgress?: ProgressSink, signal?: AbortSignal): Promise<DetectResult> {
    const open = this.openAt(req.project);
    const { runProjectDetection } = await import('../detect/project-run');
    return runProjectDetection(open ? { ...req, project: open.path } : req, onProgress, signal, open, this.detectionRunner);
  }

  /** Learning from corrections on the open (or named) project: adapt/adapt-project.ts. */
  adapt(req: z.output<typeof AdaptModelRequest>, onProgress?: ProgressSink, signal?: AbortSignal): Promise<AdaptModelResult> {
    return this.on(req.project, async (project) => {
      const { adaptProject } = await import('../adapt/adapt-project');
      const stage = { features: 'reading the model\'s features under the reviewed landslides', fit: 'learning', prepare: 'preparing' } as const;
      return adaptProject(
        project,
        { run: req.run, outModel: req.outModel, provider: req.provider, storedPaths: this.storedPaths },
        (e) => onProgress?.({ stage: 'prepare', done: e.done, total: e.total, etaSeconds: e.etaSeconds, message: `Adapting: ${stage[e.stage]}` }),
        onProgress,
        signal,
        this.detectionRunner,
      );
    });
  }

  /** Continue the latest unfinished run of the open (or named) project. */
  resume(req: ResumeDetectionRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<DetectResult> {
    return this.on(req.project, async (p) => {
      const { resumeRequestOf, runProjectDetection } = await import('../detect/project-run');
      return runProjectDetection(resumeRequestOf(p, { project: p.path }, this.storedPaths), onProgress, signal, p, this.detectionRunner);
    });
  }

  listFeatures(req: ListParsed): FeaturePage {
    const r = this.current().listFeatures(req);
    return { features: r.features.map(featureInfo), nextAfterFid: r.nextAfterFid };
  }

  mapFeatures(req: MapFeaturesParsed): MapFeaturePage {
    const p = this.current();
    const c = mapCrs(p);
    let bbox = undefined;
    if (req.bbox) {
      // The window's corners and edge midpoints into the project CRS, and their envelope (a little wider than the window).
      const b = req.bbox;
      const xs: number[] = [];
      const ys: number[] = [];
      for (const fx of [0, 0.5, 1])
        for (const fy of [0, 0.5, 1]) {
          const [x, y] = c.fromMap(b.minX + fx * (b.maxX - b.minX), b.minY + fy * (b.maxY - b.minY));
          xs.push(x);
          ys.push(y);
        }
      const padX = (Math.max(...xs) - Math.min(...xs)) * 0.01;
      const padY = (Math.max(...ys) - Math.min(...ys)) * 0.01;
      bbox = { minX: Math.min(...xs) - padX, minY: Math.min(...ys) - padY, maxX: Math.max(...xs) + padX, maxY: Math.max(...ys) + padY };
    }
    const r = p.listFeatures({ bbox, afterFid: req.afterFid, limit: req.limit });
    return { features: r.features.map((f) => mapFeature(f, c)), nextAfterFid: r.nextAfterFid };
  }

  async addFeature(req: AddFeatureRequest): Promise<EditResult> {
    const p = this.current();
    const props = req.properties ?? {};
    const r = p.apply({
      label: 'Add a landslide',
      kind: 'insert',
      ...(props.mapper !== undefined ? { mapper: props.mapper } : {}),
      adds: [
        {
          geometry: req.coordinates.map((poly) => fromPolygonCoords(poly)),
          properties: { scene: req.scene ?? null, type: props.type, status: props.status ?? 'edited', confidence: props.confidence ?? null, notes: props.notes ?? null },
        },
      ],
    });
    return { ...(await this.applied(r)), fids: r.added };
  }

  updateFeatures(req: UpdateFeaturesRequest): Promise<EditResult> {
    const fids = [...new Set(req.fids ?? this.current().features.fidsOfUuids(req.uuids ?? []))];
    const what = Object.keys(req.changes).join(', ');
    const review = Object.keys(req.changes).length === 1 && req.changes.status !== undefined;
    const { status, ...rest } = req.changes;
    return this.applied(
      this.current().apply({
        label: `Change ${what} of ${fids.length} landslide${fids.length === 1 ? '' : 's'}`,
        kind: review ? 'review' : 'update',
        ...(review ? { reason: 'review' } : {}),
        updates: Object.keys(rest).length ? fids.map((fid) => ({ fid, changes: rest })) : [],
        statusChanges: status !== undefined ? [{ fids, status }] : [],
      }),
    );
  }

  deleteFeatures(req: DeleteFeaturesRequest): Promise<EditResult> {
    const fids = [...new Set(req.fids)];
    return this.applied(this.current().apply({ label: `Delete ${fids.length} landslide${fids.length === 1 ? '' : 's'}`, kind: 'delete', deletes: fids }));
  }

  undo(): Promise<EditResult> {
    return this.replayResult(this.current().undo());
  }

  redo(): Promise<EditResult> {
    return this.replayResult(this.current().redo());
  }

  history(req: HistoryParsed): EditInfo[] {
    return this.current().journal.history(req.limit, req.beforeId).map((e) => ({ ...e }));
  }
}
