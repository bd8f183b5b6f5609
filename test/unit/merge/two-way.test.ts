/**
 * Two-way merges (issue 17): two projects that share no recorded state. Landslides are matched by
 * uuid, and new ones by geometry (IoU ≥ 0.5, each match reported); every differing field of a
 * matched pair is a conflict (there is no telling who changed it); nothing is deleted. The merge
 * records a state, so the next merge of the two is three-way and finds nothing to do. Also the
 * overlap measure behind the matching (edit/polygon-ops).
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/data';
import { Project } from '../../../src-main/core/store/project';
import { crsFromEpsg } from '../../../src-main/core/raster';
import { mergeIntoProject } from '../../../src-main/core/merge/merge-projects';
import { iou, overlapArea } from '../../../src-main/core/edit/polygon-ops';
import type { FlatMultiPolygon } from '../../../src-main/core/vector/geometry';

const tmp = tempDir('merge-two-way');
afterAll(() => tmp.cleanup());

const X = 600_000;
const Y = 3_300_000;
const square = (x: number, y: number, s: number): FlatMultiPolygon => [[Float64Array.from([X + x, Y + y, X + x + s, Y + y, X + x + s, Y + y + s, X + x, Y + y + s, X + x, Y + y])]];

function project(name: string): Project {
  const p = Project.create(join(tmp.dir, name));
  p.adoptCrsIfUnset(crsFromEpsg(32645));
  return p;
}

describe('overlap and IoU (edit/polygon-ops)', () => {
  it('measures the overlap of squares exactly and IoU from it', () => {
    expect(overlapArea(square(0, 0, 100), square(10, 0, 100))).toBeCloseTo(9000, 6);
    expect(overlapArea(square(0, 0, 100), square(200, 0, 100))).toBe(0);
    expect(iou(square(0, 0, 100), square(10, 0, 100))).toBeCloseTo(9000 / 11000, 9);
    expect(iou(square(0, 0, 100), square(60, 0, 100))).toBeCloseTo(4000 / 16000, 9);
    expect(iou(square(0, 0, 100), [])).toBe(0);
  });
});

describe('two-way merge of projects that share no recorded state', () => {
  it('matches by uuid and by geometry, lists every difference as a conflict, deletes nothing; then three-way', () => {
    const a = project('a.gpkg');
    const b = project('b.gpkg');
    const shared = '3f2c0000-0000-4000-8000-000000000001';
    let a2 = '';
    let b2 = '';
    let b3 = '';
    let b4 = '';
    try {
      const ra = a.apply({ label: 'A', kind: 'insert', adds: [
        { geometry: square(1000, 0, 50), properties: { uuid: shared, status: 'predicted', created_at: '2026-01-01T00:00:00.000Z' } },
        { geometry: square(0, 0, 100), properties: { status: 'confirmed' } },
        { geometry: square(500, 0, 100), properties: { status: 'confirmed' } },
      ] });
      a2 = a.features.get(ra.added[1]!)!.properties.uuid;
      const rb = b.apply({ label: 'B', kind: 'insert', adds: [
        { geometry: square(1000, 0, 50), properties: { uuid: shared, status: 'confirmed', created_at: '2026-01-01T00:00:00.000Z' } },
        { geometry: square(10, 0, 100), properties: { status: 'confirmed' } }, // IoU 0.82 with A's second: one landslide
        { geometry: square(560, 0, 100), properties: { status: 'confirmed' } }, // IoU 0.25 with A's third: another
        { geometry: square(3000, 0, 80), properties: { status: 'field_verified' } },
      ] });
      [b2, b3, b4] = rb.added.slice(1).map((fid) => b.features.get(fid)!.properties.uuid) as [string, string, string];
    } finally {
      b.close();
    }
    try {
      const r = mergeIntoProject(a, join(tmp.dir, 'b.gpkg'));
      expect(r.mode).toBe('two-way');
      expect(r.base).toBeNull();
      expect(r.matchedByGeometry).toBe(1);
      expect(r.matches).toEqual([{ into: a2, from: b2, iou: expect.closeTo(9000 / 11000, 9) }]);
      expect(r.conflicts.map((c) => `${c.uuid}:${c.field}`).sort()).toEqual([`${a2}:geometry`, `${shared}:status`].sort());
      const st = r.conflicts.find((c) => c.field === 'status')!;
      expect(st).toMatchObject({ into: 'predicted', from: 'confirmed', resolved: 'into' });
      expect(st.base).toBeUndefined();
      expect(r.conflicts.find((c) => c.field === 'geometry')!.fromUuid).toBe(b2);
      expect(r.applied).toMatchObject({ added: 2, deleted: 0, updated: 0 });
      // A's three, and B's two that match nothing: no duplicate of the shared uuid or of the matched pair.
      const uuids = a.listFeatures({ limit: 100 }).features.map((f) => f.properties.uuid);
      expect(uuids).toHaveLength(5);
      expect(uuids).toEqual(expect.arrayContaining([shared, a2, b3, b4]));
      expect(uuids).not.toContain(b2);

      // The state it recorded makes the next merge three-way: nothing to do, nothing in conflict.
      const again = mergeIntoProject(a, join(tmp.dir, 'b.gpkg'));
      expect(again.mode).toBe('three-way');
      expect(again.conflicts).toEqual([]);
      expect(again.applied).toEqual({ added: 0, deleted: 0, updated: 0, reshaped: 0, fields: {}, evidence: { added: 0, removed: 0 } });
      expect(again.edit).toBeNull();
      // The provenance record says what came from where and when.
      const rec = a.sync.allStates().find((s) => s.kind === 'merge' && s.editId !== null)!;
      const report = JSON.parse(rec.report!) as { from: string; added: string[]; matches: unknown[] };
      expect(report.from).toBe(join(tmp.dir, 'b.gpkg'));
      expect(report.added.sort()).toEqual([b3, b4].sort());
      expect(report.matches).toHaveLength(1);
    } finally {
      a.close();
    }
  });

  it('--prefer newest takes the later updated_at; a tie keeps into', () => {
    const a = project('na.gpkg');
    const b = project('nb.gpkg');
    const u1 = '3f2c0000-0000-4000-8000-0000000000a1';
    const u2 = '3f2c0000-0000-4000-8000-0000000000a2';
    try {
      a.apply({ label: 'A', kind: 'insert', adds: [
        { geometry: square(0, 0, 50), properties: { uuid: u1, notes: 'a', updated_at: '2026-01-02T00:00:00.000Z' } },
        { geometry: square(100, 0, 50), properties: { uuid: u2, notes: 'a', updated_at: '2026-01-05T00:00:00.000Z' } },
      ] });
      b.apply({ label: 'B', kind: 'insert', adds: [
        { geometry: square(0, 0, 50), properties: { uuid: u1, notes: 'b', updated_at: '2026-01-03T00:00:00.000Z' } },
        { geometry: square(100, 0, 50), properties: { uuid: u2, notes: 'b', updated_at: '2026-01-05T00:00:00.000Z' } },
      ] });
    } finally {
      b.close();
    }
    try {
      const r = mergeIntoProject(a, join(tmp.dir, 'nb.gpkg'), { prefer: 'newest' });
      expect(Object.fromEntries(r.conflicts.map((c) => [c.uuid, c.resolved]))).toEqual({ [u1]: 'from', [u2]: 'into' });
      const notes = Object.fromEntries(a.listFeatures({ limit: 10 }).features.map((f) => [f.properties.uuid, f.properties.notes]));
      expect(notes).toEqual({ [u1]: 'b', [u2]: 'a' });
    } finally {
      a.close();
    }
  });
});
