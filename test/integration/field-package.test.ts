/**
 * Field packages through the real `scarp` command (issue 17): a real `detect --project` run on a
 * Jinsha crop (imagery + DSM) is packaged with an area of interest and a coarser imagery resolution.
 * GDAL is the reference: validate_gpkg passes, gdalinfo reads the imagery and hillshade tiles (RGBA
 * Byte) and the probability coverage (Float32) at the sizes packaged; the package holds exactly the
 * landslides meeting the area; it opens in Scarp with the original imagery gone; it refuses to write
 * when the disk would not hold it (nothing written, nothing recorded); the model cannot adapt on it;
 * a field review merged back with `scarp merge --json` has the JSON shape, and undo takes it back.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../src-main/core/store/project';
import { packageProject, featuresInAoi } from '../../src-main/core/field/field-package';
import { adaptProject } from '../../src-main/core/adapt/adapt-project';
import { createTransformer, WGS84 } from '../../src-main/core/geo';
import { ScarpError } from '../../src-shared/errors';
import { tempDir } from '../helpers/data';
import { scarp } from '../helpers/cli';
import { gdalinfoJson, gdalPython } from '../helpers/gdal';
import { peek } from '../helpers/project';
import { hasTorch, makeRgbTestModel } from '../helpers/models';
import { canRun, crop } from '../unit/store/_fixtures';

const tmp = tempDir('field-package');
afterAll(() => (process.env.SCARP_KEEP_TMP ? undefined : tmp.cleanup()));

describe.skipIf(!canRun || !hasTorch)('scarp package and scarp merge (real detection run on a Jinsha crop)', () => {
  let project = '';
  let img = '';
  let dem = '';
  let aoi = '';
  let pkg = '';
  let packaged: Record<string, any> = {};
  let inAoi = 0;
  let total = 0;

  beforeAll(() => {
    const d = join(tmp.dir, 'in');
    mkdirSync(d);
    const model = makeRgbTestModel(d, 8);
    img = crop(join(d, 'img.tif'), { w: 600, h: 300 });
    dem = crop(join(d, 'dem.tif'), { w: 600, h: 300, dem: true });
    project = join(tmp.dir, 'event.gpkg');
    const r = scarp(['detect', '--project', project, '--image', img, '--dem', dem, '--model', model, '--min-area', '1', '--threshold', '0.3', '--json']);
    expect(r.status, r.stderr).toBe(0);
    // The western half of the scene as the field team's area (WGS 84 GeoJSON).
    const p = Project.open(project);
    try {
      const s = p.scenes.list()[0]!;
      const [x0, px, , y0, , py] = s.geoTransform;
      const toLL = createTransformer(p.crs()!, WGS84);
      const ring = [
        [x0, y0],
        [x0 + 300 * px, y0],
        [x0 + 300 * px, y0 + 300 * py],
        [x0, y0 + 300 * py],
        [x0, y0],
      ].map(([x, y]) => toLL.forward(x!, y!));
      aoi = join(tmp.dir, 'aoi.geojson');
      writeFileSync(aoi, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } }] }));
      total = p.features.count();
    } finally {
      p.close();
    }
    pkg = join(tmp.dir, 'field.gpkg');
    const k = scarp(['package', '--project', project, '--aoi', aoi, '--imagery-gsd', '1', '--out', pkg, '--json']);
    expect(k.status, k.stderr).toBe(0);
    packaged = JSON.parse(k.stdout);
    // Independently of the package code: the area spans the scene's height, so a landslide meets it
    // when a vertex of its outline lies west of the area's east edge.
    const p2 = Project.open(project);
    try {
      const gt = p2.scenes.list()[0]!.geoTransform;
      const edge = gt[0] + 300 * gt[1];
      inAoi = featuresInAoi(p2, null).filter((f) => f.geometry.some((part) => part[0]!.some((v, i) => i % 2 === 0 && v < edge))).length;
    } finally {
      p2.close();
    }
  }, 300_000);

  it('writes imagery, hillshade and probability tiles that GDAL reads, and passes validate_gpkg', () => {
    expect(total).toBeGreaterThan(0);
    const v = gdalPython('osgeo_utils.samples.validate_gpkg', [pkg]);
    expect(v.status, `${v.stdout}\n${v.stderr}`).toBe(0);
    const kinds = (packaged.rasters as Array<{ kind: string }>).map((r) => r.kind).sort();
    expect(kinds).toEqual(['hillshade', 'imagery', 'probability']);
    const gsdScene = 0.5; // siteB crops: 0.5 m pixels
    for (const r of packaged.rasters as Array<{ table: string; kind: string; width: number; height: number; tiles: number }>) {
      const info = gdalinfoJson(pkg, ['-oo', `TABLE=${r.table}`]) as { size: number[]; bands: Array<{ type: string }> };
      expect(info.size).toEqual([r.width, r.height]);
      expect(r.tiles).toBeGreaterThan(0);
      if (r.kind === 'probability') {
        expect(info.bands.map((b) => b.type)).toEqual(['Float32']);
        expect(r.width).toBe(300); // the AOI's half of the run grid, not resampled
      } else {
        expect(info.bands.map((b) => b.type)).toEqual(['Byte', 'Byte', 'Byte', 'Byte']);
        // --imagery-gsd 1 on 0.5 m imagery: every 2 × 2 pixels averaged, the AOI's 300 × 300 → 150 × 150.
        expect([r.width, r.height]).toEqual([Math.ceil(300 / (1 / gsdScene)), 150]);
      }
    }
    expect(packaged.estimatedBytes).toBeGreaterThan(0);
    expect(packaged.bytes).toBeGreaterThan(0);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('holds the landslides meeting the area, and opens in Scarp with the original imagery gone', () => {
    expect(packaged.landslides).toBeGreaterThan(0);
    expect(packaged.landslides).toBeLessThanOrEqual(total);
    expect(packaged.landslides).toBe(inAoi);
    renameSync(img, `${img}.away`);
    renameSync(dem, `${dem}.away`);
    try {
      const info = scarp(['project', 'info', pkg, '--json']);
      expect(info.status, info.stderr).toBe(0);
      const j = JSON.parse(info.stdout);
      expect(j.features + (j.byStatus.rejected ?? 0)).toBe(packaged.landslides);
      expect(j.scenes).toBe(0);
      const p = Project.open(pkg);
      try {
        expect(p.setting('field_package')).toBe('true');
        // The package records the area it covers (the AOI's polygon, in the project CRS).
        const area = JSON.parse(p.setting('packaged_aoi')!) as { file: string; type: string; coordinates: number[][][][] };
        expect(area).toMatchObject({ file: aoi, type: 'MultiPolygon' });
        expect(area.coordinates).toHaveLength(1);
        expect(p.listScenes()).toEqual([]);
        expect(p.features.count()).toBe(packaged.landslides);
      } finally {
        p.close();
      }
    } finally {
      renameSync(`${img}.away`, img);
      renameSync(`${dem}.away`, dem);
    }
  });

  it('refuses a package the disk would not hold: DISK_FULL naming the file, nothing written or recorded', async () => {
    const out = join(tmp.dir, 'big.gpkg');
    const p = Project.open(project);
    try {
      const states = p.sync.allStates().length;
      await expect(packageProject(p, out, { freeBytes: () => 1000 })).rejects.toSatisfy((e: unknown) => e instanceof ScarpError && e.code === 'DISK_FULL' && e.file === out && /needs about/.test(e.message));
      expect(existsSync(out)).toBe(false);
      expect(p.sync.allStates().length).toBe(states);
      expect(readdirSync(tmp.dir).filter((f) => f.startsWith('.'))).toEqual([]);
    } finally {
      p.close();
    }
  });

  it('the model cannot adapt on a field package (its imagery is for viewing)', async () => {
    const p = Project.open(pkg);
    try {
      await expect(adaptProject(p, {})).rejects.toSatisfy((e: unknown) => e instanceof ScarpError && e.code === 'INVALID_ARGUMENT' && /field package/.test(e.message));
    } finally {
      p.close();
    }
  });

  it('a field review merged back: the --json shape of the issue, one undoable edit', () => {
    const uuid = peek(pkg, (db) => (db.prepare('SELECT uuid FROM landslides ORDER BY fid LIMIT 1').get() as { uuid: string }).uuid);
    const rv = scarp(['review', '--project', pkg, '--uuid', uuid, '--status', 'field_verified', '--notes', 'seen on site']);
    expect(rv.status, rv.stderr).toBe(0);
    const bad = scarp(['merge', '--into', project, '--from', pkg, '--prefer', 'mine']);
    expect(bad.status).toBe(2);
    const dry = scarp(['merge', '--into', project, '--from', pkg, '--dry-run', '--json']);
    expect(dry.status, dry.stderr).toBe(0);
    const m = scarp(['merge', '--into', project, '--from', pkg, '--json']);
    expect(m.status, m.stderr).toBe(0);
    const j = JSON.parse(m.stdout);
    expect(j).toMatchObject({ applied: { added: 0, deleted: 0, updated: 1, reshaped: 0, fields: { status: 1, notes: 1 } }, conflicts: [], matchedByGeometry: 0, mode: 'three-way' });
    expect(JSON.parse(dry.stdout).applied).toEqual(j.applied);
    const status = (): string => peek(project, (db) => (db.prepare('SELECT status FROM landslides WHERE uuid = ?').get(uuid) as { status: string }).status);
    expect(status()).toBe('field_verified');
    expect(gdalPython('osgeo_utils.samples.validate_gpkg', [project]).status).toBe(0);
    const u = scarp(['project', 'undo', project]);
    expect(u.status, u.stderr).toBe(0);
    expect(status()).toBe('predicted');
    const nf = scarp(['merge', '--into', project, '--from', join(tmp.dir, 'missing.gpkg'), '--json']);
    expect(nf.status).toBe(1);
    expect(JSON.parse(nf.stdout).error).toMatchObject({ code: 'FILE_NOT_FOUND', file: join(tmp.dir, 'missing.gpkg') });
  });
});
