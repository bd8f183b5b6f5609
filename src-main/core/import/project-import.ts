/**
 * Import of a file into a project's inventory: one journal edit (Project.apply, kind 'import'), so
 * undo/redo carry it. Import provenance lives in the landslides columns `source` (file[:layer]) and
 * `attrs` (JSON of the fields that have no landslides column), written like every other attribute.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { ImportRequest, ImportResponse } from '../../../src-shared/api';
import type { CrsInfo } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { UNREVIEWED_STATUS, type LandslideStatus, type LandslideType } from '../../../src-shared/vocabulary';
import { boundsIntersect, utmCrsAt } from '../geo';
import { isOpenAt, Project, withProject, type PlanAttrs, type PlannedAdd, type PlannedUpdate } from '../store/project';
import { removeProjectFiles, sweepLeftovers } from '../util/leftovers';
import { multiPolygonBounds, type FlatMultiPolygon } from '../vector/geometry';
import { readInventoryFile, type ImportResult } from './import-inventory';

/**
 * The CRS an empty project takes from an imported layer: the layer's own when projected; for a
 * geographic layer (KML, RFC 7946 GeoJSON, ...) the WGS 84 UTM zone of its centre, so that the
 * project works in metres like one started from a scene (the layer's own CRS near the poles).
 */
export function crsForEmptyProject(layer: ImportResult): CrsInfo {
  if (!layer.crs.isGeographic) return layer.crs;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const f of layer.features) {
    const b = multiPolygonBounds(f.geometry);
    if (b.minX < minX) minX = b.minX;
    if (b.minY < minY) minY = b.minY;
    if (b.maxX > maxX) maxX = b.maxX;
    if (b.maxY > maxY) maxY = b.maxY;
  }
  return utmCrsAt((minX + maxX) / 2, (minY + maxY) / 2) ?? layer.crs;
}

/** What an import says the imported landslides are, over the file's own values. */
export interface ImportAssertions {
  status?: LandslideStatus;
  type?: LandslideType;
  mapper?: string;
  /** YYYY-MM-DD: when they were observed, stored as created_at. */
  observedDate?: string;
}

/** Geometry equal within `tol` (same parts, rings and vertices): a round trip through a file changes nothing. */
function sameGeometry(a: FlatMultiPolygon, b: FlatMultiPolygon, tol: number): boolean {
  if (a.length !== b.length) return false;
  return a.every((p, i) => {
    const q = b[i]!;
    return p.length === q.length && p.every((r, j) => r.length === q[j]!.length && r.every((v, k) => Math.abs(v - q[j]![k]!) <= tol));
  });
}

/**
 * Import a file into the project's inventory as one journal edit, provenance in source/attrs. A
 * project with no CRS yet (no scene, no landslides) takes it from the layer (crsForEmptyProject).
 * A feature whose uuid is already in the project (a Scarp export imported back) updates that
 * landslide — attributes from the file, geometry when it moved — instead of adding a copy; its
 * source is kept. `assert` sets status, type, mapper and observed date over the file's values.
 */
export async function importIntoProject(
  project: Project,
  file: string,
  opts: { layer?: string; crs?: string; assert?: ImportAssertions } = {},
): Promise<ImportResult & { fids: number[]; crsSet: boolean; added: number; updated: number }> {
  const target = project.crs();
  let res = await readInventoryFile(file, target ?? undefined, opts);
  if (res.features.length === 0) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${file} has no polygon features to import.`, file });
  let crsSet = false;
  if (!target) {
    const crs = crsForEmptyProject(res);
    if (crs !== res.crs) res = await readInventoryFile(file, crs, opts);
  }
  const areas = target ? project.sceneAreas() : [];
  if (areas.length > 0) {
    const outside = res.features.filter((f) => !areas.some((b) => boundsIntersect(multiPolygonBounds(f.geometry), b))).length;
    if (outside > 0)
      res.warnings.push(
        outside === res.features.length
          ? `None of the ${res.features.length} landslides of ${basename(file)} lies on the project's imagery: the file may be of another area, or its coordinates in another CRS than it declares (give it with --crs).`
          : `${outside} of the ${res.features.length} landslides of ${basename(file)} lie outside the project's imagery.`,
      );
  }
  const a = opts.assert ?? {};
  const over: PlanAttrs = {};
  if (a.status) over.status = a.status;
  if (a.type) over.type = a.type;
  if (a.mapper) over.mapper = a.mapper;
  if (a.observedDate) over.created_at = new Date(`${a.observedDate}T00:00:00.000Z`).toISOString();
  // 2 cm (or its degrees): what a round trip through GeoJSON's 7 decimals may move a vertex.
  const tol = res.crs.isGeographic ? 2e-7 : 0.02 / (res.crs.metresPerUnit || 1);
  const existing = project.features.fidsByUuid(res.features.flatMap((f) => (f.uuid ? [f.uuid] : [])));
  const adds: PlannedAdd[] = [];
  const updates: PlannedUpdate[] = [];
  for (const f of res.features) {
    const attrs = Object.keys(f.attrs).length ? JSON.stringify(f.attrs) : null;
    // Measured again by apply; updated_at is stamped by the edit.
    const { area_m2: _a, perimeter_m: _p, updated_at: _u, ...fileValues } = f.properties;
    const fid = f.uuid ? existing.get(f.uuid) : undefined;
    if (fid === undefined) {
      adds.push({ geometry: f.geometry, properties: { status: UNREVIEWED_STATUS, ...f.properties, ...(f.uuid ? { uuid: f.uuid } : {}), source: f.source, attrs, ...over } });
      continue;
    }
    const old = project.features.get(fid)!;
    const moved = !sameGeometry(old.geometry, f.geometry, tol);
    updates.push({ fid, ...(moved ? { geometry: f.geometry } : {}), changes: { ...fileValues, ...(attrs !== null ? { attrs } : {}), ...over } });
  }
  const label = `Import ${res.features.length} landslides from ${basename(file)}${updates.length ? ` (${updates.length} already in the project, updated)` : ''}`;
  const r = project.tx(() => {
    if (!target) crsSet = project.adoptCrsIfUnset(res.crs);
    return project.apply({ label, kind: 'import', reason: 'import', adds, updates, updateExtent: true });
  }, label);
  return { ...res, fids: [...r.added, ...updates.map((u) => u.fid)], crsSet, added: r.added.length, updated: updates.length };
}

/**
 * The import request of the service API. `open`: the project the caller holds open, used when it is
 * `req.project`. A project file that does not exist is created for the import, and removed again when
 * the import fails.
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
  if (isOpenAt(open, path) || existsSync(path)) return withProject(req.project, open, work);
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
