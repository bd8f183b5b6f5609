/**
 * Projects holding several images with roles and dates (scarp project add-scene / remove-scene,
 * ScarpApi.addScene / removeScene, schema v5): pre- and post-event scenes, more than one post-event
 * scene, the role given by a change run, removal refused while runs or landslides come from a scene,
 * and an older project upgraded.
 */
import { copyFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SceneInfo } from '../../src-shared/api';
import { gdal, hasGdal } from '../helpers/gdal';
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

  it("records a scene's DEM: the one chosen last or run with last is what the project opens with; a file that is not a DEM adds nothing", () => {
    const p = join(dir, 'terrain.gpkg');
    const dem = (name: string, band: number): string => {
      gdal('gdal_translate', ['-q', '-b', String(band), '-ot', 'Float32', join(dir, 'post.tif'), join(dir, name)]);
      return join(dir, name);
    };
    const [a, b] = [dem('dem_a.tif', 1), dem('dem_b.tif', 2)];
    /** gdal_translate -a_ullr for `file`'s extent moved `dx` east. */
    const ullr = (file: string, dx: number): string[] => {
      const c = (JSON.parse(gdal('gdalinfo', ['-json', file])) as { cornerCoordinates: Record<'upperLeft' | 'lowerRight', [number, number]> }).cornerCoordinates;
      return [c.upperLeft[0] + dx, c.upperLeft[1], c.lowerRight[0] + dx, c.lowerRight[1]].map(String);
    };
    const post = (): SceneInfo => scenes(p).find((x) => x.id === 'post')!;
    expect(scarp(['project', 'create', p]).status).toBe(0);
    expect(scarp(['project', 'add-scene', p, '--image', join(dir, 'pre.tif'), '--role', 'pre-event']).status).toBe(0);
    // Imagery given as the DEM: refused before anything is added.
    const bad = scarp(['project', 'add-scene', p, '--image', join(dir, 'post.tif'), '--dem', join(dir, 'post_nrgb.tif'), '--json']);
    expect(bad.status).toBe(1);
    expect((JSON.parse(bad.stdout) as { error: { message: string } }).error.message).toMatch(/post_nrgb\.tif has 4 bands; a DEM has one band/);
    expect(scenes(p).map((x) => x.id)).toEqual(['pre']);
    // A DEM of another place (the same grid moved 100 km east): refused the same way.
    gdal('gdal_translate', ['-q', '-a_ullr', ...ullr(a, 100_000), a, join(dir, 'dem_far.tif')]);
    const far = scarp(['project', 'add-scene', p, '--image', join(dir, 'post.tif'), '--dem', join(dir, 'dem_far.tif'), '--json']);
    expect(far.status).toBe(1);
    expect((JSON.parse(far.stdout) as { error: { code: string } }).error.code).toBe('NO_OVERLAP');
    expect(scenes(p).map((x) => x.id)).toEqual(['pre']);

    expect(scarp(['project', 'add-scene', p, '--image', join(dir, 'post.tif'), '--role', 'post-event', '--dem', a]).status).toBe(0);
    expect(post().dem).toEqual({ path: a, name: 'dem_a.tif', state: 'ok' });
    expect(scarp(['project', 'scenes', p]).stdout).toMatch(new RegExp(`^post\tpost-event\tok\t.*\tDEM ${a}$`, 'm'));
    expect(scenes(p).find((x) => x.id === 'pre')!.dem).toBeNull();
    // A run with another DEM makes it the scene's terrain.
    expect(scarp(['change', '--project', p, '--dem', b, '--json']).status).toBe(0);
    expect(post().dem?.path).toBe(b);
    // A run without --dem is told the project records one for the scene, and how to use it.
    const bare = scarp(['change', '--project', p, '--json']);
    expect(bare.status).toBe(0);
    expect((JSON.parse(bare.stdout) as { warnings: string[] }).warnings).toContainEqual(
      `This run was given no DEM, though the project records dem_b.tif for scene 'post': it ran without terrain (no terrain input or slope mask, no slope or elevation attributes). Give --dem ${b} to use it (the app does).`,
    );
    // Chosen again (the app's setSceneDem, here through add-scene): the earlier DEM, without a new layer.
    expect(scarp(['project', 'add-scene', p, '--image', join(dir, 'post.tif'), '--dem', a]).status).toBe(0);
    expect(post().dem?.path).toBe(a);
    const db = new Database(p, { readonly: true });
    expect((db.prepare("SELECT count(*) AS n FROM scarp_layers WHERE kind = 'dem'").get() as { n: number }).n).toBe(2);
    db.close();
    // Its file gone: the project still names it, as missing.
    renameSync(a, `${a}.moved`);
    expect(post().dem).toMatchObject({ path: a, state: 'missing' });
    expect(scarp(['project', 'scenes', p]).stdout).toContain(`DEM ${a} (missing)`);
    renameSync(`${a}.moved`, a);
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
