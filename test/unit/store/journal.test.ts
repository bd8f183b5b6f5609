/** The edit journal: every inventory change with its inverse; undo/redo across close/reopen; audit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Project } from '../../../src-main/core/store/project';
import { tempDir } from '../../helpers/data';
import { canRun, sceneFile, square } from './_fixtures';
import { addFeatures, updateFeatures, deleteFeatures } from '../../helpers/project';

const tmp = tempDir('store-journal');
afterAll(() => tmp.cleanup());

describe.skipIf(!canRun)('edit journal', () => {
  let image = '';
  beforeAll(() => {
    image = sceneFile(tmp.dir);
  });

  async function fresh(name: string): Promise<{ p: Project; x: number; y: number; scene: string }> {
    const p = Project.create(join(tmp.dir, name));
    const { scene } = await p.addScene(image);
    return { p, x: scene.bounds.minX, y: scene.bounds.minY, scene: scene.id };
  }

  it('records inserts, attribute edits and deletes with inverses; undo/redo survive close and reopen', async () => {
    const { p, x, y, scene } = await fresh('a.gpkg');
    const path = p.path;
    const ins = addFeatures(p, [
      { geometry: square(x + 1, y + 1, 4), properties: { area_m2: 16, perimeter_m: 16, scene } },
      { geometry: square(x + 20, y + 20, 4), properties: { area_m2: 16, perimeter_m: 16, scene } },
    ]);
    expect(ins.fids).toHaveLength(2);
    const [a, b] = ins.fids as [number, number];
    updateFeatures(p, [a], { status: 'confirmed', notes: 'seen in the field' });
    deleteFeatures(p, [b]);
    expect(p.features.count()).toBe(1);
    expect(p.features.get(a)!.properties.status).toBe('confirmed');
    p.undo(); // the delete
    expect(p.features.count()).toBe(2);
    p.close();

    const q = Project.open(path);
    expect(q.journal.stacks()).toEqual({ canUndo: 2, canRedo: 1 });
    q.undo(); // the attribute edit
    expect(q.features.get(a)!.properties.status).toBe('predicted');
    expect(q.features.get(a)!.properties.notes).toBeNull();
    q.redo();
    expect(q.features.get(a)!.properties.notes).toBe('seen in the field');
    q.redo(); // the delete again
    expect(q.features.get(b)).toBeNull();
    q.undo();
    q.undo();
    q.undo(); // the insert
    expect(q.features.count()).toBe(0);
    q.close();

    const r = Project.open(path);
    expect(r.journal.stacks()).toEqual({ canUndo: 0, canRedo: 3 });
    r.redo();
    // redo restores the very same features (fid, uuid, geometry)
    expect(r.features.count()).toBe(2);
    const fa = r.features.get(a)!;
    expect(Array.from(fa.geometry[0]![0]!)).toEqual(Array.from(square(x + 1, y + 1, 4)[0]![0]!));
    // a new edit ends the redo branch
    updateFeatures(r, [a], { type: 'slide' });
    expect(r.journal.stacks()).toEqual({ canUndo: 2, canRedo: 0 });
    expect(r.redo().edit).toBeNull();
    const h = r.journal.history();
    expect(h.map((e) => e.state)).toEqual(['done', 'discarded', 'discarded', 'done']);
    const audit = r.journal.audits();
    expect(audit.map((e) => e.action).reverse()).toEqual(['edit', 'edit', 'edit', 'undo', 'undo', 'redo', 'redo', 'undo', 'undo', 'undo', 'redo', 'edit']);
    r.close();
  });

  it('takes the author from the settings (default: the OS user) and records it on each edit', async () => {
    const { p, x, y } = await fresh('b.gpkg');
    const first = addFeatures(p, [{ geometry: square(x + 1, y + 1, 3), properties: { area_m2: 9, perimeter_m: 12 } }]);
    expect(first.edit!.author).toBe(p.author());
    p.setSettings({ author: 'geologist-7' });
    const e = updateFeatures(p, first.fids, { status: 'rejected' })!;
    expect(e.author).toBe('geologist-7');
    expect(p.features.get(first.fids[0]!)!.properties.mapper).not.toBeNull();
    p.undo();
    expect(p.journal.audits(1)[0]).toMatchObject({ action: 'undo', author: 'geologist-7' });
    p.close();
  });

  it('a failed edit leaves nothing behind (the change and its journal entry commit together)', async () => {
    const { p, x, y } = await fresh('c.gpkg');
    const { fids } = addFeatures(p, [{ geometry: square(x + 1, y + 1, 3), properties: { area_m2: 9, perimeter_m: 12 } }]);
    // a CHECK constraint violation in the middle of an edit of two features
    expect(() => updateFeatures(p, fids, { status: 'bogus' as never })).toThrow();
    expect(() => deleteFeatures(p, [fids[0]!, 999])).toThrow(/No landslide with fid 999/);
    expect(p.features.count()).toBe(1);
    expect(p.journal.history()).toHaveLength(1);
    p.close();
  });

  it('lists features by map window (R-tree) page by page', async () => {
    const { p, x, y, scene } = await fresh('d.gpkg');
    const feats = [];
    for (let i = 0; i < 30; i++) feats.push({ geometry: square(x + (i % 10) * 5, y + Math.floor(i / 10) * 5, 2), properties: { area_m2: 4, perimeter_m: 8, scene } });
    addFeatures(p, feats);
    const win = { minX: x - 1, minY: y - 1, maxX: x + 12.5, maxY: y + 100 };
    const seen: number[] = [];
    let after = 0;
    for (;;) {
      const page = p.listFeatures({ bbox: win, limit: 4, afterFid: after });
      seen.push(...page.features.map((f) => f.fid));
      if (page.nextAfterFid === null) break;
      after = page.nextAfterFid;
    }
    expect(seen).toHaveLength(9); // columns 0..2 of three rows
    expect(p.listFeatures({ status: ['confirmed'] }).features).toHaveLength(0);
    p.close();
  });
});

describe.skipIf(!canRun)('replacing a scene\'s predicted features', () => {
  it('replaces only that scene\'s still-predicted features, in one undoable edit', async () => {
    const dir = tempDir('store-replace');
    try {
      const p = Project.create(join(dir.dir, 'r.gpkg'));
      const { scene } = await p.addScene(sceneFile(dir.dir, 'one.tif'));
      const x = scene.bounds.minX;
      const y = scene.bounds.minY;
      const f = (i: number, props: Record<string, unknown>) => ({ geometry: square(x + i * 4, y, 2), properties: { area_m2: 4, perimeter_m: 8, ...props } });
      const { fids } = addFeatures(p, [f(0, { scene: scene.id }), f(1, { scene: scene.id }), f(2, { scene: 'other' })]);
      updateFeatures(p, [fids[1]!], { status: 'confirmed' });
      const r = p.apply({ label: 'run r2', kind: 'detection', mapper: null, deletes: p.features.predictedFids(scene.id), adds: [f(5, { scene: scene.id, run: 'r2' }), f(6, { scene: scene.id, run: 'r2' })] });
      expect(r.removed).toHaveLength(1);
      expect(r.added).toHaveLength(2);
      expect(p.features.get(fids[0]!)).toBeNull();
      expect(p.features.get(fids[1]!)!.properties.status).toBe('confirmed');
      expect(p.features.get(fids[2]!)).not.toBeNull();
      expect(p.features.count()).toBe(4);
      p.undo();
      expect(p.features.count()).toBe(3);
      expect(p.features.get(fids[0]!)!.properties.scene).toBe(scene.id);
      p.close();
    } finally {
      dir.cleanup();
    }
  });
});
