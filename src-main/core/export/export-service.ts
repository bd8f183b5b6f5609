/**
 * The export part of ScarpService: runs one export of a project. When the service already holds that
 * project open (desktop app, browser server) the work goes through that open project (withProject);
 * otherwise (CLI) the file is opened for the call and closed after. Requests are validated at the
 * boundary (src-shared/api.ts schemas). Import is import/project-import.ts.
 */
import type { ExportRequest, ExportResponse, ProgressSink } from '../../../src-shared/api';
import { ScarpError } from '../../../src-shared/errors';
import { withProject, type Project } from '../store/project';
import { exportInventory, VECTOR_FORMATS, type VectorFormat } from './export-inventory';
import { exportRaster, RASTER_FORMATS, type RasterFormat } from './export-raster';
import { parseCrsChoice } from './inventory';
import { inventoryFromProject, latestRun, probabilityFromProject, projectMeta } from './project-export';
import { outputProvenance, provenanceItems } from './provenance';

export const EXPORT_FORMATS = [...VECTOR_FORMATS, ...RASTER_FORMATS] as const;

/** `open`: the project the caller holds open, used when it is `req.project`. */
export async function exportFromProject(req: ExportRequest, signal?: AbortSignal, open?: Project | null, onProgress?: ProgressSink): Promise<ExportResponse> {
  return withProject(req.project, open, async (project) => {
    const run = latestRun(project, req.run);
    if ((RASTER_FORMATS as readonly string[]).includes(req.format)) {
      if (!run) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${req.project} has no finished detection run to export a raster from.`, hint: 'Run a detection in the project first.', options: ['detect-project'], file: req.project });
      const threshold = req.threshold ?? run.threshold;
      const meta = provenanceItems(outputProvenance({ ...projectMeta(project, run), threshold }, { output: req.format, crs: { epsg: project.crs()?.epsg ?? null, name: project.crs()?.name ?? '' } }));
      return await exportRaster(probabilityFromProject(project, run), { format: req.format as RasterFormat, out: req.out, threshold, overwrite: req.overwrite, signal, onProgress, metadata: meta });
    }
    if (req.withProbability && req.format !== 'gpkg') {
      throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `The probability raster can be added to a GeoPackage export only, not to ${req.format}.`, hint: 'Export the probability alone as a Cloud-Optimized GeoTIFF.', options: ['format-probability'] });
    }
    if (req.withProbability && !run) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${req.project} has no finished detection run to export a probability raster from.`, hint: 'Run a detection in the project first.', options: ['detect-project'], file: req.project });
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
      probability: req.withProbability && run ? { source: probabilityFromProject(project, run), table: 'probability', description: `Landslide probability of run ${run.id} (model ${run.modelId}, threshold ${run.threshold})` } : undefined,
    });
  });
}
