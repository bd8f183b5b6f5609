/**
 * The Scarp tables of a project GeoPackage and their versioned migrations.
 *
 * `MIGRATIONS[i]` takes a project from version i to i + 1 (version 0 = a bare GeoPackage with the
 * core tables and the `landslides` layer). Each runs inside the caller's transaction. The version is
 * kept in `scarp_meta` ('schema_version'), never in PRAGMA user_version, which GeoPackage owns.
 */
import type Database from 'better-sqlite3';
import { ScarpError } from '../../../../src-shared/errors';
import { createRtreeTriggers, q } from '../geopackage-schema';
import { LANDSLIDES_GEOMETRY_COLUMN, LANDSLIDES_TABLE, landslidesUuidTriggerSql } from '../landslides-schema';
import { createEvidenceTables } from './evidence';
import { createChangeLog, extendChangeLog } from './external-edits';
import { createQgisStyle } from './qgis-style';

type Db = Database.Database;

/** The schema version this Scarp writes. */
export const SCHEMA_VERSION = 8;

/** Edge of the square tiles that hold prediction probabilities and the edited mask. */
export const RASTER_TILE_SIZE = 256;

const V1 = `
CREATE TABLE scarp_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT);
CREATE TABLE scarp_settings (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
CREATE TABLE scarp_event (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  name TEXT, event_date TEXT, trigger TEXT, imagery_source TEXT, imagery_date TEXT, notes TEXT
);
CREATE TABLE scarp_scenes (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms REAL NOT NULL,
  fingerprint TEXT NOT NULL,
  srs_id INTEGER,
  crs_name TEXT,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  geotransform TEXT NOT NULL,
  min_x REAL, min_y REAL, max_x REAL, max_y REAL,
  gsd_x REAL, gsd_y REAL,
  band_count INTEGER NOT NULL,
  data_type TEXT NOT NULL,
  nodata REAL,
  band_stats TEXT NOT NULL,
  added_at TEXT NOT NULL
);
CREATE INDEX scarp_scenes_fingerprint ON scarp_scenes (fingerprint);
CREATE TABLE scarp_layers (
  id TEXT PRIMARY KEY NOT NULL,
  scene_id TEXT REFERENCES scarp_scenes (id),
  kind TEXT NOT NULL CHECK (kind IN ('imagery', 'dem', 'derived', 'probability', 'mask', 'aoi')),
  name TEXT NOT NULL,
  path TEXT,
  size INTEGER,
  mtime_ms REAL,
  fingerprint TEXT,
  info TEXT,
  added_at TEXT NOT NULL
);
CREATE TABLE scarp_runs (
  id TEXT PRIMARY KEY NOT NULL,
  scene_id TEXT NOT NULL REFERENCES scarp_scenes (id),
  dem_layer_id TEXT REFERENCES scarp_layers (id),
  model_id TEXT NOT NULL,
  model_name TEXT,
  model_sha256 TEXT NOT NULL,
  params TEXT NOT NULL,
  params_key TEXT NOT NULL,
  provider TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
  error TEXT,
  started_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  finished_at TEXT,
  timings TEXT,
  grid TEXT NOT NULL,
  plan TEXT NOT NULL,
  threshold REAL NOT NULL,
  rows_done INTEGER NOT NULL DEFAULT 0,
  tiles_done INTEGER NOT NULL DEFAULT 0,
  tiles_total INTEGER NOT NULL,
  resumed INTEGER NOT NULL DEFAULT 0,
  feature_count INTEGER
);
CREATE INDEX scarp_runs_key ON scarp_runs (scene_id, params_key);
CREATE TABLE scarp_run_tiles (
  run_id TEXT NOT NULL REFERENCES scarp_runs (id) ON DELETE CASCADE,
  tile_index INTEGER NOT NULL,
  x INTEGER NOT NULL, y INTEGER NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
  done_at TEXT NOT NULL,
  PRIMARY KEY (run_id, tile_index)
);
CREATE TABLE scarp_prediction_tiles (
  run_id TEXT NOT NULL REFERENCES scarp_runs (id) ON DELETE CASCADE,
  tile_row INTEGER NOT NULL,
  tile_col INTEGER NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (run_id, tile_row, tile_col)
);
CREATE TABLE scarp_mask_tiles (
  scene_id TEXT NOT NULL REFERENCES scarp_scenes (id),
  tile_row INTEGER NOT NULL,
  tile_col INTEGER NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (scene_id, tile_row, tile_col)
);
CREATE TABLE scarp_edits (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  label TEXT NOT NULL,
  kind TEXT NOT NULL,
  author TEXT NOT NULL,
  at TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('done', 'undone', 'discarded')),
  op_count INTEGER NOT NULL
);
CREATE TABLE scarp_edit_ops (
  edit_id INTEGER NOT NULL REFERENCES scarp_edits (id),
  n INTEGER NOT NULL,
  target_kind TEXT NOT NULL CHECK (target_kind IN ('feature', 'mask')),
  target TEXT NOT NULL,
  exists_before INTEGER NOT NULL,
  exists_after INTEGER NOT NULL,
  before_attrs TEXT, before_data BLOB,
  after_attrs TEXT, after_data BLOB,
  PRIMARY KEY (edit_id, n)
);
CREATE TABLE scarp_lock (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  user TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL, since TEXT NOT NULL
);
`;

/** v2: an audit trail of undo/redo (who undid what, when), and the QGIS style for the inventory. */
const V2 = `
CREATE TABLE scarp_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  author TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('edit', 'undo', 'redo')),
  edit_id INTEGER NOT NULL,
  label TEXT NOT NULL
);
`;

/** Columns v3 added to `landslides`: import provenance, written through the journal like any other. */
export const PROVENANCE_COLUMNS = ['source', 'attrs'] as const;

/**
 * v3: `source` and `attrs` become regular landslides columns. Projects that imported before v3
 * already have them (added by that import); the others get them here.
 */
function addProvenanceColumns(db: Db): void {
  const have = new Set((db.prepare('PRAGMA table_info(landslides)').all() as Array<{ name: string }>).map((c) => c.name));
  for (const c of PROVENANCE_COLUMNS) if (!have.has(c)) db.exec(`ALTER TABLE landslides ADD COLUMN "${c}" TEXT`);
}

/**
 * v4: field teams (issue 17). A sync state is a state of the inventory that this project and a peer
 * (a field package made from it, or a colleague's project merged into it) both hold: what a
 * three-way merge compares both sides against. `scarp_sync_features` is its snapshot (the full
 * record and the geometry blob of every landslide, by uuid); `edit_id` is the journal edit that took
 * the state in (a merge's, a package's initial import): while that edit is undone the state does not
 * count. `scarp_sync_aliases` keeps the landslides a merge matched by geometry (peer uuid → ours),
 * also counting only while the merge's edit is done.
 * `report` is the provenance record of a merge: what came from where and when.
 */
const V4 = `
CREATE TABLE scarp_sync_states (
  id TEXT PRIMARY KEY NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('package', 'merge')),
  peer_project_id TEXT NOT NULL,
  peer_path TEXT,
  at TEXT NOT NULL,
  author TEXT NOT NULL,
  edit_id INTEGER,
  report TEXT
);
CREATE INDEX scarp_sync_states_peer ON scarp_sync_states (peer_project_id);
CREATE TABLE scarp_sync_features (
  state_id TEXT NOT NULL REFERENCES scarp_sync_states (id) ON DELETE CASCADE,
  uuid TEXT NOT NULL,
  attrs TEXT NOT NULL,
  geom BLOB NOT NULL,
  PRIMARY KEY (state_id, uuid)
);
CREATE TABLE scarp_sync_aliases (
  peer_project_id TEXT NOT NULL,
  peer_uuid TEXT NOT NULL,
  uuid TEXT NOT NULL,
  at TEXT NOT NULL,
  edit_id INTEGER,
  PRIMARY KEY (peer_project_id, peer_uuid)
);
`;

/** v5: scenes have a role (pre-event / post-event) and an acquisition date (YYYY-MM-DD), both optional. */
function addSceneRoles(db: Db): void {
  const have = new Set((db.prepare('PRAGMA table_info(scarp_scenes)').all() as Array<{ name: string }>).map((c) => c.name));
  if (!have.has('role')) db.exec('ALTER TABLE scarp_scenes ADD COLUMN role TEXT');
  if (!have.has('acquired')) db.exec('ALTER TABLE scarp_scenes ADD COLUMN acquired TEXT');
}

/**
 * Before v6 `uuid` was NOT NULL, so QGIS could not add a landslide ("NOT NULL constraint failed").
 * SQLite cannot drop a constraint: the table is rebuilt (same columns, rows, fids and AUTOINCREMENT
 * counter; its R-tree index kept; the R-tree triggers and any other program's triggers re-created).
 */
function relaxUuid(db: Db): void {
  const T = LANDSLIDES_TABLE;
  const uuid = (db.prepare(`PRAGMA table_info(${q(T)})`).all() as Array<{ name: string; notnull: number }>).find((c) => c.name === 'uuid');
  if (!uuid || uuid.notnull === 0) return;
  const sql = (db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(T) as { sql: string }).sql;
  const tmp = `${T}_v5`;
  const rebuilt = sql.replace(/"uuid"\s+TEXT\s+NOT\s+NULL\s+UNIQUE/i, '"uuid" TEXT UNIQUE').replace(/^CREATE TABLE\s+("landslides"|landslides)/i, `CREATE TABLE ${q(tmp)}`);
  if (rebuilt === sql || !rebuilt.includes(q(tmp))) {
    throw new ScarpError({ code: 'INTERNAL', message: 'Upgrading the project: the landslides table has an unexpected definition.' });
  }
  const rtreePrefix = `rtree_${T}_${LANDSLIDES_GEOMETRY_COLUMN}_`;
  const others = (db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?").all(T) as Array<{ name: string; sql: string }>).filter(
    (t) => !t.name.startsWith(rtreePrefix),
  );
  const seq = db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').get(T) as { seq: number } | undefined;
  db.exec(rebuilt);
  db.exec(`INSERT INTO ${q(tmp)} SELECT * FROM ${q(T)}`);
  db.exec(`DROP TABLE ${q(T)}`);
  db.exec(`ALTER TABLE ${q(tmp)} RENAME TO ${q(T)}`);
  if (seq) db.prepare('UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?').run(seq.seq, T);
  createRtreeTriggers(db, T, LANDSLIDES_GEOMETRY_COLUMN);
  for (const t of others) db.exec(t.sql);
}

/**
 * v6: the project is open to other programs' edits: a landslide added in QGIS without a uuid gets one
 * (nullable column + trigger), their changes are logged for Scarp to take in (external-edits.ts), and
 * the stored QGIS style carries the form (defaults, value lists, read-only measured fields).
 */
function openToOtherPrograms(db: Db): void {
  relaxUuid(db);
  db.exec(landslidesUuidTriggerSql());
  createChangeLog(db);
  createQgisStyle(db);
}

/**
 * v7 (issue 12): landslides get `dem_coverage` (the share of a polygon's area with a valid DEM);
 * scenes and layers keep their path relative to the project too (`rel_path`, filled on open:
 * SceneStore.followProjectFolder). The change log gets the new column and its triggers are made
 * again (pending edits of other programs stay logged).
 */
function demCoverageAndRelativePaths(db: Db): void {
  const columns = (t: string): Set<string> => new Set((db.prepare(`PRAGMA table_info(${q(t)})`).all() as Array<{ name: string }>).map((c) => c.name));
  if (!columns(LANDSLIDES_TABLE).has('dem_coverage')) db.exec(`ALTER TABLE ${q(LANDSLIDES_TABLE)} ADD COLUMN "dem_coverage" REAL`);
  for (const t of ['scarp_scenes', 'scarp_layers']) if (!columns(t).has('rel_path')) db.exec(`ALTER TABLE ${q(t)} ADD COLUMN rel_path TEXT`);
  extendChangeLog(db);
}

/**
 * v8: field evidence (evidence.ts): photos and notes on landslides in the GeoPackage related tables;
 * the journal takes evidence ops (scarp_edit_ops' CHECK widened: SQLite cannot alter a CHECK, so
 * the table is rebuilt with the same rows); a sync state records the evidence it holds (uuids).
 */
function addFieldEvidence(db: Db): void {
  // Each step only when not done yet (a file whose version was set back still has them).
  if (!hasTable(db, 'landslide_photos')) createEvidenceTables(db);
  const sql = (db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'scarp_edit_ops'").get() as { sql: string }).sql;
  if (!sql.includes("'evidence'")) {
    const widened = sql.replace("CHECK (target_kind IN ('feature', 'mask'))", "CHECK (target_kind IN ('feature', 'mask', 'evidence'))");
    if (widened === sql) throw new ScarpError({ code: 'INTERNAL', message: 'Upgrading the project: the edit journal has an unexpected definition.' });
    db.exec(widened.replace(/^CREATE TABLE\s+("scarp_edit_ops"|scarp_edit_ops)/i, 'CREATE TABLE scarp_edit_ops_v8'));
    db.exec('INSERT INTO scarp_edit_ops_v8 SELECT * FROM scarp_edit_ops');
    db.exec('DROP TABLE scarp_edit_ops');
    db.exec('ALTER TABLE scarp_edit_ops_v8 RENAME TO scarp_edit_ops');
  }
  const cols = new Set((db.prepare('PRAGMA table_info(scarp_sync_states)').all() as Array<{ name: string }>).map((c) => c.name));
  if (!cols.has('evidence')) db.exec('ALTER TABLE scarp_sync_states ADD COLUMN evidence TEXT');
}

export const MIGRATIONS: ReadonlyArray<(db: Db) => void> = [
  (db) => db.exec(V1),
  (db) => {
    db.exec(V2);
    createQgisStyle(db);
  },
  addProvenanceColumns,
  (db) => db.exec(V4),
  addSceneRoles,
  openToOtherPrograms,
  demCoverageAndRelativePaths,
  addFieldEvidence,
];

/** Bring a project from `from` to `to` (inside the caller's transaction) and record the version. */
export function migrate(db: Db, from: number, to: number = SCHEMA_VERSION): void {
  for (let v = from; v < to; v++) MIGRATIONS[v]!(db);
  db.prepare("INSERT INTO scarp_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(to));
}

/** The project's schema version (0 when scarp_meta exists but holds none). */
export function readSchemaVersion(db: Db): number {
  const row = db.prepare("SELECT value FROM scarp_meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  return row ? Number(row.value) : 0;
}

export function hasTable(db: Db, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?").get(name) !== undefined;
}
