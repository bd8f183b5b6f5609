/**
 * What a GIS user gets from the exports, by GDAL's answer (and QGIS's where it is installed): typed
 * columns in every format — numbers as numbers, dates as dates, the imported fields as fields of
 * their own — several formats of one inventory in one folder, the style where QGIS looks for it, a
 * CSV point that lies inside its polygon, Shapefile text fields with room to edit.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportInventory, type VectorFormat } from '../../src-main/core/export/export-inventory';
import type { Inventory, InventoryFeature } from '../../src-main/core/export/inventory';
import { inferKind } from '../../src-main/core/export/fields';
import { readInventoryFile } from '../../src-main/core/import/import-inventory';
import { crsFromEpsg } from '../../src-main/core/geo';
import { landslideQml } from '../../src-main/core/store/project/qgis-style';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { hasGdal, hasQgis, pythonFixture } from '../helpers/gdal';
import { jinshaInventory, toInventory } from '../unit/export/fixtures';

/** GDAL's view of a layer: each field's type (with subtype) and width, and each feature's values. */
const OGR_FIELDS = `
import sys, json
from osgeo import ogr
ds = ogr.Open(sys.argv[1]); lyr = ds.GetLayer(0); d = lyr.GetLayerDefn()
fields = {}
for i in range(d.GetFieldCount()):
    f = d.GetFieldDefn(i)
    t = ogr.GetFieldTypeName(f.GetType())
    if f.GetSubType() != ogr.OFSTNone: t += '(' + ogr.GetFieldSubTypeName(f.GetSubType()) + ')'
    fields[f.GetName()] = {'type': t, 'width': f.GetWidth()}
rows = [json.loads(f.ExportToJson())['properties'] for f in lyr]
print(json.dumps({'fields': fields, 'rows': rows, 'driver': ds.GetDriver().GetName()}))
`;

interface OgrFields {
  fields: Record<string, { type: string; width: number }>;
  rows: Array<Record<string, unknown>>;
  driver: string;
}

function ogrFields(path: string): OgrFields {
  const r = spawnSync('/usr/bin/python3', ['-c', OGR_FIELDS, path], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`ogr of ${path}: ${r.stderr}`);
  return JSON.parse(r.stdout) as OgrFields;
}

/** Imported fields of every kind: what a published inventory brings (Balakot's OBJECTID, Shape_Area, Year_obs …). */
function withImportedFields(inv: Inventory): Inventory {
  const feats = (inv.features as InventoryFeature[]).map((f, i) => ({
    ...f,
    source: 'published.shp',
    attrs: {
      OBJECTID: 1000 + i,
      Shape_Area: f.record.area_m2 + 0.25,
      verified: i % 2 === 0,
      obs_date: `2018-11-${String(3 + (i % 20)).padStart(2, '0')}`,
      obs_time: `2018-11-03T0${i % 10}:15:00Z`,
      Source: 'GeoEye-1 (© 2018)',
      mixed: i === 0 ? 'n/a' : i,
      status: 'mapped', // meets a landslides column: written as src_status
      'Sub-area name': 'Baige 白格',
    },
  }));
  return { ...inv, features: feats };
}

/** GDAL's type for each kind, per format (docs/export-fields.md). */
const EXPECTED: Record<string, Record<string, string>> = {
  gpkg: { OBJECTID: 'Integer64', Shape_Area: 'Real', verified: 'Integer(Boolean)', obs_date: 'Date', obs_time: 'DateTime', src_Source: 'String', mixed: 'String', src_status: 'String', created_at: 'DateTime', area_m2: 'Real' },
  geojson: { OBJECTID: 'Integer', Shape_Area: 'Real', verified: 'Integer(Boolean)', obs_date: 'Date', obs_time: 'DateTime', src_Source: 'String', mixed: 'String', src_status: 'String', created_at: 'DateTime', area_m2: 'Real' },
  csv: { OBJECTID: 'Integer', Shape_Area: 'Real', verified: 'Integer(Boolean)', obs_date: 'Date', obs_time: 'DateTime', src_Source: 'String', mixed: 'String', src_status: 'String', created_at: 'DateTime', area_m2: 'Real', fid: 'Integer' },
  kml: { OBJECTID: 'Integer', Shape_Area: 'Real', verified: 'Integer', obs_date: 'String', obs_time: 'String', src_Source: 'String', mixed: 'String', src_status: 'String', area_m2: 'Real', fid: 'Integer' },
  kmz: { OBJECTID: 'Integer', Shape_Area: 'Real', verified: 'Integer', src_Source: 'String', area_m2: 'Real' },
  shp: { OBJECTID: 'Integer64', Shape_Area: 'Real', obs_date: 'Date', obs_time: 'String', src_Source: 'String', mixed: 'String', src_status: 'String', created: 'Date', area_m2: 'Real', Sub_area_n: 'String' },
};

const run = hasData && hasGdal ? describe : describe.skip;

run('typed export columns, by GDAL\'s answer', () => {
  let tmp: ReturnType<typeof tempDir>;
  let inv: Inventory;
  beforeAll(async () => {
    tmp = tempDir('export-typed');
    inv = withImportedFields(await jinshaInventory(dataPath('jinsha-uav/siteB_landslides.geojson')));
  });
  afterAll(() => tmp.cleanup());

  it('infers the kind that holds every value', () => {
    expect(inferKind([1, 2, null])).toBe('integer');
    expect(inferKind([1, 2.5])).toBe('real');
    expect(inferKind(['2018-11-03', null])).toBe('date');
    expect(inferKind(['2018-11-03', '2018-11-03T10:00:00Z'])).toBe('datetime');
    expect(inferKind(['2018-13-45'])).toBe('string');
    expect(inferKind([true, false])).toBe('boolean');
    expect(inferKind([1, 'a'])).toBe('string');
    expect(inferKind([null])).toBe('string');
  });

  const cases: Array<{ format: VectorFormat; out: string; open?: string }> = [
    { format: 'gpkg', out: 'typed.gpkg' },
    { format: 'geojson', out: 'typed.geojson' },
    { format: 'csv', out: 'typed.csv' },
    { format: 'kml', out: 'typed.kml' },
    { format: 'kmz', out: 'typed.kmz' },
    { format: 'shp', out: 'typed.shp' },
  ];
  for (const c of cases) {
    it(`${c.format}: the imported fields are typed columns (no attrs JSON), numbers and dates as GDAL types`, async () => {
      const r = await exportInventory(inv, { format: c.format, out: join(tmp.dir, c.out) });
      const g = ogrFields(join(tmp.dir, c.out));
      expect(g.fields.attrs).toBeUndefined();
      for (const [name, type] of Object.entries(EXPECTED[c.format]!)) expect(g.fields[name]?.type, `${c.format} ${name}`).toBe(type);
      const first = (inv.features as InventoryFeature[]).find((f) => f.record.status !== 'rejected')!;
      const row = g.rows.find((x) => x.uuid === first.record.uuid)!;
      expect(row.OBJECTID).toBe(first.attrs!.OBJECTID);
      expect(row.Shape_Area as number).toBeCloseTo(first.attrs!.Shape_Area as number, 6);
      expect(row.src_Source).toBe('GeoEye-1 (© 2018)'); // meets `source` (case-insensitively)
      expect(row.source).toBe('published.shp');
      if (c.format !== 'shp') expect(row['Sub-area name']).toBe('Baige 白格');
      // The reply names the fields and kinds it wrote.
      expect(r.fields?.find((f) => f.name === 'obs_date')?.kind).toBe('date');
      expect(r.fields?.find((f) => f.name === 'src_status')?.kind).toBe('string');
    });
  }

  it('Shapefile text fields leave room to edit (notes 254, mapper 80, status 16), whatever the values now', async () => {
    const blank = toInventory((inv.features as InventoryFeature[]).slice(0, 3).map((f) => ({ geometry: f.geometry })), inv.crs);
    for (const f of blank.features as InventoryFeature[]) f.record.notes = null;
    await exportInventory(blank, { format: 'shp', out: join(tmp.dir, 'blank.shp') });
    const g = ogrFields(join(tmp.dir, 'blank.shp'));
    expect(g.fields.notes).toEqual({ type: 'String', width: 254 });
    expect(g.fields.mapper!.width).toBe(80);
    expect(g.fields.status!.width).toBeGreaterThanOrEqual('field_verified'.length);
    expect(g.fields.uuid!.width).toBe(36);
  });

  it('a KMZ Scarp wrote (doc.kml linking to its layer file) imports back, uuids kept', async () => {
    const back = await readInventoryFile(join(tmp.dir, 'typed.kmz'), inv.crs);
    const counted = (inv.features as InventoryFeature[]).filter((f) => f.record.status !== 'rejected');
    expect(back.features).toHaveLength(counted.length);
    expect(back.features.every((f) => f.uuid !== null)).toBe(true);
  });
});

run('several formats of one inventory in one folder', () => {
  let tmp: ReturnType<typeof tempDir>;
  let inv: Inventory;
  beforeAll(async () => {
    tmp = tempDir('export-folder');
    inv = await jinshaInventory(dataPath('jinsha-uav/siteB_landslides.geojson'));
  });
  afterAll(() => tmp.cleanup());

  it('shp, zip, GeoJSON, CSV, KML and GeoPackage named alike share the .qml and .prj, in either order', async () => {
    for (const [i, order] of [
      ['shp', 'shp-zip', 'geojson', 'csv', 'kml', 'gpkg'],
      ['csv', 'geojson', 'shp-zip', 'shp', 'gpkg', 'kml'],
    ].entries()) {
      const dir = join(tmp.dir, `order${i}`);
      spawnSync('mkdir', ['-p', dir]);
      const ext: Record<string, string> = { shp: 'inv.shp', 'shp-zip': 'inv.zip', geojson: 'inv.geojson', csv: 'inv.csv', kml: 'inv.kml', gpkg: 'inv.gpkg' };
      for (const f of order) {
        const r = await exportInventory(inv, { format: f as VectorFormat, out: join(dir, ext[f]!) });
        expect(r.warnings.filter((w) => /qml|prj/.test(w))).toEqual([]);
      }
      expect(readFileSync(join(dir, 'inv.qml'), 'utf8')).toBe(landslideQml());
      // The CSV and the Shapefile read the one .prj, in the project CRS.
      for (const f of ['inv.csv', 'inv.shp']) expect(spawnSync('ogrinfo', ['-ro', '-so', join(dir, f), 'inv'], { encoding: 'utf8' }).stdout).toContain('WGS 84 / UTM zone 47N');
    }
  });

  it('a style of the user\'s own beside the data is kept (warning); a .prj another data file reads is never replaced', async () => {
    const dir = join(tmp.dir, 'own');
    spawnSync('mkdir', ['-p', dir]);
    writeFileSync(join(dir, 'inv.qml'), '<qgis>my style</qgis>');
    const r = await exportInventory(inv, { format: 'geojson', out: join(dir, 'inv.geojson') });
    expect(r.warnings.join(' ')).toMatch(/inv\.qml is a different QGIS style, kept/);
    expect(readFileSync(join(dir, 'inv.qml'), 'utf8')).toBe('<qgis>my style</qgis>');
    await exportInventory(inv, { format: 'shp', out: join(dir, 'inv.shp') });
    await expect(exportInventory(inv, { format: 'csv', out: join(dir, 'inv.csv'), crs: 'wgs84', overwrite: true })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS', message: expect.stringMatching(/read by inv\.shp/) });
    // In the Shapefile's CRS the CSV shares its .prj.
    await exportInventory(inv, { format: 'csv', out: join(dir, 'inv.csv') });
  });

  (hasQgis ? it : it.skip)('QGIS opens the zipped Shapefile styled: its .qml sits beside the zip', async () => {
    const dir = join(tmp.dir, 'zip');
    spawnSync('mkdir', ['-p', dir]);
    await exportInventory(inv, { format: 'shp-zip', out: join(dir, 'inv.zip') });
    const q = pythonFixture<{ renderer: string | null; rendererAttribute: string | null; fields: Record<string, { widget: string }> }>('qgis_edit.py', ['inspect', `/vsizip/${join(dir, 'inv.zip')}/inv.shp`, 'inv']);
    expect(q.renderer).toBe('categorizedSymbol');
    expect(q.rendererAttribute).toBe('status');
    expect(q.fields.status!.widget).toBe('ValueMap');
  });
});

run('the CSV point of each landslide lies inside it (GDAL\'s Contains)', () => {
  const CONTAINS = `
import sys, json
from osgeo import ogr
ds1 = ogr.Open(sys.argv[1]); ds2 = ogr.Open(sys.argv[2])
polys = {f.GetField('uuid'): f.GetGeometryRef().Clone() for f in ds1.GetLayer(0)}
inside = outside = centroid_outside = 0
for f in ds2.GetLayer(0):
    p = polys[f.GetField('uuid')]
    if p.Contains(f.GetGeometryRef()): inside += 1
    else: outside += 1
    if not p.Contains(p.Centroid()): centroid_outside += 1
print(json.dumps({'inside': inside, 'outside': outside, 'centroidOutside': centroid_outside}))
`;
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir('csv-point');
  });
  afterAll(() => tmp.cleanup());

  it('Jinsha site B and Balakot: every point inside, where a centroid falls outside some', async () => {
    const counts: Record<string, { inside: number; outside: number; centroidOutside: number }> = {};
    const jinsha = await jinshaInventory(dataPath('jinsha-uav/siteB_landslides.geojson'));
    const bal = await readInventoryFile(dataPath('balakot/landslides.shp'), crsFromEpsg(32643));
    const balakot = toInventory(bal.features, bal.crs);
    for (const [name, inv] of [
      ['jinsha', jinsha],
      ['balakot', balakot],
    ] as const) {
      const all = { ...inv, features: (inv.features as InventoryFeature[]).map((f) => ({ ...f, record: { ...f.record, status: 'confirmed' as const } })) };
      await exportInventory(all, { format: 'gpkg', out: join(tmp.dir, `${name}.gpkg`) });
      await exportInventory(all, { format: 'csv', out: join(tmp.dir, `${name}.csv`) });
      const r = spawnSync('/usr/bin/python3', ['-c', CONTAINS, join(tmp.dir, `${name}.gpkg`), join(tmp.dir, `${name}.csv`)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      expect(r.status, r.stderr).toBe(0);
      counts[name] = JSON.parse(r.stdout) as { inside: number; outside: number; centroidOutside: number };
      expect(counts[name]!.outside).toBe(0);
      expect(counts[name]!.inside).toBe((inv.features as InventoryFeature[]).length);
    }
    expect(counts.balakot!.centroidOutside).toBeGreaterThan(0);
    console.log(`[csv point] ${JSON.stringify(counts)}`);
    // With --wkt the polygon is there too, and GDAL reads it as the geometry.
    await exportInventory(jinsha, { format: 'csv', out: join(tmp.dir, 'wkt.csv'), wkt: true });
    const w = spawnSync('ogrinfo', ['-ro', '-so', join(tmp.dir, 'wkt.csv'), 'wkt'], { encoding: 'utf8' }).stdout;
    expect(w).toContain('Geometry Column = geom_wkt');
  });
});
