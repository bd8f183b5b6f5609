/**
 * The shard file of `scarp detect --shard K/N`: a GeoPackage whose `landslides` layer holds the
 * polygons the shard could finish on its own (QGIS opens it like any inventory), plus two tables of
 * its own that `scarp merge-shards` needs for the joins:
 *
 * - `scarp_shard`: one row, the shard's description as JSON (what was run, on which grid, which
 *   part of the tile plan, which rows it finished, its timings);
 * - `scarp_shard_rows`: per image row the shard hands over, either a FINAL row (for the polygons
 *   that reach the shard's edge: the row's foreground runs, and the blended probability and the
 *   terrain of those pixels only, in run order) or a PARTIAL row (the weighted sum, weight sum and
 *   no-data flags of the rows it shares with another shard, whole rows). Arrays are stored
 *   raw-deflated, little-endian.
 */
import Database from 'better-sqlite3';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { CrsInfo } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { decodeGpkgPolygons } from '../vector/geopackage-geometry';
import type { FlatMultiPolygon } from '../vector/geometry';
import { beginLandslidesGpkg, type LandslideInserter, type LandslideFeature } from './geopackage-writer';
import { createRtreeTriggers, q, updateContentsExtent } from './geopackage-schema';
import { LANDSLIDE_COLUMNS, LANDSLIDES_GEOMETRY_COLUMN, LANDSLIDES_TABLE, landslidesUuidTriggerSql, type LandslideRecord } from './landslides-schema';

type Db = Database.Database;

/** One row a shard hands over (see the file comment). */
export interface ShardRow {
  y: number;
  kind: 'final' | 'partial';
  /** Final rows: the foreground runs [x0, x1) as pairs; probability and terrain then hold those pixels only, in run order. */
  runs?: Int32Array;
  probability?: Float32Array;
  acc?: Float64Array;
  weight?: Float64Array;
  /** 1 where the probability is undefined whatever the sums (no imagery, outside the AOI). */
  invalid?: Uint8Array;
  slope?: Float32Array;
  elevation?: Float32Array;
  aspect?: Float32Array;
}

/** A stored row whose arrays are inflated on demand. */
export interface StoredRow {
  y: number;
  kind: ShardRow['kind'];
  get<K extends ArrayKey>(key: K): ShardRow[K];
}

const ARRAYS = ['runs', 'probability', 'acc', 'weight', 'invalid', 'slope', 'elevation', 'aspect'] as const;
export type ArrayKey = (typeof ARRAYS)[number];

const SHARD_TABLE = 'scarp_shard';
const ROWS_TABLE = 'scarp_shard_rows';

const pack = (a: ArrayBufferView | undefined): Buffer | null => (a ? deflateRawSync(Buffer.from(a.buffer, a.byteOffset, a.byteLength), { level: 1 }) : null);

/** Bytes per element of each stored array. */
const ELEMENT_BYTES: Record<ArrayKey, number> = { runs: 4, probability: 4, acc: 8, weight: 8, invalid: 1, slope: 4, elevation: 4, aspect: 4 };

function unpack(key: ArrayKey, b: Buffer | null): ShardRow[ArrayKey] {
  if (!b) return undefined;
  let raw: Buffer;
  try {
    raw = inflateRawSync(b);
  } catch (err) {
    throw new ScarpError({ code: 'CORRUPT_FILE', message: `its stored ${key} row does not inflate (${(err as Error).message})` }, { cause: err });
  }
  if (raw.byteLength % ELEMENT_BYTES[key] !== 0) throw new ScarpError({ code: 'CORRUPT_FILE', message: `its stored ${key} row holds ${raw.byteLength} bytes, not whole ${ELEMENT_BYTES[key]}-byte values` });
  // Copy into an aligned buffer: the inflated Buffer may sit at any offset of a shared pool.
  const bytes = new Uint8Array(raw.byteLength);
  bytes.set(raw);
  if (key === 'invalid') return bytes;
  if (key === 'runs') return new Int32Array(bytes.buffer);
  if (key === 'acc' || key === 'weight') return new Float64Array(bytes.buffer);
  return new Float32Array(bytes.buffer);
}

function unwritable(path: string, err: unknown): ScarpError {
  if (err instanceof ScarpError) return err;
  return new ScarpError(
    { code: 'FILE_UNWRITABLE', message: `Cannot write the shard file ${path}: ${(err as Error).message ?? String(err)}`, hint: 'Check that the folder is writable and has free space.', file: path },
    { cause: err },
  );
}

/** Writes a shard file at `path` (a temporary path: the caller renames it into place). */
export class ShardFileWriter {
  private db: Db | null;
  private readonly inserter: LandslideInserter;
  private readonly putStmt: Database.Statement;

  private constructor(
    private readonly path: string,
    db: Db,
    inserter: LandslideInserter,
  ) {
    this.db = db;
    this.inserter = inserter;
    this.putStmt = db.prepare(`INSERT OR REPLACE INTO ${ROWS_TABLE} (y, kind, ${ARRAYS.join(', ')}) VALUES (?, ?, ${ARRAYS.map(() => '?').join(', ')})`);
  }

  static create(path: string, crs: CrsInfo): ShardFileWriter {
    let db: Db | null = null;
    try {
      const begun = beginLandslidesGpkg(path, crs);
      db = begun.db;
      db.exec(`CREATE TABLE ${SHARD_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), description TEXT NOT NULL)`);
      db.exec(`CREATE TABLE ${ROWS_TABLE} (y INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('final', 'partial')), ${ARRAYS.map((a) => `${a} BLOB`).join(', ')})`);
      return new ShardFileWriter(path, db, begun.inserter);
    } catch (err) {
      db?.close();
      throw unwritable(path, err);
    }
  }

  private get open(): Db {
    if (!this.db) throw new ScarpError({ code: 'INTERNAL', message: 'Shard file already closed.' });
    return this.db;
  }

  putRow(row: ShardRow): void {
    void this.open;
    try {
      this.putStmt.run(row.y, row.kind, ...ARRAYS.map((k) => pack(row[k])));
    } catch (err) {
      throw unwritable(this.path, err);
    }
  }

  addFeature(f: LandslideFeature): void {
    void this.open;
    try {
      this.inserter.add(f);
    } catch (err) {
      throw unwritable(this.path, err);
    }
  }

  /** Store the description, finish the GeoPackage and close the file. */
  commit(description: unknown): void {
    const db = this.open;
    try {
      db.prepare(`INSERT INTO ${SHARD_TABLE} (id, description) VALUES (1, ?)`).run(JSON.stringify(description));
      createRtreeTriggers(db, LANDSLIDES_TABLE, LANDSLIDES_GEOMETRY_COLUMN);
      db.exec(landslidesUuidTriggerSql());
      const b = this.inserter.bounds;
      updateContentsExtent(db, LANDSLIDES_TABLE, LANDSLIDES_GEOMETRY_COLUMN, Number.isFinite(b.minX) ? b : null);
      db.exec('COMMIT');
      db.close();
      this.db = null;
    } catch (err) {
      this.abort();
      throw unwritable(this.path, err);
    }
  }

  abort(): void {
    try {
      this.db?.close();
    } catch {
      /* closing a failed file: nothing more to do */
    }
    this.db = null;
  }
}

/** A landslide read back from a shard file: its geometry and stored fields. */
export interface ShardFeature {
  geometry: FlatMultiPolygon;
  record: LandslideRecord;
}

/** Reads a shard file (read-only). */
export class ShardFileReader {
  private constructor(
    readonly path: string,
    private readonly db: Db,
    /** The description as stored (JSON); the caller checks its shape. */
    readonly description: unknown,
  ) {}

  static open(path: string): ShardFileReader {
    let db: Db;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw new ScarpError({ code: 'FILE_NOT_FOUND', message: `Cannot open the shard file ${path}: ${(err as Error).message}`, file: path, hint: 'Give the files `scarp detect --shard K/N --out …` wrote.' }, { cause: err });
    }
    const notShard = (why: string) =>
      new ScarpError({
        code: 'INVALID_ARGUMENT',
        message: `${path} is not a Scarp shard file (${why}).`,
        file: path,
        hint: 'Give the files `scarp detect --shard K/N --out …` wrote; a shard that failed or is still running leaves no file.',
      });
    try {
      const has = db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN (?, ?)`).get(SHARD_TABLE, ROWS_TABLE) as { n: number };
      if (has.n !== 2) throw notShard(`no ${SHARD_TABLE} tables`);
      const row = db.prepare(`SELECT description FROM ${SHARD_TABLE} WHERE id = 1`).get() as { description: string } | undefined;
      if (!row) throw notShard('its description is missing');
      return new ShardFileReader(path, db, JSON.parse(row.description) as unknown);
    } catch (err) {
      db.close();
      if (err instanceof ScarpError) throw err;
      throw notShard((err as Error).message);
    }
  }

  /** A read of this file that failed (SQLite pages, a stored row, a geometry): CORRUPT_FILE naming the shard. */
  private damaged(err: unknown, what: string): ScarpError {
    if (err instanceof ScarpError && err.file) return err;
    return new ScarpError(
      {
        code: 'CORRUPT_FILE',
        message: `The shard file ${this.path} is damaged: ${what}: ${(err as Error).message ?? String(err)}.`,
        hint: 'Run this shard again (scarp detect --shard K/N with the same options) and merge again; the other shard files can stay.',
        file: this.path,
      },
      { cause: err },
    );
  }

  /** The stored rows in [y0, y1), in row order, each array inflated when asked for (`get`). */
  *rows(y0: number, y1: number): Generator<StoredRow> {
    const it = this.db.prepare(`SELECT y, kind, ${ARRAYS.join(', ')} FROM ${ROWS_TABLE} WHERE y >= ? AND y < ? ORDER BY y`).iterate(y0, y1) as IterableIterator<Record<string, unknown>>;
    // A reader that stops early (a damaged row, a cancelled merge) ends the statement, or close() would find it busy.
    try {
      for (;;) {
        let next: IteratorResult<Record<string, unknown>>;
        try {
          next = it.next();
        } catch (err) {
          throw this.damaged(err, `reading rows ${y0}–${y1}`);
        }
        if (next.done) return;
        const r = next.value;
        const get = <K extends ArrayKey>(k: K): ShardRow[K] => {
          try {
            return unpack(k, r[k] as Buffer | null) as ShardRow[K];
          } catch (err) {
            throw this.damaged(err, `row ${String(r.y)}`);
          }
        };
        yield { y: r.y as number, kind: r.kind as ShardRow['kind'], get };
      }
    } finally {
      it.return?.();
    }
  }

  /** Row numbers stored, by kind. */
  rowNumbers(): { final: number[]; partial: number[] } {
    let all: Array<{ y: number; kind: string }>;
    try {
      all = this.db.prepare(`SELECT y, kind FROM ${ROWS_TABLE} ORDER BY y`).all() as Array<{ y: number; kind: string }>;
    } catch (err) {
      throw this.damaged(err, 'reading its row list');
    }
    return { final: all.filter((r) => r.kind === 'final').map((r) => r.y), partial: all.filter((r) => r.kind === 'partial').map((r) => r.y) };
  }

  features(): ShardFeature[] {
    const cols = [q(LANDSLIDES_GEOMETRY_COLUMN), ...LANDSLIDE_COLUMNS.map((c) => q(c.name))];
    try {
      const rows = this.db.prepare(`SELECT ${cols.join(', ')} FROM ${q(LANDSLIDES_TABLE)} ORDER BY fid`).all() as Array<Record<string, unknown>>;
      return rows.map((r) => ({ geometry: decodeGpkgPolygons(r[LANDSLIDES_GEOMETRY_COLUMN] as Buffer), record: Object.fromEntries(LANDSLIDE_COLUMNS.map((c) => [c.name, r[c.name]])) as unknown as LandslideRecord }));
    } catch (err) {
      throw this.damaged(err, 'reading its landslides');
    }
  }

  close(): void {
    this.db.close();
  }
}
