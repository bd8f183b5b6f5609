/**
 * Project store (issue 4) figures: 100,000 landslide polygons inserted through the edit journal,
 * map windows read back through the R-tree, undo/redo of a 10,000-feature edit, the integrity
 * check on open and the checkpoint on close. Synthetic data: needs nothing from ../shared.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot } from '../src-main/core/paths';
import { createGeoTiffWriter, crsFromEpsg } from '../src-main/core/raster';
import { Project } from '../src-main/core/store/project';
import type { LandslideFeature } from '../src-main/core/store/geopackage-writer';
import type { Bounds } from '../src-shared/geo';
import { addFeatures } from '../test/helpers/project';

const N = 100_000;
const CHUNK = 10_000;
const EXTENT = 20_000; // m: polygons spread over 20 × 20 km
const X0 = 450_000;
const Y0 = 3_440_000;

/** A 12-vertex blob of ~15–40 m radius centred at (cx, cy). */
function blob(cx: number, cy: number, seed: number): Float64Array {
  const n = 12;
  const ring = new Float64Array((n + 1) * 2);
  for (let k = 0; k < n; k++) {
    const a = (2 * Math.PI * k) / n;
    const r = 15 + 25 * Math.abs(Math.sin(seed * 12.9898 + k * 78.233));
    ring[2 * k] = cx + r * Math.cos(a);
    ring[2 * k + 1] = cy + r * Math.sin(a);
  }
  ring[2 * n] = ring[0]!;
  ring[2 * n + 1] = ring[1]!;
  return ring;
}

function features(from: number, count: number): LandslideFeature[] {
  const side = Math.ceil(Math.sqrt(N));
  const step = EXTENT / side;
  const out: LandslideFeature[] = [];
  for (let i = from; i < from + count; i++) {
    const cx = X0 + (i % side) * step + step / 2;
    const cy = Y0 + Math.floor(i / side) * step + step / 2;
    out.push({ geometry: [[blob(cx, cy, i)]], properties: { area_m2: 2000, perimeter_m: 160, prob_mean: 0.7, prob_max: 0.9, scene: 'bench', status: 'predicted' } });
  }
  return out;
}

const ms = (t: number): number => Math.round((performance.now() - t) * 10) / 10;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<Record<string, unknown>> {
  const dir = resolve(repoRoot, 'bench/.tmp-store');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    // A tiny scene that gives the project its CRS (UTM 47N).
    const tif = join(dir, 'scene.tif');
    const w = await createGeoTiffWriter(tif, { width: 16, height: 16, geoTransform: [X0, 1250, 0, Y0 + EXTENT, 0, -1250], crs: crsFromEpsg(32647) }, { dataType: 'uint8', bandCount: 3 });
    const band = new Float32Array(16 * 16).fill(100);
    await w.writeRows(0, [band, band, band]);
    await w.close();

    const path = join(dir, 'bench.gpkg');
    const p = Project.create(path);
    await p.addScene(tif);
    let t = performance.now();
    const chunkMs: number[] = [];
    for (let i = 0; i < N; i += CHUNK) {
      const c = performance.now();
      addFeatures(p, features(i, CHUNK));
      chunkMs.push(ms(c));
    }
    const insertMs = ms(t);

    // Map windows through the R-tree: 1 km (≈ 250 features) and 5 km (≈ 6,250) squares.
    const windowRead = (size: number, reps: number): Record<string, number> => {
      const times: number[] = [];
      let count = 0;
      for (let r = 0; r < reps; r++) {
        const ox = X0 + ((r * 7919) % (EXTENT - size));
        const oy = Y0 + ((r * 104729) % (EXTENT - size));
        const bbox: Bounds = { minX: ox, minY: oy, maxX: ox + size, maxY: oy + size };
        const s = performance.now();
        let after = 0;
        count = 0;
        for (;;) {
          const page = p.listFeatures({ bbox, afterFid: after, limit: 5000 });
          count += page.features.length;
          if (page.nextAfterFid === null) break;
          after = page.nextAfterFid;
        }
        times.push(performance.now() - s);
      }
      return { windowM: size, features: count, medianMs: Math.round(median(times) * 100) / 100 };
    };
    const win1 = windowRead(1000, 20);
    const win5 = windowRead(5000, 5);
    t = performance.now();
    const countOnly = { n: p.listFeatures({ bbox: { minX: X0, minY: Y0, maxX: X0 + 1000, maxY: Y0 + 1000 }, limit: 10_000 }).features.length };
    const rtreeCountMs = ms(t);

    t = performance.now();
    p.undo();
    const undoMs = ms(t);
    t = performance.now();
    p.redo();
    const redoMs = ms(t);
    t = performance.now();
    p.close();
    const closeMs = ms(t);
    const size = statSync(path).size;

    t = performance.now();
    const full = Project.open(path, { check: 'full' });
    const openFullMs = ms(t);
    const checkFull = full.openReport.checkMs;
    full.close();
    const quick = Project.open(path, { check: 'quick' });
    const checkQuick = quick.openReport.checkMs;
    const count = quick.features.count();
    quick.close();

    return {
      features: count,
      insert: { totalMs: insertMs, perSecond: Math.round(N / (insertMs / 1000)), editsOf: CHUNK, medianEditMs: median(chunkMs) },
      window1km: win1,
      window5km: win5,
      rtreeCount1km: { features: countOnly.n, ms: rtreeCountMs },
      undo10k: { undoMs, redoMs },
      file: { bytes: size, mb: Math.round(size / 1e5) / 10 },
      open: { totalMs: openFullMs, integrityCheckMs: Math.round(checkFull), quickCheckMs: Math.round(checkQuick), mbPerSecondIntegrity: Math.round(size / 1e6 / (checkFull / 1000)) },
      closeCheckpointMs: closeMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
