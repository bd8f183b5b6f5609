/**
 * The change layer (TileLayerKind 'change'): the change strength of a change or single-date run, drawn
 * transparent below 0.5 (the method's threshold) and with resources/ramps/change.json above it. A
 * Web-Mercator raster written by GDAL, aligned to one tile, so each tile pixel is one raster pixel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { hasGdal } from '../../helpers/gdal';
import { tempDir } from '../../helpers/data';
import { openRaster } from '../../../src-main/core/raster';
import { RAMPS, renderTileRgba, tileBounds, TileService, WEB_MERCATOR, type RenderLayer } from '../../../src-main/core/tiles';
import { transformBounds } from '../../../src-main/core/geo';

const Z = 12;
const X = 3000;
const Y = 1500;

describe.skipIf(!hasGdal)('change layer tiles', () => {
  let tmp: { dir: string; cleanup: () => void };
  let file: string;
  beforeAll(() => {
    tmp = tempDir('change-layer');
    file = join(tmp.dir, 'strength.tif');
    const b = tileBounds(Z, X, Y);
    // Columns 0–127: 0.3 (below the threshold), 128–255: 0.9; the top 16 rows NaN (no score).
    execFileSync('/usr/bin/python3', [
      '-c',
      `
import sys, numpy as np
from osgeo import gdal, osr
x0, y0, x1, y1, out = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
a = np.full((256, 256), 0.3, dtype=np.float32); a[:, 128:] = 0.9; a[:16, :] = np.nan
d = gdal.GetDriverByName('GTiff').Create(out, 256, 256, 1, gdal.GDT_Float32)
d.SetGeoTransform((x0, (x1 - x0) / 256, 0, y1, 0, -(y1 - y0) / 256))
s = osr.SpatialReference(); s.ImportFromEPSG(3857); d.SetProjection(s.ExportToWkt())
d.GetRasterBand(1).WriteArray(a); d = None`,
      `${b.minX}`,
      `${b.minY}`,
      `${b.maxX}`,
      `${b.maxY}`,
      file,
    ]);
  });
  afterAll(() => tmp?.cleanup());

  it('is transparent below the threshold and where there is no score, the ramp above it', async () => {
    const src = await openRaster(file);
    const layer: RenderLayer = { kind: 'change', source: src, bands: [0], stretch: [], threshold: 0.5, bounds3857: transformBounds(src.info.bounds, src.info.crs, WEB_MERCATOR) };
    const t = (await renderTileRgba(layer, Z, X, Y))!;
    await src.close();
    const px = (x: number, y: number): number[] => [...t.rgba.subarray((y * 256 + x) * 4, (y * 256 + x) * 4 + 4)];
    // The raster holds float32 values: 0.9 is 0.89999998 there.
    const lut = (v: number): number[] => [...RAMPS.change.lut.subarray(Math.round(Math.fround(v) * 255) * 4, Math.round(Math.fround(v) * 255) * 4 + 4)];
    expect(px(60, 100)[3]).toBe(0);
    expect(px(200, 5)[3]).toBe(0);
    expect(px(200, 100)).toEqual(lut(0.9));
    expect(lut(0.9)[3]).toBeGreaterThan(200);
    expect(lut(0.49)[3]).toBe(0);
    expect(lut(0.51)[3]).toBeGreaterThanOrEqual(190);
  });

  it('opens through the TileService as its own kind', async () => {
    const ts = new TileService();
    const info = await ts.openLayer({ path: file, kind: 'change' });
    expect(info.kind).toBe('change');
    expect(info.stretch).toEqual([]);
    expect(await ts.tile(info.id, Z, X, Y)).not.toBeNull();
    await ts.close();
  });
});
