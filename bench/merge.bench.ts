/**
 * Merging a field package back (issue 17): a project of 10,000 landslides (16-vertex polygons, UTM
 * 45N) is packaged; the project and the package then make 1,000 changes each (200 new, of which 50
 * are the same landslides mapped on both sides; 200 deleted; 300 reshaped; 300 re-statused, of which
 * 100 are the same landslides decided differently: conflicts), and the package is merged back.
 * The aim (issue 17): the merge takes ≤ 5 s. Timed: the package, a dry run, the merge (read the
 * other file, reconcile three-way, one journal edit with the sync state), and undoing it.
 * Prints {"landslides", "changesEachSide", "packageSeconds", "dryRunSeconds", "mergeSeconds",
 * "undoSeconds", "applied", "conflicts", "matchedByGeometry", "aimSeconds"}, with the CPU seconds of
 * each step and the load average: on a loaded machine the wall-clock figures mostly measure waiting.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot } from '../src-main/core/paths';
import { crsFromEpsg } from '../src-main/core/raster';
import { Project, type PlannedAdd, type PlannedUpdate } from '../src-main/core/store/project';
import { packageProject } from '../src-main/core/field/field-package';
import { mergeIntoProject } from '../src-main/core/merge/merge-projects';
import type { FlatMultiPolygon } from '../src-main/core/vector/geometry';
import { isMain, round3 } from './lib/timing';

const N = 10_000;

/** CPU seconds (user + system, this process) since `c0`: on a loaded machine wall time mostly measures waiting. */
function cpuSince(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}
const X0 = 500_000;
const Y0 = 3_300_000;
const STRIDE = 40;

/** A 16-vertex polygon of radius r around (cx, cy). */
function blob(cx: number, cy: number, r: number): FlatMultiPolygon {
  const ring = new Float64Array(17 * 2);
  for (let k = 0; k <= 16; k++) {
    const a = ((k % 16) / 16) * 2 * Math.PI;
    const rr = r * (1 + 0.15 * Math.sin(3 * a));
    ring[2 * k] = cx + rr * Math.cos(a);
    ring[2 * k + 1] = cy + rr * Math.sin(a);
  }
  return [[ring]];
}
const centre = (k: number): [number, number] => [X0 + (k % 100) * STRIDE, Y0 + Math.floor(k / 100) * STRIDE];
/** Free ground for new landslides: a row of cells beyond the inventory. */
const freeCentre = (k: number): [number, number] => [X0 + (k % 100) * STRIDE, Y0 + (110 + Math.floor(k / 100)) * STRIDE];

function edits(p: Project, side: 'o' | 'p', uuids: string[]): void {
  const fid = (k: number): number => p.features.fidsOfUuids([uuids[k]!])[0]!;
  // Disjoint index ranges per side, except the shared ones (conflicts, double mapping).
  const base = side === 'o' ? 0 : 5000;
  const adds: PlannedAdd[] = [];
  for (let k = 0; k < 200; k++) {
    // 0–49: the same 50 new landslides on both sides (shifted 2 m: IoU ≈ 0.8); then each side's own.
    const cell = k < 50 ? k : (side === 'o' ? 100 : 300) + k;
    const [cx, cy] = freeCentre(cell);
    adds.push({ geometry: blob(cx + (side === 'p' && k < 50 ? 2 : 0), cy, 14), properties: { status: 'confirmed' } });
  }
  const deletes = Array.from({ length: 200 }, (_, k) => fid(base + k));
  const updates: PlannedUpdate[] = [];
  for (let k = 0; k < 300; k++) {
    const i = base + 200 + k;
    const [cx, cy] = centre(i);
    updates.push({ fid: fid(i), geometry: blob(cx + 1, cy - 1, 13) });
  }
  for (let k = 0; k < 200; k++) updates.push({ fid: fid(base + 500 + k), changes: { status: side === 'o' ? 'confirmed' : 'field_verified' } });
  // 100 shared: decided differently on each side.
  for (let k = 0; k < 100; k++) updates.push({ fid: fid(9000 + k), changes: { status: side === 'o' ? 'confirmed' : 'rejected' } });
  p.apply({ label: `${side}: 1000 changes`, kind: 'mixed', adds, deletes, updates });
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = resolve(repoRoot, 'bench/.tmp/merge');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const origin = join(dir, 'origin.gpkg');
  const pkg = join(dir, 'field.gpkg');
  let uuids: string[];
  let packageSeconds: number;
  let packageCpuSeconds: number;
  {
    const o = Project.create(origin);
    try {
      o.adoptCrsIfUnset(crsFromEpsg(32645));
      const adds: PlannedAdd[] = Array.from({ length: N }, (_, k) => ({ geometry: blob(...centre(k), 15), properties: { status: 'predicted' } }));
      const r = o.apply({ label: 'seed', kind: 'import', adds });
      uuids = o.features.many(r.added).map((f) => f.properties.uuid);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await packageProject(o, pkg);
      packageSeconds = (performance.now() - t0) / 1000;
      packageCpuSeconds = cpuSince(c0);
      edits(o, 'o', uuids);
    } finally {
      o.close();
    }
    const p = Project.open(pkg);
    try {
      edits(p, 'p', uuids);
    } finally {
      p.close();
    }
  }
  const work = join(dir, 'merge-into.gpkg');
  copyFileSync(origin, work);
  const p = Project.open(work);
  try {
    let t0 = performance.now();
    let c0 = process.cpuUsage();
    mergeIntoProject(p, pkg, { dryRun: true });
    const dryRunSeconds = (performance.now() - t0) / 1000;
    const dryRunCpuSeconds = cpuSince(c0);
    t0 = performance.now();
    c0 = process.cpuUsage();
    const r = mergeIntoProject(p, pkg);
    const mergeSeconds = (performance.now() - t0) / 1000;
    const mergeCpuSeconds = cpuSince(c0);
    t0 = performance.now();
    p.undo();
    const undoSeconds = (performance.now() - t0) / 1000;
    return {
      landslides: N,
      changesEachSide: 1000,
      packageSeconds: round3(packageSeconds),
      packageCpuSeconds: round3(packageCpuSeconds),
      dryRunSeconds: round3(dryRunSeconds),
      dryRunCpuSeconds: round3(dryRunCpuSeconds),
      mergeSeconds: round3(mergeSeconds),
      mergeCpuSeconds: round3(mergeCpuSeconds),
      loadAverage: round3(loadavg()[0]!),
      undoSeconds: round3(undoSeconds),
      mode: r.mode,
      applied: r.applied,
      conflicts: r.conflicts.length,
      matchedByGeometry: r.matchedByGeometry,
      aimSeconds: 5,
    };
  } finally {
    p.close();
  }
}

if (isMain(import.meta.url)) process.stdout.write(`${JSON.stringify({ merge: await run() }, null, 2)}\n`);
