/**
 * The choices of the "Package for the field" dialog (issue 17), through the service API the app
 * calls: an estimate that writes and records nothing and names the rasters with their share; an area
 * given as a WGS 84 polygon (the map's view, or one drawn) that selects exactly what the same area
 * as a file selects; the rasters chosen; and bad areas refused with nothing written. A real Jinsha
 * crop (imagery + DSM) with landslides west and east; GDAL reads what is written.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScarpService } from '../../src-main/core/service/scarp-service';
import { createTransformer, WGS84 } from '../../src-main/core/geo';
import { Project } from '../../src-main/core/store/project';
import { ScarpError } from '../../src-shared/errors';
import type { PackageResponse } from '../../src-shared/api';
import { tempDir } from '../helpers/data';
import { gdalinfoJson } from '../helpers/gdal';
import { canRun, crop } from '../unit/store/_fixtures';

const tmp = tempDir('field-package-choices');
afterAll(() => (process.env.SCARP_KEEP_TMP ? undefined : tmp.cleanup()));

describe.skipIf(!canRun)('field package choices (estimate, area drawn on the map, rasters)', () => {
  let project = '';
  let ring: number[][] = []; // the western half of the scene, WGS 84
  let aoiFile = '';
  const service = new ScarpService();

  beforeAll(async () => {
    const d = join(tmp.dir, 'in');
    mkdirSync(d);
    const img = crop(join(d, 'img.tif'), { w: 400, h: 200 });
    const dem = crop(join(d, 'dem.tif'), { w: 400, h: 200, dem: true });
    project = join(tmp.dir, 'event.gpkg');
    await service.createProject({ path: project, author: 'ops' });
    const scene = await service.addScene({ path: img });
    await service.closeProject();
    const p = Project.open(project);
    try {
      p.scenes.addLayer(scene.id, 'dem', dem);
      const [x0, px, , y0, , py] = p.scenes.list()[0]!.geoTransform;
      const sq = (x: number, y: number, s: number): Float64Array[][] => {
        const [ax, ay, bx, by] = [x0 + x * px, y0 + y * py, x0 + (x + s) * px, y0 + (y + s) * py];
        return [[Float64Array.from([ax, ay, bx, ay, bx, by, ax, by, ax, ay])]];
      };
      // Three landslides in the western half, two in the eastern half.
      p.apply({ label: 'seed', kind: 'insert', adds: [10, 80, 150, 250, 330].map((x) => ({ geometry: sq(x, 50, 40), properties: { status: 'predicted' } })) });
      const toLL = createTransformer(p.crs()!, WGS84);
      ring = [
        [x0, y0],
        [x0 + 200 * px, y0],
        [x0 + 200 * px, y0 + 200 * py],
        [x0, y0 + 200 * py],
        [x0, y0],
      ].map(([x, y]) => toLL.forward(x!, y!));
    } finally {
      p.close();
    }
    aoiFile = join(tmp.dir, 'aoi.geojson');
    writeFileSync(aoiFile, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } }] }));
    await service.openProject({ path: project });
  }, 120_000);
  afterAll(() => service.closeProject());

  it('an estimate writes nothing and records no state; the package written after it matches it', async () => {
    const out = join(tmp.dir, 'west.gpkg');
    const before = await service.history();
    const est: PackageResponse = await service.packageProject({ project, out, aoiPolygon: { type: 'Polygon', coordinates: [ring] }, dryRun: true });
    expect(est).toMatchObject({ dryRun: true, projectId: null, stateId: null, bytes: 0, landslides: 3 });
    expect(est.freeBytes).toBeGreaterThan(0);
    expect(est.rasters.map((r) => r.kind)).toEqual(['imagery', 'hillshade']);
    expect(est.rasters.every((r) => r.tiles === 0 && r.estimatedBytes > 0)).toBe(true);
    expect(est.estimatedBytes).toBeGreaterThan(est.rasters.reduce((s, r) => s + r.estimatedBytes, 0));
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(await service.history()).toEqual(before);

    const r = await service.packageProject({ project, out, aoiPolygon: { type: 'Polygon', coordinates: [ring] } });
    expect(r).toMatchObject({ dryRun: false, landslides: 3, estimatedBytes: est.estimatedBytes });
    expect(r.projectId).toEqual(expect.any(String));
    expect(r.rasters.map((x) => [x.kind, x.width, x.height])).toEqual(est.rasters.map((x) => [x.kind, x.width, x.height]));
    // The drawn area is recorded in the package (no file: it came from the map).
    const pkg = Project.open(out);
    try {
      const area = JSON.parse(pkg.setting('packaged_aoi')!) as { file: string | null; type: string };
      expect(area).toMatchObject({ file: null, type: 'MultiPolygon' });
    } finally {
      pkg.close();
    }
    for (const x of r.rasters) expect((gdalinfoJson(out, ['-oo', `TABLE=${x.table}`]) as { size: number[] }).size).toEqual([x.width, x.height]);
  });

  it('a WGS 84 polygon selects what the same area as a file selects; a counter-clockwise or clockwise ring alike', async () => {
    const byFile = await service.packageProject({ project, out: join(tmp.dir, 'f.gpkg'), aoi: aoiFile, dryRun: true });
    const ccw = await service.packageProject({ project, out: join(tmp.dir, 'f.gpkg'), aoiPolygon: { type: 'MultiPolygon', coordinates: [[[...ring].reverse()]] }, dryRun: true });
    expect(byFile.landslides).toBe(3);
    expect(ccw.landslides).toBe(3);
    expect(ccw.rasters.map((r) => [r.width, r.height])).toEqual(byFile.rasters.map((r) => [r.width, r.height]));
    const all = await service.packageProject({ project, out: join(tmp.dir, 'f.gpkg'), dryRun: true });
    expect(all.landslides).toBe(5);
    expect(all.rasters[0]!.width).toBe(400);
  });

  it('only the rasters chosen go in', async () => {
    const out = join(tmp.dir, 'imagery-only.gpkg');
    const est = await service.packageProject({ project, out, rasters: ['hillshade'], dryRun: true });
    expect(est.rasters.map((r) => r.kind)).toEqual(['hillshade']);
    const none = await service.packageProject({ project, out, rasters: [], dryRun: true });
    expect(none.rasters).toEqual([]);
    expect(none.estimatedBytes).toBeLessThan(est.estimatedBytes);
    const r = await service.packageProject({ project, out, rasters: ['imagery'] });
    expect(r.rasters.map((x) => x.table)).toEqual(['imagery_1']);
    expect(() => gdalinfoJson(out, ['-oo', 'TABLE=hillshade_1'])).toThrow();
  });

  it('bad areas are refused with a clear error and nothing is written', async () => {
    const out = join(tmp.dir, 'bad.gpkg');
    const refused = async (req: Parameters<ScarpService['packageProject']>[0], re: RegExp): Promise<void> => {
      const e = await Promise.resolve().then(() => service.packageProject(req)).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ScarpError);
      expect((e as ScarpError).code).toBe('INVALID_ARGUMENT');
      expect((e as ScarpError).message).toMatch(re);
      expect(existsSync(out)).toBe(false);
    };
    await refused({ project, out, aoi: aoiFile, aoiPolygon: { type: 'Polygon', coordinates: [ring] } }, /either as a file or as a polygon/);
    await refused({ project, out, aoiPolygon: { type: 'Polygon', coordinates: [ring.map(([x, y]) => [x! * 1000, y!])] } }, /not a longitude and latitude/);
    const p = ring[0]!;
    await refused({ project, out, aoiPolygon: { type: 'Polygon', coordinates: [[p, p, p, p]] } }, /no area/);
    // The request's shape is checked at the door: a ring of two points is not a polygon.
    const e = await Promise.resolve().then(() => service.packageProject({ project, out, aoiPolygon: { type: 'Polygon', coordinates: [[p, p]] } })).catch((x: unknown) => x);
    expect((e as ScarpError).code).toBe('INVALID_ARGUMENT');
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});
