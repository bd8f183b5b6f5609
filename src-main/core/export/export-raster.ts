/**
 * Raster exports of a run: the probability as a COG (float32, NaN no data, average overviews), a
 * per-pixel confidence COG (|p − threshold| scaled to [0, 1]), and the 8-bit mask GeoTIFF (a COG too:
 * 1 landslide, 0 not, 255 no data; nearest overviews). Each goes through writeCog (temp + rename).
 */
import { extname, resolve } from 'node:path';
import { ScarpError } from '../../../src-shared/errors';
import { confidenceRows, maskRows, writeCog, type RasterRowSource } from './cog';
import type { ExportResult } from './export-inventory';
import { checkCancelled, Staging } from './staging';
import type { ProgressSink } from '../../../src-shared/api';

export const RASTER_FORMATS = ['probability', 'confidence', 'mask'] as const;
export type RasterFormat = (typeof RASTER_FORMATS)[number];

export interface RasterExportOptions {
  format: RasterFormat;
  out: string;
  /** Decision threshold of the run (confidence and mask). */
  threshold: number;
  overwrite?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressSink;
  /** Written into the GeoTIFF metadata (model, run …). */
  metadata?: Record<string, string>;
  /** For `mask`: an edited mask source (0/1, NaN = no data) instead of thresholding the probability. */
  mask?: RasterRowSource;
}

export async function exportRaster(probability: RasterRowSource, opts: RasterExportOptions): Promise<ExportResult> {
  const out = resolve(opts.out);
  if (!['.tif', '.tiff'].includes(extname(out).toLowerCase())) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `A GeoTIFF export needs a name ending in .tif, not ${out}.`, file: out });
  }
  if (!(opts.threshold > 0 && opts.threshold < 1)) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Threshold ${opts.threshold} must be between 0 and 1.` });
  Staging.checkFree([out], opts.overwrite ?? false);
  const meta = { ...(opts.metadata ?? {}), SCARP_LAYER: opts.format, SCARP_THRESHOLD: String(opts.threshold) };
  opts.onProgress?.({ stage: 'prepare', done: 0, total: 1 });
  checkCancelled(opts.signal);
  const common = { overwrite: opts.overwrite, signal: opts.signal, onProgress: opts.onProgress };
  switch (opts.format) {
    case 'probability':
      await writeCog(out, probability, { ...common, dataType: 'float32', resampling: 'average', metadata: meta });
      break;
    case 'confidence':
      await writeCog(out, confidenceRows(probability, opts.threshold), { ...common, dataType: 'float32', resampling: 'average', metadata: { ...meta, SCARP_CONFIDENCE: '|p - threshold| / max(threshold, 1 - threshold)' } });
      break;
    case 'mask':
      await writeCog(out, opts.mask ? maskRows(opts.mask, 0.5) : maskRows(probability, opts.threshold), { ...common, dataType: 'uint8', nodata: 255, resampling: 'nearest', metadata: meta });
      break;
    default:
      throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Unknown raster format ${String(opts.format)}` });
  }
  const g = probability.grid;
  return { format: opts.format, files: [out], count: g.width * g.height, crs: { epsg: g.crs.epsg, name: g.crs.name }, warnings: [] };
}
