/**
 * The bridge between a project (issue 4's store) and the pure exporters/importers: the inventory
 * as export features (with import provenance), a run's probability as a raster row source
 * (8-bit prediction tiles dequantised), and import of a file into the project's inventory through
 * its journal (one undoable edit).
 *
 * Import provenance lives in the landslides columns `source` (file[:layer]) and `attrs` (JSON of
 * the fields that have no landslides column), written by the import's journal edit like every other
 * attribute, so undo/redo carry it.
 */
import { basename } from 'node:path';
import type { CrsInfo, Grid } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { UNREVIEWED_STATUS, type LandslideStatus, type LandslideType } from '../../../src-shared/vocabulary';
import type { PlanAttrs, PlannedAdd, PlannedUpdate, Project } from '../store/project';
import { dequantise, NODATA_U8 } from '../store/project/raster-tiles';
import { RASTER_TILE_SIZE } from '../store/project/schema';
import type { RunRecord } from '../store/project';
import { readInventoryFile, type ImportResult } from '../import/import-inventory';
import { crsFromEpsg } from '../raster/crs';
import { multiPolygonBounds, type FlatMultiPolygon } from '../vector/geometry';
import type { Inventory, InventoryFeature } from './inventory';
import type { RasterRowSource } from './cog';

function projectCrs(project: Project) {
  const crs = project.crs();
  if (!crs) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${project.path} has no CRS yet (no scene and no landslides).`, hint: 'Add a scene, run a detection or import an inventory first.' });
  return crs;
}

/** The project's inventory (paged reads; the array holds what the exporters need). */
export function inventoryFromProject(project: Project, run?: RunRecord | null): Inventory {
  const crs = projectCrs(project);
  const features: InventoryFeature[] = [];
  let after: number | undefined;
  for (;;) {
    const page = project.listFeatures({ afterFid: after, limit: 2000 });
    for (const f of page.features) features.push({ fid: f.fid, geometry: f.geometry, record: f.properties });
    if (page.nextAfterFid === null || page.features.length === 0) break;
    after = page.nextAfterFid;
  }
  const r = run ?? latestRun(project);
  const ev = project.event();
  return {
    crs,
    features,
    meta: { projectName: basename(project.path), eventName: ev.name, modelId: r?.modelId ?? null, modelName: r?.modelName ?? null, runId: r?.id ?? null, runStartedAt: r?.startedAt ?? null, threshold: r?.threshold ?? null, provider: r?.provider ?? null },
  };
}

export function latestRun(project: Project, runId?: string): RunRecord | null {
  if (runId) {
    const r = project.runs.get(runId);
    if (!r) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Run ${runId} is not in ${project.path}.` });
    return r;
  }
  return project.runs.list().find((r) => r.status === 'done') ?? null;
}

/** A run's probability (dequantised 8-bit tiles; NaN where no tile or no data). */
export function probabilityFromProject(project: Project, run: RunRecord): RasterRowSource {
  const crs = projectCrs(project);
  const { width, height, geoTransform } = run.grid;
  const grid: Grid = { width, height, geoTransform, crs };
  const T = RASTER_TILE_SIZE;
  const lut = new Float32Array(256);
  for (let q = 0; q < 256; q++) lut[q] = q === NODATA_U8 ? NaN : dequantise(q);
  // One tile row of the run's quantised probability at a time, read through the store.
  let bandRow = -1;
  let band: Uint8Array = new Uint8Array(0);
  return {
    grid,
    read(y, n) {
      const out = new Float32Array(n * width);
      for (let r = 0; r < n; r++) {
        const gy = y + r;
        const tr = Math.floor(gy / T);
        if (tr !== bandRow) {
          band = project.runs.readProbability(run.id, { x: 0, y: tr * T, width, height: Math.min(T, height - tr * T) });
          bandRow = tr;
        }
        const src = (gy - tr * T) * width;
        for (let x = 0; x < width; x++) out[r * width + x] = lut[band[src + x]!]!;
      }
      return out;
    },
  };
}

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
  const lon = (minX + maxX) / 2;
  const lat = (minY + maxY) / 2;
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lat) > 84 || Math.abs(lon) > 180) return layer.crs;
  const zone = Math.min(60, Math.floor((lon + 180) / 6) + 1);
  return crsFromEpsg((lat >= 0 ? 32600 : 32700) + zone);
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
