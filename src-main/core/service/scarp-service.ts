/**
 * ScarpService: the one implementation of ScarpApi. Every door (CLI, HTTP server, Electron IPC)
 * calls this object; requests are validated here, once, with the schemas of src-shared/api.ts.
 */
import { z } from 'zod';
import {
  DetectRequest,
  EvalRequest,
  RasterInfoRequest,
  TileLayerRequest,
  VectorLayerRequest,
  ExportRequest,
  ImportRequest,
  type ExportResponse,
  type ImportResponse,
  type TileLayerInfo,
  type VectorLayer,
  type DetectResult,
  type EvalResult,
  type ModelSummary,
  type ProgressSink,
  type ScarpApi,
} from '../../../src-shared/api';
import type { RasterInfo } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { describeRaster } from '../raster';
import { runDetection } from '../detect/run-detection';
import { evaluateFiles } from '../eval/evaluate-files';
import { ModelsService } from './models-service';
import { LayersService } from './layers-service';
import { exportFromProject, importToProject } from '../export/export-service';

/** Validate a request against its schema; a failure is the caller's mistake, reported field by field. */
function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`).join('; ');
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Invalid ${what} request: ${problems}` });
  }
  return r.data;
}

export class ScarpService implements ScarpApi {
  private readonly models = new ModelsService();
  /** Map layers; `layers.tiles` renders the PNG tiles the doors serve (HTTP /tiles, scarp://app/tiles). */
  readonly layers = new LayersService();

  listModels(): Promise<ModelSummary[]> {
    return this.models.list();
  }

  rasterInfo(request: RasterInfoRequest): Promise<RasterInfo> {
    const { path } = validate(RasterInfoRequest, request, 'raster info');
    return describeRaster(path);
  }

  detect(request: DetectRequest, onProgress?: ProgressSink, signal?: AbortSignal): Promise<DetectResult> {
    return runDetection(validate(DetectRequest, request, 'detect'), onProgress, signal);
  }

  evaluate(request: EvalRequest): Promise<EvalResult> {
    return evaluateFiles(validate(EvalRequest, request, 'evaluate'));
  }

  openTileLayer(request: TileLayerRequest): Promise<TileLayerInfo> {
    return this.layers.openTileLayer(validate(TileLayerRequest, request, 'tile layer'));
  }

  readVectorLayer(request: VectorLayerRequest): Promise<VectorLayer> {
    return this.layers.readVectorLayer(validate(VectorLayerRequest, request, 'vector layer'));
  }

  exportInventory(request: ExportRequest, _onProgress?: ProgressSink, signal?: AbortSignal): Promise<ExportResponse> {
    return exportFromProject(validate(ExportRequest, request, 'export'), signal);
  }

  importInventory(request: ImportRequest): Promise<ImportResponse> {
    return importToProject(validate(ImportRequest, request, 'import'));
  }
}

export function createScarpService(): ScarpApi {
  return new ScarpService();
}
