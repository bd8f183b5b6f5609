/**
 * Opening, creating and closing a project GeoPackage safely.
 *
 * Open: the file must exist, start with the SQLite header, be writable, not be locked by another
 * Scarp, pass `PRAGMA integrity_check` (quick_check above a size threshold), hold Scarp's tables and
 * a schema version this Scarp knows. Every check runs before anything is written, so a refused file
 * is left byte-identical. An older project is copied to `<name>.backup-v<N>.gpkg` and upgraded in
 * one transaction. Then WAL with short transactions while open; on close a full checkpoint and back
 * to a rollback journal, so the single .gpkg is complete when copied.
 */
import Database from 'better-sqlite3';
import { randomBytes, randomUUID } from 'node:crypto';
import { accessSync, closeSync, constants, copyFileSync, existsSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { ScarpError } from '../../../../src-shared/errors';
import { createFeatureTable, createGpkgCore, GPKG_APPLICATION_ID, registerGpkgFunctions } from '../geopackage-schema';
import { landslidesTableDef } from '../landslides-schema';
import { corrupt, diskFull, isDiskFull, projectError, readOnly } from './errors';
import { currentUser, ProjectLock, thisOwner } from './lock';
import { enterWriteGuard, leaveWriteGuard } from './external-edits';
import { hasTable, migrate, PROVENANCE_COLUMNS, readSchemaVersion, SCHEMA_VERSION } from './schema';

type Db = Database.Database;

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Files at least this big get `quick_check` on open instead of the full `integrity_check`.
 * Measured (bench/store-features): integrity_check ≈ 200 MB/s on a 2-core laptop-class machine
 * (127 MB: 0.64 s; quick_check 0.36 s), so full checks stay under ~1.5 s.
 */
export const FULL_CHECK_MAX_BYTES = 256 * 1024 * 1024;

export interface OpenProjectOptions {
  /** 'auto' (default): integrity_check below FULL_CHECK_MAX_BYTES, quick_check above. */
  check?: 'full' | 'quick' | 'auto' | 'none';
}

export interface CreateProjectOptions {
  overwrite?: boolean;
  /** Schema version to create (tests of migrations); default the current one. */
  version?: number;
}

export interface OpenReport {
  /** Version found in the file before any upgrade. */
  fromVersion: number;
  upgraded: boolean;
  backupPath: string | null;
  check: 'integrity_check' | 'quick_check' | 'none';
  checkMs: number;
}

function readHeader(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(100);
    const n = readSync(fd, b, 0, 100, 0);
    return b.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function notAProject(path: string, message: string, hint?: string, options?: string[]): ScarpError {
  return new ScarpError({ code: 'NOT_A_PROJECT', message: `${path} ${message}`, hint, file: path, options });
}

function assertWritable(path: string): void {
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    accessSync(dirname(path), constants.W_OK);
  } catch (e) {
    throw readOnly(path, e);
  }
}

/** A backup name that does not exist yet: <name>.backup-v<N>.gpkg, then -2, -3, ... */
function backupPathFor(path: string, version: number): string {
  const ext = extname(path) || '.gpkg';
  const stem = join(dirname(path), basename(path, ext));
  let p = `${stem}.backup-v${version}${ext}`;
  for (let i = 2; existsSync(p); i++) p = `${stem}.backup-v${version}-${i}${ext}`;
  return p;
}

function openConnection(path: string): Db {
  const db = new Database(path, { fileMustExist: true });
  registerGpkgFunctions(db);
  db.pragma('busy_timeout = 5000');
  return db;
}

function safeClose(db: Db | null): void {
  try {
    db?.close();
  } catch {
    /* already closed */
  }
}

/** Write the v<version> Scarp schema into a fresh GeoPackage (core tables + landslides + scarp_*). */
function initialise(db: Db, version: number): void {
  createGpkgCore(db);
  // The CRS comes with the first scene; until then the layer is in the undefined cartesian SRS.
  // Before v3 the layer had no provenance columns (the v3 migration adds them); before v6 uuid was NOT NULL;
  // before v7 there was no dem_coverage.
  const def = landslidesTableDef(-1);
  const old = (PROVENANCE_COLUMNS as readonly string[]).map((c) => `"${c}" `);
  let columns = version >= 3 ? def.columns : def.columns.filter((c) => !old.some((o) => c.startsWith(o)));
  if (version < 6) columns = columns.map((c) => (c.startsWith('"uuid" ') ? '"uuid" TEXT NOT NULL UNIQUE' : c));
  if (version < 7) columns = columns.filter((c) => !c.startsWith('"dem_coverage" '));
  createFeatureTable(db, { ...def, columns });
  migrate(db, 0, version);
  const meta = db.prepare('INSERT OR REPLACE INTO scarp_meta (key, value) VALUES (?, ?)');
  meta.run('project_id', randomUUID());
  meta.run('created_at', new Date().toISOString());
  meta.run('created_by', currentUser());
  meta.run('application', 'Scarp');
}

export class ProjectDb {
  private closed = false;

  private constructor(
    readonly path: string,
    readonly db: Db,
    private readonly lock: ProjectLock,
    readonly openReport: OpenReport,
  ) {}

  /** Create a new project file (refuses to replace one unless `overwrite`) and open it. */
  static create(file: string, opts: CreateProjectOptions = {}): ProjectDb {
    return ProjectDb.open(ProjectDb.createFile(file, opts));
  }

  /** Write a new, closed project file (written aside, then renamed into place); returns its path. */
  static createFile(file: string, opts: CreateProjectOptions = {}): string {
    const path = resolve(file);
    if (existsSync(path) && !opts.overwrite) {
      throw new ScarpError({ code: 'OUTPUT_EXISTS', message: `${path} already exists.`, hint: 'Open it instead, or choose another name.', file: path });
    }
    if (!existsSync(dirname(path))) {
      throw new ScarpError({ code: 'FILE_UNWRITABLE', message: `Folder ${dirname(path)} does not exist.`, file: path });
    }
    const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    let db: Db | null = null;
    try {
      db = new Database(tmp);
      registerGpkgFunctions(db);
      db.pragma('journal_mode = DELETE');
      db.transaction(() => initialise(db!, opts.version ?? SCHEMA_VERSION))();
      db.close();
      db = null;
      if (existsSync(path) && !opts.overwrite) {
        throw new ScarpError({ code: 'OUTPUT_EXISTS', message: `${path} appeared while it was being created.`, file: path });
      }
      renameSync(tmp, path);
    } catch (e) {
      safeClose(db);
      for (const p of [tmp, `${tmp}-journal`]) rmSync(p, { force: true });
      throw projectError(path, e, 'creating the project');
    }
    return path;
  }

  /** Open an existing project (see the module comment for every check). */
  static open(file: string, opts: OpenProjectOptions = {}): ProjectDb {
    const path = resolve(file);
    if (!existsSync(path)) {
      throw new ScarpError({ code: 'FILE_NOT_FOUND', message: `${path} does not exist.`, hint: 'Check the path, or create a new project.', file: path });
    }
    if (statSync(path).isDirectory()) throw notAProject(path, 'is a folder, not a project file.');
    const header = readHeader(path);
    if (header.length < 100 || !header.subarray(0, 16).equals(SQLITE_MAGIC)) {
      throw notAProject(path, 'is not a Scarp project: it is not an SQLite/GeoPackage file.', 'Choose a .gpkg project made by Scarp, or create a new project.');
    }
    assertWritable(path);
    let lock: ProjectLock;
    try {
      lock = ProjectLock.acquire(path);
    } catch (e) {
      if (e instanceof ScarpError) throw e;
      throw readOnly(path, e);
    }
    let db: Db | null = null;
    try {
      db = openConnection(path);
      const report = ProjectDb.inspect(db, path, opts);
      if (report.fromVersion < SCHEMA_VERSION) {
        db.close();
        db = null;
        report.backupPath = ProjectDb.upgrade(path, report.fromVersion);
        report.upgraded = true;
        db = openConnection(path);
      }
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      const me = lock.owner;
      db.prepare('INSERT OR REPLACE INTO scarp_lock (id, user, host, pid, since) VALUES (1, ?, ?, ?, ?)').run(me.user, me.host, me.pid, me.since);
      return new ProjectDb(path, db, lock, report);
    } catch (e) {
      safeClose(db);
      lock.release();
      throw projectError(path, e, 'opening the project');
    }
  }

  /** Read-only checks: integrity, Scarp tables, version. Throws a ScarpError; writes nothing. */
  private static inspect(db: Db, path: string, opts: OpenProjectOptions): OpenReport {
    const mode = opts.check ?? 'auto';
    const size = statSync(path).size;
    const kind = mode === 'none' ? 'none' : mode === 'quick' || (mode === 'auto' && size >= FULL_CHECK_MAX_BYTES) ? 'quick_check' : 'integrity_check';
    const t0 = performance.now();
    if (kind !== 'none') {
      let rows: Array<Record<string, unknown>>;
      try {
        rows = db.prepare(`PRAGMA ${kind}(20)`).all() as Array<Record<string, unknown>>;
      } catch (e) {
        throw corrupt(path, (e as Error).message, e);
      }
      const msgs = rows.map((r) => String(Object.values(r)[0]));
      if (!(msgs.length === 1 && msgs[0] === 'ok')) throw corrupt(path, `${kind} reports ${msgs.slice(0, 3).join('; ')}${msgs.length > 3 ? ' …' : ''}`);
    }
    const checkMs = performance.now() - t0;
    if (!hasTable(db, 'scarp_meta')) {
      if (hasTable(db, 'gpkg_contents')) {
        const layers = (db.prepare("SELECT table_name FROM gpkg_contents WHERE data_type IN ('features', 'tiles', 'attributes') ORDER BY table_name").all() as Array<{ table_name: string }>).map(
          (r) => r.table_name,
        );
        throw notAProject(
          path,
          `is a GeoPackage made by another tool${layers.length ? ` (layers: ${layers.slice(0, 5).join(', ')}${layers.length > 5 ? ', …' : ''})` : ''}, not a Scarp project.`,
          'The file was left untouched. To work on its polygons, import them into a new project.',
          ['import'],
        );
      }
      throw notAProject(path, 'is an SQLite database but not a GeoPackage or Scarp project.', 'Choose a .gpkg project made by Scarp, or create a new project.');
    }
    const version = readSchemaVersion(db);
    if (version > SCHEMA_VERSION) {
      throw new ScarpError({
        code: 'PROJECT_TOO_NEW',
        message: `${path} was saved by a newer Scarp (project format ${version}; this Scarp reads up to ${SCHEMA_VERSION}).`,
        hint: 'Update Scarp to open it. The file was not changed.',
        file: path,
      });
    }
    const appId = db.pragma('application_id', { simple: true }) as number;
    if (appId !== GPKG_APPLICATION_ID) throw notAProject(path, `has application_id ${appId}, not a GeoPackage.`);
    return { fromVersion: version, upgraded: false, backupPath: null, check: kind, checkMs };
  }

  /** Copy the project aside, then migrate it in one transaction; returns the backup path. */
  private static upgrade(path: string, fromVersion: number): string {
    const backup = backupPathFor(path, fromVersion);
    {
      // A project left in WAL mode by a crash: fold the WAL in first so the backup is complete.
      const db = openConnection(path);
      try {
        if (String(db.pragma('journal_mode', { simple: true })) === 'wal') {
          db.pragma('wal_checkpoint(TRUNCATE)');
          db.pragma('journal_mode = DELETE');
        }
      } finally {
        db.close();
      }
    }
    try {
      copyFileSync(path, backup, constants.COPYFILE_EXCL);
    } catch (e) {
      rmSync(backup, { force: true });
      if (isDiskFull(e)) throw diskFull(path, e);
      throw projectError(path, e, `copying a backup to ${backup}`);
    }
    const db = openConnection(path);
    try {
      db.transaction(() => migrate(db, fromVersion, SCHEMA_VERSION)).immediate();
    } catch (e) {
      throw projectError(path, e, `upgrading the project from format ${fromVersion} to ${SCHEMA_VERSION}`);
    } finally {
      db.close();
    }
    return backup;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /**
   * Run `fn` in one short write transaction (BEGIN IMMEDIATE), or nested in the caller's; failures
   * map to ScarpErrors. An outermost transaction holds the write guard (external-edits.ts: Scarp's own
   * changes are not logged as another program's) and, once committed, is checkpointed into the main
   * file (checkpoint()).
   */
  tx<T>(fn: () => T, doing: string): T {
    this.assertOpen();
    const outer = !this.db.inTransaction;
    let result: T;
    try {
      result = this.db
        .transaction(() => {
          if (!outer) return fn();
          enterWriteGuard(this.db);
          const before = this.totalChanges();
          const r = fn();
          if (this.totalChanges() > before) this.changed = true;
          leaveWriteGuard(this.db);
          return r;
        })
        .immediate();
    } catch (e) {
      throw projectError(this.path, e, doing);
    }
    if (outer) this.checkpoint();
    return result;
  }

  /**
   * Copy the committed changes from the WAL into the main file (a PASSIVE checkpoint: it never waits),
   * so that the `.gpkg` alone, copied while the project is open, holds every committed edit. When a
   * reader (QGIS) holds an older snapshot, what it still reads stays in the WAL: `walPending` is set and
   * the checkpoint is retried on idle (retryCheckpoint) and on close. Returns whether the main file is current.
   */
  checkpoint(): boolean {
    if (this.closed) return false;
    const t0 = performance.now();
    try {
      const r = (this.db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>)[0];
      this.walPending = !r || r.busy !== 0 || r.checkpointed < r.log;
    } catch {
      this.walPending = true;
    }
    this.checkpoints.count++;
    this.checkpoints.ms += performance.now() - t0;
    if (this.walPending) this.checkpoints.blocked++;
    return !this.walPending;
  }

  /** Whether a transaction (tx) has changed a row since the project was opened (its write guard aside). */
  private changed = false;

  private totalChanges(): number {
    return Number(this.db.prepare('SELECT total_changes()').pluck().get());
  }

  /** Whether this connection has changed any row since the project was opened (lock and write guard aside). */
  changedSinceOpen(): boolean {
    return this.changed;
  }

  /** Whether committed changes wait in the WAL for a reader to finish (checkpoint()). */
  walPending = false;

  /** Checkpoints run, their wall time in all, and how many a reader blocked (the edit-latency benchmark reports the cost). */
  readonly checkpoints = { count: 0, ms: 0, blocked: 0 };

  /** Retry a checkpoint a reader blocked (on idle); true when the main file is current. */
  retryCheckpoint(): boolean {
    return this.walPending ? this.checkpoint() : true;
  }

  /**
   * SQLite's change counter of the file as this connection sees it: it moves when ANOTHER connection
   * (QGIS, a script) commits, never for this one's own commits. A cheap "did someone else write?".
   */
  dataVersion(): number {
    return Number(this.db.pragma('data_version', { simple: true }));
  }

  assertOpen(): void {
    if (this.closed) throw new ScarpError({ code: 'PROJECT_NOT_OPEN', message: `Project ${this.path} is closed.` });
  }

  getMeta(key: string): string | null {
    const r = this.db.prepare('SELECT value FROM scarp_meta WHERE key = ?').get(key) as { value: string | null } | undefined;
    return r?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO scarp_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /**
   * Checkpoint, return to a rollback journal (one complete file), drop the lock. If a reader (QGIS)
   * keeps the WAL busy the file stays in WAL mode, still consistent; the result says so.
   */
  close(): { journalMode: string } {
    if (this.closed) return { journalMode: 'closed' };
    this.closed = true;
    let mode = 'unknown';
    try {
      this.db.prepare('DELETE FROM scarp_lock WHERE pid = ?').run(thisOwner().pid);
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      mode = String(this.db.pragma('journal_mode = DELETE', { simple: true }));
    } catch {
      /* busy reader or full disk: the WAL still holds every committed change */
    } finally {
      safeClose(this.db);
      this.lock.release();
    }
    return { journalMode: mode };
  }
}
