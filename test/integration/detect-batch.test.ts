/**
 * `scarp batch` through the real command on real crops of Jinsha site B (RGB + DSM): two windows
 * that overlap by 220 px (110 m) cut with gdal_translate -srcwin from one 900 × 640 region, each in
 * 2 shards, plus a scene that is not a GeoTIFF. Checked:
 * - the broken scene fails with its error in the report, and the two good scenes are merged anyway;
 * - in the overlap, the batch has the landslides one run over the whole region has: each once (no
 *   second copy, no piece), by OGR (test/fixtures/compare_overlap.py);
 * - resumable: the batch killed after its first shard file, run again, runs only what is missing and
 *   gives the same inventory; a folder holding another batch is refused.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src-main/core/paths';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, hasGdal, pythonFixture } from '../helpers/gdal';
import { scarp, scarpAsync } from '../helpers/cli';
import type { BatchResult } from '../../src-shared/api';

const X0 = 1700;
const Y0 = 1600;
const W = 900;
const H = 640;
const WIN = 560;
const B_AT = 340;

describe.skipIf(!(hasData && hasGdal))('scarp batch: many scenes, sharded, one inventory (CLI, real crops of site B)', () => {
  let dir: string;
  let cleanup: () => void;
  let list: string;
  let first: { status: number | null; stdout: string; stderr: string };
  let overlapZone: string[];

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('detect-batch'));
    const cut = (name: string, x: number, w: number) => {
      for (const b of ['rgb', 'dsm']) gdal('gdal_translate', ['-q', '-srcwin', String(x), String(Y0), String(w), String(H), dataPath(`jinsha-uav/siteB_${b}.tif`), join(dir, `${name}_${b}.tif`)]);
    };
    cut('whole', X0, W);
    cut('west', X0, WIN);
    cut('east', X0 + B_AT, WIN);
    writeFileSync(join(dir, 'broken.tif'), 'not a GeoTIFF\n');
    list = join(dir, 'scenes.txt');
    writeFileSync(list, 'west_rgb.tif west_dsm.tif\nbroken.tif\neast_rgb.tif east_dsm.tif\n');
    // The overlap in map coordinates (UTM 47N, 0.49986 m pixels): from the east window's left edge to the west one's right edge.
    const info = JSON.parse(gdal('gdalinfo', ['-json', join(dir, 'east_rgb.tif')])) as { geoTransform: number[] };
    const [ox, px, , oy, , py] = info.geoTransform as [number, number, number, number, number, number];
    overlapZone = [ox, oy + H * py, ox + (WIN - B_AT) * px, oy].map(String);
    const [whole, batch] = await Promise.all([
      scarpAsync(['detect', '--image', join(dir, 'whole_rgb.tif'), '--dem', join(dir, 'whole_dsm.tif'), '--out', join(dir, 'whole.gpkg')]),
      // Killed after its first shard file below, then run to the end.
      new Promise<void>((done) => {
        const child = spawn(process.execPath, [resolve(repoRoot, 'bin/scarp.mjs'), 'batch', '--scenes', list, '--out-dir', join(dir, 'run'), '--shards', '2'], { stdio: 'ignore' });
        const firstShard = join(dir, 'run', 'scenes', 'west_rgb', 'shard_1.gpkg');
        const poll = setInterval(() => {
          if (existsSync(firstShard)) child.kill('SIGKILL');
        }, 200);
        child.on('exit', () => {
          clearInterval(poll);
          done();
        });
      }),
    ]);
    expect(whole.status, whole.stderr).toBe(0);
    void batch;
    first = await scarpAsync(['batch', '--scenes', list, '--out-dir', join(dir, 'run'), '--shards', '2', '--json']);
  }, 1_800_000);
  afterAll(() => cleanup?.());

  it('runs only the tasks the kill left, reports the broken scene and merges the others', () => {
    expect(first.status, first.stderr).toBe(1);
    const r = JSON.parse(first.stdout) as BatchResult;
    expect(r.tasks).toBe(6);
    // The kill came after the first shard file: it was not run again.
    expect(r.skipped).toBeGreaterThanOrEqual(1);
    expect(r.ran + r.skipped).toBe(4);
    expect(r.failedNow).toBe(1);
    expect(r.scenes.map((s) => [s.id, s.state])).toEqual([
      ['west_rgb', 'done'],
      ['broken', 'failed'],
      ['east_rgb', 'done'],
    ]);
    const broken = r.scenes[1]!;
    expect(broken.error?.shard).toBe(1);
    expect(broken.error?.message).toContain('broken.tif');
    expect(broken.error?.hint.length).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(dir, 'run', 'batch-report.json'), 'utf8'))).toMatchObject({ scenes: r.scenes, merged: r.merged });
    expect(r.merged?.scenes).toBe(2);
    expect(r.merged?.overlaps).toBeGreaterThan(0);
    // The mosaic names the model both scenes ran and the two scenes it holds.
    const md = gdal('ogrinfo', ['-so', join(dir, 'run', 'landslides.gpkg'), 'landslides']);
    expect(md).toContain('SCARP_MODEL_ID=scarp-uav-rgbdem');
    expect(md).toContain('SCARP_IMAGERY_SCENES=west_rgb.tif, east_rgb.tif');
  });

  it("a scene's report carries what its shards warned of, once (an area of interest reaching past it)", async () => {
    const info = JSON.parse(gdal('gdalinfo', ['-json', join(dir, 'west_rgb.tif')])) as { geoTransform: number[] };
    const [ox, px, , oy, , py] = info.geoTransform as [number, number, number, number, number, number];
    const [x1, y1] = [ox + px * WIN, oy + py * H];
    // Half of it east of the west window: the imagery covers half the area of interest.
    const ring = [[ox, y1], [x1 + (x1 - ox), y1], [x1 + (x1 - ox), oy], [ox, oy], [ox, y1]];
    const aoi = join(dir, 'aoi.geojson');
    writeFileSync(aoi, JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32647' } }, features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } }] }));
    const one = join(dir, 'one.txt');
    writeFileSync(one, 'west_rgb.tif west_dsm.tif\n');
    const r = await scarpAsync(['batch', '--scenes', one, '--out-dir', join(dir, 'aoi-run'), '--shards', '2', '--aoi', aoi, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const [west] = (JSON.parse(r.stdout) as BatchResult).scenes;
    expect(west!.state).toBe('done');
    expect(west!.warnings!.filter((w) => w.includes('covers only 50 % of the area of interest aoi.geojson'))).toHaveLength(1);
  }, 600_000);

  it('in the overlap: the landslides of one run over the whole region, each once', () => {
    const c = pythonFixture<{ countA: number; countB: number; matched: number; duplicates: number; pieces: number; meanIoU: number }>('compare_overlap.py', [join(dir, 'whole.gpkg'), join(dir, 'run', 'landslides.gpkg'), ...overlapZone]);
    expect(c.countA).toBeGreaterThan(0);
    expect(c.duplicates).toBe(0);
    expect(c.pieces).toBe(0);
    expect(c.matched).toBe(c.countA);
    expect(c.countB).toBe(c.countA);
  }, 300_000);

  it('run again: nothing finished is redone; another batch in the folder is refused', () => {
    const out = join(dir, 'run', 'landslides.gpkg');
    const shard = join(dir, 'run', 'scenes', 'west_rgb', 'shard_1.gpkg');
    const before = statSync(shard).mtimeMs;
    const again = scarp(['batch', '--scenes', list, '--out-dir', join(dir, 'run'), '--json']);
    const r = JSON.parse(again.stdout) as BatchResult;
    expect(r.ran).toBe(0);
    expect(r.skipped).toBe(4);
    expect(statSync(shard).mtimeMs).toBe(before);
    expect(existsSync(out)).toBe(true);
    const other = scarp(['batch', '--scenes', list, '--out-dir', join(dir, 'run'), '--shards', '3']);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/holds another batch: its plan differs in shards/);
  }, 900_000);
});
