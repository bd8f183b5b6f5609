/** `scarp import` into a project and `scarp export` back out, read by GDAL. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdalPython, hasGdal } from '../helpers/gdal';
import { scarp } from '../helpers/cli';
import { Project } from '../../src-main/core/store/project';

const run = hasData && hasGdal ? describe : describe.skip;

run('scarp import / scarp export on a project', () => {
  let tmp: ReturnType<typeof tempDir>;
  let project: string;
  beforeAll(async () => {
    tmp = tempDir('import-project');
    project = join(tmp.dir, 'p.gpkg');
    const p = Project.create(project);
    await p.addScene(dataPath('jinsha-uav/siteB_rgb.tif')); // fixes the project CRS (EPSG:32647)
    p.close();
  });
  afterAll(() => tmp.cleanup());

  it('imports the Jinsha polygons with provenance and exports them as GeoPackage and Shapefile zip', () => {
    const imp = scarp(['import', '--project', project, '--file', dataPath('jinsha-uav/siteB_landslides.geojson'), '--json']);
    expect(imp.status, imp.stderr).toBe(0);
    const r = JSON.parse(imp.stdout) as { count: number; mapping: Record<string, string> };
    expect(r.count).toBe(15);
    expect(r.mapping.value).toBe('attrs');

    const out = join(tmp.dir, 'out.gpkg');
    const ex = scarp(['export', '--project', project, '--format', 'gpkg', '--out', out, '--json']);
    expect(ex.status, ex.stderr).toBe(0);
    expect(gdalPython('osgeo_utils.samples.validate_gpkg', [out]).status).toBe(0);
    const info = spawnSync('ogrinfo', ['-al', '-q', out], { encoding: 'utf8' }).stdout;
    expect(info.match(/OGRFeature\(landslides\)/g)?.length).toBe(15);
    expect(info).toContain('source (String) = siteB_landslides.geojson');
    expect(info).toMatch(/attrs \(String\) = \{"value":/);

    const again = scarp(['export', '--project', project, '--format', 'gpkg', '--out', out]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already exists/);

    const zip = join(tmp.dir, 'out.zip');
    expect(scarp(['export', '--project', project, '--format', 'shp-zip', '--out', zip, '--crs', 'EPSG:4326']).status).toBe(0);
    const z = spawnSync('ogrinfo', ['-so', '-al', `/vsizip/${zip}/out.shp`], { encoding: 'utf8' }).stdout;
    expect(z).toContain('Feature Count: 15');
    expect(z).toMatch(/GEOGCRS\["WGS 84"/);
  });
});
