/**
 * Scenes (source imagery) and layers (DEM, derived) of a project. The files stay where the user
 * keeps them; the project records path, size, modification time and a content fingerprint, and
 * finds them again: same size and mtime → unchanged; otherwise the fingerprint decides. A scene
 * whose file is gone is 'missing' (the UI asks for its new place: relink), one whose content
 * differs is 'changed'.
 *
 * Each path is stored twice: absolute, and relative to the project's folder (`rel_path`; null when
 * the file is on another drive). The absolute one is used while the file is there; when it is gone,
 * the relative one is tried from where the project is now (a project folder moved or copied to
 * another disk with its imagery), and a file found there with the same content is relinked as a
 * move would be (followProjectFolder, on every open).
 */
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Bounds, CrsInfo, GeoTransform, RasterDataType } from '../../../../src-shared/geo';
import { ScarpError } from '../../../../src-shared/errors';
import { SCENE_ROLES, type SceneRole } from '../../../../src-shared/vocabulary';
import { openRaster } from '../../raster';
import { fileFingerprint } from './fingerprint';

type Db = Database.Database;

export interface BandStats {
  min: number;
  max: number;
  mean: number;
  /** 2nd and 98th percentiles: the default display stretch. */
  p2: number;
  p98: number;
  validFraction: number;
}

export interface SceneDescription {
  path: string;
  size: number;
  mtimeMs: number;
  fingerprint: string;
  crs: CrsInfo;
  width: number;
  height: number;
  geoTransform: GeoTransform;
  bounds: Bounds;
  gsd: { x: number; y: number };
  bandCount: number;
  dataType: RasterDataType;
  nodata: number | null;
  bandStats: BandStats[];
}

export type FileState = 'ok' | 'missing' | 'changed';

export interface SceneRecord extends Omit<SceneDescription, 'crs'> {
  id: string;
  name: string;
  srsId: number | null;
  crsName: string | null;
  addedAt: string;
  /** Pre- or post-event imagery (null: not said). */
  role: SceneRole | null;
  /** Acquisition date, YYYY-MM-DD (null: not said). */
  acquired: string | null;
}

/** What the user says about a scene when adding it. */
export interface SceneMeta {
  role?: SceneRole;
  date?: string;
}

const STATS_SIZE = 512;

function statsOf(values: Float32Array): BandStats {
  const v: number[] = [];
  let sum = 0;
  for (const x of values) {
    if (!Number.isNaN(x)) {
      v.push(x);
      sum += x;
    }
  }
  if (v.length === 0) return { min: 0, max: 0, mean: 0, p2: 0, p98: 0, validFraction: 0 };
  v.sort((a, b) => a - b);
  const pick = (p: number): number => v[Math.min(v.length - 1, Math.max(0, Math.round(p * (v.length - 1))))]!;
  return { min: v[0]!, max: v[v.length - 1]!, mean: sum / v.length, p2: pick(0.02), p98: pick(0.98), validFraction: v.length / values.length };
}

/** Everything the project records about a raster file (reads a ≤512 px overview for statistics). */
export async function describeSceneFile(file: string): Promise<SceneDescription> {
  const path = resolve(file);
  const src = await openRaster(path);
  try {
    const info = src.info;
    const scale = Math.min(1, STATS_SIZE / Math.max(info.width, info.height));
    const w = Math.max(1, Math.round(info.width * scale));
    const h = Math.max(1, Math.round(info.height * scale));
    const bands = await src.readWindowResampled({ x: 0, y: 0, width: info.width, height: info.height }, w, h);
    const st = statSync(path);
    return {
      path,
      size: st.size,
      mtimeMs: st.mtimeMs,
      fingerprint: fileFingerprint(path),
      crs: info.crs,
      width: info.width,
      height: info.height,
      geoTransform: info.geoTransform,
      bounds: info.bounds,
      gsd: info.gsd,
      bandCount: info.bandCount,
      dataType: info.dataType,
      nodata: info.nodata,
      bandStats: bands.map(statsOf),
    };
  } finally {
    await src.close();
  }
}

interface SceneRow {
  id: string;
  name: string;
  path: string;
  size: number;
  mtime_ms: number;
  fingerprint: string;
  srs_id: number | null;
  crs_name: string | null;
  width: number;
  height: number;
  geotransform: string;
  min_x: number;
  min_y: number;
  max_x: number;
  max_y: number;
  gsd_x: number;
  gsd_y: number;
  band_count: number;
  data_type: RasterDataType;
  nodata: number | null;
  band_stats: string;
  added_at: string;
  role: string | null;
  acquired: string | null;
}

function fromRow(r: SceneRow): SceneRecord {
  return {
    id: r.id,
    name: r.name,
    path: r.path,
    size: r.size,
    mtimeMs: r.mtime_ms,
    fingerprint: r.fingerprint,
    srsId: r.srs_id,
    crsName: r.crs_name,
    width: r.width,
    height: r.height,
    geoTransform: JSON.parse(r.geotransform) as GeoTransform,
    bounds: { minX: r.min_x, minY: r.min_y, maxX: r.max_x, maxY: r.max_y },
    gsd: { x: r.gsd_x, y: r.gsd_y },
    bandCount: r.band_count,
    dataType: r.data_type,
    nodata: r.nodata,
    bandStats: JSON.parse(r.band_stats) as BandStats[],
    addedAt: r.added_at,
    role: (SCENE_ROLES as readonly string[]).includes(r.role ?? '') ? (r.role as SceneRole) : null,
    acquired: r.acquired,
  };
}

/** Whether the file at `path` is still the one recorded (size+mtime, else fingerprint). */
export function fileState(path: string, size: number, mtimeMs: number, fingerprint: string): FileState {
  if (!existsSync(path)) return 'missing';
  const st = statSync(path);
  if (st.size === size && st.mtimeMs === mtimeMs) return 'ok';
  return fileFingerprint(path) === fingerprint ? 'ok' : 'changed';
}

/** How deep and how wide a search for moved imagery looks (a removable disk can hold a lot). */
export const MOVED_SEARCH_DEPTH = 4;
export const MOVED_SEARCH_MAX_ENTRIES = 50_000;

/** Files under `dirs` (to MOVED_SEARCH_DEPTH folders deep) by size: what a moved file could be. */
function filesBySize(dirs: readonly string[], sizes: ReadonlySet<number>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const seen = new Set<string>();
  let budget = MOVED_SEARCH_MAX_ENTRIES;
  const walk = (dir: string, depth: number): void => {
    if (budget <= 0 || seen.has(dir)) return;
    seen.add(dir);
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // unreadable folder: nothing to find there
    }
    for (const e of entries) {
      if (--budget <= 0) return;
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < MOVED_SEARCH_DEPTH && !e.name.startsWith('.')) walk(p, depth + 1);
      } else if (e.isFile()) {
        let size: number;
        try {
          size = statSync(p).size;
        } catch {
          continue;
        }
        if (sizes.has(size)) out.set(size, [...(out.get(size) ?? []), p]);
      }
    }
  };
  for (const d of dirs) walk(resolve(d), 0);
  return out;
}

/** `path` relative to the folder `dir`, or null when no relative path leads there (another drive). */
export function relativeTo(dir: string, path: string): string | null {
  const rel = relative(dir, path);
  return rel === '' || isAbsolute(rel) ? null : rel;
}

export interface FollowedFile {
  kind: 'scene' | 'layer';
  id: string;
  from: string;
  to: string;
}

/** A file the project refers to, found again by content: a scene's imagery or a DEM layer. */
export interface MovedFile {
  id: string;
  name: string;
  from: string;
  to: string;
  kind: 'scene' | 'dem';
}

export class SceneStore {
  /** @param projectDir the folder of the project file: what stored relative paths start from. */
  constructor(
    private readonly db: Db,
    private readonly projectDir: string,
  ) {}

  private rel(path: string): string | null {
    return relativeTo(this.projectDir, path);
  }

  /**
   * Scenes and layers whose file is not at its absolute path but is at its path relative to the
   * project (same size and fingerprint): pointed there. Files still where they were get their path
   * relative to where the project is now (projects from before it was stored, a project moved alone).
   * Inside a transaction.
   */
  followProjectFolder(): FollowedFile[] {
    const followed: FollowedFile[] = [];
    const rows = this.db.prepare("SELECT 'scene' AS kind, id, path, rel_path, size, fingerprint FROM scarp_scenes UNION ALL SELECT 'layer', id, path, rel_path, size, fingerprint FROM scarp_layers WHERE path IS NOT NULL").all() as Array<{
      kind: 'scene' | 'layer';
      id: string;
      path: string;
      rel_path: string | null;
      size: number | null;
      fingerprint: string | null;
    }>;
    const table = (k: 'scene' | 'layer'): string => (k === 'scene' ? 'scarp_scenes' : 'scarp_layers');
    for (const r of rows) {
      if (existsSync(r.path)) {
        const rel = this.rel(r.path);
        if (r.rel_path !== rel) this.db.prepare(`UPDATE ${table(r.kind)} SET rel_path = ? WHERE id = ?`).run(rel, r.id);
        continue;
      }
      if (r.rel_path === null || r.fingerprint === null) continue;
      const cand = resolve(this.projectDir, r.rel_path);
      try {
        if (!statSync(cand).isFile() || statSync(cand).size !== r.size || fileFingerprint(cand) !== r.fingerprint) continue;
      } catch {
        continue; // not there, or unreadable: left missing (relink finds it)
      }
      if (r.kind === 'scene') this.updateLocation(r.id, cand);
      else this.setLayerLocation(r.id, cand);
      followed.push({ kind: r.kind, id: r.id, from: r.path, to: cand });
    }
    return followed;
  }

  private setLayerLocation(id: string, path: string): void {
    const st = statSync(path);
    this.db.prepare('UPDATE scarp_layers SET path = ?, rel_path = ?, size = ?, mtime_ms = ? WHERE id = ?').run(path, this.rel(path), st.size, st.mtimeMs, id);
  }

  /**
   * Scenes whose imagery is missing, and where each is now: a file of the same size and content
   * (fingerprint) under `dirs` (the same name first). Nothing is changed.
   */
  findMoved(dirs: readonly string[]): { found: MovedFile[]; missing: Array<{ id: string; name: string; path: string; kind: 'scene' | 'dem' }> } {
    // Scenes and the DEM layers recorded with them (size and fingerprint): both are looked for.
    const lost: Array<{ id: string; name: string; path: string; size: number; fingerprint: string; kind: 'scene' | 'dem' }> = this.list()
      .filter((s) => this.state(s) === 'missing')
      .map((s) => ({ id: s.id, name: s.name, path: s.path, size: s.size, fingerprint: s.fingerprint, kind: 'scene' as const }));
    const layers = this.db.prepare("SELECT id, name, path, size, fingerprint FROM scarp_layers WHERE kind = 'dem' AND path IS NOT NULL AND size IS NOT NULL AND fingerprint IS NOT NULL").all() as Array<{
      id: string;
      name: string;
      path: string;
      size: number;
      fingerprint: string;
    }>;
    for (const l of layers) if (!existsSync(l.path)) lost.push({ ...l, kind: 'dem' });
    const bySize = filesBySize(dirs, new Set(lost.map((s) => s.size)));
    const found: MovedFile[] = [];
    const missing: Array<{ id: string; name: string; path: string; kind: 'scene' | 'dem' }> = [];
    for (const s of lost) {
      const cands = [...(bySize.get(s.size) ?? [])].sort((a, b) => Number(basename(b) === basename(s.path)) - Number(basename(a) === basename(s.path)));
      const hit = cands.find((c) => {
        try {
          return fileFingerprint(c) === s.fingerprint;
        } catch {
          return false;
        }
      });
      if (hit) found.push({ id: s.id, name: s.name, from: s.path, to: hit, kind: s.kind });
      else missing.push({ id: s.id, name: s.name, path: s.path, kind: s.kind });
    }
    return { found, missing };
  }

  /** Point a DEM layer whose file moved at its new place (found by content: findMoved). */
  relinkLayer(id: string, path: string): void {
    this.setLayerLocation(id, resolve(path));
  }

  list(): SceneRecord[] {
    return (this.db.prepare('SELECT * FROM scarp_scenes ORDER BY added_at, id').all() as SceneRow[]).map(fromRow);
  }

  get(id: string): SceneRecord | null {
    const r = this.db.prepare('SELECT * FROM scarp_scenes WHERE id = ?').get(id) as SceneRow | undefined;
    return r ? fromRow(r) : null;
  }

  byFingerprint(fp: string): SceneRecord | null {
    const r = this.db.prepare('SELECT * FROM scarp_scenes WHERE fingerprint = ? ORDER BY added_at LIMIT 1').get(fp) as SceneRow | undefined;
    return r ? fromRow(r) : null;
  }

  /** A readable, unique scene id from the file name (what the landslides `scene` column holds). */
  private newId(path: string): string {
    const base = basename(path, extname(path)).replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 60) || 'scene';
    let id = base;
    for (let i = 2; this.get(id); i++) id = `${base}-${i}`;
    return id;
  }

  insert(d: SceneDescription, srsId: number): SceneRecord {
    const id = this.newId(d.path);
    this.db
      .prepare(
        `INSERT INTO scarp_scenes (id, name, path, rel_path, size, mtime_ms, fingerprint, srs_id, crs_name, width, height, geotransform, min_x, min_y, max_x, max_y, gsd_x, gsd_y, band_count, data_type, nodata, band_stats, added_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        basename(d.path),
        d.path,
        this.rel(d.path),
        d.size,
        d.mtimeMs,
        d.fingerprint,
        srsId,
        d.crs.name,
        d.width,
        d.height,
        JSON.stringify(d.geoTransform),
        d.bounds.minX,
        d.bounds.minY,
        d.bounds.maxX,
        d.bounds.maxY,
        d.gsd.x,
        d.gsd.y,
        d.bandCount,
        d.dataType,
        d.nodata,
        JSON.stringify(d.bandStats),
        new Date().toISOString(),
      );
    return this.get(id)!;
  }

  /** Set the role and/or date a scene was given (fields not given stay). */
  setMeta(id: string, meta: SceneMeta): void {
    if (meta.role !== undefined) this.db.prepare('UPDATE scarp_scenes SET role = ? WHERE id = ?').run(meta.role, id);
    if (meta.date !== undefined) this.db.prepare('UPDATE scarp_scenes SET acquired = ? WHERE id = ?').run(meta.date, id);
  }

  /**
   * Remove a scene and its layers. Refused while runs or landslides refer to it (they would lose
   * where they came from): the message says how many.
   */
  remove(id: string): void {
    const scene = this.get(id);
    if (!scene) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `No scene '${id}' in this project.`, params: { scene: id } });
    const runs = (this.db.prepare('SELECT COUNT(*) AS n FROM scarp_runs WHERE scene_id = ?').get(id) as { n: number }).n;
    const features = (this.db.prepare('SELECT COUNT(*) AS n FROM landslides WHERE scene = ?').get(id) as { n: number }).n;
    if (runs > 0 || features > 0) {
      throw new ScarpError({
        code: 'INVALID_ARGUMENT',
        message: `Scene '${id}' cannot be removed: ${runs} run(s) and ${features} landslide(s) of the project come from it.`,
        hint: 'Keep the scene (it can be relinked when its file moves), or remove it from a project without its runs and landslides.',
        params: { scene: id, runs, features },
      });
    }
    this.db.prepare('DELETE FROM scarp_layers WHERE scene_id = ?').run(id);
    this.db.prepare('DELETE FROM scarp_scenes WHERE id = ?').run(id);
  }

  updateLocation(id: string, path: string): void {
    const st = statSync(path);
    this.db.prepare('UPDATE scarp_scenes SET path = ?, rel_path = ?, name = ?, size = ?, mtime_ms = ? WHERE id = ?').run(path, this.rel(path), basename(path), st.size, st.mtimeMs, id);
  }

  state(s: SceneRecord): FileState {
    const st = fileState(s.path, s.size, s.mtimeMs, s.fingerprint);
    if (st === 'ok' && existsSync(s.path)) {
      const now = statSync(s.path);
      if (now.mtimeMs !== s.mtimeMs) this.db.prepare('UPDATE scarp_scenes SET mtime_ms = ? WHERE id = ?').run(now.mtimeMs, s.id);
    }
    return st;
  }

  /** Point a scene at its file's new place; the file must be the same content (fingerprint). */
  relink(id: string, file: string): SceneRecord {
    const scene = this.get(id);
    if (!scene) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `No scene '${id}' in this project.` });
    const path = resolve(file);
    if (!existsSync(path)) throw new ScarpError({ code: 'FILE_NOT_FOUND', message: `${path} does not exist.`, file: path });
    const fp = fileFingerprint(path);
    if (fp !== scene.fingerprint) {
      throw new ScarpError({
        code: 'SCENE_MISMATCH',
        message: `${path} is not the imagery of scene '${id}' (its content differs from ${scene.name} as recorded).`,
        hint: 'Choose the same file as before (moved or renamed is fine, edited is not), or add it as a new scene.',
        file: path,
      });
    }
    this.updateLocation(id, path);
    return this.get(id)!;
  }

  /** Error for a scene whose file is not where it was. */
  movedError(s: SceneRecord, state: FileState): ScarpError {
    return new ScarpError({
      code: state === 'missing' ? 'SCENE_MOVED' : 'SCENE_MISMATCH',
      message:
        state === 'missing'
          ? `The imagery of scene '${s.id}' is no longer at ${s.path} (moved, renamed or on a disk that is not connected).`
          : `The imagery of scene '${s.id}' at ${s.path} has changed since it was added to the project.`,
      hint: state === 'missing' ? `Locate the file at its new place (relink scene '${s.id}').` : 'Add the changed file as a new scene.',
      options: state === 'missing' ? ['relink'] : undefined,
      params: { scene: s.id },
      file: s.path,
    });
  }

  /** Record a DEM / derived layer file (dedup by fingerprint per scene). */
  addLayer(sceneId: string | null, kind: 'imagery' | 'dem' | 'derived' | 'aoi', file: string, info: Record<string, unknown> = {}): string {
    const path = resolve(file);
    const st = statSync(path);
    const fp = fileFingerprint(path);
    const same = this.db.prepare('SELECT id FROM scarp_layers WHERE fingerprint = ? AND kind = ? AND scene_id IS ?').get(fp, kind, sceneId) as { id: string } | undefined;
    if (same) {
      this.setLayerLocation(same.id, path);
      return same.id;
    }
    const id = randomUUID();
    this.db
      .prepare('INSERT INTO scarp_layers (id, scene_id, kind, name, path, rel_path, size, mtime_ms, fingerprint, info, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, sceneId, kind, basename(path), path, this.rel(path), st.size, st.mtimeMs, fp, JSON.stringify(info), new Date().toISOString());
    return id;
  }

  /** Record a DEM for the scene as its current one: added, or, when already recorded, marked as chosen now. */
  recordDem(sceneId: string, file: string): string {
    const id = this.addLayer(sceneId, 'dem', file);
    this.db.prepare('UPDATE scarp_layers SET added_at = ? WHERE id = ?').run(new Date().toISOString(), id);
    return id;
  }

  /**
   * The DEM last used with the scene: of its DEM layers, the one a run used most recently, else the
   * one recorded last (chosen in the app before any run). What a reopened project, on another
   * machine or after a command-line run, takes as the scene's terrain.
   */
  demOf(sceneId: string): { id: string; name: string; path: string; state: FileState } | null {
    const r = this.db
      .prepare(
        `SELECT l.id, l.name, l.path, l.size, l.mtime_ms, l.fingerprint, MAX(l.added_at, COALESCE((SELECT MAX(r.started_at) FROM scarp_runs r WHERE r.dem_layer_id = l.id), '')) AS used
         FROM scarp_layers l WHERE l.scene_id = ? AND l.kind = 'dem' AND l.path IS NOT NULL ORDER BY used DESC, l.rowid DESC LIMIT 1`,
      )
      .get(sceneId) as { id: string; name: string; path: string; size: number | null; mtime_ms: number | null; fingerprint: string | null } | undefined;
    if (!r) return null;
    const state = r.size !== null && r.fingerprint !== null ? fileState(r.path, r.size, r.mtime_ms ?? 0, r.fingerprint) : existsSync(r.path) ? 'ok' : 'missing';
    // Same content, touched since (a copy): remember the time, so that the next look needs no fingerprint (as state() for scenes).
    if (state === 'ok') {
      const now = statSync(r.path).mtimeMs;
      if (now !== r.mtime_ms) this.db.prepare('UPDATE scarp_layers SET mtime_ms = ? WHERE id = ?').run(now, r.id);
    }
    return { id: r.id, name: r.name, path: r.path, state };
  }

  layers(sceneId?: string): Array<{ id: string; sceneId: string | null; kind: string; name: string; path: string | null; fingerprint: string | null }> {
    const rows = (sceneId ? this.db.prepare('SELECT * FROM scarp_layers WHERE scene_id = ?').all(sceneId) : this.db.prepare('SELECT * FROM scarp_layers').all()) as Array<{
      id: string;
      scene_id: string | null;
      kind: string;
      name: string;
      path: string | null;
      fingerprint: string | null;
    }>;
    return rows.map((r) => ({ id: r.id, sceneId: r.scene_id, kind: r.kind, name: r.name, path: r.path, fingerprint: r.fingerprint }));
  }
}
