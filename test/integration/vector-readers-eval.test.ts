/**
 * Polygon readers (GeoJSON old-style/RFC 7946, GDAL's and our GeoPackage, 3D Shapefile), rasterize
 * against gdal_rasterize, and evaluate() against numpy on the same inputs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { evaluateFiles } from '../../src-main/core/eval/evaluate-files';
import { crsFromEpsg } from '../../src-main/core/geo';
import { multiPolygonArea, PolygonRasterizer, rasterizePolygons, readPolygons } from '../../src-main/core/vector';
import { evaluate } from '../../src-main/core/eval';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, gdalinfoJson, hasGdal } from '../helpers/gdal';
import { ogrSummary } from '../unit/vector/_gdal-summary';
import type { GeoTransform } from '../../src-shared/geo';

const tmp = tempDir('vector-readers');
afterAll(() => tmp.cleanup());

const run = hasGdal && hasData;

describe.skipIf(!run)('polygon readers', () => {
  it('old-style GeoJSON with a crs member (Jinsha site B, EPSG:32647)', async () => {
    const path = dataPath('jinsha-uav/siteB_landslides.geojson');
    const l = await readPolygons(path);
    const g = ogrSummary(path);
    expect(l.crs.epsg).toBe(32647);
    expect(l.features).toHaveLength(g.count);
    const area = l.features.reduce((s, f) => s + multiPolygonArea(f.geometry), 0);
    expect(Math.abs(area - g.area) / g.area).toBeLessThan(1e-6);
    expect(l.features[0]!.properties).toHaveProperty('value');
  });

  it('3D Shapefile with an ESRI .prj (Balakot) and reprojection to WGS 84', async () => {
    const path = dataPath('balakot/landslides.shp');
    const l = await readPolygons(path);
    const g = ogrSummary(path);
    expect(l.crs.epsg).toBe(32643);
    expect(l.features).toHaveLength(3820);
    expect(l.features).toHaveLength(g.count);
    const area = l.features.reduce((s, f) => s + multiPolygonArea(f.geometry), 0);
    expect(Math.abs(area - g.area) / g.area).toBeLessThan(1e-9);
    const holes = l.features.reduce((s, f) => s + f.geometry.reduce((t, p) => t + p.length - 1, 0), 0);
    expect(holes).toBe(g.holes);
    const ll = await readPolygons(path, { crs: crsFromEpsg(4326) });
    const r = l.features[0]!.geometry[0]![0]!;
    const out = execFileSync('gdaltransform', ['-s_srs', 'EPSG:32643', '-t_srs', 'OGC:CRS84', '-output_xy'], { input: `${r[0]} ${r[1]}\n`, encoding: 'utf8' });
    const [lon, lat] = out.trim().split(/\s+/).map(Number);
    expect(ll.features[0]!.geometry[0]![0]![0]).toBeCloseTo(lon!, 7);
    expect(ll.features[0]!.geometry[0]![0]![1]).toBeCloseTo(lat!, 7);
    expect(ll.sourceCrs.epsg).toBe(32643);
  });

  it("GDAL's GeoPackage (ogr2ogr) and RFC 7946 GeoJSON written by GDAL", async () => {
    const src = dataPath('jinsha-uav/siteA_landslides.geojson');
    const gpkg = join(tmp.dir, 'gdal.gpkg');
    gdal('ogr2ogr', ['-f', 'GPKG', '-nln', 'refs', gpkg, src]);
    const a = await readPolygons(gpkg);
    expect(a.layer).toBe('refs');
    expect(a.crs.epsg).toBe(32647);
    const g = ogrSummary(src);
    expect(a.features).toHaveLength(g.count);
    const rfc = join(tmp.dir, 'rfc.geojson');
    gdal('ogr2ogr', ['-f', 'GeoJSON', '-lco', 'RFC7946=YES', rfc, src]);
    const b = await readPolygons(rfc, { crs: crsFromEpsg(32647) });
    expect(b.sourceCrs.epsg).toBe(4326);
    const areaA = a.features.reduce((s, f) => s + multiPolygonArea(f.geometry), 0);
    const areaB = b.features.reduce((s, f) => s + multiPolygonArea(f.geometry), 0);
    expect(Math.abs(areaA - areaB) / areaA).toBeLessThan(1e-4); // 7-decimal rounding of RFC 7946
  });

  it('clear errors for unreadable files', async () => {
    await expect(readPolygons(join(tmp.dir, 'missing.geojson'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    writeFileSync(join(tmp.dir, 'x.txt'), 'x');
    await expect(readPolygons(join(tmp.dir, 'x.txt'))).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
    writeFileSync(join(tmp.dir, 'bad.geojson'), '{"type": "FeatureCollection", "features": [');
    await expect(readPolygons(join(tmp.dir, 'bad.geojson'))).rejects.toMatchObject({ code: 'CORRUPT_FILE' });
    writeFileSync(join(tmp.dir, 'bad.gpkg'), 'not sqlite at all, just text'.repeat(50));
    await expect(readPolygons(join(tmp.dir, 'bad.gpkg'))).rejects.toMatchObject({ code: 'CORRUPT_FILE' });
    writeFileSync(join(tmp.dir, 'crs.geojson'), JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::999999' } }, features: [] }));
    await expect(readPolygons(join(tmp.dir, 'crs.geojson'))).rejects.toMatchObject({ code: 'UNKNOWN_CRS' });
    for (const ext of ['shp', 'shx', 'dbf']) copyFileSync(dataPath(`balakot/landslides.${ext}`), join(tmp.dir, `noprj.${ext}`));
    await expect(readPolygons(join(tmp.dir, 'noprj.shp'))).rejects.toMatchObject({ code: 'UNKNOWN_CRS' });
    const shp = readFileSync(dataPath('balakot/landslides.shp'));
    for (const ext of ['shx', 'dbf', 'prj']) copyFileSync(dataPath(`balakot/landslides.${ext}`), join(tmp.dir, `trunc.${ext}`));
    writeFileSync(join(tmp.dir, 'trunc.shp'), shp.subarray(0, 5000));
    await expect(readPolygons(join(tmp.dir, 'trunc.shp'))).rejects.toMatchObject({ code: 'CORRUPT_FILE' });
  });
});

function cropGrid(site: string, win: [number, number, number, number]): { width: number; height: number; geoTransform: GeoTransform } {
  const info = gdalinfoJson(dataPath(`jinsha-uav/${site}_mask.tif`)) as { geoTransform: GeoTransform };
  const [ox, a, b, oy, d, e] = info.geoTransform;
  return { width: win[2], height: win[3], geoTransform: [ox + win[0] * a, a, b, oy + win[1] * e, d, e] };
}

describe.skipIf(!run)('rasterize vs gdal_rasterize', () => {
  it.each([
    ['siteA', [300, 700, 1200, 1100]],
    ['siteB', [1100, 900, 1400, 1300]],
  ] as Array<[string, [number, number, number, number]]>)('Jinsha %s reference polygons on a crop grid: identical', async (site, win) => {
    const grid = cropGrid(site, win);
    const gt = grid.geoTransform;
    const out = join(tmp.dir, `${site}-r.bin`);
    const src = dataPath(`jinsha-uav/${site}_landslides.geojson`);
    gdal('gdal_rasterize', ['-q', '-burn', '1', '-ot', 'Byte', '-of', 'ENVI', '-init', '0', '-te', String(gt[0]), String(gt[3] + gt[5] * grid.height), String(gt[0] + gt[1] * grid.width), String(gt[3]), '-ts', String(grid.width), String(grid.height), src, out]);
    const ref = new Uint8Array(readFileSync(out));
    const polys = (await readPolygons(src)).features.map((f) => f.geometry);
    const ours = rasterizePolygons(polys, grid);
    let diff = 0;
    let ones = 0;
    for (let i = 0; i < ref.length; i++) {
      if (ref[i] !== ours[i]) diff++;
      ones += ref[i]!;
    }
    expect(ones).toBeGreaterThan(10000);
    expect(diff).toBe(0);
    // By row bands (streaming) gives the same.
    const r = new PolygonRasterizer(polys, grid);
    const banded = new Uint8Array(grid.width * grid.height);
    for (let y = 0; y < grid.height; y += 97) banded.set(r.rasterizeRows(y, Math.min(97, grid.height - y)), y * grid.width);
    expect(Buffer.compare(Buffer.from(banded), Buffer.from(ours))).toBe(0);
  });

  it('centre rule on a hand-made case (pixel centres exactly on an edge, a hole, a sub-pixel polygon)', () => {
    const grid = { width: 6, height: 4, geoTransform: [0, 1, 0, 4, 0, -1] as GeoTransform };
    // Shell x 0.5..5.5 (centres 0.5 and 5.5 lie on the edges), y 0..4; hole x 2..4, y 1..3; a tiny square off any centre.
    const poly = [[
      new Float64Array([0.5, 0, 5.5, 0, 5.5, 4, 0.5, 4, 0.5, 0]),
      new Float64Array([2, 1, 2, 3, 4, 3, 4, 1, 2, 1]),
    ]];
    const tiny = [[new Float64Array([0.1, 0.1, 0.2, 0.1, 0.2, 0.2, 0.1, 0.2, 0.1, 0.1])]];
    const m = rasterizePolygons([poly, tiny], grid);
    // gdal_rasterize on the same polygons (written as GeoJSON) is the reference.
    const gj = join(tmp.dir, 'hand.geojson');
    const coords = (r: Float64Array): number[][] => Array.from({ length: r.length / 2 }, (_, k) => [r[2 * k]!, r[2 * k + 1]!]);
    writeFileSync(gj, JSON.stringify({ type: 'FeatureCollection', features: [poly, tiny].map((mp) => ({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: mp[0]!.map(coords) } })) }));
    const out = join(tmp.dir, 'hand.bin');
    gdal('gdal_rasterize', ['-q', '-burn', '1', '-init', '0', '-ot', 'Byte', '-of', 'ENVI', '-te', '0', '0', '6', '4', '-ts', '6', '4', gj, out]);
    expect(Array.from(m)).toEqual(Array.from(readFileSync(out)));
    // GDAL: left edge on a centre excluded, right edge included.
    expect(Array.from(m)).toEqual([
      0, 1, 1, 1, 1, 1,
      0, 1, 0, 0, 1, 1,
      0, 1, 0, 0, 1, 1,
      0, 1, 1, 1, 1, 1,
    ]);
  });
});

const NUMPY = `
import sys, json
import numpy as np
from osgeo import gdal
ref = gdal.Open(sys.argv[1]).ReadAsArray()
src = gdal.Open(sys.argv[2]).ReadAsArray().astype(np.float64)
# A prediction raster smaller than the reference (same origin and pixel size): NaN beyond it.
pred = np.full(ref.shape, np.nan); pred[:src.shape[0], :src.shape[1]] = src
a, b, thr = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
aoi = gdal.Open(sys.argv[6]).ReadAsArray() if sys.argv[6] else np.ones_like(ref)
ref, pred, aoi = ref[a:b], pred[a:b], aoi[a:b]
# Counted: reference mapped (not 255) inside the AOI; a pixel with no prediction (NaN) is not predicted.
v = (ref != 255) & (aoi != 0)
with np.errstate(invalid='ignore'):
    p = np.nan_to_num(pred[v], nan=-np.inf) >= thr
t = ref[v] == 1
tp = int(np.sum(p & t)); fp = int(np.sum(p & ~t)); fn = int(np.sum(~p & t)); tn = int(np.sum(~p & ~t))
print(json.dumps({"tp": tp, "fp": fp, "fn": fn, "tn": tn, "f1": 2*tp/(2*tp+fp+fn), "iou": tp/(tp+fp+fn),
                  "noPrediction": int(np.sum(np.isnan(pred[v]))), "noPredictionPositive": int(np.sum(np.isnan(pred[v]) & t)),
                  "excluded": int(np.sum(~v))}))
`;

describe.skipIf(!run)('evaluate vs numpy', () => {
  it('probability GeoTIFF vs mask GeoTIFF with ignore 255, a row range, an AOI and pixels with no prediction', async () => {
    // Reference: a crop of site B's mask (0/1/255). Prediction: a noisy float32 probability made by numpy,
    // with a block of NaN (no prediction) over part of the landslides.
    const ref = join(tmp.dir, 'ref.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1100', '900', '900', '800', dataPath('jinsha-uav/siteB_mask.tif'), ref]);
    const pred = join(tmp.dir, 'pred.tif');
    const mk = spawnSync('/usr/bin/python3', ['-c', `
import numpy as np
from osgeo import gdal
src = gdal.Open('${ref}'); m = src.ReadAsArray()
rng = np.random.default_rng(5)
p = np.clip((m == 1) * 0.45 + rng.random(m.shape) * 0.6, 0, 1).astype(np.float32)
ys, xs = np.nonzero(m == 1); cy, cx = int(np.median(ys)), int(np.median(xs))
p[max(cy - 60, 0):cy + 60, max(cx - 80, 0):cx + 80] = np.nan
d = gdal.GetDriverByName('GTiff').Create('${pred}', m.shape[1], m.shape[0], 1, gdal.GDT_Float32, ['COMPRESS=DEFLATE', 'PREDICTOR=3', 'TILED=YES'])
d.SetGeoTransform(src.GetGeoTransform()); d.SetProjection(src.GetProjection()); d.GetRasterBand(1).WriteArray(p); d = None
`], { encoding: 'utf8' });
    expect(mk.status, mk.stderr).toBe(0);
    // AOI: a polygon over part of the crop, rasterised by GDAL for numpy.
    const info = gdalinfoJson(ref) as { geoTransform: GeoTransform };
    const [ox, a, , oy, , e] = info.geoTransform;
    const aoiPath = join(tmp.dir, 'aoi.geojson');
    const x0 = ox + 100.3 * a;
    const x1 = ox + 700.2 * a;
    const y0 = oy + 150.7 * e;
    const y1 = oy + 650.1 * e;
    writeFileSync(aoiPath, JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32647' } }, features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [(x0 + x1) / 2, y1], [x0, y0]]] } }] }));
    const aoiTif = join(tmp.dir, 'aoi.tif');
    gdal('gdal_rasterize', ['-q', '-burn', '1', '-init', '0', '-ot', 'Byte', '-te', String(ox), String(oy + e * 800), String(ox + a * 900), String(oy), '-ts', '900', '800', aoiPath, aoiTif]);

    // A prediction covering only the left 600 of the 900 columns (sampled: NaN beyond its edge).
    const narrow = join(tmp.dir, 'pred-narrow.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '0', '0', '600', '800', pred, narrow]);

    let sawMissedPositives = false;
    for (const [rows, aoi, thr, prediction] of [
      [[0, 800], '', 0.5, pred],
      [[200, 640], '', 0.6, pred],
      [[0, 800], aoiPath, 0.5, pred],
      [[0, 800], '', 0.5, narrow],
    ] as Array<[[number, number], string, number, string]>) {
      const np = spawnSync('/usr/bin/python3', ['-c', NUMPY, ref, prediction, String(rows[0]), String(rows[1]), String(thr), aoi ? aoiTif : ''], { encoding: 'utf8' });
      expect(np.status, np.stderr).toBe(0);
      const want = JSON.parse(np.stdout) as { tp: number; fp: number; fn: number; tn: number; f1: number; iou: number; noPrediction: number; noPredictionPositive: number; excluded: number };
      const got = await evaluate({ prediction, reference: ref, ignoreValue: 255, threshold: thr, rows, aoi: aoi || undefined, bandRows: 64 });
      expect(got.counts).toEqual({ tp: want.tp, fp: want.fp, fn: want.fn, tn: want.tn });
      expect(got.f1).toBeCloseTo(want.f1, 12);
      expect(got.iou).toBeCloseTo(want.iou, 12);
      expect(got.noPrediction).toBe(want.noPrediction);
      expect(got.excluded).toBe(want.excluded);
      expect(got.pixels).toBe(want.tp + want.fp + want.fn + want.tn);
      expect(want.tp).toBeGreaterThan(1000);
      expect(want.noPrediction).toBeGreaterThan(0);
      // Mapped landslide pixels with no prediction are misses (fn), not left out.
      if (want.noPredictionPositive > 0) sawMissedPositives = true;
    }
    expect(sawMissedPositives).toBe(true);
  });

  it('reference polygons vs the mask they were made from: perfect scores; a polygon prediction on the mask grid', async () => {
    const r = await evaluate({ prediction: dataPath('jinsha-uav/siteA_landslides.geojson'), reference: dataPath('jinsha-uav/siteA_mask.tif'), ignoreValue: 255, rows: [500, 1500] });
    expect(r.counts.fp + r.counts.fn).toBe(0);
    expect(r.f1).toBe(1);
    expect(r.counts.tp).toBeGreaterThan(10000);
    // Polygons as the reference, the mask as prediction (grid from the prediction raster).
    const s = await evaluate({ prediction: dataPath('jinsha-uav/siteA_mask.tif'), reference: dataPath('jinsha-uav/siteA_landslides.geojson'), rows: [500, 1500] });
    expect(s.recall).toBe(1);
    await expect(evaluate({ prediction: dataPath('jinsha-uav/siteA_landslides.geojson'), reference: dataPath('jinsha-uav/siteB_landslides.geojson') })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(r.warnings).toEqual([]);
  });

  it('scarp eval without --ignore-value reads a 0/1/255 mask with 255 unmapped, as given it, and says so', async () => {
    const req = { prediction: dataPath('jinsha-uav/siteB_landslides.geojson'), reference: dataPath('jinsha-uav/siteB_mask.tif'), rows: [1690, 2817] as [number, number] };
    const given = await evaluateFiles({ ...req, ignoreValue: 255 });
    const inferred = await evaluateFiles(req);
    expect({ ...inferred, warnings: [] }).toEqual({ ...given, warnings: [] });
    expect(given.warnings).toEqual([]);
    expect(inferred.warnings).toEqual(['The reference holds 0, 1 and 255: 255 was read as unmapped and left out (give --ignore-value to say otherwise).']);
  });

  it('a prediction of another place than the reference is scored (everything missed) and said to be so', async () => {
    // Site A's inventory against the south-east of site B's mask: the same CRS, areas that do not meet.
    const far = join(tmp.dir, 'siteB-south-east-mask.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '2000', '1800', '1000', '1000', dataPath('jinsha-uav/siteB_mask.tif'), far]);
    const r = await evaluate({ prediction: dataPath('jinsha-uav/siteA_landslides.geojson'), reference: far, ignoreValue: 255 });
    expect(r.counts.tp + r.counts.fp).toBe(0);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/None of the \d+ polygons of .*siteA_landslides\.geojson lies on the reference's area/);
    const raster = await evaluate({ prediction: dataPath('jinsha-uav/siteA_mask.tif'), reference: far, ignoreValue: 255 });
    expect(raster.noPrediction).toBe(raster.pixels);
    expect(raster.warnings[0]).toMatch(/siteA_mask\.tif does not overlap the reference's area/);
  });
});
