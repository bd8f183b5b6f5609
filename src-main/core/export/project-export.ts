/**
 * The bridge between a project (issue 4's store) and the pure exporters: the inventory as export
 * features (with import provenance), and a run's probability as a raster row source (8-bit
 * prediction tiles dequantised). Import into a project is import/project-import.ts.
 */
import { basename } from 'node:path';
import type { Grid } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { runLayerKind, type RunLayerKind } from '../../../src-shared/vocabulary';
import type { Project } from '../store/project';
import { dequantise, NODATA_U8 } from '../store/project/raster-tiles';
import { RASTER_TILE_SIZE } from '../store/project/schema';
import type { RunRecord } from '../store/project';
import type { Inventory, InventoryFeature, InventoryMeta } from './inventory';
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
  return { crs, features, meta: { ...projectMeta(project, run), layerKinds: runKindsOf(project, features) } };
}

/** The kinds of the runs the features were detected by (drawn and imported landslides have none). */
function runKindsOf(project: Project, features: readonly InventoryFeature[]): RunLayerKind[] {
  const kinds = new Set<RunLayerKind>();
  const seen = new Set<string>();
  for (const f of features) {
    const id = f.record.run;
    if (typeof id !== 'string' || seen.has(id)) continue;
    seen.add(id);
    const r = project.runs.get(id);
    if (r) kinds.add(runLayerKind(r.modelId));
  }
  return [...kinds];
}

/** What an export records of the project and its run (provenance.ts). */
export function projectMeta(project: Project, run?: RunRecord | null): InventoryMeta {
  const r = run ?? latestRun(project);
  const ev = project.event();
  const scenes = project.scenes.list();
  return {
    projectName: basename(project.path),
    eventName: ev.name,
    eventDate: ev.date,
    eventTrigger: ev.trigger,
    imagerySource: ev.imagerySource,
    imageryDate: ev.imageryDate,
    scenes: scenes.map((s) => ({ name: s.name, role: s.role, date: s.acquired })),
    modelId: r?.modelId ?? null,
    modelName: r?.modelName ?? null,
    modelSha256: r?.modelSha256 ?? null,
    runId: r?.id ?? null,
    runStartedAt: r?.startedAt ?? null,
    threshold: r?.threshold ?? null,
    provider: r?.provider ?? null,
  };
}

/**
 * The run named, else the latest finished one (of the layer kind asked for: a model's probability or
 * an index method's change strength, vocabulary.ts runLayerKind).
 */
export function latestRun(project: Project, runId?: string, layer?: RunLayerKind): RunRecord | null {
  if (runId) {
    const r = project.runs.get(runId);
    if (!r) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Run ${runId} is not in ${project.path}.` });
    return r;
  }
  return project.runs.list().find((r) => r.status === 'done' && (layer === undefined || runLayerKind(r.modelId) === layer)) ?? null;
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
