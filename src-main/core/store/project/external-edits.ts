/**
 * Edits that other programs (QGIS, ArcGIS, ogr2ogr, a script) make to the landslides of a project
 * file, taken into Scarp's write path.
 *
 * How they are seen: triggers on `landslides` log, for every row another program inserts, updates or
 * deletes, the row as it was before (`scarp_landslides_log`). Scarp's own writes are not logged: its
 * every write transaction (ProjectDb.tx) holds a 'writing' row in `scarp_meta` for its duration and
 * removes it before committing, so the guard is visible only inside Scarp's own transaction and the
 * triggers' `WHEN NOT EXISTS (guard)` is false exactly for Scarp. The triggers are plain SQL (no
 * function of Scarp's), so they run in any program that writes the file.
 *
 * How they are taken in (Project.takeExternalEdits): inside one Scarp transaction, each touched
 * feature is put back as Scarp last knew it (the first logged state; none for an insert), the log is
 * emptied, and the change is applied again as an EditPlan through Project.apply — measured (area,
 * perimeter), stamped (updated_at), the mask written back and ONE journal edit recorded (kind
 * 'external'), so it shows in the history and undo takes it back like any other edit.
 */
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { EDITED_STATUS, UNREVIEWED_STATUS } from '../../../../src-shared/vocabulary';
import { decodeGpkgPolygons } from '../../vector/geopackage-geometry';
import { sameGeometry, type FlatMultiPolygon } from '../../vector/geometry';
import { q } from '../geopackage-schema';
import { LANDSLIDE_COLUMNS, LANDSLIDES_GEOMETRY_COLUMN, LANDSLIDES_TABLE, type LandslideRecord } from '../landslides-schema';
import type { EditPlan, PlanAttrs, PlannedAdd, PlannedUpdate } from './edit-plan';

type Db = Database.Database;

/** The scarp_meta key of the write guard. */
const WRITE_GUARD_KEY = 'writing';
export const CHANGE_LOG_TABLE = 'scarp_landslides_log';
const LOG_TRIGGERS = ['insert', 'update', 'delete'].map((k) => `scarp_landslides_log_${k}`);

/** The landslides columns after fid, as the table has them now (geometry included). */
function rowColumns(db: Db): string[] {
  return (db.prepare(`PRAGMA table_info(${q(LANDSLIDES_TABLE)})`).all() as Array<{ name: string }>).map((c) => c.name).filter((n) => n !== 'fid');
}

/**
 * Create (or re-create, after a migration changed the landslides columns) the change log and its
 * three triggers. Call inside a transaction, with the log empty (a migration takes
 * pending external edits in first, or has none: it runs before the project opens).
 */
export function createChangeLog(db: Db): void {
  for (const t of LOG_TRIGGERS) db.exec(`DROP TRIGGER IF EXISTS ${q(t)}`);
  db.exec(`DROP TABLE IF EXISTS ${q(CHANGE_LOG_TABLE)}`);
  const cols = rowColumns(db);
  db.exec(`CREATE TABLE ${q(CHANGE_LOG_TABLE)} (
  log_seq INTEGER PRIMARY KEY AUTOINCREMENT,
  log_fid INTEGER NOT NULL,
  log_had_row INTEGER NOT NULL,
  ${cols.map(q).join(',\n  ')}
)`);
  createLogTriggers(db, cols);
}

/**
 * After a migration added landslides columns: the same columns added to the change log (the rows it
 * holds, other programs' edits not yet taken in, are kept) and its triggers made again with them.
 */
export function extendChangeLog(db: Db): void {
  const have = new Set((db.prepare(`PRAGMA table_info(${q(CHANGE_LOG_TABLE)})`).all() as Array<{ name: string }>).map((c) => c.name));
  if (have.size === 0) return createChangeLog(db);
  const cols = rowColumns(db);
  for (const c of cols) if (!have.has(c)) db.exec(`ALTER TABLE ${q(CHANGE_LOG_TABLE)} ADD COLUMN ${q(c)}`);
  createLogTriggers(db, cols);
}

function createLogTriggers(db: Db, cols: string[]): void {
  for (const t of LOG_TRIGGERS) db.exec(`DROP TRIGGER IF EXISTS ${q(t)}`);
  const T = q(LANDSLIDES_TABLE);
  const L = q(CHANGE_LOG_TABLE);
  const notScarp = `NOT EXISTS (SELECT 1 FROM scarp_meta WHERE key = '${WRITE_GUARD_KEY}')`;
  const oldRow = `INSERT INTO ${L} (log_fid, log_had_row, ${cols.map(q).join(', ')}) VALUES (OLD.fid, 1, ${cols.map((c) => `OLD.${q(c)}`).join(', ')});`;
  db.exec(`
    CREATE TRIGGER ${q(LOG_TRIGGERS[0]!)} AFTER INSERT ON ${T} WHEN ${notScarp}
    BEGIN INSERT INTO ${L} (log_fid, log_had_row) VALUES (NEW.fid, 0); END;
    CREATE TRIGGER ${q(LOG_TRIGGERS[1]!)} AFTER UPDATE ON ${T} WHEN ${notScarp}
    BEGIN ${oldRow} INSERT INTO ${L} (log_fid, log_had_row) SELECT NEW.fid, 0 WHERE NEW.fid != OLD.fid; END;
    CREATE TRIGGER ${q(LOG_TRIGGERS[2]!)} AFTER DELETE ON ${T} WHEN ${notScarp}
    BEGIN ${oldRow} END;
  `);
}

/** Mark the current transaction as Scarp's own (its landslides writes are not logged). Inside the transaction. */
export function enterWriteGuard(db: Db): void {
  db.prepare("INSERT OR REPLACE INTO scarp_meta (key, value) VALUES (?, '1')").run(WRITE_GUARD_KEY);
}

/** Remove the guard before the commit, so that no other connection ever sees it. */
export function leaveWriteGuard(db: Db): void {
  db.prepare('DELETE FROM scarp_meta WHERE key = ?').run(WRITE_GUARD_KEY);
}

/** A feature as another program left it, or as Scarp last knew it. */
export interface RowState {
  record: LandslideRecord;
  /** null: no geometry (NULL or empty). */
  geometry: FlatMultiPolygon | null;
}

/** One feature another program touched: how Scarp knew it (null: it did not exist) and how it is now (null: deleted). */
export interface ExternalChange {
  fid: number;
  before: RowState | null;
  after: RowState | null;
}

function stateOf(r: Record<string, unknown>): RowState {
  const record = {} as Record<string, unknown>;
  for (const c of LANDSLIDE_COLUMNS) record[c.name] = r[c.name] ?? null;
  const blob = r[LANDSLIDES_GEOMETRY_COLUMN];
  let geometry: FlatMultiPolygon | null = null;
  if (blob instanceof Uint8Array && blob.length > 0) {
    try {
      const mp = decodeGpkgPolygons(blob);
      geometry = mp.length > 0 ? mp : null;
    } catch {
      geometry = null;
    }
  }
  return { record: record as unknown as LandslideRecord, geometry };
}

/** Whether any other program changed the landslides since they were last taken in (one indexed read). */
export function hasExternalEdits(db: Db): boolean {
  return db.prepare(`SELECT 1 FROM ${q(CHANGE_LOG_TABLE)} LIMIT 1`).get() !== undefined;
}

/**
 * Inside a Scarp write transaction: what other programs changed, each touched feature put back as
 * Scarp knew it, and the log emptied. Features now without a geometry (an attribute-only row) cannot be
 * measured or drawn: they are left as the other program wrote them and counted in `unmeasured`.
 */
export function takeExternalChanges(db: Db): { changes: ExternalChange[]; unmeasured: number[] } {
  const L = q(CHANGE_LOG_TABLE);
  const T = q(LANDSLIDES_TABLE);
  const first = db.prepare(`SELECT * FROM ${L} WHERE log_seq IN (SELECT MIN(log_seq) FROM ${L} GROUP BY log_fid) ORDER BY log_fid`).all() as Array<Record<string, unknown>>;
  const now = db.prepare(`SELECT * FROM ${T} WHERE fid = ?`);
  const del = db.prepare(`DELETE FROM ${T} WHERE fid = ?`);
  const cols = rowColumns(db);
  const put = db.prepare(`INSERT INTO ${T} (fid, ${cols.map(q).join(', ')}) VALUES (?, ${cols.map(() => '?').join(', ')})`);
  const changes: ExternalChange[] = [];
  const unmeasured: number[] = [];
  for (const r of first) {
    const fid = Number(r.log_fid);
    const cur = now.get(fid) as Record<string, unknown> | undefined;
    const after = cur ? stateOf(cur) : null;
    const before = r.log_had_row ? stateOf(r) : null;
    if (!before && !after) continue;
    if (after && after.geometry === null) {
      unmeasured.push(fid);
      continue;
    }
    // Put the feature back as Scarp knew it; the plan applies the change again.
    del.run(fid);
    if (before && before.geometry !== null) put.run(fid, ...cols.map((c) => r[c] ?? null));
    changes.push({ fid, before: before?.geometry === null ? null : before, after });
  }
  db.prepare(`DELETE FROM ${L}`).run();
  return { changes, unmeasured };
}

/** A timestamp another program wrote (GDAL writes QGIS's local time without a zone), as ISO 8601 UTC; null when unreadable. */
function isoTime(v: string | null): string | null {
  if (!v) return null;
  const t = Date.parse(v);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}


/** Attributes that follow the geometry or the write path, never taken from another program. */
const MEASURED: ReadonlyArray<keyof LandslideRecord> = ['area_m2', 'perimeter_m', 'updated_at', 'created_at'];

/**
 * The plan that makes the external changes again through the write path: adds keep their fid and get
 * a uuid when they have none; an update keeps the uuid Scarp knew when the other program emptied it,
 * area and perimeter are measured again, and a new outline of an unreviewed (predicted) landslide makes
 * it edited, as Scarp's own tools do; a deleted feature is deleted. Who made it: the mapper the other
 * program wrote (QGIS's stored default is the user's name), never stamped by Scarp.
 */
export function externalEditPlan(changes: readonly ExternalChange[]): EditPlan | null {
  const adds: PlannedAdd[] = [];
  const updates: PlannedUpdate[] = [];
  const deletes: number[] = [];
  for (const c of changes) {
    if (!c.after) {
      if (c.before) deletes.push(c.fid);
      continue;
    }
    const rec = c.after.record;
    if (!c.before) {
      const props: PlanAttrs = { ...rec, uuid: rec.uuid ?? randomUUID() };
      for (const k of ['area_m2', 'perimeter_m', 'updated_at'] as const) delete props[k];
      const created = isoTime(rec.created_at);
      if (created) props.created_at = created;
      else delete props.created_at;
      adds.push({ fid: c.fid, geometry: c.after.geometry!, properties: props });
      continue;
    }
    const old = c.before.record;
    const changes: PlanAttrs = { ...rec, uuid: rec.uuid ?? old.uuid };
    for (const k of MEASURED) delete changes[k];
    const newOutline = !sameGeometry(c.before.geometry!, c.after.geometry!);
    // QGIS rewrites a whole row (and its stored default refreshes updated_at): nothing Scarp keeps changed.
    if (!newOutline && (Object.keys(changes) as Array<keyof LandslideRecord>).every((k) => changes[k] === old[k])) continue;
    if (newOutline && rec.status === old.status && old.status === UNREVIEWED_STATUS) changes.status = EDITED_STATUS;
    updates.push({ fid: c.fid, ...(newOutline ? { geometry: c.after.geometry! } : {}), changes });
  }
  if (adds.length + updates.length + deletes.length === 0) return null;
  const parts = [adds.length && `${adds.length} added`, updates.length && `${updates.length} changed`, deletes.length && `${deletes.length} deleted`].filter(Boolean);
  return {
    label: `Edits made in another program: ${parts.join(', ')}`,
    kind: 'external',
    reason: 'external edit',
    mapper: null,
    adds,
    updates,
    deletes,
    updateExtent: true,
  };
}
