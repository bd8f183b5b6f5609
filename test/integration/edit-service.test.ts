/**
 * Correcting through ScarpService (issue 7): brush out a false positive, draw, merge, split, accept,
 * reject → undo 3 → close → reopen → redo → export GeoPackage; ogrinfo shows exactly those changes,
 * all geometries valid (GEOS).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ScarpService } from '../../src-main/core/service/scarp-service';
import { tempDir } from '../helpers/data';
import { gdal } from '../helpers/gdal';
import { canRun, sceneFile } from '../unit/store/_fixtures';

const tmp = tempDir('edit-service');
afterAll(() => tmp.cleanup());

function sql(file: string, q: string): string {
  return gdal('ogrinfo', ['-q', '-dialect', 'sqlite', '-sql', q, file]);
}

describe.skipIf(!canRun)('correcting through ScarpService', () => {
  it('edits → undo 3 → close → reopen → redo → export: exactly those changes', async () => {
    const s = new ScarpService();
    const path = join(tmp.dir, 'c.gpkg');
    await s.createProject({ path, author: 'reviewer-7' });
    const scene = await s.addScene({ path: sceneFile(tmp.dir) });
    const gx = scene.bounds.minX;
    const gy = scene.bounds.maxY;
    const px = (scene.bounds.maxX - scene.bounds.minX) / scene.width;
    const at = (x: number, y: number): [number, number] => [gx + x * px, gy - y * px];
    const box = (x0: number, y0: number, x1: number, y1: number) => [[at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1), at(x0, y0)]];
    const add = async (b: number[][][], notes: string) => (await s.addFeature({ coordinates: [b], scene: scene.id, properties: { status: 'predicted', notes } })).fids![0]!;
    const fp = await add(box(10, 10, 30, 30), 'false positive');
    const b = await add(box(50, 10, 70, 30), 'b');
    const c = await add(box(72, 10, 90, 30), 'c');
    const d = await add(box(10, 100, 60, 140), 'd');
    const e = await add(box(120, 20, 150, 60), 'e');
    const f = await add(box(120, 100, 140, 120), 'f');
    const uuidD = (await s.listFeatures({})).features.find((x) => x.fid === d)!.properties.uuid;

    // 1. brush out the false positive
    const r1 = await s.brushStroke({ scene: scene.id, points: [...at(15, 20), ...at(25, 20)], radius: 12, unit: 'px', mode: 'erase' });
    expect(r1.deleted).toEqual([fp]);
    // 2. draw a missed landslide
    const r2 = await s.editPolygons({ op: 'draw', coordinates: [box(160, 150, 190, 190)], scene: scene.id, properties: { type: 'flow', notes: 'missed' } });
    expect(r2.fids).toHaveLength(1);
    // 3. merge b and c
    const r3 = await s.editPolygons({ op: 'merge', fids: [b, c] });
    expect(r3.deleted).toEqual([c]);
    // 4. split d
    const r4 = await s.editPolygons({ op: 'split', fid: d, line: [...at(25, 90), ...at(25, 150)] });
    expect(r4.fids).toHaveLength(2);
    // 5, 6. review: accept e, reject f
    const q = await s.reviewQueue({});
    expect(q.items.map((i) => i.fid)).toEqual([e, f]); // largest unreviewed first (b, d were edited)
    expect(q.remaining).toBe(2);
    await s.updateFeatures({ fids: [e], changes: { status: 'confirmed' } });
    await s.updateFeatures({ fids: [f], changes: { status: 'rejected' } });
    // undo 3 (reject, accept, split), restart, redo 1 (split)
    for (let k = 0; k < 3; k++) await s.undo();
    await s.closeProject();
    const s2 = new ScarpService();
    const info = await s2.openProject({ path });
    expect(info).toMatchObject({ canRedo: 3 });
    const redo = await s2.redo();
    expect(redo.edit?.label).toMatch(/^Split/);
    const hist = await s2.history({});
    expect(hist.filter((h) => h.state === 'done').every((h) => h.author === 'reviewer-7')).toBe(true);

    const out = join(tmp.dir, 'out.gpkg');
    await s2.exportInventory({ project: path, format: 'gpkg', out });
    await s2.closeProject();
    expect(sql(out, 'select count(*) as n from landslides where not st_isvalid(geom)')).toMatch(/n \(Integer\) = 0/);
    const rows = sql(out, "select notes, status, uuid, round(st_area(geom) / " + px * px + ") as px from landslides order by notes, px desc");
    const got = [...rows.matchAll(/notes \(String\) = (.*)\n\s+status \(String\) = (.*)\n\s+uuid \(String\) = (.*)\n\s+px \(Real\) = (.*)/g)].map((m) => ({ notes: m[1], status: m[2], uuid: m[3], px: Number(m[4]) }));
    expect(got.map(({ notes, status, px: a }) => ({ notes, status, px: a }))).toEqual([
      { notes: 'b', status: 'edited', px: 20 * 20 + 18 * 20 },
      { notes: 'd', status: 'edited', px: 35 * 40 },
      { notes: 'd', status: 'edited', px: 15 * 40 },
      { notes: 'e', status: 'predicted', px: 30 * 40 },
      { notes: 'f', status: 'predicted', px: 20 * 20 },
      { notes: 'missed', status: 'edited', px: 30 * 40 },
    ]);
    expect(got[1]!.uuid).toBe(uuidD); // the larger part keeps the uuid
  });
});
