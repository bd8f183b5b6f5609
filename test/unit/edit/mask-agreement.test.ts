/** Mask ↔ polygons: after brush strokes and polygon edits, every stored mask tile is the polygons rasterized by pixel centre; undo restores both. */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Project } from '../../../src-main/core/store/project';
import { applyPolygonPlan, brushStroke, featuresIn, readMask, windowGeoTransform } from '../../../src-main/core/edit/project-edits';
import { mergePolygons } from '../../../src-main/core/edit/polygon-ops';
import { PolygonRasterizer } from '../../../src-main/core/vector/rasterize';
import type { FlatMultiPolygon } from '../../../src-main/core/vector/geometry';
import { tempDir } from '../../helpers/data';
import { canRun, sceneFile } from '../store/_fixtures';

const tmp = tempDir('edit-mask');
afterAll(() => tmp.cleanup());

describe.skipIf(!canRun)('mask and polygons agree', () => {
  it('brush, merge, delete, undo: stored tiles equal the rasterized polygons', async () => {
    const p = Project.create(join(tmp.dir, 'm.gpkg'));
    const { scene } = await p.addScene(sceneFile(tmp.dir));
    const gt = scene.geoTransform;
    const at = (px: number, py: number): [number, number] => [gt[0] + px * gt[1], gt[3] + py * gt[5]];
    const box = (x0: number, y0: number, x1: number, y1: number): FlatMultiPolygon => {
      const c = [at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1), at(x0, y0)];
      return [[Float64Array.from(c.flat())]];
    };
    const win = { x: 0, y: 0, width: scene.width, height: scene.height };
    const stored = (): number => (p.store.db.prepare('SELECT COUNT(*) AS n FROM scarp_mask_tiles').get() as { n: number }).n;
    const agree = (): void => {
      const mask = readMask(p, scene, win);
      const feats = featuresIn(p, scene.bounds);
      const r = new PolygonRasterizer(feats.map((f) => f.geometry), { width: win.width, height: win.height, geoTransform: windowGeoTransform(gt, win) }).rasterizeRows(0, win.height);
      let diff = 0;
      for (let i = 0; i < r.length; i++) if (r[i] !== mask[i]) diff++;
      expect(diff).toBe(0);
    };
    const { fids } = p.addFeatures([
      { geometry: box(10, 10, 30, 30), properties: { area_m2: 1, perimeter_m: 1, scene: scene.id, status: 'predicted', type: 'slide', notes: 'a' } },
      { geometry: box(50, 10, 70, 30), properties: { area_m2: 1, perimeter_m: 1, scene: scene.id, status: 'predicted' } },
      { geometry: box(72, 10, 90, 30), properties: { area_m2: 1, perimeter_m: 1, scene: scene.id, status: 'predicted' } },
    ]);
    const [a, b, c] = fids as [number, number, number];
    const before = readMask(p, scene, win);
    expect(stored()).toBe(0);

    // Paint a bulge onto A: A keeps its uuid, becomes edited, grows; the tile is stored.
    const uuidA = p.features.get(a)!.properties.uuid;
    const [cx, cy] = at(30, 20);
    const r1 = brushStroke(p, { scene: scene.id, points: [cx, cy], radius: 4, unit: 'px', mode: 'paint' });
    expect(r1.edit?.kind).toBe('mask');
    expect(r1.fids).toEqual([a]);
    const fa = p.features.get(a)!;
    expect(fa.properties).toMatchObject({ uuid: uuidA, status: 'edited', type: 'slide', notes: 'a' });
    expect(stored()).toBeGreaterThan(0);
    agree();

    // Cut A in two with the eraser: the larger part keeps the uuid.
    const [lx0, ly0] = at(15, 5);
    const [lx1, ly1] = at(15, 35);
    const r2 = brushStroke(p, { scene: scene.id, points: [lx0, ly0, lx1, ly1], radius: 1, unit: 'px', mode: 'erase' });
    expect(r2.fids).toHaveLength(2);
    expect(p.features.get(r2.fids[0]!)!.properties.uuid).toBe(uuidA);
    const other = p.features.get(r2.fids[1]!)!;
    expect(other.properties.uuid).not.toBe(uuidA);
    expect(other.properties).toMatchObject({ type: 'slide', notes: 'a', status: 'edited' });
    expect(p.features.get(a)!.properties.area_m2).toBeGreaterThan(other.properties.area_m2);
    agree();

    // A polygon edit writes back to the stored tile.
    applyPolygonPlan(p, { label: 'merge', kind: 'mixed', updates: [{ fid: b, geometry: mergePolygons([p.features.get(b)!.geometry, p.features.get(c)!.geometry]) }], inserts: [], deletes: [c] });
    agree();
    applyPolygonPlan(p, { label: 'delete', kind: 'delete', updates: [], inserts: [], deletes: [b] });
    agree();

    // Undo everything: mask tiles gone again, polygons back.
    for (let k = 0; k < 4; k++) p.undo();
    expect(stored()).toBe(0);
    expect(Buffer.from(readMask(p, scene, win)).equals(Buffer.from(before))).toBe(true);
    expect(p.features.count()).toBe(3);
    for (let k = 0; k < 4; k++) p.redo();
    agree();
    p.close();
  });
});
