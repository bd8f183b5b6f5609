/**
 * Field teams (issue 17): a real project (the Balakot inventory, 3,820 published landslides, on the
 * AW3D30 DEM as its scene so that every edit also rewrites stored mask tiles) is packaged; the
 * package and the project are edited differently (new, deleted, reshaped, re-statused landslides,
 * a "not a landslide" area, the same new landslide mapped on both sides, conflicting decisions);
 * then merged both ways. No duplicates, every non-conflicting change present, each conflict
 * reported once with both versions, undo restores the pre-merge inventory and mask exactly, and a
 * merge back the other way converges (three-way against the state the first merge recorded).
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, hasGdal } from '../helpers/gdal';
import { peek } from '../helpers/project';
import { Project, type PlanAttrs } from '../../src-main/core/store/project';
import { importIntoProject } from '../../src-main/core/import/project-import';
import { packageProject } from '../../src-main/core/field/field-package';
import { mergeIntoProject } from '../../src-main/core/merge/merge-projects';
import { mapCoords, type FlatMultiPolygon } from '../../src-main/core/vector/geometry';
import { BACKGROUND_SOURCE } from '../../src-shared/vocabulary';
import { ScarpError } from '../../src-shared/errors';
import type { MergeResponse } from '../../src-shared/api';

const run = hasData && hasGdal ? describe : describe.skip;

const square = (x: number, y: number, s: number): FlatMultiPolygon => [[Float64Array.from([x, y, x + s, y, x + s, y + s, x, y + s, x, y])]];
const shift = (g: FlatMultiPolygon, dx: number, dy: number): FlatMultiPolygon => mapCoords(g, (x, y) => [x + dx, y + dy]);

type Row = { uuid: string; status: string; type: string; notes: string | null; source: string | null; geom: string; [k: string]: unknown };
/** The whole inventory as stored (every column, geometry as hex), by uuid. */
const inventory = (path: string): Row[] => peek(path, (db) => db.prepare('SELECT *, hex(geom) AS geom FROM landslides ORDER BY uuid').all() as Row[]);
const maskTiles = (path: string): Array<Record<string, unknown>> => peek(path, (db) => db.prepare('SELECT scene_id, tile_row, tile_col, hex(data) AS d FROM scarp_mask_tiles ORDER BY scene_id, tile_row, tile_col').all() as Array<Record<string, unknown>>);
const byUuid = (rows: Row[]): Map<string, Row> => new Map(rows.map((r) => [r.uuid, r]));
/** What an inventory says, without identity or bookkeeping: for comparing two converged projects. */
const content = (rows: Row[]): string[] => rows.map((r) => `${r.status}|${r.type}|${r.notes}|${r.source}|${(r.geom as string).slice(16 + 64)}`).sort();

function withOpen<T>(path: string, fn: (p: Project) => T): T {
  const p = Project.open(path);
  try {
    return fn(p);
  } finally {
    p.close();
  }
}

run('merging a field package back (Balakot, 3,820 landslides on the AW3D30 DEM)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let origin: string; // O: the operations centre's project
  let pkg: string; // P: the field package
  let u: string[]; // uuids of the original landslides, by fid order
  const geomOf = new Map<string, FlatMultiPolygon>();
  // Landslides the test edits, by index into u.
  const I = { oDel: 10, oReshape: 11, oStatus: 12, oNotes: 13, both: 14, delVsChange: 15, pDel: 20, pReshape: 21, pStatus: 22, pType: 23, changeVsDel: 24, sameChange: 25 };
  let oNew: FlatMultiPolygon;
  let pDup: FlatMultiPolygon;
  let pNew: FlatMultiPolygon;
  let pLowOverlap: FlatMultiPolygon;
  let pBackground: FlatMultiPolygon;
  let oNewUuid: string;
  let pDupUuid: string;
  let pNewUuid: string;

  beforeAll(async () => {
    tmp = tempDir('merge');
    origin = join(tmp.dir, 'balakot.gpkg');
    pkg = join(tmp.dir, 'field.gpkg');
    const o = Project.create(origin);
    try {
      await o.addScene(dataPath('balakot/aw3d30_dem.tif'));
      await importIntoProject(o, dataPath('balakot/landslides.shp'));
      const all = o.listFeatures({ limit: 10_000 }).features;
      u = all.map((f) => f.properties.uuid);
      for (const f of all) geomOf.set(f.properties.uuid, f.geometry);
      const r = await packageProject(o, pkg);
      expect(r.landslides).toBe(3820);
    } finally {
      o.close();
    }
    // Empty ground inside the DEM, south-west corner of the inventory's extent.
    oNew = square(340_000, 3_819_000, 60);
    pDup = shift(oNew, 10, 0); // IoU 50·60 / 70·60 = 0.71: the same landslide mapped in the field
    pNew = square(341_000, 3_819_000, 40);
    pLowOverlap = shift(square(340_500, 3_819_000, 60), 40, 0); // against oLow: IoU 20/100 = 0.2
    pBackground = square(342_000, 3_819_000, 80);

    // The operations centre's edits.
    withOpen(origin, (o) => {
      const fid = (i: number): number => o.features.fidsOfUuids([u[i]!])[0]!;
      // The mask of the whole scene is stored (as after brush work), so every edit rewrites tiles.
      const scene = o.scenes.list()[0]!;
      o.apply({ label: 'Store the mask', kind: 'mask', materialise: [{ scene: scene.id, window: { x: 0, y: 0, width: scene.width, height: scene.height } }] });
      const add = o.apply({ label: 'O adds', kind: 'insert', adds: [{ geometry: oNew, properties: { status: 'confirmed' } }, { geometry: square(340_500, 3_819_000, 60), properties: { status: 'confirmed', notes: 'oLow' } }] });
      oNewUuid = o.features.get(add.added[0]!)!.properties.uuid;
      o.apply({ label: 'O deletes', kind: 'delete', deletes: [fid(I.oDel), fid(I.delVsChange)] });
      o.apply({ label: 'O reshapes', kind: 'update', updates: [{ fid: fid(I.oReshape), geometry: shift(geomOf.get(u[I.oReshape]!)!, 3, 2) }] });
      o.apply({ label: 'O reviews', kind: 'review', updates: [
        { fid: fid(I.oStatus), changes: { status: 'confirmed' } },
        { fid: fid(I.oNotes), changes: { notes: 'checked on imagery' } },
        { fid: fid(I.both), changes: { status: 'confirmed' } },
        { fid: fid(I.changeVsDel), changes: { notes: 'O looked at it' } },
        { fid: fid(I.sameChange), changes: { status: 'rejected' } },
      ] });
    });
    // The field team's edits, in the package.
    withOpen(pkg, (p) => {
      const fid = (i: number): number => p.features.fidsOfUuids([u[i]!])[0]!;
      const bg: PlanAttrs = { status: 'rejected', source: BACKGROUND_SOURCE };
      const add = p.apply({ label: 'P adds', kind: 'insert', mapper: 'field team', adds: [{ geometry: pDup, properties: { status: 'field_verified' } }, { geometry: pNew, properties: { status: 'field_verified', type: 'fall' } }, { geometry: pLowOverlap, properties: {} }, { geometry: pBackground, properties: bg }] });
      pDupUuid = p.features.get(add.added[0]!)!.properties.uuid;
      pNewUuid = p.features.get(add.added[1]!)!.properties.uuid;
      p.apply({ label: 'P deletes', kind: 'delete', deletes: [fid(I.pDel), fid(I.changeVsDel)] });
      p.apply({ label: 'P reshapes', kind: 'update', mapper: 'field team', updates: [{ fid: fid(I.pReshape), geometry: shift(geomOf.get(u[I.pReshape]!)!, -4, 1) }] });
      p.apply({ label: 'P reviews', kind: 'review', updates: [
        { fid: fid(I.pStatus), changes: { status: 'field_verified' } },
        { fid: fid(I.pType), changes: { type: 'flow' } },
        { fid: fid(I.both), changes: { status: 'rejected' } },
        { fid: fid(I.delVsChange), changes: { status: 'field_verified', notes: 'seen in the field' } },
        { fid: fid(I.sameChange), changes: { status: 'rejected' } },
      ] });
    });
  }, 240_000);
  afterAll(() => tmp?.cleanup());

  /** Fresh copies of O and P for one scenario. */
  const copies = (name: string): { o: string; p: string } => {
    const o = join(tmp.dir, `${name}-o.gpkg`);
    const p = join(tmp.dir, `${name}-p.gpkg`);
    copyFileSync(origin, o);
    copyFileSync(pkg, p);
    return { o, p };
  };

  it('the package (after the field edits) is a GeoPackage that GDAL reads with every landslide', () => {
    const info = gdal('ogrinfo', ['-so', '-ro', pkg, 'landslides']);
    expect(info).toMatch(/Feature Count: 3822/);
  });

  it('package into project: three-way, every non-conflicting change of both sides, no duplicates, conflicts once; undo restores exactly', () => {
    const { o, p } = copies('into-o');
    const before = inventory(o);
    const maskBefore = maskTiles(o);
    const r = withOpen(o, (prj) => mergeIntoProject(prj, p));
    expect(r.mode).toBe('three-way');
    expect(r.base?.kind).toBe('package');
    const after = byUuid(inventory(o));
    // No duplicates: uuids are unique (the column is UNIQUE) and the count is exact:
    // 3820 + 2 (O new) − 2 (O deleted) + pNew + pLowOverlap + background − pDel = 3822.
    expect(after.size).toBe(3820 + 2 - 2 + 3 - 1);
    // P's changes are in.
    expect(after.get(pNewUuid)).toMatchObject({ status: 'field_verified', type: 'fall' });
    expect([...after.values()].filter((x) => x.source === BACKGROUND_SOURCE)).toHaveLength(1);
    expect(after.has(u[I.pDel]!)).toBe(false);
    expect(after.get(u[I.pStatus]!)!.status).toBe('field_verified');
    expect(after.get(u[I.pType]!)!.type).toBe('flow');
    expect(after.get(u[I.pReshape]!)!.geom).not.toBe(byUuid(before).get(u[I.pReshape]!)!.geom);
    expect(after.get(u[I.pReshape]!)!.mapper).toBe('field team');
    // O's own changes stay.
    expect(after.has(u[I.oDel]!)).toBe(false);
    expect(after.get(u[I.oStatus]!)!.status).toBe('confirmed');
    expect(after.get(u[I.oNotes]!)!.notes).toBe('checked on imagery');
    expect(after.get(u[I.oReshape]!)!.geom).toBe(byUuid(before).get(u[I.oReshape]!)!.geom);
    // The same new landslide mapped on both sides: matched by geometry, kept once (O's uuid).
    expect(r.matchedByGeometry).toBe(1);
    expect(r.matches[0]).toMatchObject({ into: oNewUuid, from: pDupUuid });
    expect(r.matches[0]!.iou).toBeCloseTo(50 / 70, 6);
    expect(after.has(pDupUuid)).toBe(false);
    // Conflicts: each once, with both versions; resolved as into (the default).
    const keys = r.conflicts.map((c) => `${c.uuid}:${c.field}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual(
      [`${u[I.both]}:status`, `${u[I.delVsChange]}:deleted`, `${u[I.changeVsDel]}:deleted`, `${oNewUuid}:geometry`, `${oNewUuid}:status`].sort(),
    );
    const both = r.conflicts.find((c) => c.uuid === u[I.both])!;
    expect(both).toMatchObject({ field: 'status', into: 'confirmed', from: 'rejected', base: 'predicted', resolved: 'into' });
    const dvc = r.conflicts.find((c) => c.uuid === u[I.delVsChange])!;
    expect(dvc.into).toBeNull();
    expect(dvc.from).toMatchObject({ status: 'field_verified', notes: 'seen in the field' });
    expect(after.has(u[I.delVsChange]!)).toBe(false);
    expect(after.get(u[I.changeVsDel]!)!.notes).toBe('O looked at it');
    expect(after.get(u[I.both]!)!.status).toBe('confirmed');
    expect(r.applied).toMatchObject({ added: 3, deleted: 1, reshaped: 1 });
    expect(r.applied.fields).toMatchObject({ status: 1, type: 1, geometry: 1 });
    expect(r.edit).not.toBeNull();
    // The mask followed (the scene is in the project CRS).
    expect(maskBefore.length).toBeGreaterThan(0);
    expect(maskTiles(o)).not.toEqual(maskBefore);

    // Undo takes the whole merge back: the inventory and the mask exactly as before.
    withOpen(o, (prj) => {
      const u1 = prj.undo();
      expect(u1.edit?.kind).toBe('merge');
    });
    expect(inventory(o)).toEqual(before);
    expect(maskTiles(o)).toEqual(maskBefore);
    // An undone merge's state does not count: merging again is the same merge.
    const again = withOpen(o, (prj) => mergeIntoProject(prj, p, { dryRun: true }));
    expect({ ...again, edit: null, dryRun: false, features: 0 }).toEqual({ ...r, edit: null, features: 0 });
  }, 120_000);

  it('project into package: the other way, same rules; --prefer from and newest resolve conflicts', () => {
    const { o, p } = copies('into-p');
    const r = withOpen(p, (prj) => mergeIntoProject(prj, o));
    expect(r.mode).toBe('three-way');
    const after = byUuid(inventory(p));
    expect(after.size).toBe(3820 + 2 - 2 + 3 - 1);
    expect(after.has(u[I.oDel]!)).toBe(false);
    expect(after.get(u[I.oStatus]!)!.status).toBe('confirmed');
    expect(after.get(u[I.oNotes]!)!.notes).toBe('checked on imagery');
    expect(after.get(u[I.both]!)!.status).toBe('rejected'); // into (the package) kept its decision
    expect(after.get(u[I.delVsChange]!)!.status).toBe('field_verified');
    expect(after.has(u[I.changeVsDel]!)).toBe(false);
    expect(after.has(oNewUuid)).toBe(false); // matched with pDup
    expect(r.matches).toEqual([{ into: pDupUuid, from: oNewUuid, iou: expect.closeTo(50 / 70, 6) }]);
    expect(r.conflicts).toHaveLength(5);

    const { o: o2, p: p2 } = copies('prefer-from');
    const rf = withOpen(p2, (prj) => mergeIntoProject(prj, o2, { prefer: 'from' }));
    const af = byUuid(inventory(p2));
    expect(rf.conflicts.every((c) => c.resolved === 'from')).toBe(true);
    expect(af.get(u[I.both]!)!.status).toBe('confirmed');
    expect(af.has(u[I.delVsChange]!)).toBe(false);
    expect(af.get(u[I.changeVsDel]!)!.notes).toBe('O looked at it');
    expect(af.get(pDupUuid)!.status).toBe('confirmed');

    const { o: o3, p: p3 } = copies('prefer-newest');
    const rn = withOpen(o3, (prj) => mergeIntoProject(prj, p3, { prefer: 'newest' }));
    // P was edited after O: its decision is the newer one; a deletion against a change keeps the change.
    expect(rn.conflicts.find((c) => c.uuid === u[I.both])!.resolved).toBe('from');
    expect(byUuid(inventory(o3)).get(u[I.both]!)!.status).toBe('rejected');
    expect(byUuid(inventory(o3)).get(u[I.delVsChange]!)!.status).toBe('field_verified');
  }, 120_000);

  it('a merge back the other way converges, and a third merge finds nothing to do', () => {
    const { o, p } = copies('round');
    withOpen(o, (prj) => mergeIntoProject(prj, p));
    const back = withOpen(p, (prj) => mergeIntoProject(prj, o));
    expect(back.mode).toBe('three-way');
    expect(back.base?.kind).toBe('merge');
    expect(back.conflicts).toEqual([]);
    // The package now says what the project says (the doubly mapped landslide under each side's uuid).
    expect(content(inventory(p))).toEqual(content(inventory(o)));
    const third = withOpen(o, (prj) => mergeIntoProject(prj, p));
    expect(third.conflicts).toEqual([]);
    expect(third.applied).toEqual({ added: 0, deleted: 0, updated: 0, reshaped: 0, fields: {}, evidence: { added: 0, removed: 0 } });
    expect(third.edit).toBeNull();
  }, 120_000);

  it('--dry-run changes nothing; bad input is refused with the file named and nothing changed', () => {
    const { o, p } = copies('dry');
    const before = inventory(o);
    const r: MergeResponse = withOpen(o, (prj) => mergeIntoProject(prj, p, { dryRun: true }));
    expect(r.dryRun).toBe(true);
    expect(r.applied.added).toBe(3);
    expect(r.edit).toBeNull();
    expect(inventory(o)).toEqual(before);
    withOpen(o, (prj) => expect(prj.summary().canUndo).toBe(6));

    const expectCode = (fn: () => unknown, code: string, file?: string): void => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(ScarpError);
        expect((e as ScarpError).code).toBe(code);
        if (file) expect((e as ScarpError).file).toBe(file);
        return;
      }
      throw new Error(`expected ${code}`);
    };
    const missing = join(tmp.dir, 'nope.gpkg');
    const foreign = join(tmp.dir, 'foreign.gpkg');
    gdal('ogr2ogr', ['-f', 'GPKG', foreign, dataPath('balakot/landslides.shp'), '-limit', '5']);
    const text = join(tmp.dir, 'notes.gpkg');
    writeFileSync(text, 'not a database at all, just text that happens to be long enough '.repeat(4));
    withOpen(o, (prj) => {
      expectCode(() => mergeIntoProject(prj, missing), 'FILE_NOT_FOUND', missing);
      expectCode(() => mergeIntoProject(prj, foreign), 'NOT_A_PROJECT', foreign);
      expectCode(() => mergeIntoProject(prj, text), 'NOT_A_PROJECT', text);
      expectCode(() => mergeIntoProject(prj, o), 'INVALID_ARGUMENT', o);
    });
    expect(inventory(o)).toEqual(before);
  }, 120_000);
});
