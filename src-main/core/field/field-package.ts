/**
 * Field packages (issue 17): one self-contained GeoPackage for a field laptop, made from a project.
 *
 * The package is itself a Scarp project (its own project id): the landslides inside the area of
 * interest (all of them without one) with their uuids and every attribute, the project CRS, the event
 * metadata, the author and the model card's name. Its first edit (kind 'import') brings the
 * landslides in. Making it records a sync state in both files, with the same id and snapshot: the
 * common state a later merge of the package back (or of the project into the package) is three-way
 * against. The package is written aside and renamed into place, so a failure leaves no file.
 */
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Bounds } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { intersection } from '../edit/polygon-ops';
import { Project, withProject, type PlanAttrs, type StoredFeature, type SyncState } from '../store/project';
import { commitOutputs, discardOutputs, planOutput } from '../util/atomic-output';
import { multiPolygonArea, multiPolygonBounds, readPolygons, type FlatMultiPolygon } from '../vector';

export interface FieldPackageOptions {
  /** Polygons (GeoJSON, GeoPackage, Shapefile, KML) bounding what goes into the package. */
  aoi?: string;
  overwrite?: boolean;
}

export interface FieldPackageResult {
  out: string;
  /** The package's own project id. */
  projectId: string;
  /** The sync state both files now hold. */
  stateId: string;
  landslides: number;
  bytes: number;
}

/** Settings of the project copied into a package (who maps, which model the inventory came from). */
const COPIED_SETTINGS = ['author', 'model_name', 'model_card'];

function unionBounds(bs: Bounds[]): Bounds | null {
  if (bs.length === 0) return null;
  return bs.reduce((a, b) => ({ minX: Math.min(a.minX, b.minX), minY: Math.min(a.minY, b.minY), maxX: Math.max(a.maxX, b.maxX), maxY: Math.max(a.maxY, b.maxY) }));
}

/** The AOI's polygons in the project CRS, or a ScarpError naming the file. */
async function readAoi(path: string, project: Project): Promise<FlatMultiPolygon[]> {
  const crs = project.crs();
  if (!crs) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${project.path} has no coordinate system yet, so an area of interest cannot be placed in it.`, file: project.path, hint: 'Add a scene or import landslides first.' });
  const layer = await readPolygons(path, { crs });
  const polys = layer.features.map((f) => f.geometry).filter((g) => g.length > 0 && multiPolygonArea(g) > 0);
  if (polys.length === 0) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `The area of interest ${path} has no polygons.`, file: path, hint: 'Draw or export at least one polygon for the area the field team covers.' });
  return polys;
}

/** The landslides meeting the AOI (all of them without one), in fid order. */
export function featuresInAoi(project: Project, aoi: FlatMultiPolygon[] | null): StoredFeature[] {
  if (!aoi) {
    const out: StoredFeature[] = [];
    let after = 0;
    for (;;) {
      const page = project.listFeatures({ afterFid: after, limit: 10_000 });
      out.push(...page.features);
      if (page.nextAfterFid === null) return out;
      after = page.nextAfterFid;
    }
  }
  const box = unionBounds(aoi.map(multiPolygonBounds))!;
  const boxes = aoi.map(multiPolygonBounds);
  return project.features.allIn(box).filter((f) => {
    const fb = multiPolygonBounds(f.geometry);
    return aoi.some((a, i) => {
      const b = boxes[i]!;
      if (b.maxX < fb.minX || b.minX > fb.maxX || b.maxY < fb.minY || b.minY > fb.maxY) return false;
      return multiPolygonArea(intersection(f.geometry, a)) > 0;
    });
  });
}

/** Make a field package of the open project `project` at `out`. */
export async function packageProject(project: Project, out: string, opts: FieldPackageOptions = {}): Promise<FieldPackageResult> {
  const target = planOutput(out, ['.gpkg'], opts.overwrite === true, 'field package');
  const crs = project.crs();
  if (!crs) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${project.path} has no coordinate system and no landslides yet: there is nothing to package.`, file: project.path, hint: 'Add a scene or import landslides first.' });
  const aoi = opts.aoi ? await readAoi(opts.aoi, project) : null;
  const features = featuresInAoi(project, aoi);
  const stateId = randomUUID();
  let pkg: Project | null = null;
  try {
    pkg = Project.create(target.tempPath);
    const p = pkg;
    const projectId = p.projectId();
    p.adoptCrsIfUnset(crs);
    p.setEvent(project.event());
    const settings: Record<string, string> = { packaged_from: project.path, packaged_from_project_id: project.projectId(), packaged_at: new Date().toISOString() };
    for (const k of COPIED_SETTINGS) {
      const v = k === 'author' ? project.author() : project.setting(k);
      if (v !== null) settings[k] = v;
    }
    p.setSettings(settings);
    const adds = features.map((f) => {
      const { area_m2: _a, perimeter_m: _p, ...rest } = f.properties;
      return { geometry: f.geometry, properties: rest as PlanAttrs };
    });
    const at = new Date().toISOString();
    p.tx(() => {
      const r = p.apply({ label: `Field package of ${basename(project.path)}: ${adds.length} landslides`, kind: 'import', reason: 'field package', mapper: null, adds, updateExtent: true });
      const state: SyncState = { id: stateId, kind: 'package', peerProjectId: project.projectId(), peerPath: project.path, at, author: project.author(), editId: r.edit?.id ?? null, report: null };
      p.sync.record(state, p.sync.rows());
    }, 'making the field package');
    const snapshot = p.sync.rows();
    p.close();
    pkg = null;
    // The project holds the same state (the package's snapshot), tied to no edit of its own.
    project.tx(() => project.sync.record({ id: stateId, kind: 'package', peerProjectId: projectId, peerPath: target.finalPath, at, author: project.author(), editId: null, report: null }, snapshot), 'recording the field package');
    commitOutputs([target]);
    return { out: target.finalPath, projectId, stateId, landslides: features.length, bytes: statSync(target.finalPath).size };
  } catch (e) {
    pkg?.close();
    discardOutputs([target]);
    throw e;
  }
}

/** The package request of the service API: through the open project when it is `project`. */
export async function makeFieldPackage(req: { project: string; out: string; aoi?: string; overwrite?: boolean }, open?: Project | null): Promise<FieldPackageResult> {
  return withProject(req.project, open, (p) => packageProject(p, req.out, { aoi: req.aoi, overwrite: req.overwrite }));
}
