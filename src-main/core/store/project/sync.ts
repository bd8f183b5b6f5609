/**
 * Sync states (issue 17): what a field package and its project, or two merged projects, both hold.
 * A state is a snapshot of the inventory (every landslide's full record and geometry blob, by uuid)
 * kept in `scarp_sync_states` / `scarp_sync_features` (schema v4). A three-way merge compares each
 * side against the latest state both projects know; undoing the edit that took a state in (its
 * `edit_id`) makes it not count until that edit is redone.
 *
 * `PeerProject` reads another project file for a merge without writing to it (read-only
 * connection, no lock, no upgrade): a colleague's project may sit on a read-only USB disk.
 */
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CrsInfo } from '../../../../src-shared/geo';
import { ScarpError } from '../../../../src-shared/errors';
import { q, registerGpkgFunctions } from '../geopackage-schema';
import { LANDSLIDE_COLUMNS, LANDSLIDES_GEOMETRY_COLUMN, LANDSLIDES_TABLE, type LandslideRecord } from '../landslides-schema';
import { corrupt } from './errors';
import { readEvidence, type EvidenceKind, type EvidenceState } from './evidence';
import { hasTable, readSchemaVersion, SCHEMA_VERSION } from './schema';

type Db = Database.Database;

/** One landslide as stored: its fid (in the project it was read from), full record and GeoPackage geometry blob. */
export interface FeatureRow {
  fid: number;
  record: LandslideRecord;
  geom: Buffer;
}

/** A snapshot row: the record and geometry of a landslide in a sync state. */
export interface SnapshotRow {
  record: LandslideRecord;
  geom: Buffer;
}

export interface SyncState {
  id: string;
  kind: 'package' | 'merge';
  /** The other project's id (scarp_meta project_id). */
  peerProjectId: string;
  peerPath: string | null;
  at: string;
  author: string;
  /** The journal edit that took this state in (null: none, e.g. the project a package was made from). */
  editId: number | null;
  /** Provenance of a merge (JSON), as recorded. */
  report: string | null;
  /** The uuids of the field evidence in this state (null: not recorded, a state from before v8). */
  evidence: string[] | null;
}

const COLS = LANDSLIDE_COLUMNS.map((c) => c.name);
const SELECT_ROWS = `SELECT fid, ${[...COLS, LANDSLIDES_GEOMETRY_COLUMN].map(q).join(', ')} FROM ${q(LANDSLIDES_TABLE)} ORDER BY fid`;

function readRows(db: Db): FeatureRow[] {
  const have = new Set((db.prepare(`PRAGMA table_info(${q(LANDSLIDES_TABLE)})`).all() as Array<{ name: string }>).map((c) => c.name));
  // A v2 project has no provenance columns: read what there is (the others are null).
  const cols = COLS.filter((c) => have.has(c));
  const sql = cols.length === COLS.length ? SELECT_ROWS : `SELECT fid, ${[...cols, LANDSLIDES_GEOMETRY_COLUMN].map(q).join(', ')} FROM ${q(LANDSLIDES_TABLE)} ORDER BY fid`;
  const g = cols.length + 1;
  const out: FeatureRow[] = [];
  // Rows as arrays (raw): no object per row from SQLite, one record built here.
  for (const r of db.prepare(sql).raw(true).all() as unknown[][]) {
    const geom = r[g];
    if (!(geom instanceof Buffer)) continue;
    const rec: Record<string, unknown> = {};
    for (const c of COLS) rec[c] = null;
    for (let i = 0; i < cols.length; i++) rec[cols[i]!] = r[i + 1] ?? null;
    out.push({ fid: Number(r[0]), record: rec as unknown as LandslideRecord, geom });
  }
  return out;
}

interface StateRow {
  id: string;
  kind: 'package' | 'merge';
  peer_project_id: string;
  peer_path: string | null;
  at: string;
  author: string;
  edit_id: number | null;
  report: string | null;
  evidence?: string | null;
}

const toState = (r: StateRow): SyncState => ({
  id: r.id,
  kind: r.kind,
  peerProjectId: r.peer_project_id,
  peerPath: r.peer_path,
  at: r.at,
  author: r.author,
  editId: r.edit_id,
  report: r.report,
  evidence: r.evidence ? (JSON.parse(r.evidence) as string[]) : null,
});

/** The states that count (their edit, if any, is done), newest first. */
function readStates(db: Db): SyncState[] {
  if (!hasTable(db, 'scarp_sync_states')) return [];
  const rows = db
    .prepare(
      `SELECT s.* FROM scarp_sync_states s LEFT JOIN scarp_edits e ON e.id = s.edit_id
       WHERE s.edit_id IS NULL OR e.state = 'done' ORDER BY s.at DESC, s.rowid DESC`,
    )
    .all() as StateRow[];
  return rows.map(toState);
}

function readSnapshot(db: Db, stateId: string): SnapshotRow[] {
  return (db.prepare('SELECT uuid, attrs, geom FROM scarp_sync_features WHERE state_id = ? ORDER BY uuid').all(stateId) as Array<{ uuid: string; attrs: string; geom: Buffer }>).map((r) => ({
    record: { ...(JSON.parse(r.attrs) as LandslideRecord), uuid: r.uuid },
    geom: r.geom,
  }));
}

function readAliases(db: Db, peerProjectId: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!hasTable(db, 'scarp_sync_aliases')) return out;
  const rows = db
    .prepare(
      `SELECT a.peer_uuid, a.uuid FROM scarp_sync_aliases a LEFT JOIN scarp_edits e ON e.id = a.edit_id
       WHERE a.peer_project_id = ? AND (a.edit_id IS NULL OR e.state = 'done')`,
    )
    .all(peerProjectId) as Array<{ peer_uuid: string; uuid: string }>;
  for (const r of rows) out.set(r.peer_uuid, r.uuid);
  return out;
}

/** States kept per peer: older ones are dropped when a new one is recorded. */
export const SYNC_STATES_KEPT_PER_PEER = 3;

/** The sync tables of an open project (inside store/; writes run in the caller's transaction). */
export class SyncStore {
  constructor(private readonly db: Db) {}

  /** Every landslide as stored, in fid order. */
  rows(): FeatureRow[] {
    return readRows(this.db);
  }

  states(): SyncState[] {
    return readStates(this.db);
  }

  /** Every state, counting or not (tests, history), newest first. */
  allStates(): SyncState[] {
    return (this.db.prepare('SELECT * FROM scarp_sync_states ORDER BY at DESC, rowid DESC').all() as StateRow[]).map(toState);
  }

  snapshot(stateId: string): SnapshotRow[] {
    return readSnapshot(this.db, stateId);
  }

  /** Peer uuid → our uuid for landslides a merge matched by geometry. */
  aliases(peerProjectId: string): Map<string, string> {
    return readAliases(this.db, peerProjectId);
  }

  /** Record a state and its snapshot (inside the caller's transaction); older states of that peer beyond the kept number go. */
  record(state: SyncState, snapshot: Iterable<SnapshotRow>): void {
    this.db
      .prepare('INSERT INTO scarp_sync_states (id, kind, peer_project_id, peer_path, at, author, edit_id, report, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(state.id, state.kind, state.peerProjectId, state.peerPath, state.at, state.author, state.editId, state.report, state.evidence ? JSON.stringify(state.evidence) : null);
    const ins = this.db.prepare('INSERT OR REPLACE INTO scarp_sync_features (state_id, uuid, attrs, geom) VALUES (?, ?, ?, ?)');
    for (const r of snapshot) {
      const { uuid, ...rest } = r.record;
      ins.run(state.id, uuid, JSON.stringify(rest), r.geom);
    }
    const old = (this.db.prepare('SELECT id FROM scarp_sync_states WHERE peer_project_id = ? ORDER BY at DESC, rowid DESC LIMIT -1 OFFSET ?').all(state.peerProjectId, SYNC_STATES_KEPT_PER_PEER) as Array<{ id: string }>).map((r) => r.id);
    for (const id of old) {
      this.db.prepare('DELETE FROM scarp_sync_features WHERE state_id = ?').run(id);
      this.db.prepare('DELETE FROM scarp_sync_states WHERE id = ?').run(id);
    }
  }

  /** Remember that the peer's landslide `peerUuid` is our `uuid` (matched by geometry by the merge of edit `editId`). Inside the caller's transaction. */
  addAliases(peerProjectId: string, pairs: Iterable<{ peerUuid: string; uuid: string }>, at: string, editId: number | null): void {
    const ins = this.db.prepare('INSERT OR REPLACE INTO scarp_sync_aliases (peer_project_id, peer_uuid, uuid, at, edit_id) VALUES (?, ?, ?, ?, ?)');
    for (const p of pairs) ins.run(peerProjectId, p.peerUuid, p.uuid, at, editId);
  }
}

function notAProject(path: string, message: string, hint: string, options?: string[]): ScarpError {
  return new ScarpError({ code: 'NOT_A_PROJECT', message: `${path} ${message}`, hint, file: path, options });
}

/**
 * Another project, read for a merge and never written: a read-only connection, no lock, no upgrade.
 * Throws FILE_NOT_FOUND, NOT_A_PROJECT, PROJECT_TOO_NEW or CORRUPT_FILE naming the file.
 */
export class PeerProject {
  private constructor(
    readonly path: string,
    private readonly db: Db,
    readonly projectId: string,
    readonly crs: CrsInfo | null,
    readonly schemaVersion: number,
  ) {}

  static open(file: string): PeerProject {
    const path = resolve(file);
    if (!existsSync(path)) throw new ScarpError({ code: 'FILE_NOT_FOUND', message: `${path} does not exist.`, hint: 'Check the path of the project to merge.', file: path });
    if (statSync(path).isDirectory()) throw notAProject(path, 'is a folder, not a project file.', 'Choose the .gpkg project to merge.');
    let db: Db;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
      registerGpkgFunctions(db);
      db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
    } catch (e) {
      throw notAProject(path, `cannot be read as a Scarp project (${(e as Error).message}).`, 'Choose a .gpkg project made by Scarp; the file was left untouched.');
    }
    try {
      const check = db.prepare('PRAGMA quick_check(5)').all() as Array<Record<string, unknown>>;
      const msgs = check.map((r) => String(Object.values(r)[0]));
      if (!(msgs.length === 1 && msgs[0] === 'ok')) throw corrupt(path, `quick_check reports ${msgs.slice(0, 3).join('; ')}`);
      if (!hasTable(db, 'scarp_meta') || !hasTable(db, LANDSLIDES_TABLE)) {
        throw notAProject(
          path,
          hasTable(db, 'gpkg_contents') ? 'is a GeoPackage made by another tool, not a Scarp project: it has no recorded landslide identities to merge.' : 'is an SQLite database but not a Scarp project.',
          'To bring its polygons in, import the file into the project instead; nothing was changed.',
          ['import'],
        );
      }
      const version = readSchemaVersion(db);
      if (version > SCHEMA_VERSION) {
        throw new ScarpError({
          code: 'PROJECT_TOO_NEW',
          message: `${path} was saved by a newer Scarp (project format ${version}; this Scarp reads up to ${SCHEMA_VERSION}).`,
          hint: 'Update Scarp to merge it. The file was not changed.',
          file: path,
        });
      }
      const meta = (k: string): string | null => (db.prepare('SELECT value FROM scarp_meta WHERE key = ?').get(k) as { value: string | null } | undefined)?.value ?? null;
      const crsText = meta('crs');
      const projectId = meta('project_id') ?? `file:${path}`;
      return new PeerProject(path, db, projectId, crsText ? (JSON.parse(crsText) as CrsInfo) : null, version);
    } catch (e) {
      db.close();
      if (e instanceof ScarpError) throw e;
      throw corrupt(path, (e as Error).message, e);
    }
  }

  rows(): FeatureRow[] {
    return readRows(this.db);
  }

  states(): SyncState[] {
    return readStates(this.db);
  }

  snapshot(stateId: string): SnapshotRow[] {
    return readSnapshot(this.db, stateId);
  }

  aliases(peerProjectId: string): Map<string, string> {
    return readAliases(this.db, peerProjectId);
  }

  /** The peer's field evidence (none before v8), photo bytes included when asked. */
  evidence(data = false): Array<{ kind: EvidenceKind } & EvidenceState> {
    return readEvidence(this.db, { data });
  }

  close(): void {
    try {
      this.db.close();
    } catch {
      /* already closed */
    }
  }
}
