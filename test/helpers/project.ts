/**
 * Test shorthands over the project's one write path (Project.apply with an EditPlan), and a
 * read-only look into a project file through a second SQLite connection (what another reader,
 * e.g. QGIS, sees), since the project's own database handle stays inside src-main/core/store.
 */
import Database from 'better-sqlite3';
import type { EditEntry, PlanAttrs, Project } from '../../src-main/core/store/project';
import type { FlatMultiPolygon } from '../../src-main/core/vector/geometry';

export function addFeatures(p: Project, features: Array<{ geometry: FlatMultiPolygon; properties: PlanAttrs }>, label = `Add ${features.length} landslides`): { edit: EditEntry | null; fids: number[] } {
  const r = p.apply({ label, kind: 'insert', adds: features });
  return { edit: r.edit, fids: r.added };
}

export function updateFeatures(p: Project, fids: number[], changes: PlanAttrs): EditEntry | null {
  return p.apply({ label: `Change ${Object.keys(changes).join(', ')}`, kind: 'update', updates: fids.map((fid) => ({ fid, changes })) }).edit;
}

export function deleteFeatures(p: Project, fids: number[]): EditEntry | null {
  return p.apply({ label: `Delete ${fids.length}`, kind: 'delete', deletes: fids }).edit;
}

/** Run `fn` on a read-only connection to the project file (closed after). */
export function peek<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
