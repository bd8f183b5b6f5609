/** The project part of ScarpApi through ScarpService: validation, one open project, edits, undo/redo, paging. */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ScarpService } from '../../src-main/core/service/scarp-service';
import { isScarpError } from '../../src-shared/errors';
import { tempDir } from '../helpers/data';
import { canRun, sceneFile } from '../unit/store/_fixtures';

const tmp = tempDir('store-service');
afterAll(() => tmp.cleanup());

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return isScarpError(e) ? e.code : String(e);
  }
  return 'none';
}

describe.skipIf(!canRun)('ScarpService projects', () => {
  it('create → scene → draw/edit/delete → undo → close → open → redo, validated at the boundary', async () => {
    const s = new ScarpService();
    expect(await code(s.projectInfo())).toBe('PROJECT_NOT_OPEN');
    expect(await code(s.createProject({ path: '' }))).toBe('INVALID_ARGUMENT');
    const path = join(tmp.dir, 'svc.gpkg');
    const info = await s.createProject({ path, author: 'mapper-1', event: { name: 'Jinsha 2018', trigger: 'rainfall', date: '2018-10-11' } });
    expect(info).toMatchObject({ author: 'mapper-1', event: { name: 'Jinsha 2018', trigger: 'rainfall' }, scenes: 0, crs: null });
    expect(await code(s.addFeature({ coordinates: [[[[0, 0], [1, 0], [1, 1], [0, 0]]]] }))).toBe('INVALID_ARGUMENT'); // no CRS yet
    const scene = await s.addScene({ path: sceneFile(tmp.dir) });
    expect(scene.state).toBe('ok');
    expect(scene.bandStats).toHaveLength(3);
    expect(scene.bandStats[0]!.p98).toBeGreaterThan(scene.bandStats[0]!.p2);
    const { minX: x, minY: y } = scene.bounds;
    const ring = (dx: number) => [[x + dx, y], [x + dx + 10, y], [x + dx + 10, y + 10], [x + dx, y + 10], [x + dx, y]];
    const a = await s.addFeature({ coordinates: [[ring(0)]], scene: scene.id, properties: { type: 'slide' } });
    const b = await s.addFeature({ coordinates: [[ring(30)]], scene: scene.id });
    expect(a.fids).toHaveLength(1);
    const fa = a.fids![0]!;
    const fb = b.fids![0]!;
    const page = await s.listFeatures({ bbox: { minX: x - 1, minY: y - 1, maxX: x + 11, maxY: y + 11 } });
    expect(page.features.map((f) => f.fid)).toEqual([fa]);
    expect(page.features[0]!.properties).toMatchObject({ status: 'edited', type: 'slide', mapper: 'mapper-1' });
    expect(page.features[0]!.properties.area_m2).toBeCloseTo(100, 6);
    expect(page.features[0]!.geometry.coordinates[0]![0]).toEqual(ring(0));
    expect(await code(s.updateFeatures({ fids: [fa], changes: { status: 'wrong' as never } }))).toBe('INVALID_ARGUMENT');
    expect(await code(s.updateFeatures({ fids: [fa], changes: { uuid: 'x' } as never }))).toBe('INVALID_ARGUMENT');
    await s.updateFeatures({ fids: [fa, fb], changes: { status: 'confirmed', confidence: 0.9 } });
    const del = await s.deleteFeatures({ fids: [fb] });
    expect(del).toMatchObject({ canUndo: 4, canRedo: 0 });
    const u = await s.undo();
    expect(u.edit!.label).toMatch(/Delete 1 landslide/);
    expect((await s.history()).map((e) => e.state)).toEqual(['undone', 'done', 'done', 'done']);
    await s.closeProject();
    expect(await code(s.listFeatures({}))).toBe('PROJECT_NOT_OPEN');

    const t = new ScarpService();
    const again = await t.openProject({ path });
    expect(again).toMatchObject({ canUndo: 3, canRedo: 1, features: 2, byStatus: { confirmed: 2 }, crs: { epsg: 32647 } });
    const r = await t.redo();
    expect(r).toMatchObject({ canUndo: 4, canRedo: 0 });
    expect((await t.listFeatures({})).features.map((f) => f.fid)).toEqual([fa]);
    expect((await t.listScenes())[0]!.id).toBe(scene.id);
    expect(await t.listRuns()).toEqual([]);
    await t.closeProject();
  });
});
