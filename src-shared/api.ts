/**
 * ScarpApi: the single contract between the UI (or any client) and the core. One ScarpService
 * implements it; the Electron IPC bridge, the local HTTP server and the CLI are thin adapters.
 * Requests are validated once, at the service boundary, with the zod schemas below.
 */
import { z } from 'zod';
import type { Bounds, RasterInfo } from './geo';
import type { MetricRow } from './model-card';

export const ProviderPreference = z.enum(['auto', 'cpu', 'cuda', 'dml', 'coreml']);
export type ProviderPreference = z.infer<typeof ProviderPreference>;

export const RasterInfoRequest = z.object({ path: z.string().min(1) });
export type RasterInfoRequest = z.infer<typeof RasterInfoRequest>;

export const DetectRequest = z.object({
  image: z.string().min(1),
  dem: z.string().min(1).optional(),
  /** A shipped model id or a path to an .onnx file. Default: the RGB+DEM model with a DEM, else the RGB model. */
  model: z.string().min(1).optional(),
  /** Probability threshold; default: the model card's. */
  threshold: z.number().gt(0).lt(1).optional(),
  /** Polygons smaller than this (m²) are dropped. */
  minAreaM2: z.number().nonnegative().default(50),
  /** Simplification tolerance in metres (0 keeps pixel edges). */
  simplifyM: z.number().nonnegative().default(0.5),
  /** Area of interest: a polygon file (GeoJSON, GeoPackage, Shapefile). */
  aoi: z.string().min(1).optional(),
  /** Inventory output: .gpkg or .geojson. */
  out: z.string().min(1).optional(),
  /** Probability raster output (.tif). */
  probability: z.string().min(1).optional(),
  overwrite: z.boolean().default(false),
  provider: ProviderPreference.default('auto'),
  batchSize: z.number().int().positive().max(64).optional(),
});
export type DetectRequest = z.input<typeof DetectRequest>;
export type DetectRequestParsed = z.output<typeof DetectRequest>;

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
  inputs: string[][];
  needsDem: boolean;
  gsd: { nativeM: number; minM: number; maxM: number };
  tile: { size: number; overlap: number };
  threshold: number;
  metrics: MetricRow[];
}

export interface DetectResult {
  model: { id: string; name: string; path: string; sha256: string };
  provider: string;
  /** Ground sampling distance the model ran at, and whether the scene was resampled to it. */
  gsdM: number;
  resampled: boolean;
  usedDem: boolean;
  threshold: number;
  outputs: { inventory?: string; probability?: string };
  features: number;
  totalAreaM2: number;
  tiles: number;
  timings: { totalS: number; inferenceS: number; vectoriseS: number };
  warnings: string[];
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
  pixels: number;
  precision: number;
  recall: number;
  f1: number;
  iou: number;
}

// ---- Map layers (tiles) and vector layers for display -------------------------------------------

export const TileLayerKind = z.enum(['imagery', 'falsecolor', 'hillshade', 'slope', 'probability', 'mask']);
export type TileLayerKind = z.infer<typeof TileLayerKind>;

export const TileLayerRequest = z.object({
  /** A GeoTIFF: imagery, a DEM (hillshade/slope) or a probability raster (probability/mask). */
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

// ---- export / import (issue 5) ------------------------------------------------------------

export const ExportRequest = z.object({
  /** The project file (.gpkg). */
  project: z.string().min(1),
  /** gpkg, shp (folder or .shp), shp-zip, geojson, kml, kmz, csv, html; probability, confidence, mask (COG .tif). */
  format: z.enum(['gpkg', 'shp', 'shp-zip', 'geojson', 'kml', 'kmz', 'csv', 'html', 'probability', 'confidence', 'mask']),
  out: z.string().min(1),
  /** 'project' (default), 'wgs84' or an EPSG code ('EPSG:32645' or 32645); GeoJSON/KML are always WGS 84. */
  crs: z.union([z.string(), z.number().int().positive()]).optional(),
  status: z.array(z.enum(['predicted', 'confirmed', 'rejected', 'edited', 'field_verified'])).optional(),
  minArea: z.number().nonnegative().optional(),
  maxArea: z.number().positive().optional(),
  /** Run for rasters and the report (default: the latest finished run). */
  run: z.string().optional(),
  /** Threshold for the confidence/mask rasters (default: the run's). */
  threshold: z.number().gt(0).lt(1).optional(),
  overwrite: z.boolean().optional(),
});
export type ExportRequest = z.input<typeof ExportRequest>;

export interface ExportResponse {
  format: string;
  /** Files written (all renamed into place together). */
  files: string[];
  /** Features written (pixels for rasters). */
  count: number;
  crs: { epsg: number | null; name: string };
  warnings: string[];
}

export const ImportRequest = z.object({
  project: z.string().min(1),
  /** Shapefile, GeoPackage, GeoJSON, KML or KMZ. */
  file: z.string().min(1),
  layer: z.string().min(1).optional(),
});
export type ImportRequest = z.input<typeof ImportRequest>;

export interface ImportResponse {
  file: string;
  layer: string;
  count: number;
  fids: number[];
  sourceCrs: string;
  crs: string;
  /** Source field → 'landslides.<column>' or 'attrs'. */
  mapping: Record<string, string>;
  warnings: string[];
}

/** Every method also needs an entry in API_METHODS (src-shared/api-methods.ts), which the doors use. */
export interface ScarpApi {
  listModels(): Promise<ModelSummary[]>;
  rasterInfo(request: RasterInfoRequest): Promise<RasterInfo>;
  detect(request: DetectRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<DetectResult>;
  evaluate(request: EvalRequest): Promise<EvalResult>;
  /** Open a raster as a map layer (tiles). */
  openTileLayer(request: TileLayerRequest): Promise<TileLayerInfo>;
  /** Read a polygon file for display on the map. */
  readVectorLayer(request: VectorLayerRequest): Promise<VectorLayer>;
  /** Export the project's inventory or a run's rasters (issue 5). */
  exportInventory(request: ExportRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<ExportResponse>;
  /** Import an inventory file into the project (one undoable edit). */
  importInventory(request: ImportRequest): Promise<ImportResponse>;
}
