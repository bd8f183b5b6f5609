/**
 * The export/import part of ScarpService: runs one export or import on a project. When the service
 * already holds that project open (desktop app, browser server) the work goes through that open
 * project, since a second open in the same process would meet its own lock (PROJECT_LOCKED);
 * otherwise (CLI) the file is opened for the call and closed after. Requests are validated at the
 * boundary (src-shared/api.ts schemas).
 */
import type { ExportRequest, ExportResponse, ImportRequest, ImportResponse, ProgressSink } from '../../../src-shared/api';
import { ScarpError } from '../../../src-shared/errors';
import { dirname, resolve } from 'node:path';
import { removeProjectFiles, sweepLeftovers } from '../util/leftovers';
import { existsSync } from 'node:fs';
import { Project } from '../store/project';
import { exportInventory, VECTOR_FORMATS, type VectorFormat } from './export-inventory';
import { exportRaster, RASTER_FORMATS, type RasterFormat } from './export-raster';
import { parseCrsChoice } from './inventory';
import { importIntoProject, inventoryFromProject, latestRun, probabilityFromProject } from './project-export';

export const EXPORT_FORMATS = [...VECTOR_FORMATS, ...RASTER_FORMATS] as const;

/**
 * Run `fn` on the project at `path`: `open` when it is that project (left open), else the file
 * opened for the call and closed after.
 */
export async function withProject<T>(path: string, open: Project | null | undefined, fn: (p: Project) => Promise<T>): Promise<T> {
  if (open && open.isOpen && open.path === resolve(path)) return fn(open);
  sweepLeftovers(dirname(resolve(path)));
  const project = Project.open(path, { check: 'quick' });
  try {
    return await fn(project);
  } finally {
    project.close();
  }
}

/** `open`: the project the caller holds open, used when it is `req.project`. */
export async function exportFromProject(req: ExportRequest, signal?: AbortSignal, open?: Project | null, onProgress?: ProgressSink): Promise<ExportResponse> {
  return withProject(req.project, open, async (project) => {
    const run = latestRun(project, req.run);
    if ((RASTER_FORMATS as readonly string[]).includes(req.format)) {
      if (!run) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${req.project} has no finished detection run to export a raster from.`, hint: 'Run a detection in the project first.', options: ['detect-project'], file: req.project });
      const meta: Record<string, string> = { SCARP_RUN: run.id, SCARP_MODEL: run.modelId };
      return await exportRaster(probabilityFromProject(project, run), { format: req.format as RasterFormat, out: req.out, threshold: req.threshold ?? run.threshold, overwrite: req.overwrite, signal, onProgress, metadata: meta });
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
      signal,
      onProgress,
      probability: req.withProbability && run ? { source: probabilityFromProject(project, run), table: 'probability', description: `Landslide probability of run ${run.id} (model ${run.modelId}, threshold ${run.threshold})` } : undefined,
    });
  });
}

/**
 * `open`: the project the caller holds open, used when it is `req.project`. A project file that does
 * not exist is created for the import, and removed again when the import fails.
 */
export async function importToProject(req: ImportRequest, open?: Project | null): Promise<ImportResponse> {
  const work = async (project: Project): Promise<ImportResponse> => {
    const assert = { status: req.status, type: req.type, mapper: req.mapper, observedDate: req.observedDate };
    const r = await importIntoProject(project, req.file, { layer: req.layer, crs: req.crs, assert });
    return {
      file: r.path,
      layer: r.layer,
      count: r.fids.length,
      fids: r.fids,
      sourceCrs: r.sourceCrs.name,
      crs: r.crs.name,
      crsSet: r.crsSet,
      added: r.added,
      updated: r.updated,
      repaired: r.repaired,
      mapping: r.mapping,
      warnings: r.warnings,
    };
  };
  const path = resolve(req.project);
  if ((open && open.isOpen && open.path === path) || existsSync(path)) return withProject(req.project, open, work);
  sweepLeftovers(dirname(path));
  const project = Project.create(path);
  let ok = false;
  try {
    const r = await work(project);
    ok = true;
    return r;
  } finally {
    project.close();
    if (!ok) removeProjectFiles(path);
  }
}
