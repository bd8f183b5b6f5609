/**
 * ScarpService: the one implementation of ScarpApi. Every door (CLI, HTTP server, Electron IPC)
 * calls this object; requests are validated here, once, with the schemas of src-shared/api.ts.
 */
import { z } from 'zod';
import {
  AdaptModelRequest,
  type AdaptModelResult,
  AddFeatureRequest,
  AddSceneRequest,
  RemoveSceneRequest,
  CreateProjectRequest,
  DeleteFeaturesRequest,
  HistoryRequest,
  ListFeaturesRequest,
  MapFeaturesRequest,
  OpenProjectRequest,
  RelinkSceneRequest,
  SetSceneDemRequest,
  FindMovedImageryRequest,
  type MovedImagery,
  ResumeDetectionRequest,
  UpdateFeaturesRequest,
  UpdateProjectRequest,
  BrushStrokeRequest,
  PolygonEditRequest,
  ReviewQueueRequest,
  type CorrectionResult,
  type ReviewQueue,
  type EditInfo,
  type EditResult,
  type FeaturePage,
  type MapFeaturePage,
  type ProjectInfo,
  type RunInfo,
  type SceneInfo,
  DetectRequest,
  ChangeRequest,
  type ChangeResult,
  EvalRequest,
  RasterInfoRequest,
  TileLayerRequest,
  VectorLayerRequest,
  ExportRequest,
  ImportRequest,
  MergeRequest,
  MergeShardsRequest,
  type MergeShardsResult,
  BatchRequest,
  type BatchResult,
  type MergeResponse,
  PackageRequest,
  type PackageResponse,
  AddEvidenceRequest,
  ListEvidenceRequest,
  RemoveEvidenceRequest,
  EvidencePhotoRequest,
  ExportEvidencePhotoRequest,
  type EvidenceEditResult,
  type EvidenceInfo,
  type EvidencePhoto,
  type ExportResponse,
  type ImportResponse,
  type TileLayerInfo,
  type VectorLayer,
  type DetectResult,
  BareGroundRequest,
  type BareGroundResult,
  type EvalResult,
  type ModelSummary,
  type ProgressSink,
  type ScarpApi,
} from '../../../src-shared/api';
import type { RasterInfo } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import type { runDetection } from '../detect/run-detection';
import { ModelsService } from './models-service';
import { LayersService } from './layers-service';
import { ProjectService } from './project-service';
import { EditService } from './edit-service';
import { EvidenceService } from './evidence-service';
import { ANY_STORED_PATH, type StoredPathCheck } from '../util/stored-paths';

// The operations are loaded when first called (dynamic imports, their own chunks in the builds): a
// process that runs one command — a shard on a cluster, a merge — loads only what that command uses
// (docs/cluster.md: ≈ 0.5 CPU-s of module loading saved in every process).
const runDetectionHere: typeof runDetection = async (...a) => (await import('../detect/run-detection')).runDetection(...a);
const runDetectionInWorker: typeof runDetection = async (req, onProgress, signal, hooks) =>
  (await import('../detect/worker/worker-runner')).runDetectionInWorker(req, onProgress, signal, hooks);

/** Validate a request against its schema; a failure is the caller's mistake, reported field by field. */
function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`).join('; ');
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Invalid ${what} request: ${problems}` });
  }
  return r.data;
}

export interface ScarpServiceOptions {
  /**
   * Run detections in a worker thread (detect/worker/worker-runner.ts): what the doors that serve a
   * UI use (HTTP server, Electron main), so their event loop stays responsive during a run.
   */
  detectInWorker?: boolean;
  /** Render map tiles in this many worker threads (core/tiles/render-pool.ts); default 0: in this thread. */
  tileWorkers?: number;
  /**
   * Which files named inside a project (imagery, DEM, AOI, model of a stored run) may be read: the
   * browser-mode server gives its allowed folders (util/stored-paths.ts); default any.
   */
  storedPaths?: StoredPathCheck;
}

export class ScarpService implements ScarpApi {
  private readonly models = new ModelsService();
  private readonly runDetection: typeof runDetection;
  private readonly storedPaths: StoredPathCheck;
  /** Map layers; `layers.tiles` renders the PNG tiles the doors serve (HTTP /tiles, scarp://app/tiles). */
  readonly layers = new LayersService();
  /** The open project (one per service): project-service.ts. */
  readonly projects: ProjectService;

  constructor(opts: ScarpServiceOptions = {}) {
    this.runDetection = opts.detectInWorker ? runDetectionInWorker : runDetectionHere;
    this.storedPaths = opts.storedPaths ?? ANY_STORED_PATH;
    this.projects = new ProjectService({ runDetection: this.runDetection, storedPaths: this.storedPaths });
    if (opts.tileWorkers) this.layers.tiles.startWorkers(opts.tileWorkers);
  }

  listModels(): Promise<ModelSummary[]> {
    return this.models.list();
  }

  async rasterInfo(request: RasterInfoRequest): Promise<RasterInfo> {
    const { path } = validate(RasterInfoRequest, request, 'raster info');
    return (await import('../raster')).describeRaster(path);
  }

  async detect(request: DetectRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<DetectResult> {
    const req = validate(DetectRequest, request, 'detect');
    // With a project (named, or the open one when resuming) the run is recorded in it.
    if (req.shard) return (await import('../detect/shard/run-shard')).runShard({ ...req, shard: req.shard }, onProgress, signal);
    if (req.project || req.resume) return this.projects.detect(req, onProgress, signal);
    return this.runDetection(req, onProgress, signal);
  }

  async detectChange(request: ChangeRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<ChangeResult> {
    const req = validate(ChangeRequest, request, 'change detection');
    const open = req.project ? this.projects.openAt(req.project) : undefined;
    return (await import('../detect/run-change')).runChange(open ? { ...req, project: open.path } : req, onProgress, signal, open);
  }

  async detectBareGround(request: BareGroundRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<BareGroundResult> {
    const req = validate(BareGroundRequest, request, 'bare-ground mapping');
    const open = req.project ? this.projects.openAt(req.project) : undefined;
    return (await import('../detect/run-bare-ground')).runBareGround(open ? { ...req, project: open.path } : req, onProgress, signal, open);
  }

  async evaluate(request: EvalRequest): Promise<EvalResult> {
    const req = validate(EvalRequest, request, 'evaluate');
    return (await import('../eval/evaluate-files')).evaluateFiles(req);
  }

  openTileLayer(request: TileLayerRequest): Promise<TileLayerInfo> {
    return this.layers.openTileLayer(validate(TileLayerRequest, request, 'tile layer'));
  }

  readVectorLayer(request: VectorLayerRequest): Promise<VectorLayer> {
    return this.layers.readVectorLayer(validate(VectorLayerRequest, request, 'vector layer'));
  }

  async exportInventory(request: ExportRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<ExportResponse> {
    const req = validate(ExportRequest, request, 'export');
    // Through the open project when it is the one named (a second open would meet its own lock).
    return (await import('../export/export-service')).exportFromProject(req, signal, this.projects.openAt(req.project), onProgress);
  }

  async importInventory(request: ImportRequest): Promise<ImportResponse> {
    const req = validate(ImportRequest, request, 'import');
    return (await import('../import/project-import')).importToProject(req, this.projects.openAt(req.project));
  }

  async mergeProjects(request: MergeRequest): Promise<MergeResponse> {
    const req = validate(MergeRequest, request, 'merge');
    return (await import('../merge/merge-projects')).mergeProjects(req, this.projects.openAt(req.into));
  }

  async mergeShards(request: MergeShardsRequest): Promise<MergeShardsResult> {
    const req = validate(MergeShardsRequest, request, 'merge shards');
    return (await import('../detect/shard/merge-shards')).mergeShards(req);
  }

  async batchDetect(request: BatchRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<BatchResult> {
    const req = validate(BatchRequest, request, 'batch');
    return (await import('../detect/batch/run-batch')).runBatch(req, onProgress, signal);
  }

  async packageProject(request: PackageRequest): Promise<PackageResponse> {
    const req = validate(PackageRequest, request, 'package');
    return (await import('../field/field-package')).makeFieldPackage(req, this.projects.openAt(req.project), this.storedPaths);
  }

  // ---- projects (issue 4; project-service.ts) ----

  async createProject(request: CreateProjectRequest): Promise<ProjectInfo> {
    return this.projects.create(validate(CreateProjectRequest, request, 'create project'));
  }

  async openProject(request: OpenProjectRequest): Promise<ProjectInfo> {
    return this.projects.open(validate(OpenProjectRequest, request, 'open project'));
  }

  async closeProject(): Promise<void> {
    this.projects.close();
  }

  async projectInfo(): Promise<ProjectInfo> {
    return this.projects.projectInfo();
  }

  async updateProject(request: UpdateProjectRequest): Promise<ProjectInfo> {
    return this.projects.update(validate(UpdateProjectRequest, request, 'update project'));
  }

  async listScenes(): Promise<SceneInfo[]> {
    return this.projects.listScenes();
  }

  addScene(request: AddSceneRequest): Promise<SceneInfo> {
    return this.projects.addScene(validate(AddSceneRequest, request, 'add scene'));
  }

  async findMovedImagery(request: FindMovedImageryRequest): Promise<MovedImagery> {
    return this.projects.findMovedImagery(validate(FindMovedImageryRequest, request, 'find moved imagery'));
  }

  async removeScene(request: RemoveSceneRequest): Promise<{ removed: string }> {
    return this.projects.removeScene(validate(RemoveSceneRequest, request, 'remove scene'));
  }

  async relinkScene(request: RelinkSceneRequest): Promise<SceneInfo> {
    return this.projects.relinkScene(validate(RelinkSceneRequest, request, 'relink scene'));
  }

  async setSceneDem(request: SetSceneDemRequest): Promise<SceneInfo> {
    return this.projects.setSceneDem(validate(SetSceneDemRequest, request, 'set the scene DEM'));
  }

  async listRuns(): Promise<RunInfo[]> {
    return this.projects.listRuns();
  }

  resumeDetection(request: ResumeDetectionRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<DetectResult> {
    return this.projects.resume(validate(ResumeDetectionRequest, request, 'resume detection'), onProgress, signal);
  }

  adaptModel(request: AdaptModelRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<AdaptModelResult> {
    return this.projects.adapt(validate(AdaptModelRequest, request, 'adapt model'), onProgress, signal);
  }

  async listFeatures(request: ListFeaturesRequest): Promise<FeaturePage> {
    return this.projects.listFeatures(validate(ListFeaturesRequest, request, 'list features'));
  }

  async mapFeatures(request: MapFeaturesRequest): Promise<MapFeaturePage> {
    return this.projects.mapFeatures(validate(MapFeaturesRequest, request, 'map features'));
  }

  async addFeature(request: AddFeatureRequest): Promise<EditResult> {
    return this.projects.addFeature(validate(AddFeatureRequest, request, 'add feature'));
  }

  async updateFeatures(request: UpdateFeaturesRequest): Promise<EditResult> {
    return this.projects.updateFeatures(validate(UpdateFeaturesRequest, request, 'update features'));
  }

  async deleteFeatures(request: DeleteFeaturesRequest): Promise<EditResult> {
    return this.projects.deleteFeatures(validate(DeleteFeaturesRequest, request, 'delete features'));
  }

  async undo(): Promise<EditResult> {
    return this.projects.undo();
  }

  async redo(): Promise<EditResult> {
    return this.projects.redo();
  }

  async takeExternalEdits(): Promise<EditResult> {
    return this.projects.takeExternalEdits();
  }

  async history(request: HistoryRequest = {}): Promise<EditInfo[]> {
    return this.projects.history(validate(HistoryRequest, request, 'history'));
  }

  // ---- correcting (issue 7; edit-service.ts) ----
  private editsService: EditService | null = null;
  private get edits(): EditService {
    return (this.editsService ??= new EditService(this.projects));
  }

  async brushStroke(request: BrushStrokeRequest): Promise<CorrectionResult> {
    return this.edits.brush(validate(BrushStrokeRequest, request, 'brush stroke'));
  }

  async editPolygons(request: PolygonEditRequest): Promise<CorrectionResult> {
    return this.edits.edit(validate(PolygonEditRequest, request, 'edit polygons'));
  }

  async reviewQueue(request: ReviewQueueRequest = {}): Promise<ReviewQueue> {
    return this.edits.reviewQueue(validate(ReviewQueueRequest, request, 'review queue'));
  }

  // ---- field evidence (issue 17; evidence-service.ts) ----
  private evidenceService: EvidenceService | null = null;
  private get evidence(): EvidenceService {
    return (this.evidenceService ??= new EvidenceService(this.projects));
  }

  async addEvidence(request: AddEvidenceRequest): Promise<EvidenceEditResult> {
    return this.evidence.add(validate(AddEvidenceRequest, request, 'add evidence'));
  }

  async listEvidence(request: ListEvidenceRequest = {}): Promise<EvidenceInfo[]> {
    return this.evidence.list(validate(ListEvidenceRequest, request, 'list evidence'));
  }

  async removeEvidence(request: RemoveEvidenceRequest): Promise<EvidenceEditResult> {
    return this.evidence.remove(validate(RemoveEvidenceRequest, request, 'remove evidence'));
  }

  async evidencePhoto(request: EvidencePhotoRequest): Promise<EvidencePhoto> {
    return this.evidence.photoBytes(validate(EvidencePhotoRequest, request, 'evidence photo'));
  }

  async exportEvidencePhoto(request: ExportEvidencePhotoRequest): Promise<{ out: string; bytes: number }> {
    return this.evidence.exportPhoto(validate(ExportEvidencePhotoRequest, request, 'export evidence photo'));
  }
}

export function createScarpService(): ScarpApi {
  return new ScarpService();
}
