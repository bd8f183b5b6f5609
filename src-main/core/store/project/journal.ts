/**
 * The edit journal: every change to the inventory (and to the edited mask) is a list of ops, each
 * holding the state before and after, so that it can be undone (before ← after, ops in reverse) and
 * redone. Applying an edit and recording it happen in one transaction; undo/redo state lives in the
 * file, so it survives closing and reopening. A new edit after an undo discards the undone edits
 * (kept in the table as 'discarded' for the audit, never re-applied).
 *
 * Op states: (exists_before, exists_after) = (0, 1) insert, (1, 0) delete, (1, 1) update. Update
 * ops hold only the changed attributes, and geometry only when it changed.
 */
import type Database from 'better-sqlite3';
import { ScarpError } from '../../../../src-shared/errors';
import type { EditKind } from '../../../../src-shared/vocabulary';
import { q } from '../geopackage-schema';
import { LANDSLIDE_COLUMNS, LANDSLIDES_GEOMETRY_COLUMN, LANDSLIDES_TABLE, type LandslideRecord } from '../landslides-schema';
import { applyEvidenceOp, type EvidenceKind, type EvidenceOp, type EvidenceRecord, type EvidenceState } from './evidence';

type Db = Database.Database;

export type FeatureAttrs = Partial<LandslideRecord>;

export interface FeatureState {
  attrs: FeatureAttrs;
  /** GeoPackage geometry blob; absent on an update that leaves the geometry as it is. */
  geom?: Buffer;
}

export interface FeatureOp {
  kind: 'feature';
  /** null for a feature not inserted yet (set when applied). */
  fid: number | null;
  before: FeatureState | null;
  after: FeatureState | null;
}

export interface MaskTileState {
  width: number;
  height: number;
  data: Buffer;
}

export interface MaskOp {
  kind: 'mask';
  scene: string;
  tileRow: number;
  tileCol: number;
  before: MaskTileState | null;
  after: MaskTileState | null;
}

export type JournalOp = FeatureOp | MaskOp | EvidenceOp;

export type { EditKind };

export interface EditEntry {
  id: number;
  label: string;
  kind: EditKind;
  author: string;
  at: string;
  state: 'done' | 'undone' | 'discarded';
  opCount: number;
}

const COLS = new Set<string>(LANDSLIDE_COLUMNS.map((c) => c.name));

function checkAttrs(a: FeatureAttrs): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(a)) {
    if (!COLS.has(k)) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Unknown landslide attribute '${k}'.` });
    out.push([k, v]);
  }
  return out;
}

/** Applies ops to the landslides table and the mask tiles, with statements prepared once. */
class OpApplier {
  private readonly del: Database.Statement;
  private readonly delMask: Database.Statement;
  private readonly putMask: Database.Statement;
  private readonly inserts = new Map<string, Database.Statement>();
  private readonly updates = new Map<string, Database.Statement>();

  constructor(private readonly db: Db) {
    this.del = db.prepare(`DELETE FROM ${q(LANDSLIDES_TABLE)} WHERE fid = ?`);
    this.delMask = db.prepare('DELETE FROM scarp_mask_tiles WHERE scene_id = ? AND tile_row = ? AND tile_col = ?');
    this.putMask = db.prepare('INSERT OR REPLACE INTO scarp_mask_tiles (scene_id, tile_row, tile_col, width, height, data) VALUES (?, ?, ?, ?, ?, ?)');
  }

  private stmt(cache: Map<string, Database.Statement>, key: string, sql: () => string): Database.Statement {
    let s = cache.get(key);
    if (!s) {
      s = this.db.prepare(sql());
      cache.set(key, s);
    }
    return s;
  }

  /** Make the op's target state true (an insert without fid gets one, written back to the op). */
  apply(op: JournalOp, forward: boolean): void {
    if (op.kind === 'evidence') {
      applyEvidenceOp(this.db, op, forward);
      return;
    }
    if (op.kind === 'mask') {
      const to = forward ? op.after : op.before;
      if (!to) this.delMask.run(op.scene, op.tileRow, op.tileCol);
      else this.putMask.run(op.scene, op.tileRow, op.tileCol, to.width, to.height, to.data);
      return;
    }
    const from = forward ? op.before : op.after;
    const to = forward ? op.after : op.before;
    if (!to) {
      const r = this.del.run(op.fid);
      if (r.changes !== 1) throw new ScarpError({ code: 'INTERNAL', message: `Journal: feature ${op.fid} to delete is missing.` });
      return;
    }
    const attrs = checkAttrs(to.attrs);
    if (!from) {
      if (!to.geom) throw new ScarpError({ code: 'INTERNAL', message: 'Journal: an inserted feature needs a geometry.' });
      const names = attrs.map(([k]) => k);
      const withFid = op.fid !== null;
      const key = `${withFid ? 1 : 0}:${names.join(',')}`;
      const s = this.stmt(this.inserts, key, () => {
        const cols = [...(withFid ? ['fid'] : []), LANDSLIDES_GEOMETRY_COLUMN, ...names].map(q);
        return `INSERT INTO ${q(LANDSLIDES_TABLE)} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
      });
      const values = [...(withFid ? [op.fid] : []), to.geom, ...attrs.map(([, v]) => v)];
      const info = s.run(values);
      if (!withFid) op.fid = Number(info.lastInsertRowid);
      return;
    }
    const names = attrs.map(([k]) => k);
    const setGeom = to.geom !== undefined;
    if (names.length === 0 && !setGeom) return;
    const key = `${setGeom ? 1 : 0}:${names.join(',')}`;
    const s = this.stmt(this.updates, key, () => {
      const sets = [...(setGeom ? [LANDSLIDES_GEOMETRY_COLUMN] : []), ...names].map((c) => `${q(c)} = ?`);
      return `UPDATE ${q(LANDSLIDES_TABLE)} SET ${sets.join(', ')} WHERE fid = ?`;
    });
    const r = s.run([...(setGeom ? [to.geom] : []), ...attrs.map(([, v]) => v), op.fid]);
    if (r.changes !== 1) throw new ScarpError({ code: 'INTERNAL', message: `Journal: feature ${op.fid} to update is missing.` });
  }
}

function toJson(a: FeatureAttrs | { width: number; height: number } | undefined): string | null {
  return a === undefined ? null : JSON.stringify(a);
}

interface OpRow {
  target_kind: 'feature' | 'mask' | 'evidence';
  target: string;
  exists_before: number;
  exists_after: number;
  before_attrs: string | null;
  before_data: Buffer | null;
  after_attrs: string | null;
  after_data: Buffer | null;
}

function rowToOp(r: OpRow): JournalOp {
  if (r.target_kind === 'evidence') {
    const [evidence, uuid] = r.target.split('/') as [EvidenceKind, string];
    const st = (exists: number, attrs: string | null, data: Buffer | null): EvidenceState | null =>
      exists ? { record: JSON.parse(attrs ?? '{}') as EvidenceRecord, ...(data ? { data } : {}) } : null;
    return { kind: 'evidence', evidence, uuid, before: st(r.exists_before, r.before_attrs, r.before_data), after: st(r.exists_after, r.after_attrs, r.after_data) };
  }
  if (r.target_kind === 'mask') {
    const [scene, tr, tc] = r.target.split('/');
    const st = (exists: number, attrs: string | null, data: Buffer | null): MaskTileState | null => {
      if (!exists) return null;
      const a = JSON.parse(attrs ?? '{}') as { width: number; height: number };
      return { width: a.width, height: a.height, data: data ?? Buffer.alloc(0) };
    };
    return { kind: 'mask', scene: scene!, tileRow: Number(tr), tileCol: Number(tc), before: st(r.exists_before, r.before_attrs, r.before_data), after: st(r.exists_after, r.after_attrs, r.after_data) };
  }
  const st = (exists: number, attrs: string | null, data: Buffer | null): FeatureState | null => {
    if (!exists) return null;
    const s: FeatureState = { attrs: JSON.parse(attrs ?? '{}') as FeatureAttrs };
    if (data) s.geom = data;
    return s;
  };
  return { kind: 'feature', fid: Number(r.target), before: st(r.exists_before, r.before_attrs, r.before_data), after: st(r.exists_after, r.after_attrs, r.after_data) };
}

export class Journal {
  private readonly applier: OpApplier;

  constructor(
    private readonly db: Db,
    private readonly author: () => string,
  ) {
    this.applier = new OpApplier(db);
  }

  /**
   * Apply `ops` and record them as one edit. Call inside a transaction (ProjectDb.tx): the change
   * and its journal entry commit together or not at all. Returns the edit.
   */
  commit(label: string, kind: EditKind, ops: JournalOp[]): EditEntry {
    this.apply(ops);
    return this.record(label, kind, ops);
  }

  /** Make `ops` true (inserts get their fids), without recording them yet. Inside a transaction. */
  apply(ops: JournalOp[]): void {
    for (const op of ops) this.applier.apply(op, true);
  }

  /** Record ops already applied (`apply`) as one edit. Inside the same transaction. */
  record(label: string, kind: EditKind, ops: JournalOp[], reason?: string): EditEntry {
    const at = new Date().toISOString();
    const author = this.author();
    // A new edit ends the redo branch.
    this.db.prepare("UPDATE scarp_edits SET state = 'discarded' WHERE state = 'undone'").run();
    const info = this.db.prepare("INSERT INTO scarp_edits (label, kind, author, at, state, op_count) VALUES (?, ?, ?, ?, 'done', ?)").run(label, kind, author, at, ops.length);
    const id = Number(info.lastInsertRowid);
    this.insertOps(id, 0, ops);
    this.audit('edit', id, reason ? `${label} (${reason})` : label, author, at);
    return { id, label, kind, author, at, state: 'done', opCount: ops.length };
  }

  /** Store ops of edit `id`, numbered from `first`. */
  private insertOps(id: number, first: number, ops: JournalOp[]): void {
    const ins = this.db.prepare(
      'INSERT INTO scarp_edit_ops (edit_id, n, target_kind, target, exists_before, exists_after, before_attrs, before_data, after_attrs, after_data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    ops.forEach((op, k) => {
      const n = first + k;
      if (op.kind === 'evidence') {
        const json = (e: EvidenceState | null): string | null => (e ? JSON.stringify(e.record) : null);
        ins.run(id, n, 'evidence', `${op.evidence}/${op.uuid}`, op.before ? 1 : 0, op.after ? 1 : 0, json(op.before), op.before?.data ?? null, json(op.after), op.after?.data ?? null);
      } else if (op.kind === 'mask') {
        const dims = (s: MaskTileState | null) => (s ? { width: s.width, height: s.height } : undefined);
        ins.run(id, n, 'mask', `${op.scene}/${op.tileRow}/${op.tileCol}`, op.before ? 1 : 0, op.after ? 1 : 0, toJson(dims(op.before)), op.before?.data ?? null, toJson(dims(op.after)), op.after?.data ?? null);
      } else {
        ins.run(id, n, 'feature', String(op.fid), op.before ? 1 : 0, op.after ? 1 : 0, toJson(op.before?.attrs), op.before?.geom ?? null, toJson(op.after?.attrs), op.after?.geom ?? null);
      }
    });
  }

  /**
   * Add ops already applied to edit `editId` when it is the newest edit done (nothing after it done
   * or undone); else null (the caller records them as an edit of their own). Inside the transaction
   * that applied them.
   */
  append(editId: number, ops: JournalOp[]): EditEntry | null {
    const e = this.entry("state != 'discarded' ORDER BY id DESC LIMIT 1");
    if (!e || e.id !== editId || e.state !== 'done') return null;
    this.insertOps(e.id, e.opCount, ops);
    this.db.prepare('UPDATE scarp_edits SET op_count = ? WHERE id = ?').run(e.opCount + ops.length, e.id);
    return { ...e, opCount: e.opCount + ops.length };
  }

  private audit(action: 'edit' | 'undo' | 'redo', editId: number, label: string, author: string, at: string): void {
    this.db.prepare('INSERT INTO scarp_audit (at, author, action, edit_id, label) VALUES (?, ?, ?, ?, ?)').run(at, author, action, editId, label);
  }

  private ops(editId: number): JournalOp[] {
    const rows = this.db.prepare('SELECT * FROM scarp_edit_ops WHERE edit_id = ? ORDER BY n').all(editId) as OpRow[];
    return rows.map(rowToOp);
  }

  private entry(where: string): EditEntry | null {
    const r = this.db.prepare(`SELECT id, label, kind, author, at, state, op_count FROM scarp_edits WHERE ${where}`).get() as
      | { id: number; label: string; kind: EditKind; author: string; at: string; state: EditEntry['state']; op_count: number }
      | undefined;
    return r ? { id: r.id, label: r.label, kind: r.kind, author: r.author, at: r.at, state: r.state, opCount: r.op_count } : null;
  }

  /** Undo the latest done edit (call inside a transaction); null when there is nothing to undo. */
  undo(): { entry: EditEntry; ops: JournalOp[] } | null {
    const e = this.entry("state = 'done' ORDER BY id DESC LIMIT 1");
    if (!e) return null;
    const ops = this.ops(e.id);
    for (let i = ops.length - 1; i >= 0; i--) this.applier.apply(ops[i]!, false);
    this.db.prepare("UPDATE scarp_edits SET state = 'undone' WHERE id = ?").run(e.id);
    this.audit('undo', e.id, e.label, this.author(), new Date().toISOString());
    return { entry: { ...e, state: 'undone' }, ops };
  }

  /** Redo the earliest undone edit (call inside a transaction); null when there is nothing to redo. */
  redo(): { entry: EditEntry; ops: JournalOp[] } | null {
    const e = this.entry("state = 'undone' ORDER BY id ASC LIMIT 1");
    if (!e) return null;
    const ops = this.ops(e.id);
    for (const op of ops) this.applier.apply(op, true);
    this.db.prepare("UPDATE scarp_edits SET state = 'done' WHERE id = ?").run(e.id);
    this.audit('redo', e.id, e.label, this.author(), new Date().toISOString());
    return { entry: { ...e, state: 'done' }, ops };
  }

  /** Counts for the undo/redo buttons. */
  stacks(): { canUndo: number; canRedo: number } {
    const r = this.db.prepare("SELECT SUM(state = 'done') AS u, SUM(state = 'undone') AS r FROM scarp_edits").get() as { u: number | null; r: number | null };
    return { canUndo: r.u ?? 0, canRedo: r.r ?? 0 };
  }

  /** Newest first. */
  history(limit = 100, beforeId?: number): EditEntry[] {
    const rows = this.db
      .prepare(`SELECT id, label, kind, author, at, state, op_count FROM scarp_edits ${beforeId ? 'WHERE id < ?' : ''} ORDER BY id DESC LIMIT ?`)
      .all(...(beforeId ? [beforeId, limit] : [limit])) as Array<{ id: number; label: string; kind: EditKind; author: string; at: string; state: EditEntry['state']; op_count: number }>;
    return rows.map((r) => ({ id: r.id, label: r.label, kind: r.kind, author: r.author, at: r.at, state: r.state, opCount: r.op_count }));
  }

  /** Audit trail, newest first. */
  audits(limit = 100): Array<{ id: number; at: string; author: string; action: string; editId: number; label: string }> {
    return (this.db.prepare('SELECT id, at, author, action, edit_id AS editId, label FROM scarp_audit ORDER BY id DESC LIMIT ?').all(limit) as Array<{
      id: number;
      at: string;
      author: string;
      action: string;
      editId: number;
      label: string;
    }>).map((r) => ({ ...r }));
  }
}
