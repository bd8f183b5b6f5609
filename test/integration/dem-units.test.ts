/**
 * A DEM whose file says its elevations are in feet (GDAL's unit type, as `gdal_edit -units ft` writes
 * it; or a vertical CRS in US survey feet) is read in metres wherever Scarp uses a DEM: detection with
 * it equals detection with the same DEM in metres, and the user is told.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, hasGdal } from '../helpers/gdal';
import { scarp } from '../helpers/cli';
import { gdalPixels } from '../unit/raster/gdal-ref';
import { describeRaster } from '../../src-main/core/raster';

describe.skipIf(!(hasData && hasGdal))('DEMs in feet', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => {
    ({ dir, cleanup } = tempDir('dem-units'));
    for (const name of ['rgb', 'dsm']) gdal('gdal_translate', ['-q', '-srcwin', '700', '1000', '512', '512', dataPath(`jinsha-uav/siteB_${name}.tif`), join(dir, `${name}.tif`)]);
    // The same surface in international feet, saying so as GDAL does.
    gdal('gdal_translate', ['-q', '-scale', '0', '0.3048', '0', '1', '-a_nodata', '-9999', join(dir, 'dsm.tif'), join(dir, 'dsm-ft.tif')]);
    gdal('gdal_edit.py', ['-units', 'ft', join(dir, 'dsm-ft.tif')]);
  });
  afterAll(() => cleanup());

  /** Detect with the UAV model and this DEM; its probabilities (nodata → NaN) and warnings. */
  const detect = (dem: string, name: string): { p: Float32Array; warnings: string[] } => {
    const prob = join(dir, `${name}-p.tif`);
    const r = scarp(['detect', '--image', join(dir, 'rgb.tif'), '--dem', dem, '--model', 'scarp-uav-rgbdem', '--probability', prob, '--out', join(dir, `${name}.gpkg`), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const p = gdalPixels(prob, dir).bands[0] as Float32Array;
    return { p: p.map((v) => (v < 0 ? NaN : v)), warnings: (JSON.parse(r.stdout) as { warnings: string[] }).warnings };
  };

  it('the unit is read from the file: GDAL unit type, or a vertical CRS in US survey feet', async () => {
    expect((await describeRaster(join(dir, 'dsm-ft.tif'))).elevationUnit).toEqual({ name: 'foot', metres: 0.3048 });
    expect((await describeRaster(join(dir, 'dsm.tif'))).elevationUnit).toBeUndefined();
    const compound = join(dir, 'dsm-ftus.tif');
    gdal('gdal_translate', ['-q', '-a_srs', 'EPSG:32647+EPSG:6360', join(dir, 'dsm.tif'), compound]);
    expect(gdal('gdalinfo', [compound])).toMatch(/Unit Type: US survey foot/);
    expect((await describeRaster(compound)).elevationUnit?.name).toBe('US survey foot');
  });

  it('detection with the DEM in feet equals detection with it in metres, and says it converted', () => {
    const metres = detect(join(dir, 'dsm.tif'), 'm');
    const feet = detect(join(dir, 'dsm-ft.tif'), 'ft');
    let diff = 0;
    let n = 0;
    for (let i = 0; i < metres.p.length; i++) {
      if (Number.isNaN(metres.p[i]!) || Number.isNaN(feet.p[i]!)) continue;
      diff = Math.max(diff, Math.abs(metres.p[i]! - feet.p[i]!));
      n++;
    }
    expect(n).toBeGreaterThan(100_000);
    expect(diff).toBeLessThan(1e-3); // float rounding of the scaled values only
    expect(feet.warnings.join(' ')).toMatch(/holds elevations in feet \(its file says so\): they were converted to metres \(× 0\.3048000\)/);
    expect(metres.warnings.join(' ')).not.toMatch(/converted to metres/);
  });
});
