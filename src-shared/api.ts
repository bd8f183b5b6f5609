/**
 * ScarpApi: the single contract between the UI (or any client) and the core. One ScarpService
 * implements it; the Electron IPC bridge, the local HTTP server and the CLI are thin adapters.
 * Requests are validated once, at the service boundary, with the zod schemas below.
 */
import { z } from 'zod';
import type { Bounds, RasterInfo } from './geo';
import type { BandSource, MetricRow, ModelCard } from './model-card';
import { BandLayoutRequest } from './bands';
import { SCENE_ROLES, EDIT_KINDS, LANDSLIDE_STATUSES, LANDSLIDE_TYPES, REVIEW_ORDERS } from './vocabulary';

export const ProviderPreference = z.enum(['auto', 'cpu', 'cuda', 'dml', 'coreml']);
export type ProviderPreference = z.infer<typeof ProviderPreference>;

export const RasterInfoRequest = z.object({ path: z.string().min(1) });
export type RasterInfoRequest = z.infer<typeof RasterInfoRequest>;

export const DetectRequest = z.object({
  image: z.string().min(1),
  dem: z.string().min(1).optional(),
  /**
   * A shipped model id or a path to an .onnx file. Default: the model the core picks for the scene
   * (its GSD, whether a DEM is given: src-shared/model-pick.ts), reported with the reason.
   */
  model: z.string().min(1).optional(),
  /** Test-time flips (identity, horizontal, vertical, both, averaged; 4× slower). Default: the model card's `tta`. */
  tta: z.boolean().optional(),
  /** Probability threshold; default: the model card's. */
  threshold: z.number().gt(0).lt(1).optional(),
  /**
   * Seed threshold (hysteresis): a region above `threshold` is kept only if its peak reaches this.
   * Default: the model card's `seedThreshold` (none: every region is kept); null: no seed rule.
   */
  seedThreshold: z.number().gt(0).lt(1).nullable().optional(),
  /** Polygons smaller than this (m²) are dropped. */
  minAreaM2: z.number().nonnegative().default(50),
  /** Simplification tolerance in metres (0 keeps pixel edges). */
  simplifyM: z.number().nonnegative().default(0.5),
  /**
   * Cut blobs of touching landslides along their probability valleys into one polygon per landslide
   * (src-main/core/vector/separate.ts); false keeps each connected blob as one polygon.
   */
  separate: z.boolean().default(true),
  /** Area of interest: a polygon file (GeoJSON, GeoPackage, Shapefile). */
  aoi: z.string().min(1).optional(),
  /** Inventory output: .gpkg or .geojson. */
  out: z.string().min(1).optional(),
  /** Probability raster output (.tif). */
  probability: z.string().min(1).optional(),
  overwrite: z.boolean().default(false),
  provider: ProviderPreference.default('auto'),
  batchSize: z.number().int().positive().max(64).optional(),
  /** Project file (.gpkg): created when missing; records the scene and run, stores probability + inventory. */
  project: z.string().min(1).optional(),
  /** With a project: resume the matching unfinished run (also automatic when scene + model + parameters match). */
  resume: z.boolean().default(false),
  /** Band roles in file order, reflectance scale and offset (src-shared/bands.ts). Default: red, green, blue[, nir] by band count. */
  layout: BandLayoutRequest.optional(),
  /**
   * Run only the index-th (1-based) of `count` parts of the tile plan and write a shard file to `out`
   * (.gpkg) for `mergeShards` (docs/cluster.md).
   */
  shard: z
    .object({ index: z.number().int().positive(), count: z.number().int().positive().max(100_000) })
    .refine((s) => s.index <= s.count, { message: 'shard index must be at most the shard count' })
    .optional(),
});
export type DetectRequest = z.input<typeof DetectRequest>;
export type DetectRequestParsed = z.output<typeof DetectRequest>;

/** Change-detection methods: HazMapper's rdNDVI (needs NIR in both images) or the visible-band GLI + brightness change. */
export const ChangeMethod = z.enum(['auto', 'rdndvi', 'visible']);
export type ChangeMethod = z.infer<typeof ChangeMethod>;

/** Pre/post-event change detection (src-main/core/detect/run-change.ts; docs/change-detection.md). */
export const ChangeRequest = z.object({
  /**
   * Pre-event image: any CRS and resolution; co-registered onto the post-event grid (bilinear).
   * Default (with a project): the project's pre-event scene (the latest by date, if several).
   */
  pre: z.string().min(1).optional(),
  /** Post-event image: its grid is the grid of the score and the polygons. Default (with a project): its latest post-event scene. */
  post: z.string().min(1).optional(),
  dem: z.string().min(1).optional(),
  aoi: z.string().min(1).optional(),
  /** Band roles / reflectance scaling of each image (default: by band count, scale 1). */
  preLayout: BandLayoutRequest.optional(),
  postLayout: BandLayoutRequest.optional(),
  method: ChangeMethod.default('auto'),
  /** Change threshold in score units (rdNDVI: change where ≤ −20; visible: where relative brightening ≥ 40). */
  threshold: z.number().positive().optional(),
  /** Visible method: pixels whose GLI rose by more than this (× 100) are not change (default 0). */
  maxGreening: z.number().optional(),
  /** Visible method, with a reflectance scale given: post-event pixels brighter than this mean reflectance are cloud (default 0.25). */
  cloudReflectance: z.number().positive().optional(),
  /** With a DEM: ground flatter than this (degrees) is masked out (HazMapper's slope mask). */
  minSlopeDeg: z.number().min(0).max(90).default(10),
  /** Polygons smaller than this many pixels of the coarser image are dropped. */
  minAreaPx: z.number().nonnegative().default(4),
  /** Simplification tolerance in metres; default half a pixel of the post-event image. */
  simplifyM: z.number().nonnegative().optional(),
  out: z.string().min(1).optional(),
  /** The change score raster (.tif, float32, NaN where undefined). */
  score: z.string().min(1).optional(),
  project: z.string().min(1).optional(),
  overwrite: z.boolean().default(false),
});
export type ChangeRequest = z.input<typeof ChangeRequest>;
export type ChangeRequestParsed = z.output<typeof ChangeRequest>;

/** A scene's cloud mask as a run used it (src-main/core/raster/cloud-mask.ts). */
export interface CloudMaskSummary {
  /** The quality band: Sentinel-2 SCL, Sentinel-2 QA60 or Landsat Collection 2 QA_PIXEL. */
  band: 'SCL' | 'QA60' | 'QA_PIXEL';
  /** Its band number in the file (1-based). */
  bandNumber: number;
  /** Pixels with data that this mask flagged (cloud, cloud shadow, cirrus) and were left unmapped. */
  maskedPixels: number;
}

export interface ChangeResult {
  method: 'rdndvi' | 'visible';
  /** One sentence: which method and why. */
  methodReason: string;
  /** What the score layer holds, e.g. 'rdNDVI (%)'. */
  scoreName: string;
  /** Change where score ≤ −threshold ('loss', rdNDVI) or ≥ threshold ('gain', visible). */
  threshold: number;
  direction: 'loss' | 'gain';
  /** Visible method: the median of ln(B_post / B_pre) over the valid overlap, taken out of the score. */
  brightnessShift: number | null;
  maxGreening: number | null;
  /** Null when not tested (rdNDVI, or reflectance unknown). */
  cloudReflectance: number | null;
  /** Null without a DEM. */
  minSlopeDeg: number | null;
  gsdM: { pre: number; post: number };
  /** The pre-event image was resampled onto the post-event grid (other CRS, resolution or alignment). */
  preResampled: boolean;
  minAreaM2: number;
  /** Pixels where both images are valid and no cloud mask flags them (inside the AOI), and those flagged as change. */
  validPixels: number;
  changedPixels: number;
  /** Pixels with data in both images that a cloud mask of either flagged: unmapped (no data in the score and the polygons). */
  maskedPixels: number;
  /** Pixels where the post-event image has data (inside the AOI) but the pre-event image has none: not compared, so unmapped. */
  preGapPixels: number;
  /** The cloud mask of each image (null: the image has no quality band). */
  cloudMasks: { pre: CloudMaskSummary | null; post: CloudMaskSummary | null };
  features: number;
  totalAreaM2: number;
  outputs: { inventory?: string; score?: string };
  project?: ProjectRunSummary;
  /** The images compared (as named, or taken from the project's scenes by role). */
  images: { pre: string; post: string };
  timings: { totalS: number };
  warnings: string[];
}

/** Single-date method's index: NDVI (red + NIR) or the visible-band GLI; 'auto': NDVI when the image has NIR. */
export const BareGroundIndex = z.enum(['auto', 'ndvi', 'gli']);
export type BareGroundIndex = z.infer<typeof BareGroundIndex>;

/**
 * The single-date method (src-main/core/detect/run-bare-ground.ts; docs/change-detection.md): bare
 * ground (a vegetation index below a threshold) on slopes (with a DEM), for imagery no model
 * accepts and without a pre-event image.
 */
export const BareGroundRequest = z.object({
  image: z.string().min(1),
  dem: z.string().min(1).optional(),
  aoi: z.string().min(1).optional(),
  layout: BandLayoutRequest.optional(),
  index: BareGroundIndex.default('auto'),
  /** Bare where the index is below this; default NDVI 0.70, GLI 0.23 (measured on the Sentinel-2 tiles' validation rows). */
  threshold: z.number().gt(-1).lt(1).optional(),
  /** With a DEM: ground flatter than this (degrees) is never bare ground here. */
  minSlopeDeg: z.number().min(0).max(90).default(10),
  /** Polygons smaller than this many pixels are dropped. */
  minAreaPx: z.number().nonnegative().default(4),
  /** Simplification tolerance in metres; default half a pixel. */
  simplifyM: z.number().nonnegative().optional(),
  out: z.string().min(1).optional(),
  /** The score raster (.tif, float32: the index, NaN where undefined); not a probability. */
  score: z.string().min(1).optional(),
  project: z.string().min(1).optional(),
  overwrite: z.boolean().default(false),
});
export type BareGroundRequest = z.input<typeof BareGroundRequest>;
export type BareGroundRequestParsed = z.output<typeof BareGroundRequest>;

export interface BareGroundResult {
  method: 'ndvi' | 'gli';
  /** One sentence: which index and why. */
  methodReason: string;
  scoreName: string;
  /** Bare where the index < threshold. */
  threshold: number;
  /** Null without a DEM. */
  minSlopeDeg: number | null;
  gsdM: number;
  minAreaM2: number;
  /** Pixels where the index is defined and no cloud mask flags them (inside the AOI), and those mapped as bare ground. */
  validPixels: number;
  barePixels: number;
  /** Pixels with data that the image's cloud mask flagged: unmapped (no data in the score and the polygons). */
  maskedPixels: number;
  /** Null: the image has no quality band (SCL, QA60, QA_PIXEL). */
  cloudMask: CloudMaskSummary | null;
  features: number;
  totalAreaM2: number;
  outputs: { inventory?: string; score?: string };
  project?: ProjectRunSummary;
  timings: { totalS: number };
  /** Always includes how weak the method is (measured). */
  warnings: string[];
}

export type DetectStage = 'prepare' | 'infer' | 'vectorise' | 'write';

export interface ProgressEvent {
  stage: DetectStage;
  done: number;
  total: number;
  /** Seconds left in this stage, when it can be estimated. */
  etaSeconds?: number;
  message?: string;
}

export type ProgressSink = (event: ProgressEvent) => void;

export interface ModelSummary {
  id: string;
  name: string;
  description: string;
  architecture: string;
  path: string;
  /** Input band sources per ONNX input, e.g. [['red','green','blue'], ['slope','hillshade']]. */
  inputs: BandSource[][];
  /** Per input: trained with it randomly dropped, so it may be absent (e.g. the terrain of a dual-stream model). */
  inputOptional: boolean[];
  /** Uses terrain (a DEM) when one is given. */
  needsDem: boolean;
  /** Run-as-is range [minM, maxM] and the optional resample range. */
  gsd: ModelCard['gsd'];
  /** What the model is for (the card's `domain`). */
  domain?: string;
  /** The card's test-time augmentation default. */
  tta: ModelCard['tta'];
  tile: { size: number; overlap: number };
  threshold: number;
  /** The card's seed threshold (hysteresis), if any: a region above `threshold` is kept where it reaches it. */
  seedThreshold?: number;
  metrics: MetricRow[];
  /**
   * The scenes of unknown GSD for which the core picks this model when none is named
   * (pickDefaultModel): 'rgb' (imagery only) and/or 'rgb+dem' (with a DEM). With a known scene GSD
   * the pick follows src-shared/model-pick.ts (the UI runs it on the summaries).
   */
  defaultFor?: Array<'rgb' | 'rgb+dem'>;
  /** False: run only when chosen (research variants, adapted models); the picker skips it. */
  pickByDefault: boolean;
}

export interface DetectResult {
  model: { id: string; name: string; path: string; sha256: string; domain?: string };
  /** Why this model: the picker's one sentence, or that the request named it. */
  modelReason: string;
  provider: string;
  /** Ground sampling distance the model ran at, and whether the scene was resampled to it. */
  gsdM: number;
  resampled: boolean;
  /** The scene's GSD (m, geometric mean of x and y) and how it went through the model. */
  gsdPlan: { sceneM: number; kind: 'native' | 'resample'; targetM: number; reason?: string };
  /** Whether test-time flips were averaged. */
  tta: boolean;
  usedDem: boolean;
  threshold: number;
  /** The seed threshold applied (hysteresis), or null when every region above `threshold` was kept. */
  seedThreshold: number | null;
  outputs: { inventory?: string; probability?: string };
  features: number;
  totalAreaM2: number;
  tiles: number;
  timings: { totalS: number; inferenceS: number; vectoriseS: number };
  warnings: string[];
  /** Set for a project-backed run. */
  project?: ProjectRunSummary;
  /** Set for a shard (`shard` in the request): its part of the plan and the polygons held back for the merge. */
  shard?: { index: number; count: number; tileRows: [number, number]; finalRows: [number, number]; heldBack: number; cpuS: number };
}

export const MergeShardsRequest = z.object({
  /** The shard files of one run (`detect` with `shard`), in any order. */
  shards: z.array(z.string().min(1)).min(1),
  /** Inventory output: .gpkg or .geojson. */
  out: z.string().min(1),
  overwrite: z.boolean().default(false),
});
export type MergeShardsRequest = z.input<typeof MergeShardsRequest>;

export interface MergeShardsResult {
  out: string;
  shards: number;
  features: number;
  totalAreaM2: number;
  /** Polygons the shards finished alone, and those vectorised across shard edges here. */
  fromShards: number;
  joined: number;
  /** Rows stitched (stored final rows and shared rows) and the seams they span. */
  stitchedRows: number;
  /** Sum of the shards' CPU seconds (as each recorded it) and the merge's own. */
  shardCpuS: number;
  mergeCpuS: number;
  seconds: number;
  run: string;
  /** The shards' warnings (each shard ran the scene checks: DEM, area of interest, resampling), each once. */
  warnings: string[];
}

/**
 * A detection over many scenes (docs/cluster.md "Many scenes"): each scene cut into `shards` shards,
 * every shard one task (task K = scene ⌈K/shards⌉, shard (K−1) mod shards + 1), all of them joined into
 * one inventory in which a landslide in the overlap of two scenes appears once. The plan is kept in
 * `outDir/batch.json`; finished shards are never run again, a failed scene is reported without
 * stopping the others.
 */
export const BatchRequest = DetectRequest.pick({ dem: true, model: true, tta: true, threshold: true, seedThreshold: true, minAreaM2: true, simplifyM: true, separate: true, aoi: true, provider: true, batchSize: true, layout: true }).extend({
  /** Folder of the plan, the shard files and the report (created when missing). */
  outDir: z.string().min(1),
  /** The scenes: a folder of GeoTIFFs, a list file (`image [dem]` a line) or a JSON manifest. Not needed once outDir holds a plan. */
  scenes: z.string().min(1).optional(),
  /** Shards per scene (default 1, or the plan's). */
  shards: z.number().int().positive().max(10_000).optional(),
  /** 'all': plan, run every unfinished task, merge; 'plan': only write the plan; 'task': only task `task`; 'merge': only merge. */
  step: z.enum(['all', 'plan', 'task', 'merge']).default('all'),
  /** The task (1-based) of step 'task'. */
  task: z.number().int().positive().optional(),
  /** The task count the batch engine was given (checked against the plan). */
  taskCount: z.number().int().positive().optional(),
  /** The merged inventory (.gpkg or .geojson); default outDir/landslides.gpkg. */
  out: z.string().min(1).optional(),
});
export type BatchRequest = z.input<typeof BatchRequest>;
export type BatchRequestParsed = z.output<typeof BatchRequest>;

export interface BatchSceneStatus {
  id: string;
  image: string;
  /** done: every shard finished; failed: a shard failed (error); pending: shards not run yet. */
  state: 'done' | 'failed' | 'pending';
  shardsDone: number;
  /** Landslides of the scene in the merged inventory (after the overlaps were resolved). */
  features?: number;
  error?: { shard: number; code: string; message: string; hint: string; file?: string };
  /** What the scene's shards warned of (a DEM with gaps, resampling, …), each once; set when merged. */
  warnings?: string[];
}

export interface BatchResult {
  outDir: string;
  plan: string;
  scenes: BatchSceneStatus[];
  shardsPerScene: number;
  tasks: number;
  /** Tasks run by this call, found finished (not run again), and failed in this call. */
  ran: number;
  skipped: number;
  failedNow: number;
  /** Set when the merge ran: the inventory of the scenes that are done. */
  merged?: { out: string; scenes: number; features: number; totalAreaM2: number; overlaps: number; mergedAcrossEdges: number; dropped: number };
  /** outDir/batch-report.json (written by every step but a single task, which leaves its shard file or failure record). */
  report?: string;
  seconds: number;
}

export interface ProjectRunSummary {
  path: string;
  runId: string;
  sceneId: string;
  /** True when an interrupted run was continued from `startRow`. */
  resumed: boolean;
  startRow: number;
  featuresAdded: number;
  /** The scene's previous 'predicted' features replaced by this run (reviewed ones are kept). */
  predictedReplaced: number;
  /** The journal edit that holds the inventory change (undo brings the previous features back). */
  editId: number | null;
}

export const EvalRequest = z.object({
  /** A probability/mask GeoTIFF or a polygon file (GeoPackage, GeoJSON). */
  prediction: z.string().min(1),
  /** A reference mask GeoTIFF or a polygon file; metrics are computed on its grid. */
  reference: z.string().min(1),
  /** Threshold for probability rasters (default 0.5). */
  threshold: z.number().gt(0).lt(1).optional(),
  /** Reference pixel value meaning "unmapped" (excluded). */
  ignoreValue: z.number().optional(),
  aoi: z.string().min(1).optional(),
  /** Restrict to reference rows [start, end). */
  rows: z.tuple([z.number().int().nonnegative(), z.number().int().positive()]).optional(),
});
export type EvalRequest = z.input<typeof EvalRequest>;

export interface EvalResult {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** Pixels counted (reference mapped, inside the AOI/rows): tp + fp + fn + tn. */
  pixels: number;
  /** Of those, pixels with no prediction (nodata/outside the prediction), counted as not predicted. */
  noPrediction: number;
  precision: number;
  recall: number;
  f1: number;
  iou: number;
  /** What makes the figures suspect (a prediction that does not overlap the reference). */
  warnings?: string[];
}

// ---- Map layers (tiles) and vector layers for display -------------------------------------------

/** 'change': the change strength (0–1, 0.5 at the threshold) of a change or single-date run, not a probability. */
export const TileLayerKind = z.enum(['imagery', 'falsecolor', 'hillshade', 'slope', 'probability', 'change', 'mask', 'basemap']);
export type TileLayerKind = z.infer<typeof TileLayerKind>;

export const TileLayerRequest = z.object({
  /**
   * A GeoTIFF: imagery, a DEM (hillshade/slope) or a probability raster (probability/mask); for
   * 'basemap', a local .pmtiles or .mbtiles file (raster PNG/JPEG/WebP or vector MVT tiles).
   */
  path: z.string().min(1),
  kind: TileLayerKind,
  /** 0-based bands to show (imagery: 3 in R,G,B order); default: the first three, or NIR,R,G for false colour. */
  bands: z.array(z.number().int().nonnegative()).min(1).max(3).optional(),
  /** Mask layers: probability threshold. */
  threshold: z.number().gt(0).lt(1).optional(),
});
export type TileLayerRequest = z.input<typeof TileLayerRequest>;
export type TileLayerRequestParsed = z.output<typeof TileLayerRequest>;

/** An opened map layer; its XYZ PNG tiles are at `<tile base>/<id>/{z}/{x}/{y}.png` (HTTP: /tiles, Electron: scarp://app/tiles). */
export interface TileLayerInfo {
  id: string;
  kind: TileLayerKind;
  path: string;
  boundsWgs84: Bounds;
  /** Zoom level matching the raster's resolution, and the deepest zoom worth requesting. */
  nativeZoom: number;
  maxZoom: number;
  /** 1-based bands shown. */
  bands: number[];
  /** Contrast stretch used per displayed band (imagery). */
  stretch: Array<{ low: number; high: number }>;
  threshold?: number;
  gsdM: { x: number; y: number };
  crs: string;
  /** Basemaps: the tiles' format (tile URL extension), first zoom, and the vector layers of MVT tiles. */
  format?: 'png' | 'jpg' | 'webp' | 'mvt';
  minZoom?: number;
  vectorLayers?: string[];
}

export const VectorLayerRequest = z.object({
  /** A polygon file: GeoJSON, GeoPackage or Shapefile. */
  path: z.string().min(1),
  /** GeoPackage table (default: the first polygon layer). */
  layer: z.string().min(1).optional(),
});
export type VectorLayerRequest = z.input<typeof VectorLayerRequest>;

/** Polygons of a file as an RFC 7946 FeatureCollection in WGS 84, for display (each feature has an `id`). */
export interface VectorLayer {
  path: string;
  layer: string;
  crs: string;
  featureCount: number;
  bounds: Bounds | null;
  geojson: {
    type: 'FeatureCollection';
    features: Array<{
      type: 'Feature';
      id: number;
      geometry: { type: 'MultiPolygon'; coordinates: number[][][][] };
      properties: Record<string, string | number | boolean | null>;
    }>;
  };
}

// ---- the inventory's vocabularies (src-shared/vocabulary.ts) as schemas ------------------------

export const LandslideStatus = z.enum(LANDSLIDE_STATUSES);
export type LandslideStatus = z.infer<typeof LandslideStatus>;
export const LandslideType = z.enum(LANDSLIDE_TYPES);
export type LandslideType = z.infer<typeof LandslideType>;
export const EditKind = z.enum(EDIT_KINDS);
export type EditKind = z.infer<typeof EditKind>;

// ---- export / import (issue 5) ------------------------------------------------------------

export const ExportRequest = z.object({
  /** The project file (.gpkg). */
  project: z.string().min(1),
  /**
   * gpkg, shp (folder or .shp), shp-zip, geojson, kml, kmz, csv, html; probability, confidence, mask
   * (COG .tif) of a model run; change (COG .tif): the change strength of a change or single-date run.
   */
  format: z.enum(['gpkg', 'shp', 'shp-zip', 'geojson', 'kml', 'kmz', 'csv', 'html', 'probability', 'confidence', 'mask', 'change']),
  out: z.string().min(1),
  /** 'project' (default), 'wgs84' or an EPSG code ('EPSG:32645' or 32645); GeoJSON/KML are always WGS 84. */
  crs: z.union([z.string(), z.number().int().positive()]).optional(),
  /** Statuses to write (default: those that count, countsInInventory: every status but rejected). */
  status: z.array(LandslideStatus).optional(),
  /** Also write the rejected landslides (added to `status`, or to the default). */
  includeRejected: z.boolean().optional(),
  minArea: z.number().nonnegative().optional(),
  maxArea: z.number().positive().optional(),
  /** Run for rasters and the report (default: the latest finished run; for probability/confidence the latest model run, for change the latest change or single-date run). */
  run: z.string().optional(),
  /** Threshold for the confidence/mask rasters (default: the run's). */
  threshold: z.number().gt(0).lt(1).optional(),
  /** gpkg only: add the run's probability as a raster layer (tiled gridded coverage, 16-bit PNG). */
  withProbability: z.boolean().optional(),
  /** csv only: add each polygon as WKT (in the output CRS) in a `wkt` column. */
  wkt: z.boolean().optional(),
  overwrite: z.boolean().optional(),
});
export type ExportRequest = z.input<typeof ExportRequest>;

export interface ExportResponse {
  format: string;
  /** Files written (all renamed into place together). */
  files: string[];
  /** Features written (pixels for rasters). */
  count: number;
  /** CRS of the written coordinates (WGS 84 for GeoJSON and KML/KMZ; CSV: its x/y and WKT, lon/lat beside them are WGS 84). */
  crs: { epsg: number | null; name: string };
  warnings: string[];
  /** Attribute fields written, with their types (imported fields included; a Shapefile may shorten names). */
  fields?: Array<{ name: string; kind: ExportFieldKind }>;
}

/** The type of an exported attribute field (each format writes it as its own type: docs/export-fields.md). */
export type ExportFieldKind = 'integer' | 'real' | 'boolean' | 'date' | 'datetime' | 'string';

export const ImportRequest = z.object({
  project: z.string().min(1),
  /** Shapefile, GeoPackage, GeoJSON, KML or KMZ. */
  file: z.string().min(1),
  layer: z.string().min(1).optional(),
  /** The file's coordinate system when it states none (a GeoJSON without `crs` in projected coordinates): 'EPSG:32647'. */
  crs: z.string().min(1).optional(),
  /** What the imported landslides are (default: the file's own values, else predicted / unknown). Override the file's values. */
  status: LandslideStatus.optional(),
  type: LandslideType.optional(),
  /** Who mapped them (default: the file's mapper, else the project's author). */
  mapper: z.string().min(1).optional(),
  /** When they were observed (YYYY-MM-DD): stored as created_at (default: the file's, else the import time). */
  observedDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
    .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'a real calendar date')
    .optional(),
});
export type ImportRequest = z.input<typeof ImportRequest>;

export interface ImportResponse {
  file: string;
  layer: string;
  count: number;
  fids: number[];
  sourceCrs: string;
  crs: string;
  /** True when the project was empty and took its CRS (`crs`) from this import. */
  crsSet?: boolean;
  /** New landslides, and landslides already in the project (same uuid: a Scarp export imported back) that were updated. count = added + updated. */
  added: number;
  updated: number;
  /** Invalid geometries (self-intersections, spikes, degenerate rings) repaired on the way in. */
  repaired: number;
  /** Source field → 'landslides.<column>' or 'attrs'. */
  mapping: Record<string, string>;
  warnings: string[];
}

// ---- field teams (issue 17): merging a colleague's project ------------------------------------

export const MergePrefer = z.enum(['into', 'from', 'newest']);
export type MergePrefer = z.infer<typeof MergePrefer>;

export const MergeRequest = z.object({
  /** The project that takes the changes (its runs and probability stay as they are). */
  into: z.string().min(1),
  /** The colleague's project or field package (read, never written). */
  from: z.string().min(1),
  /** Work out and report the merge without changing anything. */
  dryRun: z.boolean().optional(),
  /** How conflicts are resolved: keep into's version (default), take from's, or the newer (updated_at). */
  prefer: MergePrefer.optional(),
  /**
   * Conflicts resolved one by one (the UI's choices after a dry run), before `prefer`: each names a
   * conflict the merge finds (into's uuid and the field), or the merge is refused (the files changed since).
   */
  resolutions: z
    .array(z.object({ uuid: z.string().min(1), field: z.string().min(1), take: z.enum(['into', 'from']) }))
    .max(1_000_000)
    .optional(),
});
export type MergeRequest = z.input<typeof MergeRequest>;

/** A value in a conflict: an attribute's value, a geometry (project CRS), or a whole landslide (null: deleted). */
export type MergeValue =
  | string
  | number
  | null
  | { type: 'MultiPolygon'; coordinates: number[][][][] }
  | { [field: string]: string | number | null };

export interface MergeConflict {
  /** The landslide (into's uuid). */
  uuid: string;
  /** from's uuid when the two were matched by geometry. */
  fromUuid?: string;
  /** 'geometry', an attribute ('status', 'type', 'notes', ...), or 'deleted' (one side deleted it, the other changed it). */
  field: string;
  into: MergeValue;
  from: MergeValue;
  /** The value in the common state (three-way merges). */
  base?: MergeValue;
  /** Which version the project has after the merge. */
  resolved: 'into' | 'from';
}

export interface MergeResponse {
  into: string;
  from: string;
  /** 'three-way' against a recorded common state, else 'two-way' (uuids and geometry matching). */
  mode: 'three-way' | 'two-way';
  base: { id: string; kind: 'package' | 'merge'; at: string; heldBy: 'into' | 'from' } | null;
  dryRun: boolean;
  prefer: MergePrefer;
  /** Changes taken from `from` (or, dry run, that would be). */
  applied: {
    added: number;
    deleted: number;
    updated: number;
    reshaped: number;
    fields: Record<string, number>;
    /** Field evidence (photos, notes) taken from `from`, and removed because `from` removed it. */
    evidence: { added: number; removed: number };
  };
  /** Each conflict once: one landslide and field changed differently on both sides. */
  conflicts: MergeConflict[];
  matchedByGeometry: number;
  /** The landslides matched by geometry (into's uuid, from's uuid, IoU). */
  matches: Array<{ into: string; from: string; iou: number }>;
  /** The one journal edit (undo takes the whole merge back); null on a dry run or when nothing changed. */
  edit: EditInfo | null;
  /** Landslides that count after the merge. */
  features: number;
}

// ---- field teams (issue 17): field packages ----------------------------------------------------

export const PackageRequest = z.object({
  /** The project to package. */
  project: z.string().min(1),
  /** The field package to write (.gpkg). */
  out: z.string().min(1),
  /** Polygons bounding what goes in (default: everything). */
  aoi: z.string().min(1).optional(),
  /** Ground resolution (m) of the packaged imagery and hillshade (default: the scene's own). */
  imageryGsd: z.number().positive().optional(),
  overwrite: z.boolean().optional(),
  /** The area of interest as a polygon in WGS 84 longitude/latitude (the map's view, or one drawn on it), instead of a file. */
  aoiPolygon: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(z.array(z.number()).min(2).max(4)).min(4)).min(1) }),
      z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(z.array(z.array(z.number()).min(2).max(4)).min(4)).min(1)).min(1) }),
    ])
    .optional(),
  /** Which rasters go in (default: all there are: imagery, hillshade, probability). */
  rasters: z.array(z.enum(['imagery', 'hillshade', 'probability'])).optional(),
  /** Estimate only: what would go in and its size against the free space; nothing is written. */
  dryRun: z.boolean().optional(),
});
export type PackageRequest = z.input<typeof PackageRequest>;

/** A raster layer of a field package (a GeoPackage tiles or gridded-coverage table). */
export interface PackagedRaster {
  table: string;
  kind: 'imagery' | 'hillshade' | 'probability';
  /** The scene file (imagery), DEM file (hillshade) or run id (probability). */
  source: string;
  width: number;
  height: number;
  /** Ground resolution of the packaged raster (project units per pixel). */
  gsd: number;
  /** Tiles written (0 on a dry run). */
  tiles: number;
  /** Its share of the estimate. */
  estimatedBytes: number;
}

export interface PackageResponse {
  out: string;
  /** Only estimated: nothing was written (projectId, stateId null, bytes 0). */
  dryRun: boolean;
  /** The package's own project id. */
  projectId: string | null;
  /** The common state the project and the package now both hold (what a merge back is three-way against). */
  stateId: string | null;
  landslides: number;
  /** Photos and field notes of those landslides, packaged with them. */
  evidence: number;
  rasters: PackagedRaster[];
  /** Estimated before writing (checked against the free disk space), and written. */
  estimatedBytes: number;
  bytes: number;
  /** Free space on the disk of `out` when it was checked. */
  freeBytes: number;
  warnings: string[];
}

// ---- field teams (issue 17): field evidence on landslides --------------------------------------

export const EVIDENCE_KINDS = ['photo', 'note'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** An ISO 8601 date or date-time (a time zone optional). */
const EvidenceTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/, 'an ISO 8601 date or date-time such as 2026-07-01T10:20:00+05:00')
  .refine((t) => !Number.isNaN(Date.parse(t.replace(' ', 'T'))), 'a real date and time');

export const AddEvidenceRequest = z
  .object({
    /** The landslide (its uuid). */
    uuid: z.string().min(1),
    /** A JPEG, PNG or WebP photo file to attach (read by the service). */
    photo: z.string().min(1).optional(),
    /** A field note, or the photo's caption. */
    note: z.string().trim().min(1).max(10_000).optional(),
    /** Where it was observed (WGS 84). */
    lon: z.number().min(-180).max(180).optional(),
    lat: z.number().min(-90).max(90).optional(),
    /** When it was observed. */
    time: EvidenceTime.optional(),
  })
  .refine((r) => r.photo !== undefined || r.note !== undefined, 'a photo or a note (or both)')
  .refine((r) => (r.lon === undefined) === (r.lat === undefined), 'lon and lat together');
export type AddEvidenceRequest = z.input<typeof AddEvidenceRequest>;

export const ListEvidenceRequest = z.object({ /** One landslide's (uuid); default every landslide's. */ uuid: z.string().min(1).optional() });
export type ListEvidenceRequest = z.input<typeof ListEvidenceRequest>;
export const RemoveEvidenceRequest = z.object({ evidence: z.string().min(1) });
export type RemoveEvidenceRequest = z.input<typeof RemoveEvidenceRequest>;
export const EvidencePhotoRequest = z.object({ evidence: z.string().min(1) });
export type EvidencePhotoRequest = z.input<typeof EvidencePhotoRequest>;
export const ExportEvidencePhotoRequest = z.object({ evidence: z.string().min(1), out: z.string().min(1), overwrite: z.boolean().optional() });
export type ExportEvidencePhotoRequest = z.input<typeof ExportEvidencePhotoRequest>;

/** A photo or field note on a landslide. */
export interface EvidenceInfo {
  uuid: string;
  kind: EvidenceKind;
  landslideUuid: string;
  /** The note's text, or the photo's caption. */
  note: string | null;
  time: string | null;
  /** Where the time came from: 'given' (typed in, or the request) or null. */
  timeSource: string | null;
  lon: number | null;
  lat: number | null;
  positionSource: string | null;
  author: string | null;
  addedAt: string;
  /** Photos only. */
  fileName: string | null;
  contentType: string | null;
  width: number | null;
  height: number | null;
  bytes: number | null;
}

export interface EvidenceEditResult {
  edit: EditInfo | null;
  /** The evidence added (addEvidence) or removed (removeEvidence). */
  evidence: EvidenceInfo;
  /** That landslide's evidence afterwards. */
  landslide: EvidenceInfo[];
  canUndo: number;
  canRedo: number;
}

export interface EvidencePhoto {
  uuid: string;
  contentType: string;
  /** The photo's bytes, base64. */
  base64: string;
}

/** Every method also needs an entry in API_METHODS (src-shared/api-methods.ts), which the doors use. */
export interface ScarpApi extends ProjectApi {
  listModels(): Promise<ModelSummary[]>;
  rasterInfo(request: RasterInfoRequest): Promise<RasterInfo>;
  detect(request: DetectRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<DetectResult>;
  /** Pre/post-event change detection (HazMapper rdNDVI, or a visible-band method without NIR). */
  detectChange(request: ChangeRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<ChangeResult>;
  /** The single-date method (bare ground on slopes) for imagery no model accepts, without a pre-event image. */
  detectBareGround(request: BareGroundRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<BareGroundResult>;
  evaluate(request: EvalRequest): Promise<EvalResult>;
  /** Open a raster as a map layer (tiles). */
  openTileLayer(request: TileLayerRequest): Promise<TileLayerInfo>;
  /** Read a polygon file for display on the map. */
  readVectorLayer(request: VectorLayerRequest): Promise<VectorLayer>;
  /** Export the project's inventory or a run's rasters (issue 5). */
  exportInventory(request: ExportRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<ExportResponse>;
  /** Import an inventory file into the project (one undoable edit). */
  importInventory(request: ImportRequest): Promise<ImportResponse>;
  /** Merge a colleague's project or field package into a project (one undoable edit). */
  mergeProjects(request: MergeRequest): Promise<MergeResponse>;
  /** Join the shard files of a sharded detection into one inventory (docs/cluster.md). */
  mergeShards(request: MergeShardsRequest): Promise<MergeShardsResult>;
  /** Many scenes, sharded, into one inventory; resumable (docs/cluster.md). */
  batchDetect(request: BatchRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<BatchResult>;
  /** Write a field package of a project (inventory, imagery, hillshade and probability as GeoPackage tiles). */
  packageProject(request: PackageRequest): Promise<PackageResponse>;
}

// ---- Projects (issue 4): one project open at a time per service ---------------------------------


const BoundsSchema = z
  .object({ minX: z.number(), minY: z.number(), maxX: z.number(), maxY: z.number() })
  .refine((b) => b.minX <= b.maxX && b.minY <= b.maxY, 'min must not exceed max');
const Position = z.array(z.number()).min(2).max(4);
/** GeoJSON MultiPolygon coordinates in the project CRS. */
const MultiPolygonCoords = z.array(z.array(z.array(Position).min(4)).min(1)).min(1);

export const EventMetadataInput = z.object({
  name: z.string().nullable().optional(),
  date: z.string().nullable().optional(),
  trigger: z.string().nullable().optional(),
  imagerySource: z.string().nullable().optional(),
  imageryDate: z.string().nullable().optional(),
  notes: z.string().nullable().optional(),
});
export type EventMetadataInput = z.infer<typeof EventMetadataInput>;

export const CreateProjectRequest = z.object({
  path: z.string().min(1),
  overwrite: z.boolean().default(false),
  /** Editing author; default the OS user name. */
  author: z.string().min(1).optional(),
  event: EventMetadataInput.optional(),
  /** The project CRS from the start ('EPSG:32643' or 32643); default: set by the first scene or import. */
  crs: z.union([z.string().min(1), z.number().int().positive()]).optional(),
});
export type CreateProjectRequest = z.input<typeof CreateProjectRequest>;
export const OpenProjectRequest = z.object({ path: z.string().min(1) });
export type OpenProjectRequest = z.input<typeof OpenProjectRequest>;
export const UpdateProjectRequest = z.object({ author: z.string().min(1).nullable().optional(), event: EventMetadataInput.optional() });
export type UpdateProjectRequest = z.input<typeof UpdateProjectRequest>;

export const AddSceneRequest = z.object({
  path: z.string().min(1),
  /** Imagery from before or after the event (a project may hold several post-event scenes). */
  role: z.enum(SCENE_ROLES).optional(),
  /** Acquisition date. */
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
    .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'a real calendar date')
    .optional(),
  /** The scene's DEM, recorded as its terrain (checked before the scene is added: nothing is added when it is not a DEM). */
  dem: z.string().min(1).optional(),
});
export type AddSceneRequest = z.input<typeof AddSceneRequest>;
export const RemoveSceneRequest = z.object({ sceneId: z.string().min(1) });
export type RemoveSceneRequest = z.input<typeof RemoveSceneRequest>;
export const RelinkSceneRequest = z.object({ sceneId: z.string().min(1), path: z.string().min(1) });
export type RelinkSceneRequest = z.input<typeof RelinkSceneRequest>;
/** Record a DEM as the scene's terrain in the project (what a run with it would record). */
export const SetSceneDemRequest = z.object({ sceneId: z.string().min(1), path: z.string().min(1) });
export type SetSceneDemRequest = z.input<typeof SetSceneDemRequest>;
/** Find moved imagery (same content under the project's folder and `folder`); with `relink`, point the scenes at it. */
export const FindMovedImageryRequest = z.object({ folder: z.string().min(1).optional(), relink: z.boolean().optional() });
export type FindMovedImageryRequest = z.input<typeof FindMovedImageryRequest>;
export interface MovedImagery {
  /** Scenes whose imagery, and DEM layers whose file, was found elsewhere: the recorded path and the new one. */
  found: Array<{ id: string; name: string; from: string; to: string; kind: 'scene' | 'dem' }>;
  /** Scenes and DEM layers still without their file. */
  missing: Array<{ id: string; name: string; path: string; kind: 'scene' | 'dem' }>;
  /** True when the found scenes were relinked. */
  relinked: boolean;
}
export const ResumeDetectionRequest = z.object({ project: z.string().min(1).optional() });
export type ResumeDetectionRequest = z.input<typeof ResumeDetectionRequest>;

/** "Adapt to this event": learn from the reviewed landslides of a run's scene, then detect it again. */
export const AdaptModelRequest = z.object({
  project: z.string().min(1).optional(),
  /** The run whose scene and model are adapted (id or its prefix); default the latest finished run. */
  run: z.string().min(1).optional(),
  /** Where to write the adapted model (.onnx, card beside it); default a `<project>.models/` folder. */
  outModel: z.string().min(1).optional(),
  provider: ProviderPreference.default('auto'),
});
export type AdaptModelRequest = z.input<typeof AdaptModelRequest>;

/** What the adapted run changed among the scene's unreviewed landslides (fids: `before` are gone, `after` are the new run's). */
export interface AdaptChanges {
  added: number[];
  removed: number[];
  /** A new landslide drawn over old ones (grown, shrunk, split or merged). */
  reshaped: Array<{ after: number; before: number[] }>;
  /** New landslides that are an old outline again. */
  unchanged: number;
  areaM2: { added: number; removed: number; reshapedBefore: number; reshapedAfter: number };
}

export interface AdaptModelResult {
  baseModel: string;
  /** The adapted model (never picked by default for other scenes). */
  model: { id: string; path: string; card: string };
  /** Reviewed landslides learned from: confirmed (also edited, drawn, field-verified) and rejected. */
  decisions: { confirmed: number; rejected: number };
  labelPixels: { positive: number; negative: number };
  /** The decisions did not predict each other (cross-validation took the strongest prior): the model's head is unchanged and only the decisions apply. */
  keptBase: boolean;
  /** The new run (its inventory replaced the unreviewed landslides: one undoable edit). */
  run: DetectResult;
  /** Unreviewed landslides of the scene before and after. */
  changes: { before: number; after: number; areaBeforeM2: number; areaAfterM2: number };
  difference: AdaptChanges;
  featureSeconds: number;
  fitSeconds: number;
}

export const ListFeaturesRequest = z.object({
  /** Map window in the project CRS (R-tree). */
  bbox: BoundsSchema.optional(),
  scene: z.string().optional(),
  status: z.array(LandslideStatus).optional(),
  /** Paging: features with fid greater than this, in fid order. */
  afterFid: z.number().int().nonnegative().default(0),
  limit: z.number().int().positive().max(10_000).default(500),
});
export type ListFeaturesRequest = z.input<typeof ListFeaturesRequest>;

export const MapFeaturesRequest = z.object({
  /** Map window in WGS 84 longitude/latitude (what the map shows); default: everything. */
  bbox: BoundsSchema.optional(),
  afterFid: z.number().int().nonnegative().default(0),
  limit: z.number().int().positive().max(10_000).default(5000),
});
export type MapFeaturesRequest = z.input<typeof MapFeaturesRequest>;

export const FeatureChanges = z
  .object({
    type: LandslideType.optional(),
    status: LandslideStatus.optional(),
    confidence: z.number().min(0).max(1).nullable().optional(),
    notes: z.string().nullable().optional(),
    mapper: z.string().nullable().optional(),
  })
  .strict();
export type FeatureChanges = z.infer<typeof FeatureChanges>;
/** The landslides to change by fid, or by uuid (scripts, files exported from Scarp): one of the two. */
export const UpdateFeaturesRequest = z
  .object({
    fids: z.array(z.number().int().positive()).min(1).max(100_000).optional(),
    uuids: z.array(z.string().min(1)).min(1).max(100_000).optional(),
    changes: FeatureChanges,
  })
  .refine((r) => (r.fids === undefined) !== (r.uuids === undefined), { message: 'name the landslides by fids or by uuids (one of the two)' });
export type UpdateFeaturesRequest = z.input<typeof UpdateFeaturesRequest>;
export const DeleteFeaturesRequest = z.object({ fids: z.array(z.number().int().positive()).min(1).max(100_000) });
export type DeleteFeaturesRequest = z.input<typeof DeleteFeaturesRequest>;
export const AddFeatureRequest = z.object({
  /** MultiPolygon coordinates in the project CRS. */
  coordinates: MultiPolygonCoords,
  scene: z.string().optional(),
  properties: FeatureChanges.optional(),
});
export type AddFeatureRequest = z.input<typeof AddFeatureRequest>;
export const HistoryRequest = z.object({ limit: z.number().int().positive().max(1000).default(100), beforeId: z.number().int().positive().optional() });
export type HistoryRequest = z.input<typeof HistoryRequest>;

// ---- Correcting (issue 7): mask brush, polygon tools, review ----------------------------------

const FlatPoints = z.array(z.number()).min(2).max(200_000).refine((a) => a.length % 2 === 0, 'x, y pairs');
export const BrushStrokeRequest = z.object({
  scene: z.string().min(1),
  /** Dab centres in the project CRS, flat [x0, y0, x1, y1, ...]. */
  points: FlatPoints,
  radius: z.number().positive().max(10_000),
  unit: z.enum(['px', 'm']).default('px'),
  /** 'background': mark "not a landslide" (erase, and keep the area as a rejected polygon). */
  mode: z.enum(['paint', 'erase', 'background']),
  /** CRS of `points`: the project's (default) or WGS 84 longitude/latitude (what the map shows). */
  crs: z.enum(['project', 'wgs84']).default('project'),
});
export type BrushStrokeRequest = z.input<typeof BrushStrokeRequest>;

const Fids = z.array(z.number().int().positive()).min(1).max(10_000);
/** Coordinates (coordinates, line) in the project CRS (default) or WGS 84 longitude/latitude. */
const EditCrs = { crs: z.enum(['project', 'wgs84']).default('project') };
export const PolygonEditRequest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('draw'), ...EditCrs, coordinates: MultiPolygonCoords, scene: z.string().optional(), properties: FeatureChanges.optional() }),
  z.object({ op: z.literal('delete'), fids: Fids }),
  z.object({ op: z.literal('merge'), fids: Fids }),
  /** Split with a polyline (project CRS, flat [x0, y0, ...]). */
  z.object({ op: z.literal('split'), ...EditCrs, fid: z.number().int().positive(), line: FlatPoints }),
  /** Vertex edits (move/insert/delete): the feature's whole new geometry. */
  z.object({ op: z.literal('reshape'), ...EditCrs, fid: z.number().int().positive(), coordinates: MultiPolygonCoords }),
  /** Fill holes (all, or those below maxAreaM2). */
  z.object({ op: z.literal('fillHoles'), fids: Fids, maxAreaM2: z.number().positive().optional() }),
  z.object({ op: z.literal('cutHole'), ...EditCrs, fid: z.number().int().positive(), coordinates: MultiPolygonCoords }),
]);
export type PolygonEditRequest = z.input<typeof PolygonEditRequest>;

export interface CorrectionResult extends EditResult {
  /** Features inserted or changed by the edit (after it). */
  fids: number[];
  deleted: number[];
  timings?: { dabMs: number; vectorMs: number; totalMs: number };
}

export const ReviewQueueRequest = z.object({
  order: z.enum(REVIEW_ORDERS).default('area'),
  scene: z.string().optional(),
  limit: z.number().int().positive().max(100_000).default(10_000),
});
export type ReviewQueueRequest = z.input<typeof ReviewQueueRequest>;

export interface ReviewItem {
  fid: number;
  uuid: string;
  area_m2: number;
  prob_mean: number | null;
  bounds: Bounds;
}

export interface ReviewQueue {
  /** Unreviewed (UNREVIEWED_STATUS) landslides, largest (or most probable) first. */
  items: ReviewItem[];
  remaining: number;
  reviewed: number;
}

export interface EventMetadata {
  name: string | null;
  date: string | null;
  trigger: string | null;
  imagerySource: string | null;
  imageryDate: string | null;
  notes: string | null;
}

export interface ProjectInfo {
  path: string;
  projectId: string | null;
  schemaVersion: number;
  createdAt: string | null;
  /** The project's CRS; `proj4` is its PROJ string as proj4js takes it (the map's coordinates in the project CRS). */
  crs: { srsId: number; name: string; epsg: number | null; proj4: string } | null;
  author: string;
  event: EventMetadata;
  scenes: number;
  runs: number;
  /** Landslides that count (countsInInventory in vocabulary.ts: every status but rejected). */
  features: number;
  /** Landslides by status, rejected included. */
  byStatus: Partial<Record<LandslideStatus, number>>;
  canUndo: number;
  canRedo: number;
  /** What opening did: upgrade (with the backup's path) and the integrity check run. */
  open: { fromVersion: number; upgraded: boolean; backupPath: string | null; check: string; checkMs: number };
}

export interface SceneInfo {
  id: string;
  name: string;
  path: string;
  /** 'missing': the file moved (ask the user where, then relinkScene); 'changed': different content. */
  state: 'ok' | 'missing' | 'changed';
  size: number;
  fingerprint: string;
  crsName: string | null;
  width: number;
  height: number;
  bounds: Bounds;
  gsd: { x: number; y: number };
  bandCount: number;
  dataType: string;
  nodata: number | null;
  /** Per band, for the display stretch. */
  bandStats: Array<{ min: number; max: number; mean: number; p2: number; p98: number; validFraction: number }>;
  addedAt: string;
  /** 'pre-event' / 'post-event', or null when not said. */
  role: (typeof SCENE_ROLES)[number] | null;
  /** Acquisition date (YYYY-MM-DD), or null. */
  date: string | null;
  /**
   * The DEM last used with the scene (by a run, or chosen in the app: setSceneDem), with the state
   * of its file; null when none was. A reopened project takes it as the scene's terrain.
   */
  dem: { path: string; name: string; state: 'ok' | 'missing' | 'changed' } | null;
}

export interface RunInfo {
  id: string;
  sceneId: string;
  modelId: string;
  modelName: string | null;
  modelSha256: string;
  params: Record<string, unknown>;
  provider: string | null;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  timings: Record<string, number> | null;
  threshold: number;
  rowsDone: number;
  rowsTotal: number;
  tilesDone: number;
  tilesTotal: number;
  resumed: number;
  featureCount: number | null;
}

export interface LandslideProperties {
  uuid: string;
  scene: string | null;
  run: string | null;
  area_m2: number;
  perimeter_m: number;
  prob_mean: number | null;
  prob_max: number | null;
  slope_mean: number | null;
  elev_min: number | null;
  elev_max: number | null;
  aspect_mean: number | null;
  /** Share (0..1) of the landslide's area where the DEM had a valid elevation; null without a DEM. */
  dem_coverage: number | null;
  type: LandslideType;
  status: LandslideStatus;
  confidence: number | null;
  mapper: string | null;
  created_at: string;
  updated_at: string;
  notes: string | null;
  /** Import provenance: the file (GeoPackage: file:layer) an imported landslide came from. */
  source?: string | null;
  /** Import provenance: the file's fields that have no column, as JSON text. */
  attrs?: string | null;
}

export interface FeatureInfo {
  fid: number;
  properties: LandslideProperties;
  geometry: { type: 'MultiPolygon'; coordinates: number[][][][] };
}

export interface FeaturePage {
  features: FeatureInfo[];
  /** Pass as afterFid for the next page; null on the last page. */
  nextAfterFid: number | null;
}

export interface EditInfo {
  id: number;
  label: string;
  kind: EditKind;
  author: string;
  at: string;
  state: 'done' | 'undone' | 'discarded';
  opCount: number;
}

/**
 * A landslide as the map draws it: an RFC 7946 feature in WGS 84 longitude/latitude at full double
 * precision. A vertex sent back unchanged in a vertex edit maps back to its stored project-CRS
 * coordinates exactly (the service recognises it), so untouched vertices never move.
 */
export interface MapFeature {
  type: 'Feature';
  id: number;
  geometry: { type: 'MultiPolygon'; coordinates: number[][][][] };
  properties: LandslideProperties & { fid: number };
}

export interface MapFeaturePage {
  features: MapFeature[];
  nextAfterFid: number | null;
}

/** What an edit, undo or redo changed: the map applies exactly this (no re-read of the project). */
export interface InventoryChanges {
  /** Features added or changed, as they are now. */
  changed: MapFeature[];
  /** fids no longer in the inventory. */
  removed: number[];
  /** Totals after the change (what the project panel shows): landslides that count (not rejected), and all by status. */
  features: number;
  byStatus: Partial<Record<LandslideStatus, number>>;
}

export interface EditResult {
  edit: EditInfo | null;
  /** fids of inserted features (addFeature). */
  fids?: number[];
  canUndo: number;
  canRedo: number;
  changes: InventoryChanges;
  /** Why a reshaped landslide's probability or terrain attributes are empty (no detection run or DEM under it, …). */
  notes?: string[];
}

/** Project methods of ScarpApi (one project open at a time per service). */
export interface ProjectApi {
  createProject(request: CreateProjectRequest): Promise<ProjectInfo>;
  openProject(request: OpenProjectRequest): Promise<ProjectInfo>;
  closeProject(): Promise<void>;
  projectInfo(): Promise<ProjectInfo>;
  updateProject(request: UpdateProjectRequest): Promise<ProjectInfo>;
  listScenes(): Promise<SceneInfo[]>;
  addScene(request: AddSceneRequest): Promise<SceneInfo>;
  /** Remove a scene no run or landslide comes from. */
  removeScene(request: RemoveSceneRequest): Promise<{ removed: string }>;
  /** Point a scene whose file moved at its new place (same content required). */
  relinkScene(request: RelinkSceneRequest): Promise<SceneInfo>;
  /** Record a DEM as the scene's terrain, so that the project reopened anywhere has it. */
  setSceneDem(request: SetSceneDemRequest): Promise<SceneInfo>;
  /** Find the imagery of scenes that moved (by content, under the project's folder and a chosen one); relink it on request. */
  findMovedImagery(request: FindMovedImageryRequest): Promise<MovedImagery>;
  listRuns(): Promise<RunInfo[]>;
  /** Continue the open (or named) project's latest unfinished run. */
  resumeDetection(request: ResumeDetectionRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<DetectResult>;
  /** Learn from the reviewed landslides (learning from corrections) and detect the scene again with the adapted model. */
  adaptModel(request: AdaptModelRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<AdaptModelResult>;
  listFeatures(request: ListFeaturesRequest): Promise<FeaturePage>;
  /** Landslides for the map (WGS 84), by map window, page by page. */
  mapFeatures(request: MapFeaturesRequest): Promise<MapFeaturePage>;
  addFeature(request: AddFeatureRequest): Promise<EditResult>;
  updateFeatures(request: UpdateFeaturesRequest): Promise<EditResult>;
  deleteFeatures(request: DeleteFeaturesRequest): Promise<EditResult>;
  undo(): Promise<EditResult>;
  redo(): Promise<EditResult>;
  /**
   * Edits another program (QGIS, ArcGIS, ogr2ogr) saved into the open project's landslides, taken in
   * as one undoable edit (kind 'external', attributes measured again); `edit` is null when there were
   * none. Cheap then (one check of the file's change counter): the UI calls it when it gets the focus.
   */
  takeExternalEdits(): Promise<EditResult>;
  history(request?: HistoryRequest): Promise<EditInfo[]>;
  /** Paint or erase on a scene's mask; the touched polygons are re-derived (issue 7). */
  brushStroke(request: BrushStrokeRequest): Promise<CorrectionResult>;
  /** Polygon tools: draw, delete, merge, split, reshape (vertex edits), fill holes, cut a hole. */
  editPolygons(request: PolygonEditRequest): Promise<CorrectionResult>;
  /** What is left to review, in review order. */
  reviewQueue(request?: ReviewQueueRequest): Promise<ReviewQueue>;
  /** Attach a photo or field note to a landslide (one undoable edit). */
  addEvidence(request: AddEvidenceRequest): Promise<EvidenceEditResult>;
  /** The photos and notes of one landslide, or of all. */
  listEvidence(request?: ListEvidenceRequest): Promise<EvidenceInfo[]>;
  /** Remove a photo or note (one undoable edit). */
  removeEvidence(request: RemoveEvidenceRequest): Promise<EvidenceEditResult>;
  /** A photo's bytes, for showing it. */
  evidencePhoto(request: EvidencePhotoRequest): Promise<EvidencePhoto>;
  /** Write a photo out to a file. */
  exportEvidencePhoto(request: ExportEvidencePhotoRequest): Promise<{ out: string; bytes: number }>;
}
