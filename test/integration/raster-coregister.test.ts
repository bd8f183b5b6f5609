/**
 * coregister against gdalwarp -r bilinear -et 0 (exact transforms) onto target grids in another CRS / resolution /
 * extent: the Iburi DSM (EPSG:4326, 30 m) onto a 10 m UTM 54N grid, and the Jinsha DSM onto coarser and finer
 * grids (including nodata gaps). Also resampleBands (average/bilinear) against gdalwarp -r average.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { hasData, dataPath, tempDir } from '../helpers/data';
import { gdal, hasGdal } from '../helpers/gdal';
import { openRaster, coregister, crsFromEpsg, resampleBands, resampleGrid } from '../../src-main/core/raster';
import type { Grid } from '../../src-shared/geo';
import { readRaw } from '../unit/raster/gdal-ref';

function grid(epsg: number, minX: number, maxY: number, res: number, width: number, height: number): Grid {
  return { width, height, geoTransform: [minX, res, 0, maxY, 0, -res], crs: crsFromEpsg(epsg) };
}

function warpRef(src: string, g: Grid, dir: string, name: string, method = 'bilinear'): Float32Array {
  const [minX, res, , maxY, , e] = g.geoTransform;
  const out = join(dir, `${name}.raw`);
  gdal('gdalwarp', [
    '-q', '-overwrite', '-of', 'ENVI', '-ot', 'Float32', '-et', '0', '-r', method, '-t_srs', `EPSG:${g.crs.epsg}`,
    '-te', String(minX), String(maxY + e * g.height), String(minX + res * g.width), String(maxY), '-ts', String(g.width), String(g.height),
    '-dstnodata', 'nan', src, out,
  ]);
  return readRaw(out, 'float32');
}

/** Max |diff| over pixels valid in both, NaN mismatches (counted separately, ignoring pixels next to nodata edges). */
function compare(ours: Float32Array, ref: Float32Array, width: number): { maxDiff: number; mismatch: number; valid: number } {
  let maxDiff = 0;
  let mismatch = 0;
  let valid = 0;
  const nanNear = (a: Float32Array, i: number): boolean =>
    [i - 1, i + 1, i - width, i + width].some((k) => k >= 0 && k < a.length && Number.isNaN(a[k] as number));
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i] as number;
    const v = ours[i] as number;
    if (Number.isNaN(r) !== Number.isNaN(v)) {
      if (!nanNear(ref, i) && !nanNear(ours, i)) mismatch++;
      continue;
    }
    if (Number.isNaN(r)) continue;
    valid++;
    maxDiff = Math.max(maxDiff, Math.abs(r - v));
  }
  return { maxDiff, mismatch, valid };
}

describe.skipIf(!hasData || !hasGdal)('coregister matches gdalwarp -r bilinear', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = tempDir('raster-coreg')));
  afterAll(() => cleanup());

  it('Iburi DSM (EPSG:4326, int16, 30 m) onto a 10 m UTM 54N grid, read by windows', async () => {
    const target = grid(32654, 575000.3, 4733000.2, 10, 400, 360);
    const src = await openRaster(dataPath('iburi-2018/dsm_30m.tif'));
    const band = coregister(src, 0, target);
    const ours = new Float32Array(target.width * target.height);
    for (let y = 0; y < target.height; y += 128) {
      for (let x = 0; x < target.width; x += 128) {
        const w = { x, y, width: Math.min(128, target.width - x), height: Math.min(128, target.height - y) };
        const d = await band.readWindow(w);
        for (let j = 0; j < w.height; j++) ours.set(d.subarray(j * w.width, (j + 1) * w.width), (y + j) * target.width + x);
      }
    }
    await src.close();
    const c = compare(ours, warpRef(dataPath('iburi-2018/dsm_30m.tif'), target, dir, 'iburi'), target.width);
    expect(c.valid).toBe(target.width * target.height);
    expect(c.maxDiff).toBeLessThan(0.01); // metres; coordinates interpolated on a mesh to ≤ 0.01 px
  });

  it('Jinsha DSM (0.5 m, nodata gaps) onto a coarser 2.5 m grid (tent kernel like gdalwarp when down-sampling)', async () => {
    const target = grid(32647, 469900.3, 3444900.2, 2.5, 240, 200);
    const src = await openRaster(dataPath('jinsha-uav/siteB_dsm.tif'));
    const ours = await coregister(src, 0, target).readWindow({ x: 0, y: 0, width: 240, height: 200 });
    await src.close();
    const c = compare(ours, warpRef(dataPath('jinsha-uav/siteB_dsm.tif'), target, dir, 'jinsha-coarse'), target.width);
    expect(c.valid).toBeGreaterThan(10000);
    expect(c.mismatch).toBe(0);
    expect(c.maxDiff).toBeLessThan(0.01);
  });

  it('Jinsha DSM onto a finer rotated-CRS grid (EPSG:32648, 0.3 m): up-sampling with nodata', async () => {
    const target = grid(32648, -102000, 3447000, 0.3, 300, 250);
    // Find the target location by transforming a Jinsha point into zone 48.
    const { createTransformer } = await import('../../src-main/core/raster');
    const [x, y] = createTransformer(crsFromEpsg(32647), crsFromEpsg(32648)).forward(470200, 3444600);
    target.geoTransform[0] = Math.round(x);
    target.geoTransform[3] = Math.round(y);
    const src = await openRaster(dataPath('jinsha-uav/siteB_dsm.tif'));
    const ours = await coregister(src, 0, target).readWindow({ x: 0, y: 0, width: 300, height: 250 });
    await src.close();
    const c = compare(ours, warpRef(dataPath('jinsha-uav/siteB_dsm.tif'), target, dir, 'jinsha-fine'), target.width);
    expect(c.valid).toBeGreaterThan(10000);
    expect(c.mismatch).toBe(0);
    expect(c.maxDiff).toBeLessThan(0.01);
  });

  it('nearest', async () => {
    const target = grid(32654, 575000.3, 4733000.2, 10, 200, 150);
    const src = await openRaster(dataPath('iburi-2018/dsm_30m.tif'));
    const ours = await coregister(src, 0, target, { method: 'nearest' }).readWindow({ x: 0, y: 0, width: 200, height: 150 });
    await src.close();
    const ref = warpRef(dataPath('iburi-2018/dsm_30m.tif'), target, dir, 'iburi-nn', 'near');
    let diff = 0;
    for (let i = 0; i < ref.length; i++) if (ours[i] !== ref[i]) diff++;
    // Pixel centres within the 0.01 px mesh tolerance of a source pixel edge may pick the other neighbour.
    expect(diff / ref.length).toBeLessThan(0.001);
  });

  it('resampleBands to a coarser GSD area-averages like gdalwarp -r average', async () => {
    const crop = join(dir, 'rgb.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1400', '1500', '400', '300', dataPath('jinsha-uav/siteB_rgb.tif'), crop]);
    const src = await openRaster(crop);
    const target = resampleGrid(src.info, 2);
    expect(target.width).toBe(100);
    const rs = resampleBands(src, target);
    const ours = await rs.readWindow({ x: 0, y: 0, width: target.width, height: target.height });
    await src.close();
    const [minX, res, , maxY, , e] = target.geoTransform;
    const out = join(dir, 'avg.raw');
    gdal('gdalwarp', ['-q', '-of', 'ENVI', '-ot', 'Float32', '-r', 'average', '-te', String(minX), String(maxY + e * target.height), String(minX + res * target.width), String(maxY), '-ts', String(target.width), String(target.height), '-dstnodata', 'nan', crop, out]);
    const ref = readRaw(out, 'float32');
    const n = target.width * target.height;
    for (let b = 0; b < 3; b++) {
      const c = compare(ours[b] as Float32Array, ref.subarray(b * n, (b + 1) * n), target.width);
      expect(c.valid).toBeGreaterThan(n * 0.5);
      expect(c.maxDiff, `band ${b}`).toBeLessThan(0.5);
    }
  });
});
