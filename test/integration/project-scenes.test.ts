/**
 * Projects holding several images with roles and dates (scarp project add-scene / remove-scene,
 * ScarpApi.addScene / removeScene, schema v5): pre- and post-event scenes, more than one post-event
 * scene, the role given by a change run, removal refused while runs or landslides come from a scene,
 * and an older project upgraded.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SceneInfo } from '../../src-shared/api';
import { hasGdal } from '../helpers/gdal';
import { tempDir } from '../helpers/data';
import { SCHEMA_VERSION } from '../../src-main/core/store/project';
import { scarp } from '../helpers/cli';

describe.skipIf(!hasGdal)('project scenes with roles and dates', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => {
    ({ dir, cleanup } = tempDir('project-scenes'));
    const r = spawnSync('/usr/bin/python3', [join(__dirname, '../fixtures/change_reference.py'), 'pair', dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    copyFileSync(join(dir, 'post.tif'), join(dir, 'post2.tif'));
  });
  afterAll(() => cleanup());

  const scenes = (p: string): SceneInfo[] => JSON.parse(scarp(['project', 'scenes', p, '--json']).stdout) as SceneInfo[];

  it('adds pre- and post-event scenes with dates, several post-event ones, and lists them', () => {
    const p = join(dir, 'event.gpkg');
    expect(scarp(['project', 'create', p, '--event-date', '2018-09-06']).status).toBe(0);
    const a = scarp(['project', 'add-scene', p, '--image', join(dir, 'pre.tif'), '--role', 'pre-event', '--date', '2018-08-20', '--json']);
    expect(a.status).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ id: 'pre', role: 'pre-event', date: '2018-08-20' });
    expect(scarp(['project', 'add-scene', p, '--image', join(dir, 'post.tif'), '--role', 'post-event', '--date', '2018-09-11']).status).toBe(0);
    // post2.tif has the same content as post.tif: it is the same scene (its role/date updated, no duplicate).
    expect(scarp(['project', 'add-scene', p, '--image', join(dir, 'post2.tif'), '--date', '2018-09-12']).status).toBe(0);
    expect(scarp(['project', 'add-scene', p, '--image', join(dir, 'post_nrgb.tif'), '--role', 'post-event', '--date', '2018-10-01']).status).toBe(0);
    const s = scenes(p);
    expect(s.map((x) => [x.id, x.role, x.date])).toEqual([
      ['pre', 'pre-event', '2018-08-20'],
      ['post', 'post-event', '2018-09-12'],
      ['post_nrgb', 'post-event', '2018-10-01'],
    ]);
    expect(scarp(['project', 'scenes', p]).stdout).toMatch(/^pre\tpre-event 2018-08-20\tok\t160×120/m);
  });

  it('refuses a bad role (usage, exit 2) and an impossible date (exit 1, INVALID_ARGUMENT)', () => {
    const p = join(dir, 'event.gpkg');
    expect(scarp(['project', 'add-scene', p, '--image', join(dir, 'pre.tif'), '--role', 'before']).status).toBe(2);
    const bad = scarp(['project', 'add-scene', p, '--image', join(dir, 'pre.tif'), '--date', '2018-02-30', '--json']);
    expect(bad.status).toBe(1);
    expect((JSON.parse(bad.stdout) as { error: { code: string } }).error.code).toBe('INVALID_ARGUMENT');
  });

  it('removes a scene nothing comes from; refuses one a change run mapped from, saying how many runs and landslides', () => {
    const p = join(dir, 'event.gpkg');
    expect(scarp(['project', 'remove-scene', p, '--scene', 'post_nrgb']).status).toBe(0);
    expect(scenes(p).map((x) => x.id)).toEqual(['pre', 'post']);
    const c = scarp(['change', '--pre', join(dir, 'pre.tif'), '--post', join(dir, 'post.tif'), '--project', p, '--json']);
    expect(c.status).toBe(0);
    expect((JSON.parse(c.stdout) as { project: { sceneId: string } }).project.sceneId).toBe('post');
    const r = scarp(['project', 'remove-scene', p, '--scene', 'post', '--json']);
    expect(r.status).toBe(1);
    const e = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
    expect(e.message).toMatch(/1 run\(s\) and 1 landslide\(s\)/);
    expect(scenes(p).map((x) => x.id)).toEqual(['pre', 'post']);
  });

  it('a project of format 4 is upgraded: its scenes get the columns, without role or date', () => {
    const p = join(dir, 'old.gpkg');
    expect(scarp(['project', 'create', p]).status).toBe(0);
    expect(scarp(['project', 'add-scene', p, '--image', join(dir, 'post.tif')]).status).toBe(0);
    const db = new Database(p);
    db.exec('ALTER TABLE scarp_scenes DROP COLUMN role; ALTER TABLE scarp_scenes DROP COLUMN acquired');
    db.prepare("UPDATE scarp_meta SET value = '4' WHERE key = 'schema_version'").run();
    db.close();
    const info = JSON.parse(scarp(['project', 'info', p, '--json']).stdout) as { schemaVersion: number; open: { fromVersion: number; upgraded: boolean } };
    expect(info.open).toMatchObject({ fromVersion: 4, upgraded: true });
    expect(info.schemaVersion).toBe(SCHEMA_VERSION);
    expect(scenes(p).map((x) => [x.id, x.role, x.date])).toEqual([['post', null, null]]);
  });
});
