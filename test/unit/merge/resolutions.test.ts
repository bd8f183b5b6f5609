/**
 * Conflicts resolved one by one (issue 17, the merge dialog): a dry run lists the conflicts, the
 * user takes one version of each, and the merge applies exactly those choices (the rule only for
 * the rest), as one undoable edit. A choice naming a conflict the merge no longer finds (a file
 * changed since the preview) refuses the whole merge: nothing changes.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/data';
import { Project } from '../../../src-main/core/store/project';
import { crsFromEpsg } from '../../../src-main/core/raster';
import { mergeIntoProject } from '../../../src-main/core/merge/merge-projects';
import { ScarpError } from '../../../src-shared/errors';
import type { FlatMultiPolygon } from '../../../src-main/core/vector/geometry';

const tmp = tempDir('merge-resolutions');
afterAll(() => tmp.cleanup());

const X = 600_000;
const Y = 3_300_000;
const square = (x: number, y: number, s: number): FlatMultiPolygon => [[Float64Array.from([X + x, Y + y, X + x + s, Y + y, X + x + s, Y + y + s, X + x, Y + y + s, X + x, Y + y])]];

function project(name: string): Project {
  const p = Project.create(join(tmp.dir, name));
  p.adoptCrsIfUnset(crsFromEpsg(32645));
  return p;
}

describe('merge conflicts resolved one by one', () => {
  it('applies each choice, the rule for the rest; a stale choice refuses the merge', () => {
    const u1 = '3f2c0000-0000-4000-8000-0000000000c1';
    const u2 = '3f2c0000-0000-4000-8000-0000000000c2';
    const a = project('a.gpkg');
    const b = project('b.gpkg');
    try {
      b.apply({ label: 'B', kind: 'insert', adds: [
        { geometry: square(0, 0, 50), properties: { uuid: u1, status: 'confirmed', notes: 'b1', created_at: '2026-01-01T00:00:00.000Z' } },
        { geometry: square(100, 0, 50), properties: { uuid: u2, status: 'rejected', notes: 'b2', created_at: '2026-01-01T00:00:00.000Z' } },
      ] });
    } finally {
      b.close();
    }
    try {
      a.apply({ label: 'A', kind: 'insert', adds: [
        { geometry: square(0, 0, 50), properties: { uuid: u1, status: 'predicted', notes: 'a1', created_at: '2026-01-01T00:00:00.000Z' } },
        { geometry: square(100, 0, 50), properties: { uuid: u2, status: 'predicted', notes: 'a2', created_at: '2026-01-01T00:00:00.000Z' } },
      ] });
      const before = a.listFeatures({ limit: 10 }).features.map((f) => f.properties);
      const from = join(tmp.dir, 'b.gpkg');
      const preview = mergeIntoProject(a, from, { dryRun: true });
      expect(preview.conflicts.map((c) => `${c.uuid}:${c.field}`).sort()).toEqual([`${u1}:notes`, `${u1}:status`, `${u2}:notes`, `${u2}:status`]);

      // A conflict the merge does not find: refused, naming the file, nothing changed.
      const stale = (() => {
        try {
          mergeIntoProject(a, from, { resolutions: [{ uuid: u1, field: 'type', take: 'from' }] });
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(stale).toBeInstanceOf(ScarpError);
      expect((stale as ScarpError).file).toBe(from);
      expect((stale as ScarpError).message).toMatch(/no conflict on type/);
      expect(a.listFeatures({ limit: 10 }).features.map((f) => f.properties)).toEqual(before);

      const r = mergeIntoProject(a, from, {
        prefer: 'into',
        resolutions: [
          { uuid: u1, field: 'status', take: 'from' },
          { uuid: u2, field: 'notes', take: 'from' },
          { uuid: u2, field: 'status', take: 'into' },
        ],
      });
      expect(Object.fromEntries(r.conflicts.map((c) => [`${c.uuid}:${c.field}`, c.resolved]))).toEqual({ [`${u1}:status`]: 'from', [`${u1}:notes`]: 'into', [`${u2}:notes`]: 'from', [`${u2}:status`]: 'into' });
      const now = Object.fromEntries(a.listFeatures({ limit: 10 }).features.map((f) => [f.properties.uuid, [f.properties.status, f.properties.notes]]));
      expect(now).toEqual({ [u1]: ['confirmed', 'a1'], [u2]: ['predicted', 'b2'] });
      expect(r.edit?.label).toMatch(/4 conflicts \(3 chosen, else into\)/);
      const report = JSON.parse(a.sync.allStates().find((s) => s.editId === r.edit!.id)!.report!) as { conflicts: Array<{ uuid: string; field: string; chosen?: boolean }> };
      expect(report.conflicts.filter((c) => c.chosen).length).toBe(3);

      // One edit: undo restores the inventory as it was.
      a.undo();
      expect(a.listFeatures({ limit: 10 }).features.map((f) => f.properties)).toEqual(before);
    } finally {
      a.close();
    }
  });
});
