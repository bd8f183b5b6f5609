/**
 * Raster exports of a run, each a COG through writeCog (temp + rename) with its band description,
 * the provenance as SCARP_* metadata items (SCARP_LAYER: the format) and its QGIS style beside it
 * (raster-style.ts): the calibrated probability (float32, NaN no data, average overviews), the change
 * strength of a change or single-date run (the same, tagged and styled as `change`), the confidence that each pixel's
 * class is right (vector/confidence.ts), and the 8-bit mask (1 landslide, 0 not, 255 no data, a colour
 * table; nearest overviews).
 */
import { writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { ScarpError } from '../../../src-shared/errors';
import { confidenceRows, maskRows, writeCog, type RasterRowSource } from './cog';
import type { ExportResult } from './export-inventory';
import { checkCancelled, Staging } from './staging';
import type { ProgressSink } from '../../../src-shared/api';
import { MASK_NODATA, maskColorTable, RASTER_DESCRIPTIONS, rasterQml, type RasterKind } from './raster-style';
import { sidecarAction } from './sidecars';

export const RASTER_FORMATS = ['probability', 'confidence', 'mask', 'change'] as const;
export type RasterFormat = (typeof RASTER_FORMATS)[number];

export interface RasterExportOptions {
  format: RasterFormat;
  out: string;
  /** Decision threshold of the run (confidence and mask). */
  threshold: number;
  overwrite?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressSink;
  /** Written into the GeoTIFF metadata (provenance.ts: provenanceItems). */
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
  const warnings: string[] = [];
  const style = { path: out.replace(/\.tiff?$/i, '.qml'), content: rasterQml(opts.format), kind: 'style' as const };
  const writeStyle = sidecarAction(style, opts.overwrite ?? false, warnings) === 'write';
  opts.onProgress?.({ stage: 'prepare', done: 0, total: 1 });
  checkCancelled(opts.signal);
  const edited = opts.format === 'mask' && opts.mask !== undefined;
  await writeRasterCog(out, opts.format, edited ? maskRows(opts.mask!, 0.5) : probability, { threshold: opts.threshold, metadata: meta, overwrite: opts.overwrite, signal: opts.signal, onProgress: opts.onProgress, fromMask: edited });
  if (writeStyle) writeFileSync(style.path, style.content);
  const g = probability.grid;
  return { format: opts.format, files: writeStyle ? [out, style.path] : [out], count: g.width * g.height, crs: { epsg: g.crs.epsg, name: g.crs.name }, warnings };
}

/**
 * One raster kind as a COG: `src` is the probability (or, with `fromMask`, an already 0/1 mask
 * source), `threshold` the run's decision threshold.
 */
export async function writeRasterCog(
  out: string,
  kind: RasterKind,
  src: RasterRowSource,
  o: { threshold: number; metadata?: Record<string, string>; overwrite?: boolean; signal?: AbortSignal; onProgress?: ProgressSink; fromMask?: boolean },
): Promise<void> {
  const common = { overwrite: o.overwrite, signal: o.signal, onProgress: o.onProgress, metadata: o.metadata, description: RASTER_DESCRIPTIONS[kind] };
  switch (kind) {
    case 'probability':
    case 'change':
      await writeCog(out, src, { ...common, dataType: 'float32', resampling: 'average' });
      break;
    case 'confidence':
      await writeCog(out, confidenceRows(src, o.threshold), { ...common, dataType: 'float32', resampling: 'average' });
      break;
    case 'mask':
      await writeCog(out, o.fromMask ? src : maskRows(src, o.threshold), { ...common, dataType: 'uint8', nodata: MASK_NODATA, resampling: 'nearest', colorTable: maskColorTable() });
      break;
    default:
      throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Unknown raster format ${String(kind)}` });
  }
}
