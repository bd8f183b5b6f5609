/**
 * Exports read back by GDAL (the reference): counts, field values, per-feature areas, CRS, non-ASCII
 * text, hole orientation, validate_gpkg and the COG validator; atomic writes and overwrite refusal.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdalinfoJson, gdalPython, hasGdal } from '../helpers/gdal';
import { jinshaInventory, NOTES, toInventory } from '../unit/export/fixtures';
import { exportInventory, type VectorFormat } from '../../src-main/core/export/export-inventory';
import { exportRaster } from '../../src-main/core/export/export-raster';
import type { Inventory, InventoryFeature } from '../../src-main/core/export/inventory';
import { readInventoryFile } from '../../src-main/core/import/import-inventory';
import { crsFromEpsg } from '../../src-main/core/geo';
import { areaM2 } from '../../src-main/core/vector/measure';
import { countsInInventory } from '../../src-shared/vocabulary';

const run = hasData && hasGdal ? describe : describe.skip;

const OGR_DUMP = `
import sys, json
from osgeo import ogr, osr
ds = ogr.Open(sys.argv[1]); lyr = ds.GetLayer(0)
src = lyr.GetSpatialRef()
if src is not None: src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
ct = None
if len(sys.argv) > 2:
    t = osr.SpatialReference(); t.ImportFromEPSG(int(sys.argv[2])); t.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(src, t)
out = []
for f in lyr:
    g = f.GetGeometryRef()
    props = json.loads(f.ExportToJson())['properties']
    if g is None:
        out.append({'fid': f.GetFID(), 'props': props, 'area': 0, 'valid': False, 'parts': 0}); continue
    g = g.Clone()
    if ct: g.Transform(ct)
    out.append({'fid': f.GetFID(), 'props': props, 'area': g.GetArea(), 'valid': g.IsValid(), 'parts': g.GetGeometryCount()})
srs = lyr.GetSpatialRef()
def same(code):
    if srs is None: return False
    e = osr.SpatialReference(); e.ImportFromEPSG(code)
    return bool(srs.IsSame(e, ['IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES', 'CRITERION=EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS']))
print(json.dumps({'count': lyr.GetFeatureCount(), 'driver': ds.GetDriver().GetName(), 'is4326': same(4326), 'is32647': same(32647), 'is32648': same(32648), 'features': out}))
`;

interface Dump {
  count: number;
  driver: string;
  is4326: boolean;
  is32647: boolean;
  is32648: boolean;
  features: Array<{ fid: number; props: Record<string, unknown>; area: number; valid: boolean; parts: number }>;
}

function ogrDump(path: string, toEpsg?: number): Dump {
  const r = spawnSync('/usr/bin/python3', ['-c', OGR_DUMP, path, ...(toEpsg ? [String(toEpsg)] : [])], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`ogr dump of ${path} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Dump;
}

/** A small detection-like result: a square with a square hole and a two-part multipolygon (EPSG:32647). */
function detectionFeatures(): InventoryFeature['geometry'][] {
  const sq = (x0: number, y0: number, s: number, ccw: boolean): Float64Array => {
    const pts = ccw ? [x0, y0, x0 + s, y0, x0 + s, y0 + s, x0, y0 + s, x0, y0] : [x0, y0, x0, y0 + s, x0 + s, y0 + s, x0 + s, y0, x0, y0];
    return Float64Array.from(pts);
  };
  return [
    [[sq(470500, 3444800, 40, true), sq(470510, 3444810, 10, false)]],
    [[sq(470600, 3444800, 20, true)], [sq(470650, 3444800, 15, true)]],
  ];
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

run('exports read back by GDAL', () => {
  let tmp: ReturnType<typeof tempDir>;
  let inv: Inventory;
  let feats: InventoryFeature[];
  /** What a default export writes: the landslides that count (not rejected). */
  let counted: InventoryFeature[];
  const crs = crsFromEpsg(32647);
  beforeAll(async () => {
    tmp = tempDir('export-gdal');
    const jinsha = await jinshaInventory(dataPath('jinsha-uav/siteB_landslides.geojson'));
    const all = [...(jinsha.features as InventoryFeature[]).map((f) => ({ geometry: f.geometry })), ...detectionFeatures().map((geometry) => ({ geometry }))];
    inv = toInventory(all, crs);
    feats = inv.features as InventoryFeature[];
    // One long note (> 254 bytes) for the DBF cut.
    feats[1]!.record.notes = `${'滑坡'.repeat(60)} Ñ`;
    counted = feats.filter((f) => countsInInventory(f.record.status));
  });
  afterAll(() => tmp.cleanup());

  const byUuid = (d: Dump): Map<string, Dump['features'][number]> => new Map(d.features.map((f) => [String(f.props.uuid), f]));

  const cases: Array<{ format: VectorFormat; out: string; open?: string; wgs84: boolean }> = [
    { format: 'gpkg', out: 'inv.gpkg', wgs84: false },
    { format: 'shp', out: 'shpdir', open: 'shpdir/shpdir.shp', wgs84: false },
    { format: 'shp-zip', out: 'inv.zip', open: '/vsizip/{dir}/inv.zip/inv.shp', wgs84: false },
    { format: 'geojson', out: 'inv.geojson', wgs84: true },
    { format: 'kml', out: 'inv.kml', wgs84: true },
    { format: 'kmz', out: 'inv.kmz', wgs84: true },
  ];

  for (const c of cases) {
    it(`${c.format}: counts, fields, areas, CRS and non-ASCII text equal ours`, async () => {
      const res = await exportInventory(inv, { format: c.format, out: join(tmp.dir, c.out) });
      expect(counted.length).toBeLessThan(feats.length);
      expect(res.count).toBe(counted.length);
      const path = c.open ? (c.open.startsWith('/vsizip') ? c.open.replace('{dir}', tmp.dir) : join(tmp.dir, c.open)) : join(tmp.dir, c.out);
      const d = ogrDump(path, c.wgs84 ? 32647 : undefined);
      expect(d.count).toBe(counted.length);
      if (c.wgs84) expect(d.is4326).toBe(true);
      else expect(d.is32647).toBe(true);
      const got = byUuid(d);
      for (const f of counted) {
        const g = got.get(f.record.uuid)!;
        expect(g, f.record.uuid).toBeDefined();
        expect(g.valid).toBe(true);
        expect(rel(g.area, areaM2(f.geometry, crs))).toBeLessThan(c.wgs84 ? 1e-3 : 1e-4);
        expect(g.props.status).toBe(f.record.status);
        expect(g.props.mapper).toBe(f.record.mapper);
        if (f.record.notes && Buffer.byteLength(f.record.notes) <= 254) expect(g.props.notes).toBe(f.record.notes);
        if (c.format === 'gpkg' || c.format === 'geojson') {
          expect(g.props.notes ?? null).toBe(f.record.notes);
          expect(Number(g.props.area_m2)).toBeCloseTo(f.record.area_m2, 6);
        }
        if (c.format === 'shp' || c.format === 'shp-zip') {
          expect(g.props.created).toBe(f.record.created_at.slice(0, 10).replace(/-/g, '/'));
          expect(g.props.created_t).toBe(f.record.created_at.slice(11));
          expect(Number(g.props.fid)).toBe(f.fid);
          expect(Number(g.props.perim_m)).toBeCloseTo(f.record.perimeter_m, 2);
        }
      }
      if (c.format === 'gpkg') expect(d.features.map((f) => f.fid).sort((a, b) => a - b)).toEqual(counted.map((f) => f.fid));
      if (c.format === 'shp') {
        // The holed square: GDAL sees one polygon whose area is shell − hole (a clockwise-shell/ccw-hole file).
        const holed = got.get(feats[feats.length - 2]!.record.uuid)!;
        expect(holed.area).toBeCloseTo(1600 - 100, 6);
        expect(holed.parts).toBe(2); // one Polygon: shell + hole rings
        expect(res.warnings.join(' ')).toMatch(/notes.*254 bytes/);
        const cut = got.get(feats[1]!.record.uuid)!.props.notes as string;
        expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(254);
        expect(feats[1]!.record.notes!.startsWith(cut)).toBe(true);
        for (const ext of ['.shx', '.dbf', '.prj', '.cpg', '.qml']) expect(existsSync(join(tmp.dir, 'shpdir', `shpdir${ext}`))).toBe(true);
        expect(readFileSync(join(tmp.dir, 'shpdir/shpdir.cpg'), 'utf8')).toBe('UTF-8');
        expect(readFileSync(join(tmp.dir, 'shpdir/shpdir.prj'), 'utf8')).toMatch(/^PROJCS\["WGS_1984_UTM_Zone_47N"/);
      }
      if (c.format === 'geojson') {
        expect(existsSync(join(tmp.dir, 'inv.qml'))).toBe(true);
        const doc = JSON.parse(readFileSync(join(tmp.dir, 'inv.geojson'), 'utf8')) as { crs?: unknown; features: Array<{ id: number }> };
        expect(doc.crs).toBeUndefined();
        expect(doc.features[0]!.id).toBe(1);
      }
    });
  }

  it('GeoPackage passes validate_gpkg and carries its QGIS style', () => {
    const p = join(tmp.dir, 'inv.gpkg');
    const v = gdalPython('osgeo_utils.samples.validate_gpkg', [p]);
    expect(v.status, v.stdout + v.stderr).toBe(0);
    const r = spawnSync('/usr/bin/python3', ['-c', "import sys,sqlite3;c=sqlite3.connect(sys.argv[1]);print(c.execute(\"select f_table_name, useAsDefault, length(styleQML) from layer_styles\").fetchall())", p], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/\('landslides', 1, \d{3,}\)/);
  });

  it('CSV: one row per landslide, every field, a point on its surface in the project CRS (and lon/lat), non-ASCII notes', async () => {
    const r = await exportInventory(inv, { format: 'csv', out: join(tmp.dir, 'inv.csv') });
    expect(r.crs.epsg).toBe(32647);
    const d = ogrDump(join(tmp.dir, 'inv.csv'));
    expect(d.is32647).toBe(true); // the .prj beside it
    expect(d.count).toBe(counted.length);
    const row = d.features.find((f) => f.props.uuid === feats[0]!.record.uuid)!;
    expect(row.props.notes).toBe(NOTES[0]);
    expect(row.props.area_m2).toBeCloseTo(feats[0]!.record.area_m2, 6);
    expect(row.props.prob_mean).toBe(feats[0]!.record.prob_mean);
    expect(row.props.fid).toBe(feats[0]!.fid);
    expect(Number(row.props.lon)).toBeGreaterThan(98.68);
    expect(Number(row.props.lon)).toBeLessThan(98.7);
    expect(Number(row.props.lat)).toBeGreaterThan(31.12);
    expect(Number(row.props.x)).toBeGreaterThan(470_000);
  });

  it('HTML report: counts, total area, map and histogram', async () => {
    await exportInventory(inv, { format: 'html', out: join(tmp.dir, 'report.html') });
    const html = readFileSync(join(tmp.dir, 'report.html'), 'utf8');
    expect(html).toContain(`<td id="count">${counted.length}</td>`);
    const total = counted.reduce((s, f) => s + f.record.area_m2, 0);
    expect(html).toContain(`(${total.toFixed(0)} m²)`);
    expect(html.match(/<path /g)?.length).toBe(counted.length);
    expect(html).toContain('<td id="filter">all but rejected</td>');
    expect(html).toContain('unet-test');
    expect(html).toContain('金沙江');
  });

  it('filters by status and area, and writes another EPSG', async () => {
    const r = await exportInventory(inv, { format: 'gpkg', out: join(tmp.dir, 'confirmed.gpkg'), filter: { statuses: ['confirmed'], minAreaM2: 50 }, crs: 32648 });
    const want = feats.filter((f) => f.record.status === 'confirmed' && f.record.area_m2 >= 50);
    expect(want.length).toBeGreaterThan(0);
    expect(r.count).toBe(want.length);
    const d = ogrDump(join(tmp.dir, 'confirmed.gpkg'), 32647);
    expect(d.is32648).toBe(true);
    expect(d.count).toBe(want.length);
    for (const f of want) expect(rel(d.features.find((g) => g.props.uuid === f.record.uuid)!.area, f.record.area_m2)).toBeLessThan(1e-4);
    const s = await exportInventory(inv, { format: 'shp', out: join(tmp.dir, 'wgs.shp'), crs: 'wgs84' });
    expect(s.count).toBe(counted.length);
    expect(ogrDump(join(tmp.dir, 'wgs.shp')).is4326).toBe(true);
    await expect(exportInventory(inv, { format: 'geojson', out: join(tmp.dir, 'x.geojson'), crs: 32647 })).rejects.toThrow(/always WGS 84/);
  });

  it('refuses to overwrite without the flag; a failed or cancelled export leaves nothing', async () => {
    await expect(exportInventory(inv, { format: 'gpkg', out: join(tmp.dir, 'inv.gpkg') })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    await expect(exportInventory(inv, { format: 'shp', out: join(tmp.dir, 'shpdir') })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    const before = readdirSync(tmp.dir).sort();
    const ac = new AbortController();
    ac.abort();
    await expect(exportInventory(inv, { format: 'kmz', out: join(tmp.dir, 'cancel.kmz'), signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    // Cancelled once every file is staged (the last moment before they are committed): nothing is left.
    const late = new AbortController();
    const lastMoment = (p: { stage: string; done: number; total: number }): void => {
      if (p.stage === 'write' && p.done === p.total) late.abort();
    };
    await expect(exportInventory(inv, { format: 'shp', out: join(tmp.dir, 'late'), signal: late.signal, onProgress: lastMoment })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(readdirSync(tmp.dir).sort()).toEqual(before);
    const r = await exportInventory(inv, { format: 'gpkg', out: join(tmp.dir, 'inv.gpkg'), overwrite: true, filter: { statuses: ['rejected'] } });
    expect(ogrDump(join(tmp.dir, 'inv.gpkg')).count).toBe(r.count);
  });

  it('an inventory with nothing to export writes an empty layer in every vector format, as GDAL does: a Shapefile too', async () => {
    const none = { minAreaM2: 1e12 };
    const shp = await exportInventory(inv, { format: 'shp', out: join(tmp.dir, 'empty.shp'), filter: none });
    expect(shp.count).toBe(0);
    const d = ogrDump(join(tmp.dir, 'empty.shp'));
    expect(d.count).toBe(0);
    expect(d.is32647).toBe(true);
    const fields = spawnSync('ogrinfo', ['-so', '-al', join(tmp.dir, 'empty.shp')], { encoding: 'utf8' }).stdout;
    expect(fields).toMatch(/Geometry: Polygon/);
    expect(fields).toMatch(/^status: String/m);
    for (const [format, file] of [['gpkg', 'empty.gpkg'], ['geojson', 'empty.geojson'], ['shp-zip', 'empty.zip']] as const) {
      const r = await exportInventory(inv, { format, out: join(tmp.dir, file), filter: none });
      expect(r.count, format).toBe(0);
      expect(ogrDump(format === 'shp-zip' ? `/vsizip/${join(tmp.dir, file)}` : join(tmp.dir, file)).count, format).toBe(0);
    }
  });

  it('COGs of probability and confidence and the 8-bit mask pass the validator with the source georeferencing', async () => {
    const src = gdalinfoJson(dataPath('jinsha-uav/siteB_mask.tif'));
    const [w, h] = src.size as [number, number];
    const gt = src.geoTransform as [number, number, number, number, number, number];
    const grid = { width: w, height: h, geoTransform: gt, crs };
    const rows = { grid, read: (y: number, n: number) => { const o = new Float32Array(n * w); for (let r = 0; r < n; r++) for (let x = 0; x < w; x++) o[r * w + x] = x < 5 ? NaN : ((x * 7 + (y + r) * 3) % 101) / 100; return o; } };
    for (const format of ['probability', 'confidence', 'mask'] as const) {
      const out = join(tmp.dir, `${format}.tif`);
      await exportRaster(rows, { format, out, threshold: 0.5 });
      const v = gdalPython('osgeo_utils.samples.validate_cloud_optimized_geotiff', ['--full-check=yes', out]);
      expect(v.status, v.stdout + v.stderr).toBe(0);
      const info = gdalinfoJson(out, ['-stats']);
      expect(info.size).toEqual([w, h]);
      (info.geoTransform as number[]).forEach((g, i) => expect(g).toBeCloseTo(gt[i]!, 9));
      expect(JSON.stringify(info.coordinateSystem)).toContain('32647');
      const band = (info.bands as Array<Record<string, unknown>>)[0]!;
      expect(band.type).toBe(format === 'mask' ? 'Byte' : 'Float32');
      if (w > 256 || h > 256) expect((band.overviews as unknown[]).length).toBeGreaterThan(0);
      const max = Number(band.maximum);
      expect(max).toBeLessThanOrEqual(1);
    }
    await expect(exportRaster(rows, { format: 'mask', out: join(tmp.dir, 'mask.tif'), threshold: 0.5 })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
  });

  it('the Balakot shapefile (3,820 3D polygons) imports and exports back with the same features', async () => {
    const src = dataPath('balakot/landslides.shp');
    const imp = await readInventoryFile(src, crsFromEpsg(32643));
    expect(imp.features.length).toBe(3820);
    expect(imp.mapping.OBJECTID).toBe('attrs');
    const features: InventoryFeature[] = imp.features.map((f, i) => ({
      fid: i + 1,
      geometry: f.geometry,
      record: { uuid: `b-${i}`, scene: null, run: null, type: 'unknown', status: 'predicted', prob_mean: null, prob_max: null, slope_mean: null, elev_min: null, elev_max: null, aspect_mean: null, confidence: null, mapper: null, created_at: '2021-06-28T00:00:00.000Z', updated_at: '2021-06-28T00:00:00.000Z', notes: null, ...f.properties } as InventoryFeature['record'],
      source: f.source,
      attrs: f.attrs,
    }));
    const t0 = Date.now();
    const res = await exportInventory({ crs: imp.crs, features }, { format: 'shp', out: join(tmp.dir, 'balakot.shp') });
    const ms = Date.now() - t0;
    expect(res.count).toBe(3820);
    const orig = ogrDump(src);
    const back = ogrDump(join(tmp.dir, 'balakot.shp'));
    expect(back.count).toBe(3820);
    const origById = new Map(orig.features.map((f) => [Number(f.props.OBJECTID), f]));
    for (const f of back.features) {
      // The file's own fields come back as typed fields of their own, never a JSON string.
      expect(f.props.attrs).toBeUndefined();
      expect(typeof f.props.OBJECTID).toBe('number');
      const o = origById.get(f.props.OBJECTID as number)!;
      expect(rel(f.area, o.area)).toBeLessThan(1e-4);
      expect(f.props.Shape_Area).toBeCloseTo(o.props.Shape_Area as number, 6);
      expect(f.props.Year_obs).toBe(o.props.Year_obs);
      expect(f.props.src_Source).toBe(String(o.props.Source).trimEnd()); // a DBF text field holds no trailing white space
      expect(f.props.source).toBe('landslides.shp');
    }
    console.log(`[export] Balakot shapefile export: ${ms} ms`);
  });
});
