/**
 * Projects on removable disks (issue 17): imagery that moved is found again by content, under the
 * project's folder or in a chosen folder, and relinked in one go (`scarp project relink P [--search
 * folder]`); a file of the same size but other content is not taken, and a scene not found is
 * reported as missing. A project folder moved with its imagery opens with every file where it now is,
 * by the paths stored relative to the project (issue 12).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Project } from '../../src-main/core/store/project';
import { tempDir } from '../helpers/data';
import { scarp } from '../helpers/cli';
import { canRun, crop } from '../unit/store/_fixtures';

const tmp = tempDir('moved-imagery');
afterAll(() => tmp.cleanup());

describe.skipIf(!canRun)('moved imagery', () => {
  it('is found relative to the project and in a chosen folder, by content, and relinked at once', async () => {
    const disk = join(tmp.dir, 'usb');
    mkdirSync(join(disk, 'imagery'), { recursive: true });
    const a = crop(join(disk, 'imagery', 'a.tif'), { w: 120, h: 100 });
    const b = crop(join(disk, 'imagery', 'b.tif'), { x: 1400, w: 120, h: 100 });
    const dem = crop(join(disk, 'imagery', 'a-dsm.tif'), { w: 120, h: 100, dem: true });
    const path = join(disk, 'event.gpkg');
    const p = Project.create(path);
    let ids: string[];
    try {
      ids = [(await p.addScene(a)).scene.id, (await p.addScene(b)).scene.id];
      p.tx(() => p.scenes.addLayer(ids[0]!, 'dem', dem), 'recording the DEM');
    } finally {
      p.close();
    }
    // The disk is mounted elsewhere; b.tif was also moved off it, and a look-alike of it (same size,
    // other content) sits beside the project.
    const moved = join(tmp.dir, 'mnt');
    renameSync(disk, moved);
    // a.tif also changed folder on the disk: its path relative to the project no longer leads to it.
    mkdirSync(join(moved, 'raw'));
    renameSync(join(moved, 'imagery', 'a.tif'), join(moved, 'raw', 'a.tif'));
    const elsewhere = join(tmp.dir, 'elsewhere');
    mkdirSync(join(elsewhere, 'deep', 'er'), { recursive: true });
    renameSync(join(moved, 'imagery', 'b.tif'), join(elsewhere, 'deep', 'er', 'b-renamed.tif'));
    // The DEM recorded with scene a went off the disk too: looked for like the scenes.
    renameSync(join(moved, 'imagery', 'a-dsm.tif'), join(elsewhere, 'a-dsm.tif'));
    const fake = readFileSync(join(elsewhere, 'deep', 'er', 'b-renamed.tif'));
    fake[fake.length >> 1] ^= 0xff;
    fake[100] ^= 0xff;
    writeFileSync(join(moved, 'b.tif'), fake);
    const project = join(moved, 'event.gpkg');

    const q = Project.open(project);
    try {
      expect(q.listScenes().map((s) => s.state)).toEqual(['missing', 'missing']);
      const look = q.findMovedImagery();
      expect(look.found).toEqual([{ id: ids[0], name: 'a.tif', from: a, to: join(moved, 'raw', 'a.tif'), kind: 'scene' }]);
      expect(look.missing.map((m) => [m.kind, m.name])).toEqual([
        ['scene', 'b.tif'],
        ['dem', 'a-dsm.tif'],
      ]);
      expect(look.relinked).toBe(false);
      expect(q.listScenes().map((s) => s.state)).toEqual(['missing', 'missing']);
    } finally {
      q.close();
    }
    const r = scarp(['project', 'relink', project, '--search', elsewhere, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.relinked).toBe(true);
    expect(j.found.map((f: { to: string }) => f.to).sort()).toEqual([join(moved, 'raw', 'a.tif'), join(elsewhere, 'a-dsm.tif'), join(elsewhere, 'deep', 'er', 'b-renamed.tif')].sort());
    expect(j.found.find((f: { kind: string }) => f.kind === 'dem')).toMatchObject({ name: 'a-dsm.tif', from: dem });
    expect(j.missing).toEqual([]);
    const z = Project.open(project);
    try {
      expect(z.listScenes().map((s) => s.state)).toEqual(['ok', 'ok']);
    } finally {
      z.close();
    }
    const none = scarp(['project', 'relink', project, '--search', join(tmp.dir, 'nowhere'), '--json']);
    expect(none.status).toBe(1);
    expect(JSON.parse(none.stdout).error.code).toBe('FILE_NOT_FOUND');
  }, 120_000);

  it('a project folder moved with its imagery and DEM opens with every file found by its relative path; a changed file there is not taken', async () => {
    const disk = join(tmp.dir, 'usb2');
    mkdirSync(join(disk, 'imagery'), { recursive: true });
    const a = crop(join(disk, 'imagery', 'a.tif'), { w: 120, h: 100 });
    const b = crop(join(disk, 'imagery', 'b.tif'), { x: 1400, w: 120, h: 100 });
    const dem = crop(join(disk, 'imagery', 'dem.tif'), { w: 120, h: 100, dem: true });
    const path = join(disk, 'event.gpkg');
    const p = Project.create(path);
    try {
      const s = (await p.addScene(a)).scene;
      await p.addScene(b);
      p.tx(() => p.scenes.addLayer(s.id, 'dem', dem), 'recording the DEM');
    } finally {
      p.close();
    }
    const rel = (file: string): Array<{ path: string; rel_path: string | null }> => {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare('SELECT path, rel_path FROM scarp_scenes UNION ALL SELECT path, rel_path FROM scarp_layers ORDER BY path').all() as Array<{ path: string; rel_path: string | null }>;
      } finally {
        db.close();
      }
    };
    expect(rel(path).map((r) => r.rel_path)).toEqual([join('imagery', 'a.tif'), join('imagery', 'b.tif'), join('imagery', 'dem.tif')]);

    // The whole folder on another disk; b.tif there was edited since (same size, other content).
    const moved = join(tmp.dir, 'mnt2', 'event');
    mkdirSync(join(tmp.dir, 'mnt2'));
    renameSync(disk, moved);
    const edited = readFileSync(join(moved, 'imagery', 'b.tif'));
    edited[edited.length >> 1] ^= 0xff;
    writeFileSync(join(moved, 'imagery', 'b.tif'), edited);

    const q = Project.open(join(moved, 'event.gpkg'));
    try {
      const scenes = q.listScenes();
      expect(scenes.map((s) => [s.name, s.state])).toEqual([
        ['a.tif', 'ok'],
        ['b.tif', 'missing'],
      ]);
      expect(scenes[0]!.path).toBe(join(moved, 'imagery', 'a.tif'));
      expect(scenes[1]!.path).toBe(b);
      expect(q.scenes.layers().map((l) => l.path)).toEqual([join(moved, 'imagery', 'dem.tif')]);
    } finally {
      q.close();
    }
    expect(rel(join(moved, 'event.gpkg'))).toEqual([
      { path: join(moved, 'imagery', 'a.tif'), rel_path: join('imagery', 'a.tif') },
      { path: join(moved, 'imagery', 'dem.tif'), rel_path: join('imagery', 'dem.tif') },
      { path: b, rel_path: join('imagery', 'b.tif') },
    ]);
  }, 120_000);
});
