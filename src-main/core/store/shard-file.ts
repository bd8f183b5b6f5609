/**
 * The shard file of `scarp detect --shard K/N`: a GeoPackage whose `landslides` layer holds the
 * polygons the shard could finish on its own (QGIS opens it like any inventory), plus two tables of
 * its own that `scarp merge-shards` needs for the joins:
 *
 * - `scarp_shard`: one row, the shard's description as JSON (what was run, on which grid, which
 *   part of the tile plan, which rows it finished, its timings);
 * - `scarp_shard_rows`: per image row the shard hands over, either a FINAL row (the blended
 *   probability and the terrain under the mask, for polygons that reach the shard's edge) or a
 *   PARTIAL row (the weighted sum, weight sum and no-data flags of the rows it shares with another
 *   shard). Arrays are stored raw-deflated, little-endian.
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
  probability?: Float32Array;
  acc?: Float64Array;
  weight?: Float64Array;
  /** 1 where the probability is undefined whatever the sums (no imagery, outside the AOI). */
  invalid?: Uint8Array;
  slope?: Float32Array;
  elevation?: Float32Array;
  aspect?: Float32Array;
}

const ARRAYS = ['probability', 'acc', 'weight', 'invalid', 'slope', 'elevation', 'aspect'] as const;
type ArrayKey = (typeof ARRAYS)[number];

const SHARD_TABLE = 'scarp_shard';
const ROWS_TABLE = 'scarp_shard_rows';

const pack = (a: ArrayBufferView | undefined): Buffer | null => (a ? deflateRawSync(Buffer.from(a.buffer, a.byteOffset, a.byteLength), { level: 1 }) : null);

function unpack(key: ArrayKey, b: Buffer | null): ShardRow[ArrayKey] {
  if (!b) return undefined;
  const raw = inflateRawSync(b);
  // Copy into an aligned buffer: the inflated Buffer may sit at any offset of a shared pool.
  const bytes = new Uint8Array(raw.byteLength);
  bytes.set(raw);
  if (key === 'invalid') return bytes;
  const size = key === 'acc' || key === 'weight' ? 8 : 4;
  if (bytes.byteLength % size !== 0) throw new Error(`${bytes.byteLength} bytes are not whole ${size}-byte values`);
  return size === 8 ? new Float64Array(bytes.buffer) : new Float32Array(bytes.buffer);
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

  /** Forget the final rows outside `keep` (row ranges [y0, y1)): no polygon of the merge needs them. */
  keepFinalRows(keep: ReadonlyArray<{ y0: number; y1: number }>): void {
    const db = this.open;
    const inKeep = keep.map(() => '(y >= ? AND y < ?)').join(' OR ') || '0';
    db.prepare(`DELETE FROM ${ROWS_TABLE} WHERE kind = 'final' AND NOT (${inKeep})`).run(...keep.flatMap((r) => [r.y0, r.y1]));
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

  /**
   * The stored rows in [y0, y1), in row order. `width`: the columns every stored array must have; a
   * row that does not decode to them (a damaged file) is CORRUPT_FILE naming the file and the row.
   */
  *rows(y0: number, y1: number, width?: number): Generator<ShardRow> {
    const stmt = this.db.prepare(`SELECT y, kind, ${ARRAYS.join(', ')} FROM ${ROWS_TABLE} WHERE y >= ? AND y < ? ORDER BY y`);
    for (const r of stmt.iterate(y0, y1) as Iterable<Record<string, unknown>>) {
      const row: ShardRow = { y: r.y as number, kind: r.kind as ShardRow['kind'] };
      for (const k of ARRAYS) {
        let v: ShardRow[ArrayKey];
        try {
          v = unpack(k, r[k] as Buffer | null);
          if (v && width !== undefined && v.length !== width) throw new Error(`${v.length} values for ${width} columns`);
        } catch (err) {
          throw new ScarpError({
            code: 'CORRUPT_FILE',
            message: `The shard file ${this.path} is damaged: row ${String(r.y)} (${k}) cannot be read (${(err as Error).message}).`,
            file: this.path,
            hint: 'Run that shard again (scarp detect --shard K/N) and merge the new file.',
          });
        }
        if (v) (row as unknown as Record<string, unknown>)[k] = v;
      }
      yield row;
    }
  }

  /** Row numbers stored, by kind. */
  rowNumbers(): { final: number[]; partial: number[] } {
    const all = this.db.prepare(`SELECT y, kind FROM ${ROWS_TABLE} ORDER BY y`).all() as Array<{ y: number; kind: string }>;
    return { final: all.filter((r) => r.kind === 'final').map((r) => r.y), partial: all.filter((r) => r.kind === 'partial').map((r) => r.y) };
  }

  features(): ShardFeature[] {
    const cols = [q(LANDSLIDES_GEOMETRY_COLUMN), ...LANDSLIDE_COLUMNS.map((c) => q(c.name))];
    const rows = this.db.prepare(`SELECT ${cols.join(', ')} FROM ${q(LANDSLIDES_TABLE)} ORDER BY fid`).all() as Array<Record<string, unknown>>;
    return rows.map((r) => ({ geometry: decodeGpkgPolygons(r[LANDSLIDES_GEOMETRY_COLUMN] as Buffer), record: Object.fromEntries(LANDSLIDE_COLUMNS.map((c) => [c.name, r[c.name]])) as unknown as LandslideRecord }));
  }

  close(): void {
    this.db.close();
  }
}
