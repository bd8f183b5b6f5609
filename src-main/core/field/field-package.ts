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
import { statfsSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { PackagedRaster, PackageRequest, PackageResponse } from '../../../src-shared/api';
import { createTransformer, WGS84 } from '../geo';
import type { Bounds, Grid, Window } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { overlapArea } from '../edit/polygon-ops';
import { addPictureTiles, addProbabilityCoverageTo, type PictureRowSource } from '../export/gpkg-raster';
import { latestRun, probabilityFromProject } from '../export/project-export';
import type { RasterRowSource } from '../export/cog';
import { pixelBox } from '../geo';
import { openDem, openRaster, terrainBand, type RasterSource } from '../raster';
import { Project, withProject, type PlannedEvidence, type PlanAttrs, type SceneRecord, type StoredFeature, type SyncState } from '../store/project';
import { commitOutputs, discardOutputs, planOutput } from '../util/atomic-output';
import { ANY_STORED_PATH, checkStoredPaths, type StoredPathCheck } from '../util/stored-paths';
import { multiPolygonArea, multiPolygonBounds, readPolygons, type FlatMultiPolygon } from '../vector';
import { fromPolygonCoords, mapCoords, orientMultiPolygon, toPolygonCoords } from '../vector/geometry';

export type AoiPolygon = NonNullable<PackageRequest['aoiPolygon']>;

export interface FieldPackageOptions {
  /** Polygons (GeoJSON, GeoPackage, Shapefile, KML) bounding what goes into the package. */
  aoi?: string;
  /** Or a polygon in WGS 84 longitude/latitude (the map's view, or one drawn on it). */
  aoiPolygon?: AoiPolygon;
  /** Which rasters go in (default: all there are). */
  rasters?: ReadonlyArray<PackagedRaster['kind']>;
  /** Estimate only: nothing is written, no state recorded. */
  dryRun?: boolean;
  /** Ground resolution (m) of the packaged imagery and hillshade: coarser than the scene's makes a smaller package. */
  imageryGsd?: number;
  overwrite?: boolean;
  /** Free bytes on the disk of the output (tests); default: the file system's. */
  freeBytes?: (dir: string) => number;
  /** Which files the project names may be read (browser mode: the allowed folders). */
  storedPaths?: StoredPathCheck;
}

export type { PackagedRaster, PackageResponse as FieldPackageResult };

/**
 * What the packaged imagery is for: viewing and review in the field. It is 8-bit, contrast-stretched
 * and may be resampled, and it is not a scene: detection and learning from corrections never read
 * it (they need the original imagery added to the project as a scene).
 */
export const PACKAGED_IMAGERY_USE = 'viewing and review only: 8-bit, stretched, possibly resampled; not for detection or adaptation';

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

/** A polygon given in WGS 84 (the map's view or one drawn on it), in the project CRS. */
function aoiFromPolygon(g: AoiPolygon, project: Project): FlatMultiPolygon[] {
  const crs = project.crs();
  if (!crs) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${project.path} has no coordinate system yet, so an area of interest cannot be placed in it.`, file: project.path, hint: 'Add a scene or import landslides first.' });
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  for (const ring of polys.flat())
    for (const [lon, lat] of ring as number[][])
      if (!(Math.abs(lon!) <= 180 && Math.abs(lat!) <= 90))
        throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `The area of interest has a corner at ${lon}, ${lat}, which is not a longitude and latitude.`, hint: 'Draw the area again on the map.', params: { lon: lon!, lat: lat! } });
  const t = createTransformer(WGS84, crs);
  const mp = orientMultiPolygon(mapCoords(polys.map((p) => fromPolygonCoords(p)), (x, y) => t.forward(x, y)));
  if (!(multiPolygonArea(mp) > 0)) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'The area of interest has no area (fewer than three distinct corners).', hint: 'Draw the area again with at least three corners.' });
  return [mp];
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
      return overlapArea(f.geometry, a) > 0;
    });
  });
}

/** A raster to package: its grid, how to read it, and an estimate of its bytes. */
interface RasterPlan {
  table: string;
  kind: PackagedRaster['kind'];
  source: string;
  grid: Grid;
  estimate: number;
  write(path: string): Promise<number>;
  close(): Promise<void>;
}

/** The window of `grid` under `bounds` (the whole grid without bounds), or null when they do not meet. */
function windowOf(grid: { width: number; height: number; geoTransform: Grid['geoTransform'] }, bounds: Bounds | null): Window | null {
  if (!bounds) return { x: 0, y: 0, width: grid.width, height: grid.height };
  const b = pixelBox(grid.geoTransform, bounds);
  const x0 = Math.max(0, b.x0);
  const y0 = Math.max(0, b.y0);
  const x1 = Math.min(grid.width, b.x1);
  const y1 = Math.min(grid.height, b.y1);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
}

/** The grid of `win` of `grid`, every `f` pixels averaged into one. */
function reducedGrid(grid: Grid, win: Window, f: number): Grid {
  const gt = grid.geoTransform;
  return {
    width: Math.ceil(win.width / f),
    height: Math.ceil(win.height / f),
    geoTransform: [gt[0] + win.x * gt[1], gt[1] * f, 0, gt[3] + win.y * gt[5], 0, gt[5] * f],
    crs: grid.crs,
  };
}

const stretch = (v: number, lo: number, hi: number): number => (hi > lo ? Math.max(0, Math.min(255, Math.round(((v - lo) / (hi - lo)) * 255))) : 128);

/** The imagery of a scene (and the hillshade of its DEM) inside `bounds`, at `gsd` or the scene's own. */
async function scenePlans(project: Project, scene: SceneRecord, bounds: Bounds | null, gsd: number | undefined, n: number, warnings: string[]): Promise<RasterPlan[]> {
  if (project.scenes.state(scene) !== 'ok') {
    warnings.push(`The imagery ${scene.path} is not where the project expects it (or changed); the package has no picture of scene ${scene.name}.`);
    return [];
  }
  const src = await openRaster(scene.path);
  const info = src.info;
  const grid: Grid = { width: info.width, height: info.height, geoTransform: info.geoTransform, crs: info.crs };
  const projectCrs = project.crs();
  const sameCrs = !!projectCrs && (projectCrs.proj4 === info.crs.proj4 || (projectCrs.epsg !== null && projectCrs.epsg === info.crs.epsg));
  const win = windowOf(grid, sameCrs ? bounds : null);
  if (!win) {
    await src.close();
    return [];
  }
  const own = Math.abs(info.geoTransform[1]);
  const f = gsd && gsd > own ? Math.max(1, Math.round(gsd / own)) : 1;
  const out = reducedGrid(grid, win, f);
  const stats = scene.bandStats;
  const rgb = info.bandCount >= 3;
  const bands = rgb ? [0, 1, 2] : [0];
  const readRows = async (s: RasterSource, y: number, k: number): Promise<Float32Array[]> => {
    const sy = win.y + y * f;
    const sh = Math.min(k * f, win.y + win.height - sy);
    const w: Window = { x: win.x, y: sy, width: win.width, height: sh };
    return f === 1 ? s.readWindow(w, bands) : s.readWindowResampled(w, out.width, k, bands);
  };
  // One stretch for the three bands (2nd to 98th percentile over all of them): the hues stay as they are.
  const lo0 = Math.min(...bands.map((b) => stats[b]?.p2 ?? 0));
  const hi0 = Math.max(...bands.map((b) => stats[b]?.p98 ?? 255));
  const lo = bands.map(() => lo0);
  const hi = bands.map(() => hi0);
  const picture: PictureRowSource = {
    grid: out,
    bands: bands.length,
    read: (y, k) => readRows(src, y, k),
    rgba(v, o, at) {
      if (Array.prototype.some.call(v, (x: number) => Number.isNaN(x))) {
        o[at] = o[at + 1] = o[at + 2] = o[at + 3] = 0;
        return;
      }
      const r = stretch(v[0]!, lo[0]!, hi[0]!);
      o[at] = r;
      o[at + 1] = rgb ? stretch(v[1]!, lo[1]!, hi[1]!) : r;
      o[at + 2] = rgb ? stretch(v[2]!, lo[2]!, hi[2]!) : r;
      o[at + 3] = 255;
    },
  };
  // PNG of imagery: about 3 bytes a pixel, a third more for the pyramid.
  const plans: RasterPlan[] = [
    {
      table: `imagery_${n}`,
      kind: 'imagery',
      source: scene.path,
      grid: out,
      estimate: Math.ceil(out.width * out.height * 4),
      write: async (path) => (await addPictureTiles(path, picture, { table: `imagery_${n}`, identifier: `Imagery: ${scene.name}`, description: `${scene.name}, ${PACKAGED_IMAGERY_USE}` })).tiles,
      close: () => src.close(),
    },
  ];
  // The scene's DEM as the app opens it (the one used or chosen last: SceneStore.demOf), not the first ever recorded.
  const demPath = project.scenes.demOf(scene.id)?.path ?? null;
  if (demPath) {
    const dem = { path: demPath };
    try {
      const demSrc = await openDem(dem.path);
      const shade = terrainBand(demSrc, 'hillshade', out);
      plans.push({
        table: `hillshade_${n}`,
        kind: 'hillshade',
        source: dem.path,
        grid: out,
        estimate: Math.ceil(out.width * out.height * 2),
        write: async (path) =>
          (
            await addPictureTiles(
              path,
              {
                grid: out,
                bands: 1,
                read: async (y, k) => [await shade.readWindow({ x: 0, y, width: out.width, height: k })],
                rgba(v, o, at) {
                  const x = v[0]!;
                  const g = Number.isNaN(x) || x <= 0 ? -1 : Math.max(1, Math.min(255, Math.round(x)));
                  o[at] = o[at + 1] = o[at + 2] = g < 0 ? 0 : g;
                  o[at + 3] = g < 0 ? 0 : 255;
                },
              },
              { table: `hillshade_${n}`, identifier: `Hillshade: ${basename(dem.path)}`, description: `Hillshade of ${basename(dem.path)} on the packaged imagery grid` },
            )
          ).tiles,
        close: () => demSrc.close(),
      });
    } catch (e) {
      warnings.push(`The DEM ${dem.path} could not be read (${(e as Error).message}); the package has no hillshade of scene ${scene.name}.`);
    }
  }
  return plans;
}

/** The latest finished run's probability inside `bounds`, at its own resolution. */
function probabilityPlan(project: Project, bounds: Bounds | null): RasterPlan | null {
  // A model's probability only: a change run's strength is not a probability (vocabulary.ts runLayerKind).
  const run = latestRun(project, undefined, 'probability');
  if (!run) return null;
  const full = probabilityFromProject(project, run);
  const win = windowOf(full.grid, bounds);
  if (!win) return null;
  const grid = reducedGrid(full.grid, win, 1);
  const src: RasterRowSource = {
    grid,
    async read(y, k) {
      const rows = await full.read(win.y + y, k);
      const out = new Float32Array(k * win.width);
      for (let r = 0; r < k; r++) out.set(rows.subarray(r * full.grid.width + win.x, r * full.grid.width + win.x + win.width) as Float32Array, r * win.width);
      return out;
    },
  };
  return {
    table: 'probability',
    kind: 'probability',
    source: run.id,
    grid,
    estimate: Math.ceil(grid.width * grid.height * 1.5),
    write: async (path) => (await addProbabilityCoverageTo(path, src, { table: 'probability', identifier: 'Landslide probability', description: `Run ${run.id} (model ${run.modelName ?? run.modelId})` })).tiles,
    close: async () => undefined,
  };
}

function megabytes(n: number): string {
  return `${(n / 2 ** 20).toFixed(n < 10 * 2 ** 20 ? 1 : 0)} MB`;
}

/** Make a field package of the open project `project` at `out`. */
export async function packageProject(project: Project, out: string, opts: FieldPackageOptions = {}): Promise<PackageResponse> {
  const target = planOutput(out, ['.gpkg'], opts.overwrite === true, 'field package');
  const crs = project.crs();
  if (!crs) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${project.path} has no coordinate system and no landslides yet: there is nothing to package.`, file: project.path, hint: 'Add a scene or import landslides first.' });
  if (opts.imageryGsd !== undefined && !(opts.imageryGsd > 0)) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `The imagery resolution must be a positive number of metres, got ${opts.imageryGsd}.`, options: ['imagery-gsd'] });
  if (opts.aoi && opts.aoiPolygon) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'Give the area of interest either as a file or as a polygon, not both.', options: ['aoi'] });
  const aoi = opts.aoi ? await readAoi(opts.aoi, project) : opts.aoiPolygon ? aoiFromPolygon(opts.aoiPolygon, project) : null;
  const kinds = new Set(opts.rasters ?? ['imagery', 'hillshade', 'probability']);
  const bounds = aoi ? unionBounds(aoi.map(multiPolygonBounds)) : null;
  const features = featuresInAoi(project, aoi);
  const warnings: string[] = [];
  const plans: RasterPlan[] = [];
  const scenes = project.scenes.list();
  // The imagery and DEMs it reads are named by the project, not the request.
  checkStoredPaths(opts.storedPaths ?? ANY_STORED_PATH, [...scenes.map((s) => s.path), ...project.scenes.layers().filter((l) => l.kind === 'dem').map((l) => l.path)]);
  for (let i = 0; i < scenes.length; i++) {
    if (!kinds.has('imagery') && !kinds.has('hillshade')) break;
    for (const plan of await scenePlans(project, scenes[i]!, bounds, opts.imageryGsd, i + 1, warnings)) {
      if (kinds.has(plan.kind)) plans.push(plan);
      // The hillshade reads its own DEM source, so an imagery plan left out can close its file now.
      else await plan.close();
    }
  }
  const prob = kinds.has('probability') ? probabilityPlan(project, bounds) : null;
  if (prob) plans.push(prob);
  // The size before writing: the landslides as stored, the rasters by their pixels, 1 MB of tables.
  let featureBytes = 0;
  for (const f of features) for (const p of f.geometry) for (const r of p) featureBytes += r.length * 8 + 16;
  // Field evidence of the packaged landslides travels with them (photos as stored).
  const evidence = project.evidence.list({ landslideUuids: features.map((f) => f.properties.uuid), data: true });
  const evidenceBytes = evidence.reduce((s, e) => s + (e.data?.length ?? 0) + 1000, 0);
  const estimatedBytes = 2 ** 20 + featureBytes * 2 + features.length * 400 + evidenceBytes + plans.reduce((s, p) => s + p.estimate, 0);
  const dir = dirname(target.finalPath);
  const free = opts.freeBytes ? opts.freeBytes(dir) : (() => {
    const st = statfsSync(dir);
    return st.bavail * st.bsize;
  })();
  if (opts.dryRun) {
    await Promise.all(plans.map((p) => p.close()));
    const rasters = plans.map((p) => ({ table: p.table, kind: p.kind, source: p.source, width: p.grid.width, height: p.grid.height, gsd: Math.abs(p.grid.geoTransform[1]), tiles: 0, estimatedBytes: p.estimate }));
    return { out: target.finalPath, dryRun: true, projectId: null, stateId: null, landslides: features.length, evidence: evidence.length, rasters, estimatedBytes, bytes: 0, freeBytes: free, warnings };
  }
  if (estimatedBytes > free) {
    await Promise.all(plans.map((p) => p.close()));
    throw new ScarpError({
      code: 'DISK_FULL',
      message: `The field package ${target.finalPath} needs about ${megabytes(estimatedBytes)}, but the disk holding ${dir} has ${megabytes(free)} free; nothing was written.`,
      hint: 'Free some space or write to another disk; a smaller area of interest or a coarser imagery resolution makes a smaller package.',
      file: target.finalPath,
      params: { estimatedBytes, freeBytes: free },
      options: ['aoi', 'imagery-gsd'],
    });
  }
  const stateId = randomUUID();
  const evidenceUuids = evidence.map((e) => e.record.uuid);
  let pkg: Project | null = null;
  const rasters: PackagedRaster[] = [];
  try {
    pkg = Project.create(target.tempPath);
    const p = pkg;
    const projectId = p.projectId();
    p.adoptCrsIfUnset(crs);
    p.setEvent(project.event());
    const settings: Record<string, string> = {
      packaged_from: project.path,
      packaged_from_project_id: project.projectId(),
      packaged_at: new Date().toISOString(),
      field_package: 'true',
      packaged_imagery_use: PACKAGED_IMAGERY_USE,
      // The area the package covers (the AOI's polygons in the project CRS), or all of the project.
      packaged_aoi: JSON.stringify(aoi ? { file: opts.aoi ?? null, type: 'MultiPolygon', coordinates: aoi.flatMap((mp) => mp.map((p) => toPolygonCoords(p))) } : null),
    };
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
      const evidenceAdds: PlannedEvidence[] = evidence.map((e) => {
        const { id: _id, ...record } = e.record;
        return { kind: e.kind, record, ...(e.data ? { data: e.data } : {}) };
      });
      const r = p.apply({
        label: `Field package of ${basename(project.path)}: ${adds.length} landslides`,
        kind: 'import',
        reason: 'field package',
        mapper: null,
        adds,
        ...(evidenceAdds.length ? { evidence: { add: evidenceAdds } } : {}),
        updateExtent: true,
      });
      const state: SyncState = { id: stateId, kind: 'package', peerProjectId: project.projectId(), peerPath: project.path, at, author: project.author(), editId: r.edit?.id ?? null, report: null, evidence: evidenceUuids };
      p.sync.record(state, p.sync.rows());
    }, 'making the field package');
    const snapshot = p.sync.rows();
    p.close();
    pkg = null;
    // The rasters, each its own table (written into the closed package file).
    for (const plan of plans) {
      const tiles = await plan.write(target.tempPath);
      rasters.push({ table: plan.table, kind: plan.kind, source: plan.source, width: plan.grid.width, height: plan.grid.height, gsd: Math.abs(plan.grid.geoTransform[1]), tiles, estimatedBytes: plan.estimate });
    }
    // The project holds the same state (the package's snapshot), tied to no edit of its own.
    project.tx(() => project.sync.record({ id: stateId, kind: 'package', peerProjectId: projectId, peerPath: target.finalPath, at, author: project.author(), editId: null, report: null, evidence: evidenceUuids }, snapshot), 'recording the field package');
    commitOutputs([target]);
    return { out: target.finalPath, dryRun: false, projectId, stateId, landslides: features.length, evidence: evidence.length, rasters, estimatedBytes, bytes: statSync(target.finalPath).size, freeBytes: free, warnings };
  } catch (e) {
    pkg?.close();
    discardOutputs([target]);
    throw e;
  } finally {
    await Promise.all(plans.map((p) => p.close().catch(() => undefined)));
  }
}

/** The package request of the service API: through the open project when it is `project`. */
export async function makeFieldPackage(req: PackageRequest, open?: Project | null, storedPaths?: StoredPathCheck): Promise<PackageResponse> {
  return withProject(req.project, open, (p) =>
    packageProject(p, req.out, { aoi: req.aoi, aoiPolygon: req.aoiPolygon, rasters: req.rasters, dryRun: req.dryRun, imageryGsd: req.imageryGsd, overwrite: req.overwrite, storedPaths }),
  );
}
