/**
 * `scarp detect --project` killed (SIGKILL) at several points — inside and after a tile band's
 * transaction, at an arbitrary moment seen on stderr, before and inside the inventory transaction —
 * with edits made between the kills. After each kill the project opens (integrity_check ok) with
 * every committed edit; the finally resumed run's probability tiles are byte-identical to an
 * uninterrupted run's and its inventory has the same geometries and attributes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Project } from '../../src-main/core/store/project';
import { LANDSLIDE_COLUMNS } from '../../src-main/core/store/landslides-schema';
import { repoRoot } from '../../src-main/core/paths';
import { tempDir } from '../helpers/data';
import { gdal, gdalPython } from '../helpers/gdal';
import { hasTorch, makeRgbTestModel } from '../helpers/models';
import { canRun, crop, square } from '../unit/store/_fixtures';
import { addFeatures, updateFeatures, deleteFeatures, peek } from '../helpers/project';

const tmp = tempDir('store-resume');
afterAll(() => tmp.cleanup());

const SCARP = join(repoRoot, 'bin/scarp.mjs');
let base: string[] = [];

function detect(project: string, args: string[], env: Record<string, string> = {}): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SCARP, 'detect', '--project', project, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Start a run and SIGKILL it from outside once stderr shows tiles being done. */
function detectKilledOnProgress(project: string, args: string[]): Promise<{ killed: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCARP, 'detect', '--project', project, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let killed = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr += d;
      if (!killed && /Detecting: \d+% \(([1-9]\d*)\/\d+\)/.test(stderr)) {
        killed = child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', () => resolve({ killed, stderr }));
  });
}

interface Tile {
  tile_row: number;
  tile_col: number;
  data: Buffer;
}

function runTiles(file: string, runId: string): Tile[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT tile_row, tile_col, data FROM scarp_prediction_tiles WHERE run_id = ? ORDER BY tile_row, tile_col').all(runId) as Tile[];
  } finally {
    db.close();
  }
}

const COMPARED = ['scene', 'area_m2', 'perimeter_m', 'prob_mean', 'prob_max', 'slope_mean', 'elev_min', 'elev_max', 'aspect_mean', 'type', 'status', 'confidence', 'mapper', 'notes'];

function runFeatures(file: string, runId: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare(`SELECT hex(geom) AS g, ${COMPARED.join(', ')} FROM landslides WHERE run = ?`).all(runId) as Array<Record<string, unknown>>;
    return rows.map((r) => JSON.stringify(r)).sort();
  } finally {
    db.close();
  }
}

function latestRun(file: string): { id: string; status: string; rowsDone: number } {
  const p = Project.open(file);
  try {
    const r = p.runs.list()[0]!;
    return { id: r.id, status: r.status, rowsDone: r.rowsDone };
  } finally {
    p.close();
  }
}

describe.skipIf(!canRun || !hasTorch)('detect --project: kill and resume', () => {
  let A = '';
  let B = '';
  let threshold = '';
  beforeAll(() => {
    const d = join(tmp.dir, 'in');
    mkdirSync(d);
    const model = makeRgbTestModel(d, 8);
    // 600 × 560 px: 3 × 3 tiles of 256 (overlap 32), three probability tile rows
    const img = crop(join(d, 'img.tif'), { w: 600, h: 560 });
    const dem = crop(join(d, 'dem.tif'), { w: 600, h: 560, dem: true });
    base = ['--image', img, '--dem', dem, '--model', model, '--min-area', '1'];
    A = join(tmp.dir, 'A.gpkg');
    B = join(tmp.dir, 'B.gpkg');
  });

  it('first run into B (default threshold) completes; probe a threshold with polygons', () => {
    const r = detect(B, [...base, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { project: { runId: string; resumed: boolean } };
    expect(res.project.resumed).toBe(false);
    // pick the 85th percentile of the stored probability: a random-weight net still gives polygons there
    const hist = new Array<number>(256).fill(0);
    const p = Project.open(B);
    const run = p.runs.get(res.project.runId)!;
    const q = p.runs.readProbability(run.id, { x: 0, y: 0, width: run.grid.width, height: run.grid.height });
    p.close();
    for (const v of q) hist[v]!++;
    let acc = 0;
    let k = 0;
    const valid = q.length - hist[255]!;
    for (; k < 255 && acc + hist[k]! < 0.85 * valid; k++) acc += hist[k]!;
    threshold = ((k + 0.5) / 254).toFixed(6);
  });

  it('an uninterrupted run into A is the reference', () => {
    const r = detect(A, [...base, '--threshold', threshold, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { features: number };
    expect(res.features).toBeGreaterThan(0);
    expect(gdalPython('osgeo_utils.samples.validate_gpkg', [A]).status).toBe(0);
    const info = gdal('ogrinfo', ['-ro', '-so', A, 'landslides']);
    expect(info).toMatch(new RegExp(`Feature Count: ${res.features}\\b`));
    expect(info).toMatch(/Geometry: Multi Polygon/);
    for (const c of LANDSLIDE_COLUMNS) expect(info).toContain(`\n${c.name}: `);
    expect(gdal('ogrinfo', ['-ro', '-q', A, 'landslides', '-fid', '1'])).toMatch(/prob_mean \(Real\) = 0\.\d+/);
  });

  it('survives kills at every stage, with edits in between, and resumes to the same outputs', async () => {
    // Edits before the run: two drawn landslides, one confirmed, one deleted.
    let drawn: number[] = [];
    let doneEdits = 0;
    {
      const p = Project.open(B);
      const s = p.scenes.list()[0]!;
      drawn = addFeatures(p, [
        { geometry: square(s.bounds.minX + 5, s.bounds.minY + 5, 3), properties: { area_m2: 9, perimeter_m: 12, status: 'edited', scene: s.id } },
        { geometry: square(s.bounds.minX + 50, s.bounds.minY + 5, 3), properties: { area_m2: 9, perimeter_m: 12, status: 'edited', scene: s.id } },
      ]).fids;
      updateFeatures(p, [drawn[0]!], { status: 'confirmed', notes: 'checked' });
      deleteFeatures(p, [drawn[1]!]);
      doneEdits = p.journal.stacks().canUndo;
      p.close();
    }
    const args = [...base, '--threshold', threshold];
    const check = (expectRun: (r: { status: string; rowsDone: number }) => void): void => {
      const p = Project.open(B, { check: 'full' }); // integrity_check on open
      try {
        expect(peek(p.path, (db) => db.pragma('integrity_check', { simple: true }))).toBe('ok');
        expect(p.features.get(drawn[0]!)!.properties).toMatchObject({ status: 'confirmed', notes: 'checked' });
        expect(p.features.get(drawn[1]!)).toBeNull();
        expect(p.journal.stacks().canUndo).toBe(doneEdits); // no committed edit lost, none half-made
      } finally {
        p.close();
      }
      expectRun(latestRun(B));
    };

    // 1. killed inside the 2nd band's transaction: band 1 stays, band 2 rolled back
    let r = detect(B, args, { SCARP_TEST_KILL_AT: 'rows-tx:2' });
    expect(r.signal).toBe('SIGKILL');
    check((run) => {
      expect(run.status).toBe('running');
      expect(run.rowsDone).toBeGreaterThan(0);
      expect(run.rowsDone).toBeLessThan(560);
    });
    const firstRows = latestRun(B).rowsDone;

    // an edit between kills
    {
      const p = Project.open(B);
      updateFeatures(p, [drawn[0]!], { type: 'flow' });
      doneEdits++;
      p.close();
    }

    // 2. resumed, then killed from outside at an arbitrary moment of inference
    const k = await detectKilledOnProgress(B, args);
    check((run) => expect(run.status).toBe('running'));
    expect(k.stderr).toMatch(/Detecting/);

    // 3. resumed, killed right after a band commits
    r = detect(B, args, { SCARP_TEST_KILL_AT: 'rows:1' });
    expect(r.signal).toBe('SIGKILL');
    check((run) => expect(run.rowsDone).toBeGreaterThanOrEqual(firstRows));

    // 4. resumed, killed after every band, before the inventory is written
    r = detect(B, args, { SCARP_TEST_KILL_AT: 'before-inventory' });
    expect(r.signal).toBe('SIGKILL');
    check((run) => {
      expect(run.status).toBe('running');
      expect(run.rowsDone).toBe(560);
    });

    // 5. killed inside the inventory transaction: no half inventory
    r = detect(B, args, { SCARP_TEST_KILL_AT: 'inventory-tx' });
    expect(r.signal).toBe('SIGKILL');
    check((run) => expect(run.status).toBe('running'));

    // 6. `--resume` alone finishes it
    r = detect(B, ['--resume', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { project: { resumed: boolean; startRow: number; runId: string } };
    expect(res.project).toMatchObject({ resumed: true, startRow: 560 });

    // Same probability bytes and inventory as the uninterrupted run.
    const runA = latestRun(A).id;
    const runB = res.project.runId;
    const ta = runTiles(A, runA);
    const tb = runTiles(B, runB);
    expect(tb.length).toBe(ta.length);
    tb.forEach((t, i) => {
      expect([t.tile_row, t.tile_col]).toEqual([ta[i]!.tile_row, ta[i]!.tile_col]);
      expect(t.data.equals(ta[i]!.data)).toBe(true);
    });
    const fa = runFeatures(A, runA);
    expect(fa.length).toBeGreaterThan(0);
    expect(runFeatures(B, runB)).toEqual(fa);

    // The run's features replaced the first run's predicted ones only; the edits are all there.
    const p = Project.open(B);
    try {
      const predicted = p.listFeatures({ status: ['predicted'], limit: 10_000 }).features;
      expect(predicted.every((f) => f.properties.run === runB)).toBe(true);
      expect(p.features.get(drawn[0]!)!.properties).toMatchObject({ status: 'confirmed', type: 'flow', notes: 'checked' });
      expect(p.runs.get(runB)).toMatchObject({ status: 'done', rowsDone: 560, tilesDone: 9, tilesTotal: 9 });
      expect(p.runs.get(runB)!.resumed).toBeGreaterThanOrEqual(5);
    } finally {
      p.close();
    }
    expect(gdalPython('osgeo_utils.samples.validate_gpkg', [B]).status).toBe(0);
  });
});
