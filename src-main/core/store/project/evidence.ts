/**
 * Field evidence (issue 17): photos and field notes on a landslide, with time and position, stored
 * with the GeoPackage Related Tables Extension (OGC 18-000) so that GDAL, QGIS and QField see them:
 *
 * - `landslide_photos`, a media table (relation 'media': id, data BLOB, content_type, plus Scarp's
 *   columns), and `landslide_notes`, an attributes table (relation 'attributes');
 * - mapping tables `landslides_photos` / `landslides_notes` (base_id = landslides.fid, related_id =
 *   the evidence id), each named in `gpkgext_relations` and `gpkg_extensions`.
 *
 * Identity is the evidence `uuid`, and the landslide it belongs to is `landslide_uuid`: what
 * packages and merges go by (fids differ between projects). The mapping rows are derived from
 * those uuids by plain-SQL triggers (on the evidence tables and on `landslides`), so they stay right
 * whoever writes the file (Scarp's journal, undo, QGIS): deleting a landslide drops its mapping
 * rows, the evidence stays (keyed by uuid), and undoing the deletion maps it again.
 *
 * Evidence is added and removed, never changed in place, and only through the one write path
 * (EditPlan.evidence → Project.apply): each addition or removal is a journal op holding the whole
 * row (photo bytes included), so undo and redo restore it exactly, with its id.
 */
import type Database from 'better-sqlite3';
import type { EvidenceKind } from '../../../../src-shared/api';
import { ScarpError } from '../../../../src-shared/errors';
import { q } from '../geopackage-schema';
import { LANDSLIDES_TABLE } from '../landslides-schema';

type Db = Database.Database;

export type { EvidenceKind };

export const EVIDENCE_TABLES: Record<EvidenceKind, { table: string; mapping: string; relation: 'media' | 'attributes'; identifier: string; description: string }> = {
  photo: { table: 'landslide_photos', mapping: 'landslides_photos', relation: 'media', identifier: 'Landslide photos', description: 'Field photos of landslides (GeoPackage related tables: media)' },
  note: { table: 'landslide_notes', mapping: 'landslides_notes', relation: 'attributes', identifier: 'Landslide field notes', description: 'Field notes on landslides (GeoPackage related tables: attributes)' },
};

const RTE_DEFINITION = 'http://docs.opengeospatial.org/is/18-000/18-000.html';
const RTE_EXTENSION = 'gpkg_related_tables';

/** A stored piece of evidence, without the photo's bytes. Photo-only fields are null on notes. */
export interface EvidenceRecord {
  id: number;
  uuid: string;
  landslide_uuid: string;
  /** A note's text; a photo's caption. */
  note: string | null;
  /** When it was observed (ISO 8601), and where that came from ('given', 'exif'). */
  observed_at: string | null;
  time_source: string | null;
  /** Where (WGS 84), and where that came from. */
  lon: number | null;
  lat: number | null;
  position_source: string | null;
  author: string | null;
  added_at: string;
  file_name: string | null;
  content_type: string | null;
  width: number | null;
  height: number | null;
  bytes: number | null;
}

/** Evidence as held by a journal op or a merge: the record and, for a photo, its bytes. */
export interface EvidenceState {
  record: EvidenceRecord;
  data?: Buffer;
}

export interface EvidenceOp {
  kind: 'evidence';
  evidence: EvidenceKind;
  uuid: string;
  before: EvidenceState | null;
  after: EvidenceState | null;
}

const COMMON = ['uuid', 'landslide_uuid', 'note', 'observed_at', 'time_source', 'lon', 'lat', 'position_source', 'author', 'added_at'] as const;
const PHOTO_ONLY = ['file_name', 'content_type', 'width', 'height', 'bytes'] as const;
const columnsOf = (k: EvidenceKind): readonly string[] => (k === 'photo' ? [...COMMON, ...PHOTO_ONLY] : COMMON);

const TABLE_SQL: Record<EvidenceKind, string> = {
  photo: `CREATE TABLE landslide_photos (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  data BLOB NOT NULL,
  content_type TEXT NOT NULL,
  uuid TEXT NOT NULL UNIQUE,
  landslide_uuid TEXT NOT NULL,
  file_name TEXT,
  note TEXT,
  observed_at TEXT,
  time_source TEXT,
  lon REAL,
  lat REAL,
  position_source TEXT,
  width INTEGER,
  height INTEGER,
  bytes INTEGER,
  author TEXT,
  added_at TEXT NOT NULL
)`,
  note: `CREATE TABLE landslide_notes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid TEXT NOT NULL UNIQUE,
  landslide_uuid TEXT NOT NULL,
  note TEXT NOT NULL,
  observed_at TEXT,
  time_source TEXT,
  lon REAL,
  lat REAL,
  position_source TEXT,
  author TEXT,
  added_at TEXT NOT NULL
)`,
};

/**
 * Create the evidence tables, their mapping tables, the related-tables extension rows and the
 * triggers that keep the mapping right (a migration, inside its transaction).
 */
export function createEvidenceTables(db: Db): void {
  db.exec(`CREATE TABLE IF NOT EXISTS gpkgext_relations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  base_table_name TEXT NOT NULL,
  base_primary_column TEXT NOT NULL DEFAULT 'id',
  related_table_name TEXT NOT NULL,
  related_primary_column TEXT NOT NULL DEFAULT 'id',
  relation_name TEXT NOT NULL,
  mapping_table_name TEXT NOT NULL UNIQUE
)`);
  const hasExt = db.prepare('SELECT 1 FROM gpkg_extensions WHERE table_name = ? AND column_name IS NULL AND extension_name = ?');
  const addExt = (table: string): void => {
    if (!hasExt.get(table, RTE_EXTENSION)) db.prepare("INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) VALUES (?, NULL, ?, ?, 'read-write')").run(table, RTE_EXTENSION, RTE_DEFINITION);
  };
  addExt('gpkgext_relations');
  const contents = db.prepare("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?, 'attributes', ?, ?, NULL)");
  const L = q(LANDSLIDES_TABLE);
  for (const kind of ['photo', 'note'] as const) {
    const t = EVIDENCE_TABLES[kind];
    const T = q(t.table);
    const M = q(t.mapping);
    db.exec(TABLE_SQL[kind]);
    db.exec(`CREATE INDEX ${q(`${t.table}_landslide`)} ON ${T} (landslide_uuid)`);
    // A GeoPackage attributes table needs an integer primary key (validate_gpkg Req 119).
    db.exec(`CREATE TABLE ${M} (id INTEGER PRIMARY KEY AUTOINCREMENT, base_id INTEGER NOT NULL, related_id INTEGER NOT NULL)`);
    db.exec(`CREATE INDEX ${q(`${t.mapping}_base`)} ON ${M} (base_id)`);
    db.exec(`CREATE INDEX ${q(`${t.mapping}_related`)} ON ${M} (related_id)`);
    contents.run(t.table, t.identifier, t.description);
    contents.run(t.mapping, `${t.identifier}: mapping to landslides`, `Related tables mapping: landslides.fid → ${t.table}.id`);
    db.prepare("INSERT INTO gpkgext_relations (base_table_name, base_primary_column, related_table_name, related_primary_column, relation_name, mapping_table_name) VALUES (?, 'fid', ?, 'id', ?, ?)").run(
      LANDSLIDES_TABLE,
      t.table,
      t.relation,
      t.mapping,
    );
    addExt(t.mapping);
    const p = (s: string): string => q(`scarp_${t.mapping}_${s}`);
    db.exec(`
      CREATE TRIGGER ${p('ev_insert')} AFTER INSERT ON ${T}
      BEGIN INSERT INTO ${M} (base_id, related_id) SELECT fid, NEW.id FROM ${L} WHERE uuid = NEW.landslide_uuid; END;
      CREATE TRIGGER ${p('ev_delete')} AFTER DELETE ON ${T}
      BEGIN DELETE FROM ${M} WHERE related_id = OLD.id; END;
      CREATE TRIGGER ${p('ls_insert')} AFTER INSERT ON ${L}
      BEGIN INSERT INTO ${M} (base_id, related_id) SELECT NEW.fid, id FROM ${T} WHERE landslide_uuid = NEW.uuid; END;
      CREATE TRIGGER ${p('ls_uuid')} AFTER UPDATE OF uuid ON ${L} WHEN OLD.uuid IS NOT NEW.uuid
      BEGIN
        DELETE FROM ${M} WHERE base_id = OLD.fid;
        INSERT INTO ${M} (base_id, related_id) SELECT NEW.fid, id FROM ${T} WHERE landslide_uuid = NEW.uuid;
      END;
      CREATE TRIGGER ${p('ls_delete')} AFTER DELETE ON ${L}
      BEGIN DELETE FROM ${M} WHERE base_id = OLD.fid; END;
    `);
  }
}

function hasEvidenceTables(db: Db): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'landslide_photos'").get() !== undefined;
}

type Row = Record<string, unknown>;

function toRecord(r: Row): EvidenceRecord {
  const out: Record<string, unknown> = { id: r.id };
  for (const c of [...COMMON, ...PHOTO_ONLY]) out[c] = r[c] ?? null;
  return out as unknown as EvidenceRecord;
}

/** Every piece of evidence of a file (a project or a peer read for a merge), with photo bytes when asked. */
export function readEvidence(db: Db, opts: { landslideUuids?: readonly string[]; data?: boolean } = {}): Array<{ kind: EvidenceKind } & EvidenceState> {
  if (!hasEvidenceTables(db)) return [];
  const out: Array<{ kind: EvidenceKind } & EvidenceState> = [];
  for (const kind of ['photo', 'note'] as const) {
    const t = EVIDENCE_TABLES[kind];
    const cols = ['id', ...columnsOf(kind), ...(kind === 'photo' && opts.data ? ['data'] : [])].map(q).join(', ');
    const rows: Row[] = [];
    if (opts.landslideUuids) {
      const u = [...opts.landslideUuids];
      for (let i = 0; i < u.length; i += 500) {
        const part = u.slice(i, i + 500);
        rows.push(...(db.prepare(`SELECT ${cols} FROM ${q(t.table)} WHERE landslide_uuid IN (${part.map(() => '?').join(', ')}) ORDER BY id`).all(...part) as Row[]));
      }
    } else rows.push(...(db.prepare(`SELECT ${cols} FROM ${q(t.table)} ORDER BY id`).all() as Row[]));
    for (const r of rows) out.push({ kind, record: toRecord(r), ...(r.data instanceof Buffer ? { data: r.data } : {}) });
  }
  return out.sort((a, b) => (a.record.added_at < b.record.added_at ? -1 : a.record.added_at > b.record.added_at ? 1 : a.record.uuid < b.record.uuid ? -1 : 1));
}

/** The evidence of an open project: reading, and turning additions and removals into journal ops. */
export class EvidenceStore {
  constructor(private readonly db: Db) {}

  list(opts: { landslideUuids?: readonly string[]; data?: boolean } = {}): Array<{ kind: EvidenceKind } & EvidenceState> {
    return readEvidence(this.db, opts);
  }

  /** One piece of evidence by uuid (with a photo's bytes when asked), or null. */
  get(uuid: string, data = false): ({ kind: EvidenceKind } & EvidenceState) | null {
    for (const kind of ['photo', 'note'] as const) {
      const t = EVIDENCE_TABLES[kind];
      const cols = ['id', ...columnsOf(kind), ...(kind === 'photo' && data ? ['data'] : [])].map(q).join(', ');
      const r = this.db.prepare(`SELECT ${cols} FROM ${q(t.table)} WHERE uuid = ?`).get(uuid) as Row | undefined;
      if (r) return { kind, record: toRecord(r), ...(r.data instanceof Buffer ? { data: r.data } : {}) };
    }
    return null;
  }

  /** How many pieces of evidence each of these landslides has (by uuid). */
  counts(landslideUuids: readonly string[]): Map<string, { photos: number; notes: number }> {
    const out = new Map<string, { photos: number; notes: number }>();
    for (const e of this.list({ landslideUuids })) {
      const c = out.get(e.record.landslide_uuid) ?? { photos: 0, notes: 0 };
      if (e.kind === 'photo') c.photos++;
      else c.notes++;
      out.set(e.record.landslide_uuid, c);
    }
    return out;
  }
}

/** Make an evidence op's target state true (an insert without id gets one, written back to the op). */
export function applyEvidenceOp(db: Db, op: EvidenceOp, forward: boolean): void {
  const t = EVIDENCE_TABLES[op.evidence];
  const to = forward ? op.after : op.before;
  if (!to) {
    const r = db.prepare(`DELETE FROM ${q(t.table)} WHERE uuid = ?`).run(op.uuid);
    if (r.changes !== 1) throw new ScarpError({ code: 'INTERNAL', message: `Journal: the ${op.evidence} ${op.uuid} to remove is missing.` });
    return;
  }
  if (op.evidence === 'photo' && !to.data) throw new ScarpError({ code: 'INTERNAL', message: 'Journal: a photo needs its bytes.' });
  const withId = to.record.id > 0;
  const cols = [...(withId ? ['id'] : []), ...columnsOf(op.evidence), ...(op.evidence === 'photo' ? ['data'] : [])];
  const rec = to.record as unknown as Record<string, unknown>;
  const values = cols.map((c) => (c === 'data' ? to.data : rec[c] ?? null));
  const info = db.prepare(`INSERT INTO ${q(t.table)} (${cols.map(q).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...values);
  if (!withId) to.record.id = Number(info.lastInsertRowid);
}
