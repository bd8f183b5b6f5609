/**
 * The export/import part of ScarpService: opens the project file, runs one export or import, and
 * closes it. Requests are validated at the boundary (src-shared/api.ts schemas).
 */
import type { ExportRequest, ExportResponse, ImportRequest, ImportResponse } from '../../../src-shared/api';
import { ScarpError } from '../../../src-shared/errors';
import { Project } from '../store/project';
import { exportInventory, VECTOR_FORMATS, type VectorFormat } from './export-inventory';
import { exportRaster, RASTER_FORMATS, type RasterFormat } from './export-raster';
import { parseCrsChoice } from './inventory';
import { importIntoProject, inventoryFromProject, latestRun, probabilityFromProject } from './project-export';

export const EXPORT_FORMATS = [...VECTOR_FORMATS, ...RASTER_FORMATS] as const;

export async function exportFromProject(req: ExportRequest, signal?: AbortSignal): Promise<ExportResponse> {
  const project = Project.open(req.project, { check: 'quick' });
  try {
    const run = latestRun(project, req.run);
    if ((RASTER_FORMATS as readonly string[]).includes(req.format)) {
      if (!run) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${req.project} has no finished detection run to export a raster from.`, hint: 'Run scarp detect --project first.' });
      const meta: Record<string, string> = { SCARP_RUN: run.id, SCARP_MODEL: run.modelId };
      return await exportRaster(probabilityFromProject(project, run), { format: req.format as RasterFormat, out: req.out, threshold: req.threshold ?? run.threshold, overwrite: req.overwrite, signal, metadata: meta });
    }
    const inv = inventoryFromProject(project, run);
    return await exportInventory(inv, {
      format: req.format as VectorFormat,
      out: req.out,
      crs: req.crs === undefined ? undefined : parseCrsChoice(req.crs),
      filter: { statuses: req.status, minAreaM2: req.minArea, maxAreaM2: req.maxArea },
      overwrite: req.overwrite,
      signal,
    });
  } finally {
    project.close();
  }
}

export async function importToProject(req: ImportRequest): Promise<ImportResponse> {
  const project = Project.open(req.project, { check: 'quick' });
  try {
    const r = await importIntoProject(project, req.file, { layer: req.layer });
    return { file: r.path, layer: r.layer, count: r.fids.length, fids: r.fids, sourceCrs: r.sourceCrs.name, crs: r.crs.name, mapping: r.mapping, warnings: r.warnings };
  } finally {
    project.close();
  }
}
