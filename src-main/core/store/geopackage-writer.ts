/**
 * Writing landslide features into a GeoPackage.
 * - `LandslideInserter`: prepared statements on an open database (used in bulk by the file writer,
 *   usable by the project store inside its own transactions).
 * - `LandslideGpkgWriter` / `writeLandslidesGpkg`: a new .gpkg written to a temporary file in the
 *   target folder, in one transaction, and renamed into place; nothing is left behind on failure.
 */
import Database from 'better-sqlite3';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Bounds, CrsInfo } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { multiPolygonBounds, type FlatMultiPolygon } from '../vector/geometry';
import { encodeGpkgMultiPolygon } from '../vector/geopackage-geometry';
import {
  createFeatureTable,
  createGpkgCore,
  createRtreeTriggers,
  ensureSrs,
  q,
  registerGpkgFunctions,
  rtreeName,
  updateContentsExtent,
} from './geopackage-schema';
import { LANDSLIDE_COLUMNS, LANDSLIDES_GEOMETRY_COLUMN, LANDSLIDES_TABLE, landslidesTableDef, landslidesUuidTriggerSql, type LandslideRecord } from './landslides-schema';

type Db = Database.Database;

/** A feature to write: geometry in the layer's CRS and its attributes (defaults fill the rest). */
export interface LandslideFeature {
  geometry: FlatMultiPolygon;
  properties: Partial<LandslideRecord> & Pick<LandslideRecord, 'area_m2' | 'perimeter_m'>;
}

/** Complete a record with defaults: a fresh uuid, type unknown, status predicted, timestamps now. */
export function completeRecord(p: LandslideFeature['properties'], now: string = new Date().toISOString()): LandslideRecord {
  return {
    uuid: p.uuid ?? randomUUID(),
    scene: p.scene ?? null,
    run: p.run ?? null,
    area_m2: p.area_m2,
    perimeter_m: p.perimeter_m,
    prob_mean: p.prob_mean ?? null,
    prob_max: p.prob_max ?? null,
    slope_mean: p.slope_mean ?? null,
    elev_min: p.elev_min ?? null,
    elev_max: p.elev_max ?? null,
    aspect_mean: p.aspect_mean ?? null,
    dem_coverage: p.dem_coverage ?? null,
    type: p.type ?? 'unknown',
    status: p.status ?? 'predicted',
    confidence: p.confidence ?? null,
    mapper: p.mapper ?? null,
    created_at: p.created_at ?? now,
    updated_at: p.updated_at ?? p.created_at ?? now,
    notes: p.notes ?? null,
    source: p.source ?? null,
    attrs: p.attrs ?? null,
  };
}

/**
 * Inserts landslide rows with prepared statements. With `fillRtree` the R-tree rows are inserted
 * directly (for bulk loading before the triggers exist); otherwise the triggers maintain it.
 */
export class LandslideInserter {
  private readonly insert: Database.Statement;
  private readonly rtree: Database.Statement | null;
  private readonly now = new Date().toISOString();
  /** Extent of everything inserted through this inserter. */
  readonly bounds: Bounds = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  count = 0;

  constructor(
    db: Db,
    private readonly srsId: number,
    opts: { fillRtree?: boolean } = {},
  ) {
    const cols = [q(LANDSLIDES_GEOMETRY_COLUMN), ...LANDSLIDE_COLUMNS.map((c) => q(c.name))];
    this.insert = db.prepare(`INSERT INTO ${q(LANDSLIDES_TABLE)} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
    this.rtree = opts.fillRtree ? db.prepare(`INSERT INTO ${q(rtreeName(LANDSLIDES_TABLE, LANDSLIDES_GEOMETRY_COLUMN))} VALUES (?, ?, ?, ?, ?)`) : null;
  }

  /** Insert one feature; returns its fid. */
  add(f: LandslideFeature): number {
    const rec = completeRecord(f.properties, this.now);
    const env = multiPolygonBounds(f.geometry);
    const blob = encodeGpkgMultiPolygon(f.geometry, this.srsId, env);
    const values: Array<string | number | null | Buffer> = [blob];
    for (const c of LANDSLIDE_COLUMNS) values.push(rec[c.name]);
    const info = this.insert.run(values);
    const fid = Number(info.lastInsertRowid);
    if (f.geometry.length > 0) {
      if (this.rtree) this.rtree.run(fid, env.minX, env.maxX, env.minY, env.maxY);
      const b = this.bounds;
      if (env.minX < b.minX) b.minX = env.minX;
      if (env.minY < b.minY) b.minY = env.minY;
      if (env.maxX > b.maxX) b.maxX = env.maxX;
      if (env.maxY > b.maxY) b.maxY = env.maxY;
    }
    this.count++;
    return fid;
  }
}

/** Open (or create) a database with the GeoPackage SQL functions registered. */
export function openGpkgDatabase(path: string, opts: Database.Options = {}): Db {
  const db = new Database(path, opts);
  registerGpkgFunctions(db);
  return db;
}

export interface GpkgWriteResult {
  path: string;
  count: number;
  bounds: Bounds | null;
}

export interface GpkgWriterOptions {
  crs: CrsInfo;
  /** Replace an existing file (default false: OUTPUT_EXISTS). */
  overwrite?: boolean;
}

function unwritable(path: string, err: unknown): ScarpError {
  return new ScarpError(
    {
      code: 'FILE_UNWRITABLE',
      message: `Cannot write ${path}: ${(err as Error).message ?? String(err)}`,
      hint: 'Check that the folder exists, is writable and has free space.',
      file: path,
    },
    { cause: err },
  );
}

function removeTemp(tmp: string): void {
  for (const p of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) rmSync(p, { force: true });
}

/**
 * Start a new landslides GeoPackage at `path` (a temporary file the caller renames into place):
 * the core tables, the CRS, the landslides table and an inserter that fills its R-tree, in an open
 * transaction without a journal. The one set-up of the inventory files Scarp writes (exports, shard
 * files); the caller closes the database and removes the file when this throws.
 */
export function beginLandslidesGpkg(path: string, crs: CrsInfo): { db: Db; srsId: number; inserter: LandslideInserter } {
  const db = openGpkgDatabase(path);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.exec('BEGIN');
    createGpkgCore(db);
    const srsId = ensureSrs(db, crs);
    createFeatureTable(db, landslidesTableDef(srsId), { triggers: false });
    return { db, srsId, inserter: new LandslideInserter(db, srsId, { fillRtree: true }) };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** A new landslides GeoPackage, filled feature by feature and committed (renamed into place) at the end. */
export class LandslideGpkgWriter {
  private db: Db | null;
  private readonly inserter: LandslideInserter;
  private readonly tmp: string;
  readonly path: string;

  private constructor(path: string, tmp: string, db: Db, inserter: LandslideInserter, private readonly overwrite: boolean) {
    this.path = path;
    this.tmp = tmp;
    this.db = db;
    this.inserter = inserter;
  }

  static create(path: string, opts: GpkgWriterOptions): LandslideGpkgWriter {
    const out = resolve(path);
    if (!opts.overwrite && existsSync(out)) {
      throw new ScarpError({ code: 'OUTPUT_EXISTS', message: `${out} already exists`, hint: 'Choose another name, or allow overwriting to replace it.', options: ['overwrite'], file: out });
    }
    const dir = dirname(out);
    if (!existsSync(dir)) throw unwritable(out, new Error(`folder ${dir} does not exist`));
    const tmp = join(dir, `.${basename(out)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      const { db, inserter } = beginLandslidesGpkg(tmp, opts.crs);
      return new LandslideGpkgWriter(out, tmp, db, inserter, opts.overwrite ?? false);
    } catch (err) {
      removeTemp(tmp);
      if (err instanceof ScarpError) throw err;
      throw unwritable(out, err);
    }
  }

  get count(): number {
    return this.inserter.count;
  }

  add(f: LandslideFeature): number {
    if (!this.db) throw new ScarpError({ code: 'INTERNAL', message: 'GeoPackage writer already closed' });
    try {
      return this.inserter.add(f);
    } catch (err) {
      this.abort();
      if (err instanceof ScarpError) throw err;
      throw unwritable(this.path, err);
    }
  }

  /** Create the R-tree triggers, set the extent, commit and move the file into place. */
  commit(): GpkgWriteResult {
    const db = this.db;
    if (!db) throw new ScarpError({ code: 'INTERNAL', message: 'GeoPackage writer already closed' });
    try {
      createRtreeTriggers(db, LANDSLIDES_TABLE, LANDSLIDES_GEOMETRY_COLUMN);
      db.exec(landslidesUuidTriggerSql());
      const b = this.inserter.bounds;
      updateContentsExtent(db, LANDSLIDES_TABLE, LANDSLIDES_GEOMETRY_COLUMN, Number.isFinite(b.minX) ? b : null);
      db.exec('COMMIT');
      db.close();
      this.db = null;
      if (!this.overwrite && existsSync(this.path)) {
        throw new ScarpError({ code: 'OUTPUT_EXISTS', message: `${this.path} appeared while writing`, hint: 'Choose another name, or allow overwriting to replace it.', options: ['overwrite'], file: this.path });
      }
      renameSync(this.tmp, this.path);
    } catch (err) {
      this.abort();
      if (err instanceof ScarpError) throw err;
      throw unwritable(this.path, err);
    }
    const b = this.inserter.bounds;
    return { path: this.path, count: this.inserter.count, bounds: Number.isFinite(b.minX) ? { ...b } : null };
  }

  /** Discard everything written so far. */
  abort(): void {
    if (this.db) {
      try {
        this.db.close();
      } catch {
        /* ignore */
      }
      this.db = null;
    }
    removeTemp(this.tmp);
  }
}

/** Write features (array, iterable or async iterable) to a new landslides GeoPackage. */
export async function writeLandslidesGpkg(
  path: string,
  features: Iterable<LandslideFeature> | AsyncIterable<LandslideFeature>,
  opts: GpkgWriterOptions,
): Promise<GpkgWriteResult> {
  const w = LandslideGpkgWriter.create(path, opts);
  try {
    for await (const f of features) w.add(f);
  } catch (err) {
    w.abort();
    throw err;
  }
  return w.commit();
}
