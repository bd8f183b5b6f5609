/**
 * Projects on removable disks (issue 17): imagery that moved is found again by content, relative to
 * the project (the whole folder copied elsewhere) or in a chosen folder, and relinked in one go
 * (`scarp project relink P [--search folder]`); a file of the same size but other content is not
 * taken, and a scene not found is reported as missing.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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
    const path = join(disk, 'event.gpkg');
    const p = Project.create(path);
    let ids: string[];
    try {
      ids = [(await p.addScene(a)).scene.id, (await p.addScene(b)).scene.id];
    } finally {
      p.close();
    }
    // The disk is mounted elsewhere; b.tif was also moved off it, and a look-alike of it (same size,
    // other content) sits beside the project.
    const moved = join(tmp.dir, 'mnt');
    renameSync(disk, moved);
    const elsewhere = join(tmp.dir, 'elsewhere');
    mkdirSync(join(elsewhere, 'deep', 'er'), { recursive: true });
    renameSync(join(moved, 'imagery', 'b.tif'), join(elsewhere, 'deep', 'er', 'b-renamed.tif'));
    const fake = readFileSync(join(elsewhere, 'deep', 'er', 'b-renamed.tif'));
    fake[fake.length >> 1] ^= 0xff;
    fake[100] ^= 0xff;
    writeFileSync(join(moved, 'b.tif'), fake);
    const project = join(moved, 'event.gpkg');

    const q = Project.open(project);
    try {
      expect(q.listScenes().map((s) => s.state)).toEqual(['missing', 'missing']);
      const look = q.findMovedImagery();
      expect(look.found).toEqual([{ id: ids[0], name: 'a.tif', from: a, to: join(moved, 'imagery', 'a.tif') }]);
      expect(look.missing.map((m) => m.id)).toEqual([ids[1]]);
      expect(look.relinked).toBe(false);
      expect(q.listScenes().map((s) => s.state)).toEqual(['missing', 'missing']);
    } finally {
      q.close();
    }
    const r = scarp(['project', 'relink', project, '--search', elsewhere, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.relinked).toBe(true);
    expect(j.found.map((f: { to: string }) => f.to).sort()).toEqual([join(moved, 'imagery', 'a.tif'), join(elsewhere, 'deep', 'er', 'b-renamed.tif')].sort());
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
});
