/**
 * `scarp import` into a project and `scarp export` back out, read by GDAL; import into an empty
 * project (its CRS taken from the layer); provenance through the journal (undo/redo) and the v3
 * migration; export/import through ScarpService while it holds the project open.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdalPython, hasGdal } from '../helpers/gdal';
import { scarp } from '../helpers/cli';
import { Project, ProjectDb, SCHEMA_VERSION } from '../../src-main/core/store/project';
import { importIntoProject } from '../../src-main/core/import/project-import';
import { ScarpService } from '../../src-main/core/service/scarp-service';
import { peek, updateFeatures } from '../helpers/project';

const columnsOf = (p: Project): string[] => peek(p.path, (db) => (db.prepare('PRAGMA table_info(landslides)').all() as Array<{ name: string }>).map((c) => c.name));
const provenance = (p: Project): Array<{ source: string | null; attrs: string | null }> =>
  peek(p.path, (db) => db.prepare('SELECT source, attrs FROM landslides ORDER BY fid').all() as Array<{ source: string | null; attrs: string | null }>);

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
    const r = JSON.parse(imp.stdout) as { count: number; mapping: Record<string, string>; warnings: string[] };
    expect(r.count).toBe(15);
    expect(r.mapping.value).toBe('attrs');
    expect(r.warnings.filter((w) => /imagery/.test(w))).toEqual([]); // they lie on the scene

    const out = join(tmp.dir, 'out.gpkg');
    const ex = scarp(['export', '--project', project, '--format', 'gpkg', '--out', out, '--json']);
    expect(ex.status, ex.stderr).toBe(0);
    expect(gdalPython('osgeo_utils.samples.validate_gpkg', [out]).status).toBe(0);
    const info = spawnSync('ogrinfo', ['-al', '-q', out], { encoding: 'utf8' }).stdout;
    expect(info.match(/OGRFeature\(landslides\)/g)?.length).toBe(15);
    expect(info).toContain('source (String) = siteB_landslides.geojson');
    // The file's own field is a typed column of its own, not a JSON string.
    expect(info).toMatch(/value \(Integer64\) = 1/);
    expect(info).not.toMatch(/attrs \(String\)/);

    const again = scarp(['export', '--project', project, '--format', 'gpkg', '--out', out]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already exists/);

    const zip = join(tmp.dir, 'out.zip');
    expect(scarp(['export', '--project', project, '--format', 'shp-zip', '--out', zip, '--crs', 'EPSG:4326']).status).toBe(0);
    const z = spawnSync('ogrinfo', ['-so', '-al', `/vsizip/${zip}/out.shp`], { encoding: 'utf8' }).stdout;
    expect(z).toContain('Feature Count: 15');
    expect(z).toMatch(/GEOGCRS\["WGS 84"/);
  });

  it('an inventory of another area is imported and said to be so (Balakot, Pakistan, into the Jinsha project)', async () => {
    const other = join(tmp.dir, 'other.gpkg');
    const p = Project.create(other);
    await p.addScene(dataPath('jinsha-uav/siteB_rgb.tif'));
    p.close();
    const imp = scarp(['import', '--project', other, '--file', dataPath('balakot/landslides.shp'), '--json']);
    expect(imp.status, imp.stderr).toBe(0);
    const r = JSON.parse(imp.stdout) as { count: number; warnings: string[] };
    expect(r.count).toBe(3820);
    expect(r.warnings).toContain("None of the 3820 landslides of landslides.shp lies on the project's imagery: the file may be of another area, or its coordinates in another CRS than it declares (give it with --crs).");
  });
});

run('import into an empty project, provenance in the journal, the open project', () => {
  let tmp: ReturnType<typeof tempDir>;
  const jinsha = (): string => dataPath('jinsha-uav/siteB_landslides.geojson');
  beforeAll(() => {
    tmp = tempDir('import-project-2');
  });
  afterAll(() => tmp.cleanup());

  it('an empty project takes its CRS from the imported layer (Jinsha, EPSG:32647); GDAL reads it', () => {
    const project = join(tmp.dir, 'empty.gpkg');
    Project.create(project).close();
    const imp = scarp(['import', '--project', project, '--file', jinsha(), '--json']);
    expect(imp.status, imp.stderr).toBe(0);
    const r = JSON.parse(imp.stdout) as { count: number; crs: string; crsSet: boolean };
    expect(r.count).toBe(15);
    expect(r.crsSet).toBe(true);
    expect(r.crs).toMatch(/47N/);
    expect(gdalPython('osgeo_utils.samples.validate_gpkg', [project]).status).toBe(0);
    const info = spawnSync('ogrinfo', ['-al', '-so', project], { encoding: 'utf8' }).stdout;
    expect(info).toContain('Feature Count: 15');
    expect(info).toMatch(/ID\["EPSG",32647\]\]/);
    expect(info).toMatch(/source: String/);
    // A second import into the now non-empty project keeps its CRS.
    const again = scarp(['import', '--project', project, '--file', jinsha(), '--json']);
    expect(again.status, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { crsSet: boolean }).crsSet).toBe(false);
    const p = Project.open(project);
    expect(p.crs()?.epsg).toBe(32647);
    expect(p.summary().features).toBe(30);
    p.close();
  });

  it('a geographic layer (RFC 7946 GeoJSON) gives an empty project the UTM zone of its centre', async () => {
    const rfc = join(tmp.dir, 'rfc.geojson');
    expect(spawnSync('ogr2ogr', ['-f', 'GeoJSON', '-lco', 'RFC7946=YES', rfc, jinsha()]).status).toBe(0);
    const p = Project.create(join(tmp.dir, 'empty-geo.gpkg'));
    try {
      const r = await importIntoProject(p, rfc);
      expect(r.sourceCrs.epsg).toBe(4326);
      expect(r.crsSet).toBe(true);
      expect(p.crs()?.epsg).toBe(32647); // 98.7°E, 31.1°N
      expect(r.features.every((f) => f.properties.area_m2 > 1)).toBe(true);
    } finally {
      p.close();
    }
  });

  it('provenance is in the journal: import, undo, redo bring it back', async () => {
    const p = Project.create(join(tmp.dir, 'undo.gpkg'));
    try {
      await p.addScene(dataPath('jinsha-uav/siteB_rgb.tif'));
      const r = await importIntoProject(p, jinsha());
      expect(r.crsSet).toBe(false);
      const before = provenance(p);
      expect(before).toHaveLength(15);
      expect(before.every((x) => x.source === 'siteB_landslides.geojson' && x.attrs !== null && 'value' in JSON.parse(x.attrs))).toBe(true);
      expect(p.undo().edit?.label).toMatch(/^Import 15 landslides/);
      expect(provenance(p)).toHaveLength(0);
      p.redo();
      expect(provenance(p)).toEqual(before);
      // An attribute edit leaves the provenance as it is; undoing it too.
      const fid = r.fids[0]!;
      updateFeatures(p, [fid], { status: 'confirmed' });
      p.undo();
      expect(provenance(p)).toEqual(before);
    } finally {
      p.close();
    }
    // It survives closing and reopening (undo/redo from the file).
    const q = Project.open(join(tmp.dir, 'undo.gpkg'));
    try {
      q.undo();
      q.undo();
      expect(provenance(q)).toHaveLength(0);
      q.redo();
      expect(provenance(q).every((x) => x.source === 'siteB_landslides.geojson')).toBe(true);
    } finally {
      q.close();
    }
  });

  it('a v2 project (no provenance columns) is migrated to v3 with them', async () => {
    const f = join(tmp.dir, 'v2.gpkg');
    ProjectDb.createFile(f, { version: 2 });
    const p = Project.open(f);
    try {
      expect(p.openReport).toMatchObject({ fromVersion: 2, upgraded: true });
      expect(existsSync(join(tmp.dir, 'v2.backup-v2.gpkg'))).toBe(true);
      expect(p.summary().schemaVersion).toBe(SCHEMA_VERSION);
      expect(columnsOf(p)).toEqual(expect.arrayContaining(['source', 'attrs']));
      await p.addScene(dataPath('jinsha-uav/siteB_rgb.tif'));
      await importIntoProject(p, jinsha());
      expect(provenance(p).every((x) => x.source !== null)).toBe(true);
    } finally {
      p.close();
    }
    const old = new (await import('better-sqlite3')).default(join(tmp.dir, 'v2.backup-v2.gpkg'), { readonly: true });
    const cols = (old.prepare('PRAGMA table_info(landslides)').all() as Array<{ name: string }>).map((c) => c.name);
    old.close();
    expect(cols).not.toContain('source');
    expect(gdalPython('osgeo_utils.samples.validate_gpkg', [f]).status).toBe(0);
  });

  it('through ScarpService with the project open: import, export, import again, no lock error', async () => {
    const s = new ScarpService();
    const path = join(tmp.dir, 'service.gpkg');
    await s.createProject({ path });
    try {
      const i1 = await s.importInventory({ project: path, file: jinsha() });
      expect(i1.count).toBe(15);
      expect(i1.crsSet).toBe(true);
      const out = join(tmp.dir, 'service-out.gpkg');
      const e = await s.exportInventory({ project: path, format: 'gpkg', out });
      expect(e.count).toBe(15);
      const shp = join(tmp.dir, 'service-out.shp');
      expect((await s.exportInventory({ project: path, format: 'shp', out: shp })).count).toBe(15);
      // The exported Shapefile back into the open project: the same landslides (uuids) updated, not copied.
      const i2 = await s.importInventory({ project: path, file: shp, status: 'confirmed' });
      expect(i2).toMatchObject({ count: 15, added: 0, updated: 15, crsSet: false });
      const info = await s.projectInfo();
      expect(info.features).toBe(15);
      expect(info.byStatus).toEqual({ confirmed: 15 });
      expect(info.canUndo).toBe(2);
      const page = await s.listFeatures({ limit: 100 });
      expect(page.features.filter((f) => f.properties.source === 'siteB_landslides.geojson')).toHaveLength(15);
      await s.undo();
      expect((await s.projectInfo()).byStatus).toEqual({ predicted: 15 });
      const ogr = spawnSync('ogrinfo', ['-al', '-q', out], { encoding: 'utf8' }).stdout;
      expect(ogr.match(/OGRFeature\(landslides\)/g)?.length).toBe(15);
      expect(ogr).toContain('source (String) = siteB_landslides.geojson');
    } finally {
      await s.closeProject();
    }
    // Closed by the service: export opens (and closes) the file itself.
    const s2 = new ScarpService();
    const again = await s2.exportInventory({ project: path, format: 'geojson', out: join(tmp.dir, 'after-close.geojson') });
    expect(again.count).toBe(15);
  });
});
