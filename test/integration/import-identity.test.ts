/**
 * Imports keep identity and provenance: the Balakot inventory (3,820 published polygons, read in
 * place) imported, exported to Shapefile and GeoJSON and imported back keeps 3,820 landslides with
 * the same uuids (updated, not duplicated), its own fields in attrs without nesting; invalid
 * geometries repaired and counted (GDAL IsValid as the reference); `scarp import --status --type
 * --mapper --observed-date` instead of always predicted.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { hasGdal } from '../helpers/gdal';
import { scarp } from '../helpers/cli';
import { peek } from '../helpers/project';
import { Project } from '../../src-main/core/store/project';
import { importIntoProject } from '../../src-main/core/import/project-import';
import { ScarpService } from '../../src-main/core/service/scarp-service';
import type { ImportResponse } from '../../src-shared/api';

const run = hasData && hasGdal ? describe : describe.skip;

/** Features GDAL (GEOS) finds invalid in a layer. */
function gdalInvalid(path: string, layer?: string): number {
  const py = `import sys\nfrom osgeo import ogr\nogr.UseExceptions()\nds = ogr.Open(sys.argv[1]); l = ds.GetLayerByName(sys.argv[2]) if len(sys.argv) > 2 else ds.GetLayer(0)\nprint(sum(1 for f in l if f.GetGeometryRef() is None or not f.GetGeometryRef().IsValid()))`;
  const r = spawnSync('/usr/bin/python3', ['-c', py, path, ...(layer ? [layer] : [])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}

type Row = { uuid: string; status: string; type: string; mapper: string | null; created_at: string; source: string | null; attrs: string | null };
const rows = (path: string): Row[] => peek(path, (db) => db.prepare('SELECT uuid, status, type, mapper, created_at, source, attrs FROM landslides ORDER BY fid').all() as Row[]);

run('Balakot: import → export shp/GeoJSON → re-import keeps 3,820 landslides and their uuids', () => {
  let tmp: ReturnType<typeof tempDir>;
  let project: string;
  const BALAKOT = 3820;
  beforeAll(() => {
    tmp = tempDir('import-identity');
    project = join(tmp.dir, 'balakot.gpkg');
  });
  afterAll(() => tmp.cleanup());

  it('round trip', async () => {
    const src = dataPath('balakot/landslides.shp');
    const p = Project.create(project);
    let first: Awaited<ReturnType<typeof importIntoProject>>;
    try {
      first = await importIntoProject(p, src);
    } finally {
      p.close();
    }
    expect(first.added).toBe(BALAKOT);
    expect(first.updated).toBe(0);
    // Repaired exactly the polygons GDAL calls invalid, and none is invalid in the project.
    expect(first.repaired).toBe(gdalInvalid(src));
    expect(first.repaired).toBeGreaterThan(0);
    expect(gdalInvalid(project, 'landslides')).toBe(0);
    const before = rows(project);
    expect(before).toHaveLength(BALAKOT);
    const a0 = JSON.parse(before[0]!.attrs!) as Record<string, unknown>;
    expect(Object.keys(a0).sort()).toEqual(['OBJECTID', 'Shape_Area', 'Source', 'Year_obs', 'perimeter']);
    expect(before[0]!.source).toBe('landslides.shp');

    const s = new ScarpService();
    const shp = join(tmp.dir, 'balakot-shp.shp');
    const geojson = join(tmp.dir, 'balakot-geo.geojson'); // another name: the .qml beside each (issue 13, formats)
    expect((await s.exportInventory({ project, format: 'shp', out: shp })).count).toBe(BALAKOT);
    expect((await s.exportInventory({ project, format: 'geojson', out: geojson })).count).toBe(BALAKOT);

    for (const file of [shp, geojson]) {
      const r: ImportResponse = await s.importInventory({ project, file });
      expect(r.count, file).toBe(BALAKOT);
      expect(r.added, file).toBe(0);
      expect(r.updated, file).toBe(BALAKOT);
      const after = rows(project);
      expect(after).toHaveLength(BALAKOT);
      expect(after.map((x) => x.uuid)).toEqual(before.map((x) => x.uuid));
      for (let i = 0; i < BALAKOT; i++) {
        const attrs = JSON.parse(after[i]!.attrs!) as Record<string, unknown>;
        expect(attrs.attrs, `${file} feature ${i}: attrs nested`).toBeUndefined();
        expect(attrs).toEqual(JSON.parse(before[i]!.attrs!));
        expect(after[i]!.source).toBe('landslides.shp');
        expect(after[i]!.status).toBe(before[i]!.status);
      }
    }
    // GDAL agrees: one layer, 3,820 features, every uuid once.
    const dump = spawnSync('ogrinfo', ['-ro', '-q', '-sql', 'SELECT COUNT(*) AS n, COUNT(DISTINCT uuid) AS u FROM landslides', project], { encoding: 'utf8' }).stdout;
    expect(dump).toMatch(/n \(Integer\) = 3820/);
    expect(dump).toMatch(/u \(Integer\) = 3820/);
  });
});

run('scarp import: what the landslides are, and a repaired bow-tie', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir('import-assert');
  });
  afterAll(() => tmp.cleanup());

  it('--status --type --mapper --observed-date set every imported landslide; an invalid polygon is repaired and counted', () => {
    const project = join(tmp.dir, 'p.gpkg');
    const r = scarp(['import', '--project', project, '--file', dataPath('jinsha-uav/siteB_landslides.geojson'), '--status', 'field_verified', '--type', 'slide', '--mapper', 'Survey team Ñ', '--observed-date', '2018-11-05', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as ImportResponse;
    expect(res).toMatchObject({ count: 15, added: 15, updated: 0, repaired: 0 });
    for (const x of rows(project)) expect(x).toMatchObject({ status: 'field_verified', type: 'slide', mapper: 'Survey team Ñ', created_at: '2018-11-05T00:00:00.000Z' });
    expect(scarp(['import', '--project', project, '--file', 'x.geojson', '--status', 'maybe']).status).toBe(2);
    expect(scarp(['import', '--project', project, '--file', 'x.geojson', '--observed-date', '2018-13-45']).status).toBe(2);

    // A bow-tie (self-crossing ring) in the project CRS (EPSG:32647, taken from the Jinsha layer).
    const bow = join(tmp.dir, 'bowtie.geojson');
    const x0 = 470500;
    const y0 = 3444800;
    writeFileSync(bow, JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32647' } }, features: [{ type: 'Feature', properties: { name: 'bow' }, geometry: { type: 'Polygon', coordinates: [[[x0, y0], [x0 + 20, y0 + 20], [x0 + 20, y0], [x0, y0 + 20], [x0, y0]]] } }] }));
    expect(gdalInvalid(bow)).toBe(1);
    const b = scarp(['import', '--project', project, '--file', bow, '--json']);
    expect(b.status, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout) as ImportResponse).toMatchObject({ count: 1, added: 1, repaired: 1 });
    expect(gdalInvalid(project, 'landslides')).toBe(0);
    expect(rows(project).at(-1)!.status).toBe('predicted');
  });
});
