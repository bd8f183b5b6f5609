/**
 * Detection runs in a project: the run record (model, parameters, provider, timings, status), the
 * inference tiles already done, and the run's probability as 8-bit tiles. A streaming run commits
 * each finished band of rows together with the tiles it completes (one transaction), so a run
 * killed at any point resumes from the last committed row.
 */
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { GeoTransform, Window } from '../../../../src-shared/geo';
import { ScarpError } from '../../../../src-shared/errors';
import { blitTile, compressTile, decompressTile, NODATA_U8, tileSize, tilesOf } from './raster-tiles';
import { RASTER_TILE_SIZE } from './schema';
import { followValueKind } from './qgis-style';
import { runLayerKind, valueKindOf } from '../../../../src-shared/vocabulary';

type Db = Database.Database;

export type RunStatus = 'running' | 'done' | 'failed' | 'cancelled';

/** The grid the run's probability is on: the scene's work grid restricted to the processed region. */
export interface RunGrid {
  width: number;
  height: number;
  geoTransform: GeoTransform;
  /** Window of the work grid (AOI bounding box or the whole scene). */
  region: Window;
  /** Scene pixels per work-grid pixel differ when the scene was resampled to the model's GSD. */
  resampled: boolean;
}

export interface RunPlanInfo {
  tileSize: number;
  overlap: number;
  batchSize: number;
  tilesTotal: number;
  /** A digest of the tile plan (windows, skips, batches): a run resumes only on the same plan. */
  signature: string;
}

export interface RunRecord {
  id: string;
  sceneId: string;
  demLayerId: string | null;
  modelId: string;
  modelName: string | null;
  modelSha256: string;
  params: Record<string, unknown>;
  paramsKey: string;
  provider: string | null;
  status: RunStatus;
  error: string | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  timings: Record<string, number> | null;
  grid: RunGrid;
  plan: RunPlanInfo;
  threshold: number;
  rowsDone: number;
  tilesDone: number;
  tilesTotal: number;
  resumed: number;
  featureCount: number | null;
}

export interface NewRun {
  sceneId: string;
  demLayerId: string | null;
  modelId: string;
  modelName: string | null;
  modelSha256: string;
  params: Record<string, unknown>;
  paramsKey: string;
  grid: RunGrid;
  plan: RunPlanInfo;
  threshold: number;
}

interface RunRow {
  id: string;
  scene_id: string;
  dem_layer_id: string | null;
  model_id: string;
  model_name: string | null;
  model_sha256: string;
  params: string;
  params_key: string;
  provider: string | null;
  status: RunStatus;
  error: string | null;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
  timings: string | null;
  grid: string;
  plan: string;
  threshold: number;
  rows_done: number;
  tiles_done: number;
  tiles_total: number;
  resumed: number;
  feature_count: number | null;
}

function fromRow(r: RunRow): RunRecord {
  return {
    id: r.id,
    sceneId: r.scene_id,
    demLayerId: r.dem_layer_id,
    modelId: r.model_id,
    modelName: r.model_name,
    modelSha256: r.model_sha256,
    params: JSON.parse(r.params) as Record<string, unknown>,
    paramsKey: r.params_key,
    provider: r.provider,
    status: r.status,
    error: r.error,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    timings: r.timings ? (JSON.parse(r.timings) as Record<string, number>) : null,
    grid: JSON.parse(r.grid) as RunGrid,
    plan: JSON.parse(r.plan) as RunPlanInfo,
    threshold: r.threshold,
    rowsDone: r.rows_done,
    tilesDone: r.tiles_done,
    tilesTotal: r.tiles_total,
    resumed: r.resumed,
    featureCount: r.feature_count,
  };
}

export interface DoneTile {
  index: number;
  window: Window;
}

export class RunStore {
  constructor(private readonly db: Db) {}

  create(n: NewRun): RunRecord {
    const id = randomUUID();
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO scarp_runs (id, scene_id, dem_layer_id, model_id, model_name, model_sha256, params, params_key, status, started_at, updated_at, grid, plan, threshold, tiles_total)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, n.sceneId, n.demLayerId, n.modelId, n.modelName, n.modelSha256, JSON.stringify(n.params), n.paramsKey, now, now, JSON.stringify(n.grid), JSON.stringify(n.plan), n.threshold, n.plan.tilesTotal);
    const kinds = new Set((this.db.prepare('SELECT DISTINCT model_id FROM scarp_runs').all() as Array<{ model_id: string }>).map((r) => runLayerKind(r.model_id)));
    followValueKind(this.db, valueKindOf(kinds));
    return this.get(id)!;
  }

  get(id: string): RunRecord | null {
    const r = this.db.prepare('SELECT * FROM scarp_runs WHERE id = ?').get(id) as RunRow | undefined;
    return r ? fromRow(r) : null;
  }

  list(sceneId?: string): RunRecord[] {
    const rows = (sceneId ? this.db.prepare('SELECT * FROM scarp_runs WHERE scene_id = ? ORDER BY started_at DESC').all(sceneId) : this.db.prepare('SELECT * FROM scarp_runs ORDER BY started_at DESC').all()) as RunRow[];
    return rows.map(fromRow);
  }

  /** The latest unfinished run of this scene with these parameters (what an identical request resumes). */
  findResumable(sceneId: string, paramsKey: string): RunRecord | null {
    const r = this.db.prepare("SELECT * FROM scarp_runs WHERE scene_id = ? AND params_key = ? AND status != 'done' ORDER BY updated_at DESC LIMIT 1").get(sceneId, paramsKey) as RunRow | undefined;
    return r ? fromRow(r) : null;
  }

  latestUnfinished(): RunRecord | null {
    const r = this.db.prepare("SELECT * FROM scarp_runs WHERE status != 'done' ORDER BY updated_at DESC LIMIT 1").get() as RunRow | undefined;
    return r ? fromRow(r) : null;
  }

  /** Continue a run: status running again, resumed counter up; with `restart` its tiles are dropped. */
  reopen(id: string, restart: boolean): void {
    const now = new Date().toISOString();
    if (restart) {
      this.db.prepare('DELETE FROM scarp_run_tiles WHERE run_id = ?').run(id);
      this.db.prepare('DELETE FROM scarp_prediction_tiles WHERE run_id = ?').run(id);
      this.db.prepare('UPDATE scarp_runs SET rows_done = 0, tiles_done = 0 WHERE id = ?').run(id);
    }
    this.db.prepare("UPDATE scarp_runs SET status = 'running', error = NULL, finished_at = NULL, updated_at = ?, resumed = resumed + 1 WHERE id = ?").run(now, id);
  }

  setProvider(id: string, provider: string): void {
    this.db.prepare('UPDATE scarp_runs SET provider = ? WHERE id = ?').run(provider, id);
  }

  finish(id: string, status: RunStatus, extra: { error?: string; timings?: Record<string, number>; featureCount?: number; provider?: string } = {}): void {
    const now = new Date().toISOString();
    this.db
      .prepare('UPDATE scarp_runs SET status = ?, error = ?, finished_at = ?, updated_at = ?, timings = COALESCE(?, timings), feature_count = COALESCE(?, feature_count), provider = COALESCE(?, provider) WHERE id = ?')
      .run(status, extra.error ?? null, now, now, extra.timings ? JSON.stringify(extra.timings) : null, extra.featureCount ?? null, extra.provider ?? null, id);
  }

  doneTiles(id: string): number[] {
    return (this.db.prepare('SELECT tile_index FROM scarp_run_tiles WHERE run_id = ? ORDER BY tile_index').all(id) as Array<{ tile_index: number }>).map((r) => r.tile_index);
  }

  /** A writer of the run's probability tiles (call its `write` inside a transaction). */
  tileWriter(runId: string, width: number, height: number): PredictionTileWriter {
    return new PredictionTileWriter(this.db, runId, width, height);
  }

  /** Read a window of a run's quantised probability (255 where nothing was written). */
  readProbability(id: string, win: Window): Uint8Array {
    const run = this.get(id);
    if (!run) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `No run ${id} in this project.` });
    const out = new Uint8Array(win.width * win.height).fill(NODATA_U8);
    const get = this.db.prepare('SELECT width, height, data FROM scarp_prediction_tiles WHERE run_id = ? AND tile_row = ? AND tile_col = ?');
    for (const [r, c] of tilesOf(win)) {
      const t = get.get(id, r, c) as { width: number; height: number; data: Buffer } | undefined;
      if (t) blitTile(decompressTile(t.data, t.width, t.height), t.width, t.height, r, c, win, out);
    }
    return out;
  }
}

/**
 * Writes a run's rows into its probability tiles. Rows arrive in order (row bands of any height);
 * tiles of the current tile row are kept decompressed in memory and re-written as they fill, so
 * what is committed always holds every row written so far. Call `write` inside a transaction.
 */
export class PredictionTileWriter {
  private readonly cache = new Map<string, Uint8Array>();
  private readonly get: Database.Statement;
  private readonly put: Database.Statement;
  private readonly tileDone: Database.Statement;
  private readonly progress: Database.Statement;

  constructor(
    db: Db,
    private readonly runId: string,
    private readonly width: number,
    private readonly height: number,
  ) {
    this.get = db.prepare('SELECT width, height, data FROM scarp_prediction_tiles WHERE run_id = ? AND tile_row = ? AND tile_col = ?');
    this.put = db.prepare('INSERT OR REPLACE INTO scarp_prediction_tiles (run_id, tile_row, tile_col, width, height, data) VALUES (?, ?, ?, ?, ?, ?)');
    this.tileDone = db.prepare('INSERT OR IGNORE INTO scarp_run_tiles (run_id, tile_index, x, y, width, height, done_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.progress = db.prepare('UPDATE scarp_runs SET rows_done = ?, tiles_done = (SELECT COUNT(*) FROM scarp_run_tiles WHERE run_id = ?), updated_at = ? WHERE id = ?');
  }

  private tile(r: number, c: number): Uint8Array {
    const key = `${r}/${c}`;
    let t = this.cache.get(key);
    if (!t) {
      const s = tileSize(this.width, this.height, r, c);
      const row = this.get.get(this.runId, r, c) as { width: number; height: number; data: Buffer } | undefined;
      t = row ? decompressTile(row.data, row.width, row.height).slice() : new Uint8Array(s.width * s.height).fill(NODATA_U8);
      this.cache.set(key, t);
    }
    return t;
  }

  /** Store rows [y, y + n) (quantised, n × width) and mark the inference tiles they complete. */
  write(y: number, data: Uint8Array, n: number, done: DoneTile[]): void {
    const T = RASTER_TILE_SIZE;
    const W = this.width;
    for (const [r, c] of tilesOf({ x: 0, y, width: W, height: n })) {
      const s = tileSize(this.width, this.height, r, c);
      const t = this.tile(r, c);
      const y0 = Math.max(y, r * T);
      const y1 = Math.min(y + n, r * T + s.height);
      for (let yy = y0; yy < y1; yy++) {
        const src = (yy - y) * W + c * T;
        t.set(data.subarray(src, src + s.width), (yy - r * T) * s.width);
      }
      this.put.run(this.runId, r, c, s.width, s.height, compressTile(t));
    }
    // Tiles of finished tile rows are never touched again.
    const firstOpen = Math.floor((y + n) / T);
    for (const key of this.cache.keys()) if (Number(key.split('/')[0]) < firstOpen) this.cache.delete(key);
    const now = new Date().toISOString();
    for (const d of done) this.tileDone.run(this.runId, d.index, d.window.x, d.window.y, d.window.width, d.window.height, now);
    this.progress.run(y + n, this.runId, now, this.runId);
  }
}
