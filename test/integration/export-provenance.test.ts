/**
 * Provenance in every export (issue 13): GeoPackage metadata tables (read by GDAL as the layer's
 * metadata), the `scarp` foreign member of GeoJSON, `<file>.scarp.json` beside Shapefile, CSV,
 * KML/KMZ and a zipped Shapefile, and the HTML report's header and title.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdalPython, hasGdal } from '../helpers/gdal';
import { jinshaInventory } from '../unit/export/fixtures';
import { exportInventory } from '../../src-main/core/export/export-inventory';
import type { Inventory } from '../../src-main/core/export/inventory';
import { scarpVersion } from '../../src-main/core/paths';

const SHA = 'f72a1bad555e18cf84260ee1ea27f8bb24924d592d6df62196bd8172358ea8ef';

describe.skipIf(!(hasData && hasGdal))('provenance in every export', () => {
  let dir: string;
  let cleanup: () => void;
  let inv: Inventory;
  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('provenance'));
    const base = await jinshaInventory(dataPath('jinsha-uav/siteB_landslides.geojson'));
    inv = {
      ...base,
      meta: {
        ...base.meta,
        eventName: 'Jinsha 2018 金沙江 landslide dam',
        eventDate: '2018-10-11',
        eventTrigger: 'rainfall',
        imagerySource: 'UAV survey',
        imageryDate: '2018-11-03',
        scenes: [{ name: 'siteB_rgb.tif', role: 'post-event', date: '2018-11-03' }],
        modelId: 'scarp-uav-rgbdem',
        modelName: 'Scarp DiGATe-UNet (UAV, RGB + DEM)',
        modelSha256: SHA,
        threshold: 0.43,
      },
    };
  });
  afterAll(() => cleanup());

  const expectProvenance = (p: Record<string, unknown>, output: string): void => {
    expect(p).toMatchObject({
      output,
      scarp_version: scarpVersion(),
      event: { name: 'Jinsha 2018 金沙江 landslide dam', date: '2018-10-11', trigger: 'rainfall' },
      imagery: { source: 'UAV survey', date: '2018-11-03', scenes: [{ name: 'siteB_rgb.tif', role: 'post-event', date: '2018-11-03' }] },
      model: { id: 'scarp-uav-rgbdem', sha256: SHA },
      run: { threshold: 0.43 },
    });
    expect(Date.parse(p.written_at as string)).not.toBeNaN();
    expect(p.confidence).toMatch(/calibrated probability/);
  };

  it('GeoPackage: gpkg_metadata read by GDAL as the layer metadata, validate_gpkg passes', async () => {
    const out = join(dir, 'inv.gpkg');
    const r = await exportInventory(inv, { format: 'gpkg', out });
    const v = gdalPython('osgeo_utils.samples.validate_gpkg', [out]);
    expect(v.stdout + v.stderr).toBe('');
    const py = `
import sys, json
from osgeo import ogr
ds = ogr.Open(sys.argv[1]); lyr = ds.GetLayerByName('landslides')
print(json.dumps({'md': lyr.GetMetadata(), 'count': lyr.GetFeatureCount()}))`;
    const o = spawnSync('/usr/bin/python3', ['-c', py, out], { encoding: 'utf8' });
    expect(o.status, o.stderr).toBe(0);
    const { md, count } = JSON.parse(o.stdout) as { md: Record<string, string>; count: number };
    expect(count).toBe(r.count);
    expect(md).toMatchObject({ SCARP_EVENT_NAME: 'Jinsha 2018 金沙江 landslide dam', SCARP_EVENT_DATE: '2018-10-11', SCARP_EVENT_TRIGGER: 'rainfall', SCARP_MODEL_SHA256: SHA, SCARP_THRESHOLD: '0.43', SCARP_VERSION: scarpVersion(), SCARP_COUNT: String(r.count) });
    const json = Object.entries(md).find(([k]) => k.startsWith('GPKG_METADATA_ITEM_'))![1];
    expectProvenance((JSON.parse(json) as { scarp: Record<string, unknown> }).scarp, 'gpkg');
  });

  it('GeoJSON: a `scarp` foreign member GDAL reads past', async () => {
    const out = join(dir, 'inv.geojson');
    const r = await exportInventory(inv, { format: 'geojson', out });
    const fc = JSON.parse(readFileSync(out, 'utf8')) as { scarp: Record<string, unknown>; features: unknown[] };
    expectProvenance(fc.scarp, 'geojson');
    expect(fc.features.length).toBe(r.count);
    const o = spawnSync('ogrinfo', ['-so', '-al', out], { encoding: 'utf8' });
    expect(o.stdout).toContain(`Feature Count: ${r.count}`);
  });

  it.each([
    ['shp', 'inv.shp', 'inv.shp.scarp.json'],
    ['csv', 'inv.csv', 'inv.csv.scarp.json'],
    ['kml', 'inv.kml', 'inv.kml.scarp.json'],
    ['kmz', 'inv.kmz', 'inv.kmz.scarp.json'],
    ['shp-zip', 'inv.zip', 'inv.zip.scarp.json'],
  ] as const)('%s: <file>.scarp.json beside it', async (format, name, sidecar) => {
    const r = await exportInventory(inv, { format, out: join(dir, name) });
    expect(r.files).toContain(join(dir, sidecar));
    const p = (JSON.parse(readFileSync(join(dir, sidecar), 'utf8')) as { scarp: Record<string, unknown> }).scarp;
    expectProvenance(p, format);
    expect(p.count).toBe(r.count);
    if (format === 'shp-zip') {
      const zip = await JSZip.loadAsync(readFileSync(join(dir, name)));
      expect(Object.keys(zip.files)).toContain('inv.shp.scarp.json');
    }
  });

  it('HTML report: titled by the event, provenance in its header, the map centred in its frame', async () => {
    const out = join(dir, 'report.html');
    await exportInventory(inv, { format: 'html', out });
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<title>Landslide inventory: Jinsha 2018 金沙江 landslide dam</title>');
    const header = html.slice(html.indexOf('id="provenance"'), html.indexOf('<h2>Map'));
    for (const s of ['2018-10-11', 'rainfall', 'UAV survey', 'siteB_rgb.tif post-event', SHA, 'Threshold</td><td>0.43', `by Scarp ${scarpVersion()}`]) expect(header).toContain(s);
    // The drawing's extent is centred: equal spare space left and right (or top and bottom).
    const svg = html.slice(html.indexOf('<svg'), html.indexOf('</svg>'));
    const xs = [...svg.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
    const minX = Math.min(...xs.map((p) => p[0])), maxX = Math.max(...xs.map((p) => p[0]));
    const minY = Math.min(...xs.map((p) => p[1])), maxY = Math.max(...xs.map((p) => p[1]));
    expect(Math.abs(minX - (720 - maxX))).toBeLessThan(1);
    expect(Math.abs(minY - (480 - maxY))).toBeLessThan(1);
    expect(existsSync(out)).toBe(true);
  });
});
