/**
 * The export part of ScarpService: runs one export of a project. When the service already holds that
 * project open (desktop app, browser server) the work goes through that open project (withProject);
 * otherwise (CLI) the file is opened for the call and closed after. Requests are validated at the
 * boundary (src-shared/api.ts schemas). Import is import/project-import.ts.
 */
import type { ExportRequest, ExportResponse, ProgressSink } from '../../../src-shared/api';
import { ScarpError } from '../../../src-shared/errors';
import { runLayerKind, type RunLayerKind } from '../../../src-shared/vocabulary';
import type { RunRecord } from '../store/project';
import { withProjectToRead, type Project } from '../store/project';
import { exportInventory, VECTOR_FORMATS, type VectorFormat } from './export-inventory';
import { exportRaster, RASTER_FORMATS, type RasterFormat } from './export-raster';
import { parseCrsChoice } from './inventory';
import { inventoryFromProject, latestRun, probabilityFromProject, projectMeta } from './project-export';
import { outputProvenance, provenanceItems } from './provenance';

export const EXPORT_FORMATS = [...VECTOR_FORMATS, ...RASTER_FORMATS] as const;

/** `open`: the project the caller holds open, used when it is `req.project`. */
export async function exportFromProject(req: ExportRequest, signal?: AbortSignal, open?: Project | null, onProgress?: ProgressSink): Promise<ExportResponse> {
  return withProjectToRead(req.project, open, async (project, note) => withNote(note, await exportFrom(project, req, signal, onProgress)));
}

/** The response with `note` (a snapshot was read: withProjectToRead) first among its warnings. */
function withNote(note: string | null, r: ExportResponse): ExportResponse {
  return note ? { ...r, warnings: [note, ...r.warnings] } : r;
}

async function exportFrom(project: Project, req: ExportRequest, signal?: AbortSignal, onProgress?: ProgressSink): Promise<ExportResponse> {
  if ((RASTER_FORMATS as readonly string[]).includes(req.format)) {
    const format = req.format as RasterFormat;
    const layer = rasterLayerOf(format);
    const run = latestRun(project, req.run, layer ?? undefined);
    if (!run) {
      throw new ScarpError({
        code: 'INVALID_ARGUMENT',
        message: `${req.project} has no finished ${layer === 'change' ? 'change or single-date run' : layer === 'probability' ? 'model detection run' : 'detection run'} to export ${format === 'change' ? 'a change layer' : `a ${format} raster`} from.`,
        hint: layer === 'change' ? 'Run scarp change (or bare-ground) into the project first.' : 'Run a detection in the project first.',
        options: [layer === 'change' ? 'change-project' : 'detect-project'],
        file: req.project,
      });
    }
    checkRunLayer(run, format);
    const threshold = req.threshold ?? run.threshold;
    const meta = provenanceItems(outputProvenance({ ...projectMeta(project, run), threshold }, { output: req.format, crs: { epsg: project.crs()?.epsg ?? null, name: project.crs()?.name ?? '' } }));
    return await exportRaster(probabilityFromProject(project, run), { format, out: req.out, threshold, overwrite: req.overwrite, signal, onProgress, metadata: meta });
  }
  if (req.withProbability && req.format !== 'gpkg') {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `The probability raster can be added to a GeoPackage export only, not to ${req.format}.`, hint: 'Export the probability alone as a Cloud-Optimized GeoTIFF.', options: ['format-probability'] });
  }
  const run = latestRun(project, req.run);
  const probRun = req.withProbability ? latestRun(project, req.run, 'probability') : null;
  if (req.withProbability && !probRun) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${req.project} has no finished model detection run to export a probability raster from.`, hint: 'Run a detection in the project first.', options: ['detect-project'], file: req.project });
  if (probRun) checkRunLayer(probRun, 'probability');
  const inv = inventoryFromProject(project, run);
  return await exportInventory(inv, {
    format: req.format as VectorFormat,
    out: req.out,
    crs: req.crs === undefined ? undefined : parseCrsChoice(req.crs),
    filter: { statuses: req.status, includeRejected: req.includeRejected, minAreaM2: req.minArea, maxAreaM2: req.maxArea },
    overwrite: req.overwrite,
    wkt: req.wkt,
    signal,
    onProgress,
    probability: probRun ? { source: probabilityFromProject(project, probRun), table: 'probability', description: `Landslide probability of run ${probRun.id} (model ${probRun.modelId}, threshold ${probRun.threshold})` } : undefined,
  });
}

/** The run layer a raster format needs: probability and confidence a model's, change an index method's; the mask either (null). */
function rasterLayerOf(format: RasterFormat): RunLayerKind | null {
  return format === 'change' ? 'change' : format === 'mask' ? null : 'probability';
}

/** A run named for a raster of the other kind is refused, saying which format its layer has. */
function checkRunLayer(run: RunRecord, format: RasterFormat): void {
  const need = rasterLayerOf(format);
  const has = runLayerKind(run.modelId);
  if (need === null || need === has) return;
  throw new ScarpError({
    code: 'INVALID_ARGUMENT',
    message:
      has === 'change'
        ? `Run ${run.id} (${run.modelId}) is a change or single-date run: its layer is a change strength, not a landslide probability, so it has no ${format} raster.`
        : `Run ${run.id} (model ${run.modelId}) is a model detection: its layer is a landslide probability, not a change strength.`,
    hint: has === 'change' ? 'Export its layer with --format change (or its mask with --format mask).' : 'Export its layer with --format probability.',
    options: [has === 'change' ? 'format-change' : 'format-probability'],
    params: { run: run.id, model: run.modelId, format },
  });
}
