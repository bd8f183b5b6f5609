/**
 * ScarpApi: the single contract between the UI (or any client) and the core. One ScarpService
 * implements it; the Electron IPC bridge, the local HTTP server and the CLI are thin adapters.
 * Requests are validated once, at the service boundary, with the zod schemas below.
 */
import { z } from 'zod';
import type { RasterInfo } from './geo';
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

export interface ScarpApi {
  listModels(): Promise<ModelSummary[]>;
  rasterInfo(request: RasterInfoRequest): Promise<RasterInfo>;
  detect(request: DetectRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<DetectResult>;
  evaluate(request: EvalRequest): Promise<EvalResult>;
}
