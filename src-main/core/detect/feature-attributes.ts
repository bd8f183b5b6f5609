/**
 * The raster attributes of a landslide drawn or edited by hand (probability, confidence, slope,
 * elevation, aspect, DEM coverage), measured by the same code as a detection's polygons: the
 * polygon rasterised by pixel centre on the grid of the scene's detection run (the pixels a
 * predicted polygon is made of), the run's stored 8-bit probability tiles under it, the terrain of
 * the run's DEM on that grid (AttributeBands), accumulated by StatsTable and turned into fields by
 * computeAttributes. A polygon made of a run's pixels gets exactly the attributes the run gave it.
 *
 * Reading the DEM is asynchronous and `Project.apply` is not, so the service measures after the edit
 * and applies the result as a plan that amends that same journal edit (EditPlan.amend): one undo
 * takes back the geometry and its attributes together.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { Grid, Window } from '../../../src-shared/geo';
import { pixelBox, windowGeoTransform } from '../geo';
import { openRaster, type RasterSource } from '../raster';
import { dequantise, RASTER_TILE_SIZE, type EditPlan, type PlanAttrs, type Project, type RunRecord, type SceneRecord } from '../store/project';
import { computeAttributes } from '../vector/attributes';
import { polygonConfidence } from '../vector/confidence';
import { multiPolygonBounds, sameGeometry, type FlatMultiPolygon } from '../vector/geometry';
import { StatsTable, type ValueRows } from '../vector/pixel-stats';
import { PolygonRasterizer } from '../vector/rasterize';
import { AttributeBands } from './attribute-bands';
import { runDemPath } from './project-run';

/** The fields measured from the rasters (area and perimeter are measured by apply). */
export type RasterAttrs = Pick<PlanAttrs, 'prob_mean' | 'prob_max' | 'confidence' | 'slope_mean' | 'elev_min' | 'elev_max' | 'aspect_mean' | 'dem_coverage'>;

export interface MeasuredFeature {
  fid: number;
  /** The geometry measured (the plan applies only while the feature still has it). */
  geometry: FlatMultiPolygon;
  attrs: RasterAttrs;
}

export interface Measured {
  features: MeasuredFeature[];
  /** Why attributes are empty where they are (no detection run under a landslide, no DEM, …). */
  notes: string[];
}

interface Source {
  scene: SceneRecord;
  run: RunRecord | null;
  /** Grid measured on: the run's (the work grid over its region), else the scene's own. */
  grid: Grid;
  dem: string | null;
}

const NO_TERRAIN = { slope_mean: null, elev_min: null, elev_max: null, aspect_mean: null, dem_coverage: null } as const;

function intersects(a: { minX: number; minY: number; maxX: number; maxY: number }, b: typeof a): boolean {
  return a.minX < b.maxX && b.minX < a.maxX && a.minY < b.maxY && b.minY < a.maxY;
}

/** The pixel window of `grid` under a geometry (clamped; empty when it misses the grid). */
function windowUnder(grid: Grid, mp: FlatMultiPolygon): Window {
  const b = pixelBox(grid.geoTransform, multiPolygonBounds(mp));
  const x0 = Math.max(0, b.x0);
  const y0 = Math.max(0, b.y0);
  return { x: x0, y: y0, width: Math.max(0, Math.min(grid.width, b.x1) - x0), height: Math.max(0, Math.min(grid.height, b.y1) - y0) };
}

/**
 * Where a landslide's rasters come from: its scene (else the first scene in the project CRS under it),
 * its run when that run is finished and covers it (else the scene's latest finished run that does),
 * and that run's DEM (else the scene's DEM layer).
 */
function sourceOf(p: Project, mp: FlatMultiPolygon, props: { scene: string | null; run: string | null }, notes: string[], label: string): Source | null {
  const crs = p.crs();
  if (!crs) return null;
  const inCrs = p.scenes.list().filter((s) => s.srsId === null || s.srsId === p.srsId());
  const b = multiPolygonBounds(mp);
  const scene = inCrs.find((s) => s.id === props.scene && intersects(s.bounds, b)) ?? inCrs.find((s) => intersects(s.bounds, b));
  if (!scene) {
    notes.push(`${label}: no probability or terrain attributes: it lies on no scene of the project in the project's CRS.`);
    return null;
  }
  const done = p.runs.list(scene.id).filter((r) => r.status === 'done');
  const runGrid = (r: RunRecord): Grid => ({ width: r.grid.width, height: r.grid.height, geoTransform: r.grid.geoTransform, crs });
  const covers = (r: RunRecord): boolean => {
    const w = windowUnder(runGrid(r), mp);
    return w.width > 0 && w.height > 0;
  };
  const run = done.find((r) => r.id === props.run && covers(r)) ?? done.find(covers) ?? null;
  const dem = (run ? runDemPath(p, run) : undefined) ?? p.scenes.demOf(scene.id)?.path ?? null;
  return { scene, run, grid: run ? runGrid(run) : { width: scene.width, height: scene.height, geoTransform: scene.geoTransform, crs }, dem };
}

/** Measure one geometry on its source: pixel statistics accumulated band by band of rows. */
async function measure(mp: FlatMultiPolygon, src: Source, dem: RasterSource | null, p: Project): Promise<{ attrs: RasterAttrs; pixels: number; probPixels: boolean }> {
  const win = windowUnder(src.grid, mp);
  const stats = new StatsTable();
  stats.ensure(1);
  if (win.width > 0 && win.height > 0) {
    const raster = new PolygonRasterizer([mp], { width: win.width, height: win.height, geoTransform: windowGeoTransform(src.grid.geoTransform, win) });
    const terrain = dem ? new AttributeBands(dem, src.grid, win) : null;
    for (let y = 0; y < win.height; y += RASTER_TILE_SIZE) {
      const rows = Math.min(RASTER_TILE_SIZE, win.height - y);
      const mask = raster.rasterizeRows(y, rows);
      const values: ValueRows = terrain ? ((await terrain.readUnder(y, rows, mask)) ?? {}) : {};
      if (src.run) {
        const q = p.runs.readProbability(src.run.id, { x: win.x, y: win.y + y, width: win.width, height: rows });
        const prob = new Float32Array(q.length);
        for (let k = 0; k < q.length; k++) prob[k] = dequantise(q[k]!);
        values.probability = prob;
      }
      for (let j = 0; j < rows; j++) {
        const o = j * win.width;
        for (let x = 0; x < win.width; ) {
          if (mask[o + x] === 0) {
            x++;
            continue;
          }
          const x0 = x;
          while (x < win.width && mask[o + x] !== 0) x++;
          stats.count[0] += x - x0;
          stats.accumulate(0, values, o + x0, x - x0);
        }
      }
    }
  }
  const s = stats.get(0);
  const a = computeAttributes(mp, s, src.grid.crs);
  const attrs: RasterAttrs = {
    prob_mean: a.prob_mean,
    prob_max: a.prob_max,
    ...(a.prob_mean !== null ? { confidence: polygonConfidence(a.prob_mean) } : {}),
    ...(dem ? { slope_mean: a.slope_mean, elev_min: a.elev_min, elev_max: a.elev_max, aspect_mean: a.aspect_mean, dem_coverage: a.dem_coverage } : NO_TERRAIN),
  };
  return { attrs, pixels: s.pixelCount, probPixels: a.prob_mean !== null };
}

/**
 * The raster attributes of the landslides `fids` as they are now (those gone are skipped). Where a
 * landslide has no prediction under it the probability is null, its confidence left as it is (an
 * operator's own); with no DEM the terrain fields are null; `notes` says why.
 */
export async function measureFeatures(p: Project, fids: Iterable<number>): Promise<Measured> {
  const notes: string[] = [];
  const out: MeasuredFeature[] = [];
  const dems = new Map<string, RasterSource | null>();
  const demOf = async (path: string | null, label: string): Promise<RasterSource | null> => {
    if (!path) return null;
    if (!dems.has(path)) {
      if (!existsSync(path)) {
        notes.push(`${label}: no terrain attributes: the DEM ${path} is missing (relink it).`);
        return null;
      }
      dems.set(path, await openRaster(path));
    }
    return dems.get(path) ?? null;
  };
  try {
    for (const f of p.features.many(new Set(fids))) {
      const label = `Landslide ${f.fid}`;
      const src = sourceOf(p, f.geometry, { scene: f.properties.scene ?? null, run: f.properties.run ?? null }, notes, label);
      if (!src) {
        out.push({ fid: f.fid, geometry: f.geometry, attrs: { prob_mean: null, prob_max: null, ...NO_TERRAIN } });
        continue;
      }
      const dem = await demOf(src.dem, label);
      const m = await measure(f.geometry, src, dem, p);
      if (m.pixels === 0) notes.push(`${label}: no probability or terrain attributes: it covers no pixel centre of scene ${src.scene.name}.`);
      else {
        if (!src.run) notes.push(`${label}: no probability: scene ${src.scene.name} has no finished detection run under it.`);
        else if (!m.probPixels) notes.push(`${label}: no probability: the detection run ${src.run.id.slice(0, 8)} has no prediction under it.`);
        if (!src.dem) notes.push(`${label}: no terrain attributes: scene ${src.scene.name} has no DEM (${basename(src.scene.path)}).`);
      }
      out.push({ fid: f.fid, geometry: f.geometry, attrs: m.attrs });
    }
  } finally {
    for (const d of dems.values()) await d?.close();
  }
  return { features: out, notes };
}


/**
 * The plan writing measured attributes into edit `editId` (EditPlan.amend), for the landslides that
 * still have the geometry they were measured with (call right before applying: no await between).
 */
export function attributesPlan(p: Project, m: Measured, editId: number | undefined, label: string): EditPlan {
  const updates = m.features.filter((f) => {
    const now = p.features.get(f.fid);
    return now !== null && sameGeometry(now.geometry, f.geometry);
  });
  return { label, kind: 'update', reason: 'attributes', mapper: null, updates: updates.map((f) => ({ fid: f.fid, changes: f.attrs })), ...(editId !== undefined ? { amend: editId } : {}) };
}
