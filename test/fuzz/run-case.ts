/**
 * Run `scarp` on one fuzz case with a time limit and classify what happened: a clean error (exit
 * 1/2, a `scarp: error` line, a complete --json error), a success that holds up (finite numbers,
 * finite WGS 84 bounds, area within the scene, outputs GDAL reads), or a failure (signal, stack
 * trace, hang, bogus success), plus any file left behind that should not be.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '../../src-main/core/paths';
import type { FuzzCase } from './corpus';

export type OutcomeClass = 'clean_error' | 'success' | 'signal' | 'stack_trace' | 'hang' | 'bogus' | 'incomplete_error' | 'damaged';

export interface Outcome {
  id: string;
  kind: FuzzCase['kind'];
  what: string;
  args: string[];
  outcome: OutcomeClass;
  /** Files the run left that it should not have (temporaries, partial outputs, a failed run's project). */
  leftover: string[];
  exit: number | null;
  signal: string | null;
  detail: string;
  ms: number;
}

const BIN = resolve(repoRoot, 'bin/scarp.mjs');
/** Codes whose error is about a file: --json must name it. */
const FILE_CODES = new Set(['FILE_NOT_FOUND', 'FILE_UNREADABLE', 'CORRUPT_FILE', 'UNSUPPORTED_FORMAT', 'NO_GEOREFERENCING', 'BAD_GEOREFERENCING', 'UNKNOWN_CRS', 'OUTPUT_EXISTS', 'NOT_A_PROJECT', 'DEM_UNUSABLE', 'TOO_LARGE', 'ALL_NODATA']);

function listAll(dir: string, rel = ''): string[] {
  let names: string[];
  try {
    names = readdirSync(join(dir, rel));
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    const r = rel ? `${rel}/${n}` : n;
    out.push(r);
    try {
      const st = lstatSync(join(dir, r));
      if (st.isDirectory()) out.push(...listAll(dir, r));
    } catch {
      /* vanished */
    }
  }
  return out;
}

function exec(args: string[], cwd: string, timeoutMs: number): Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string; hung: boolean; ms: number }> {
  return new Promise((done) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SCARP_ORT_THREADS: process.env.SCARP_ORT_THREADS ?? '1' } });
    let stdout = '';
    let stderr = '';
    const cap = 4 << 20;
    child.stdout.on('data', (d: Buffer) => { if (stdout.length < cap) stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { if (stderr.length < cap) stderr += d.toString(); });
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutMs);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      done({ status, signal, stdout, stderr, hung, ms: Date.now() - t0 });
    });
  });
}

const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

/** gdalinfo's area of a raster in m² (projected in metres, or geographic converted at its latitude); null when GDAL cannot read it. */
function sceneAreaM2(image: string): number | null {
  const r = spawnSync('gdalinfo', ['-json', image], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) return null;
  try {
    const j = JSON.parse(r.stdout) as { size: [number, number]; geoTransform?: number[]; coordinateSystem?: { wkt?: string } };
    const gt = j.geoTransform;
    if (!gt) return null;
    let px = Math.abs(gt[1]! * gt[5]! - gt[2]! * gt[4]!);
    if (/^GEOGCRS|^GEOGCS/.test(j.coordinateSystem?.wkt ?? '')) {
      const lat = (gt[3]! * Math.PI) / 180;
      px *= 111_320 * 111_320 * Math.max(0.01, Math.cos(lat));
    }
    return px * j.size[0] * j.size[1];
  } catch {
    return null;
  }
}

function gdalReads(path: string): string | null {
  const vector = /\.(gpkg|geojson|json)$/.test(path);
  const r = spawnSync(vector ? 'ogrinfo' : 'gdalinfo', vector ? ['-ro', '-so', '-al', '-q', path] : [path], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? null : `GDAL cannot read ${path}: ${(r.stderr || r.stdout).slice(0, 200)}`;
}

/** Why a success is bogus, or null when it holds up. */
function checkSuccess(c: FuzzCase, stdout: string): string | null {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    return 'exit 0 but stdout is not JSON';
  }
  const cmd = c.args[0];
  if (cmd === 'info') {
    const w = j.boundsWgs84 as Record<string, unknown> | undefined;
    if (!w || !['minX', 'minY', 'maxX', 'maxY'].every((k) => finite(w[k]))) return `non-finite WGS 84 bounds ${JSON.stringify(w)}`;
    if ((w.minX as number) < -180.0001 || (w.maxX as number) > 180.0001 || (w.minY as number) < -90.0001 || (w.maxY as number) > 90.0001) return `WGS 84 bounds out of range ${JSON.stringify(w)}`;
    const g = j.gsd as Record<string, unknown> | undefined;
    if (!g || !finite(g.x) || !finite(g.y) || (g.x as number) <= 0 || (g.y as number) <= 0) return `bad GSD ${JSON.stringify(g)}`;
    return null;
  }
  if (cmd === 'detect' || cmd === 'change' || cmd === 'bare-ground') {
    if (!finite(j.features) || !finite(j.totalAreaM2) || (j.totalAreaM2 as number) < 0) return `non-finite result: ${j.features} polygons, ${j.totalAreaM2} m²`;
    const area = c.image ? sceneAreaM2(c.image) : null;
    if (area !== null && (j.totalAreaM2 as number) > area * 1.01 + 1) return `landslide area ${j.totalAreaM2} m² exceeds the scene's ${area.toFixed(0)} m²`;
  }
  if (cmd === 'import' && !finite(j.count)) return `non-finite count ${j.count}`;
  if ((cmd === 'merge' || cmd === 'merge-shards') && !finite(j.features)) return `non-finite count ${j.features}`;
  if (cmd === 'merge-shards' && !(finite(j.totalAreaM2) && (j.totalAreaM2 as number) >= 0)) return `non-finite area ${j.totalAreaM2}`;
  if (cmd === 'batch') {
    const m = j.merged as Record<string, unknown> | undefined;
    if (m && !(finite(m.features) && finite(m.totalAreaM2))) return `non-finite merged result ${JSON.stringify(m)}`;
  }
  // A project a run went into must still be a GeoPackage GDAL reads.
  for (const f of c.intact ?? []) {
    const bad = gdalReads(join(c.dir, f));
    if (bad) return bad;
  }
  const files = c.outputs.flatMap((o) => (o.endsWith('/') ? listAll(c.dir, o.slice(0, -1)).filter((f) => /\.(gpkg|geojson|tif)$/.test(f)) : [o]));
  for (const o of files) {
    const p = join(c.dir, o);
    if (!existsSync(p)) continue;
    if (/\.(geojson|json)$/.test(o) && /\bNaN\b|Infinity/.test(readFileSync(p, 'utf8'))) return `${o} contains NaN/Infinity`;
    // A style sidecar is QGIS's, not GDAL's: it must be a QGIS style document.
    if (o.endsWith('.qml')) {
      if (!/^<!DOCTYPE qgis[^>]*>\s*<qgis[\s>]/m.test(readFileSync(p, 'utf8'))) return `${o} is not a QGIS style document`;
      continue;
    }
    const bad = gdalReads(p);
    if (bad) return bad;
  }
  return null;
}

/** What is missing from one error object (code, message, hint; the file where the code is about one), or null. */
function incompleteError(e: Record<string, unknown>): string | null {
  for (const k of ['code', 'message', 'hint']) if (typeof e[k] !== 'string' || (e[k] as string).trim() === '') return `--json error without ${k}`;
  if (FILE_CODES.has(e.code as string) && (typeof e.file !== 'string' || e.file === '')) return `--json ${e.code} error without file`;
  return null;
}

function checkError(stdout: string, cmd: string | undefined): string | null {
  let j: { error?: Record<string, unknown>; scenes?: unknown };
  try {
    j = JSON.parse(stdout) as { error?: Record<string, unknown>; scenes?: unknown };
  } catch {
    return `--json error is not JSON: ${stdout.slice(0, 120)}`;
  }
  // A batch whose scenes failed reports each scene's error in its report (the other scenes went on).
  if (!j.error && cmd === 'batch' && Array.isArray(j.scenes)) {
    const failed = (j.scenes as Array<Record<string, unknown>>).filter((s) => s.state === 'failed');
    if (failed.length === 0) return 'a batch that failed with no failed scene';
    for (const s of failed) {
      const bad = s.error && typeof s.error === 'object' ? incompleteError(s.error as Record<string, unknown>) : 'a failed scene without an error';
      if (bad) return `scene ${String(s.id)}: ${bad}`;
    }
    return null;
  }
  const e = j.error;
  if (!e) return 'no "error" object';
  return incompleteError(e);
}

const STACK = /^\s+at .+(:\d+:\d+\)?|\(native\)|<anonymous>\)?)$/m;

/**
 * What a project holds, as one digest: every table's rows but the lock Scarp writes while it has the
 * file open (so opening a file changes its bytes, never its content). A file that is no database: its bytes.
 */
function digest(path: string): string | null {
  if (!existsSync(path)) return null;
  const h = createHash('sha256');
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'scarp_lock' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name);
    for (const t of tables) {
      h.update(`\0${t}\0`);
      for (const row of db.prepare(`SELECT * FROM "${t.replace(/"/g, '""')}"`).raw().iterate()) h.update(JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : typeof v === 'bigint' ? String(v) : v)));
    }
  } catch {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } finally {
    db?.close();
  }
  return h.digest('hex');
}

export async function runCase(c: FuzzCase, timeoutMs: number): Promise<Outcome> {
  c.make();
  const before = new Set(listAll(c.dir));
  const intactBefore = (c.intact ?? []).map((f) => digest(join(c.dir, f)));
  const r = await exec(c.args, c.dir, timeoutMs);
  const after = listAll(c.dir).filter((f) => !before.has(f));
  const base = { id: c.id, kind: c.kind, what: c.what, args: c.args, exit: r.status, signal: r.signal, ms: r.ms };
  let outcome: OutcomeClass;
  let detail = '';
  const errText = r.stderr.slice(-2000);
  if (r.hung) {
    outcome = 'hang';
    detail = `no exit in ${timeoutMs / 1000} s`;
  } else if (r.signal || (r.status ?? 0) >= 128 || /terminate called|FATAL ERROR|Aborted \(core dumped\)|Segmentation fault/.test(r.stderr)) {
    outcome = 'signal';
    detail = `${r.signal ?? `exit ${r.status}`}: ${errText.slice(-300)}`;
  } else if (STACK.test(r.stderr) || /internal error/.test(r.stderr)) {
    outcome = 'stack_trace';
    detail = errText.split('\n').slice(0, 4).join(' | ');
  } else if (r.status === 0) {
    const bad = checkSuccess(c, r.stdout);
    outcome = bad ? 'bogus' : 'success';
    detail = bad ?? '';
  } else {
    const bad = c.args.includes('--json') ? checkError(r.stdout, c.args[0]) : null;
    outcome = bad ? 'incomplete_error' : 'clean_error';
    detail = bad ?? (r.stderr.match(/scarp: error: .*/)?.[0] ?? r.stderr.split('\n')[0] ?? '').slice(0, 300);
  }
  // An error (or a dry run) loses nothing: what the run went into is byte for byte as it was.
  if (outcome === 'clean_error' || outcome === 'incomplete_error' || (outcome === 'success' && c.args.includes('--dry-run'))) {
    const changed = (c.intact ?? []).filter((f, i) => digest(join(c.dir, f)) !== intactBefore[i]);
    if (changed.length > 0) {
      outcome = 'damaged';
      detail = `${changed.join(', ')} changed by a run that ${r.status === 0 ? 'was a dry run' : 'failed'}; ${detail}`;
    }
  }
  const allowed = [...(outcome === 'success' || outcome === 'bogus' ? c.outputs : []), ...(c.kept ?? [])];
  const isAllowed = (f: string): boolean => allowed.some((a) => (a.endsWith('/') ? f === a.slice(0, -1) || f.startsWith(a) : f === a));
  const leftover = after.filter((f) => !isAllowed(f));
  return { ...base, outcome, leftover, detail };
}

/** Remove a case's folder once it has been judged. */
export function dropCase(c: FuzzCase): void {
  rmSync(c.dir, { recursive: true, force: true });
}
