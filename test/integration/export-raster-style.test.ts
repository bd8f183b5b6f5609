/**
 * Raster outputs as GIS data (issue 13): every raster a valid COG with its band description, the
 * provenance as SCARP_* metadata items, a colour table on the mask and a QGIS style that real QGIS
 * loads with the layer; the confidence raster agrees with the polygons' confidence.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/data';
import { gdalinfoJson, gdalPython, hasGdal, hasQgis, pythonFixture } from '../helpers/gdal';
import { exportRaster } from '../../src-main/core/export/export-raster';
import { crsFromEpsg } from '../../src-main/core/geo';
import { pixelConfidence, polygonConfidence } from '../../src-main/core/vector/confidence';
import { scarpVersion } from '../../src-main/core/paths';
import type { RasterRowSource } from '../../src-main/core/export/cog';

interface QgisRaster {
  valid: boolean;
  renderer: string;
  palette?: Array<{ value: number; alpha: number; color: string }>;
  ramp?: Array<{ value: number; alpha: number; color: string }>;
  min?: number;
  max?: number;
  bandName: string;
}

const W = 600;
const H = 520;
const crs = crsFromEpsg(32647);
const grid = { width: W, height: H, geoTransform: [470000, 0.5, 0, 3445000, 0, -0.5] as [number, number, number, number, number, number], crs };
/** A probability with a no-data band on the left, a sure landslide block (p = 1) and a gradient elsewhere. */
const prob = (x: number, y: number): number => (x < 8 ? NaN : x >= 300 && x < 400 && y >= 200 && y < 300 ? 1 : ((x * 7 + y * 3) % 101) / 100);
const rows: RasterRowSource = {
  grid,
  read: (y, n) => {
    const o = new Float32Array(n * W);
    for (let r = 0; r < n; r++) for (let x = 0; x < W; x++) o[r * W + x] = prob(x, y + r);
    return o;
  },
};
const meta = { SCARP_EVENT_NAME: 'Jinsha 2018 金沙江', SCARP_MODEL_ID: 'scarp-uav-rgbdem', SCARP_MODEL_SHA256: 'ab'.repeat(32), SCARP_VERSION: scarpVersion() };

describe.skipIf(!hasGdal)('raster outputs: COG, description, colour table, style, provenance', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = tempDir('raster-style')));
  afterAll(() => cleanup());

  it.each(['probability', 'confidence', 'mask'] as const)('%s: a valid COG with band description, SCARP_* metadata and a .qml', async (format) => {
    const out = join(dir, `${format}.tif`);
    const r = await exportRaster(rows, { format, out, threshold: 0.95, metadata: meta });
    expect(r.files).toEqual([out, join(dir, `${format}.qml`)]);
    const v = gdalPython('osgeo_utils.samples.validate_cloud_optimized_geotiff', ['--full-check=yes', out]);
    expect(v.status, v.stdout + v.stderr).toBe(0);
    const info = gdalinfoJson(out);
    const band = (info.bands as Array<Record<string, unknown>>)[0]!;
    expect(String(band.description)).toMatch(format === 'mask' ? /mask/i : new RegExp(format, 'i'));
    const md = (info.metadata as Record<string, Record<string, string>>)[''];
    expect(md).toMatchObject({ SCARP_EVENT_NAME: 'Jinsha 2018 金沙江', SCARP_MODEL_SHA256: 'ab'.repeat(32), SCARP_LAYER: format, SCARP_THRESHOLD: '0.95' });
    if (format === 'mask') {
      expect(band.colorInterpretation).toBe('Palette');
      const ct = band.colorTable as { entries: number[][] };
      expect(ct.entries[1]!.slice(0, 3)).toEqual([230, 25, 75]);
      expect(band.noDataValue).toBe(255);
    }
    expect(readFileSync(join(dir, `${format}.qml`), 'utf8')).toContain(format === 'mask' ? 'type="paletted"' : 'type="singlebandpseudocolor"');
  });

  it.skipIf(!hasQgis)('QGIS opens each raster styled: probability and confidence ramps, the mask over a transparent background', () => {
    const p = pythonFixture<QgisRaster>('qgis_raster.py', [join(dir, 'probability.tif')]);
    expect(p).toMatchObject({ valid: true, renderer: 'singlebandpseudocolor', min: 0, max: 1 });
    expect(p.ramp!.at(-1)).toMatchObject({ value: 1, alpha: 255 });
    expect(p.ramp![0]!.alpha).toBe(0);
    const c = pythonFixture<QgisRaster>('qgis_raster.py', [join(dir, 'confidence.tif')]);
    expect(c).toMatchObject({ valid: true, renderer: 'singlebandpseudocolor' });
    const m = pythonFixture<QgisRaster>('qgis_raster.py', [join(dir, 'mask.tif')]);
    expect(m.renderer).toBe('paletted');
    expect(m.palette!.find((e) => e.value === 0)!.alpha).toBe(0);
    expect(m.palette!.find((e) => e.value === 1)!.alpha).toBeGreaterThan(0);
  });

  it('confidence is defined on the probability and agrees with the polygons (threshold 0.95: p = 1 is confidence 1)', () => {
    // Read back what GDAL sees.
    const script = `
import sys, json
from osgeo import gdal
import numpy as np
c = gdal.Open(sys.argv[1]).ReadAsArray().astype('float64'); p = gdal.Open(sys.argv[2]).ReadAsArray().astype('float64'); m = gdal.Open(sys.argv[3]).ReadAsArray()
block = (slice(200, 300), slice(300, 400))
print(json.dumps({'blockConf': float(c[block].mean()), 'blockProb': float(p[block].mean()), 'blockMask': int(m[block].min()),
  'maxDiff': float(np.nanmax(np.abs(c - np.where(p >= 0.95, p, 1 - p)))), 'nodata': bool(np.isnan(c[:, :8]).all())}))
`;
    const o = spawnSync('/usr/bin/python3', ['-c', script, join(dir, 'confidence.tif'), join(dir, 'probability.tif'), join(dir, 'mask.tif')], { encoding: 'utf8' });
    expect(o.status, o.stderr).toBe(0);
    const j = JSON.parse(o.stdout) as { blockConf: number; blockProb: number; blockMask: number; maxDiff: number; nodata: boolean };
    expect(j.blockMask).toBe(1);
    expect(j.blockConf).toBeCloseTo(1, 6);
    // A polygon over the block: its confidence (prob_mean) equals the mean confidence under it.
    expect(polygonConfidence(j.blockProb)).toBeCloseTo(j.blockConf, 6);
    expect(j.maxDiff).toBeLessThan(1e-6);
    expect(j.nodata).toBe(true);
    expect(pixelConfidence(0.2, 0.95)).toBeCloseTo(0.8, 12);
    expect(existsSync(join(dir, 'confidence.qml'))).toBe(true);
  });
});
