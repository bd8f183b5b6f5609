/**
 * Slope, aspect and hillshade against gdaldem (GDAL 3.6) on the Balakot AW3D30 DEM (projected), a Jinsha DSM crop
 * (0.5 m, nodata gaps) and the Iburi DSM (geographic, compared with gdaldem -s 111120). Interior pixels within
 * 0.01° (aspect on the circle, flat cells as gdaldem marks them), hillshade within 1 DN where gdaldem's
 * approximate reciprocal square root tips a .5 rounding.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { hasData, dataPath, tempDir } from '../helpers/data';
import { gdal, hasGdal } from '../helpers/gdal';
import { openRaster, hornDerivative, terrainBand, crsFromEpsg } from '../../src-main/core/raster';
import type { DerivativeKind } from '../../src-main/core/raster';
import { readRaw } from '../unit/raster/gdal-ref';

interface Stats {
  maxDiff: number;
  nodataMismatch: number;
  valid: number;
  offByOne: number;
}

function compare(kind: DerivativeKind, ours: Float32Array, ref: Float32Array): Stats {
  let maxDiff = 0;
  let nodataMismatch = 0;
  let valid = 0;
  let offByOne = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i] as number;
    const v = ours[i] as number;
    const refNodata = kind === 'hillshade' ? r === 0 : r === -9999;
    if (refNodata !== Number.isNaN(v)) {
      nodataMismatch++;
      continue;
    }
    if (refNodata) continue;
    valid++;
    let d = kind === 'hillshade' ? Math.abs(Math.round(v) - r) : Math.abs(v - r);
    if (kind === 'aspect') d = Math.min(d, 360 - d);
    if (kind === 'hillshade' && d === 1 && Math.abs((v % 1) - 0.5) < 0.002) {
      offByOne++;
      continue;
    }
    if (d > maxDiff) maxDiff = d;
  }
  return { maxDiff, nodataMismatch, valid, offByOne };
}

describe.skipIf(!hasData || !hasGdal)('terrain derivatives match gdaldem', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = tempDir('raster-terrain')));
  afterAll(() => cleanup());

  const cases: Array<{ name: string; file: () => string; crop?: [number, number, number, number]; scale?: number; edges?: boolean }> = [
    { name: 'Balakot AW3D30 (EPSG:32643, 28.5 m)', file: () => dataPath('balakot/aw3d30_dem.tif') },
    { name: 'Balakot with -compute_edges', file: () => dataPath('balakot/aw3d30_dem.tif'), crop: [100, 200, 300, 250], edges: true },
    { name: 'Jinsha site B DSM crop (0.5 m, nodata gaps)', file: () => dataPath('jinsha-uav/siteB_dsm.tif'), crop: [1400, 1600, 400, 300] },
    { name: 'Jinsha DSM crop with -compute_edges', file: () => dataPath('jinsha-uav/siteB_dsm.tif'), crop: [1400, 1600, 400, 300], edges: true },
    { name: 'Iburi DSM (EPSG:4326, int16) with -s 111120', file: () => dataPath('iburi-2018/dsm_30m.tif'), scale: 111120 },
  ];

  for (const [ci, c] of cases.entries()) {
    it(c.name, async () => {
      let file = c.file();
      if (c.crop) {
        const crop = join(dir, `crop${ci}.tif`);
        gdal('gdal_translate', ['-q', '-srcwin', ...c.crop.map(String), file, crop]);
        file = crop;
      }
      const src = await openRaster(file);
      const { width: w, height: h, geoTransform: gt } = src.info;
      const [dem] = await src.readWindow({ x: 0, y: 0, width: w, height: h });
      await src.close();
      const k = c.scale ?? 1;
      for (const kind of ['slope', 'aspect', 'hillshade'] as const) {
        const out = join(dir, `${ci}-${kind}.raw`);
        gdal('gdaldem', [kind, '-q', '-of', 'ENVI', ...(c.edges ? ['-compute_edges'] : []), ...(c.scale ? ['-s', String(c.scale)] : []), file, out]);
        const ref = readRaw(out, kind === 'hillshade' ? 'uint8' : 'float32');
        const ours = hornDerivative(kind, dem as Float32Array, w, h, { ewres: gt[1] * k, nsres: gt[5] * k, computeEdges: c.edges });
        const s = compare(kind, ours, ref);
        expect(s.nodataMismatch, `${kind}: nodata where gdaldem has none or vice versa`).toBe(0);
        expect(s.valid).toBeGreaterThan(w * h * 0.3);
        if (kind === 'hillshade') {
          expect(s.maxDiff, kind).toBe(0);
          expect(s.offByOne / s.valid, `${kind}: .5 rounding flips`).toBeLessThan(0.001);
        } else expect(s.maxDiff, kind).toBeLessThanOrEqual(0.01);
      }
    });
  }

  it('gdaldem -zero_for_flat', async () => {
    const file = join(dir, 'flat.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1400', '1600', '200', '200', dataPath('jinsha-uav/siteB_dsm.tif'), file]);
    const src = await openRaster(file);
    const { width: w, height: h, geoTransform: gt } = src.info;
    const [dem] = await src.readWindow({ x: 0, y: 0, width: w, height: h });
    await src.close();
    const out = join(dir, 'flat.raw');
    gdal('gdaldem', ['aspect', '-q', '-of', 'ENVI', '-zero_for_flat', file, out]);
    const ref = readRaw(out, 'float32');
    const ours = hornDerivative('aspect', dem as Float32Array, w, h, { ewres: gt[1], nsres: gt[5], zeroForFlat: true });
    expect(compare('aspect', ours, ref).maxDiff).toBeLessThanOrEqual(0.01);
  });

  it('terrainBand on the DEM grid reproduces gdaldem -compute_edges, by windows with halos', async () => {
    const file = join(dir, 'tb.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '300', '300', '300', '260', dataPath('balakot/aw3d30_dem.tif'), file]);
    const src = await openRaster(file);
    try {
      const grid = { width: src.info.width, height: src.info.height, geoTransform: src.info.geoTransform, crs: src.info.crs };
      for (const kind of ['slope', 'aspect', 'hillshade'] as const) {
        const band = terrainBand(src, kind, grid);
        const ours = new Float32Array(grid.width * grid.height);
        // Odd window sizes so halos cross every kind of boundary.
        for (let y = 0; y < grid.height; y += 77) {
          for (let x = 0; x < grid.width; x += 93) {
            const win = { x, y, width: Math.min(93, grid.width - x), height: Math.min(77, grid.height - y) };
            const d = await band.readWindow(win);
            for (let j = 0; j < win.height; j++) ours.set(d.subarray(j * win.width, (j + 1) * win.width), (y + j) * grid.width + x);
          }
        }
        const out = join(dir, `tb-${kind}.raw`);
        gdal('gdaldem', [kind, '-q', '-of', 'ENVI', '-compute_edges', file, out]);
        const s = compare(kind, ours, readRaw(out, kind === 'hillshade' ? 'uint8' : 'float32'));
        expect(s.nodataMismatch).toBe(0);
        expect(s.maxDiff, kind).toBeLessThanOrEqual(kind === 'hillshade' ? 0 : 0.01);
      }
    } finally {
      await src.close();
    }
  });

  it('terrainBand derives at the DEM resolution and resamples the slope (matches gdaldem slope → gdalwarp bilinear)', async () => {
    const file = join(dir, 'tb2.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '300', '300', '200', '200', dataPath('balakot/aw3d30_dem.tif'), file]);
    const slope = join(dir, 'tb2-slope.tif');
    gdal('gdaldem', ['slope', '-q', '-compute_edges', file, slope]);
    const src = await openRaster(file);
    try {
      const [ox, , , oy] = src.info.geoTransform;
      // A 10 m grid inside the DEM, offset by a fraction of a pixel.
      const target = { width: 300, height: 280, geoTransform: [ox + 1000.3, 10, 0, oy - 1000.7, 0, -10] as [number, number, number, number, number, number], crs: crsFromEpsg(32643) };
      const ours = await terrainBand(src, 'slope', target).readWindow({ x: 0, y: 0, width: 300, height: 280 });
      const out = join(dir, 'tb2-warp.raw');
      const b = target.geoTransform;
      gdal('gdalwarp', ['-q', '-of', 'ENVI', '-r', 'bilinear', '-et', '0', '-te', String(b[0]), String(b[3] - 2800), String(b[0] + 3000), String(b[3]), '-ts', '300', '280', slope, out]);
      const ref = readRaw(out, 'float32');
      let maxDiff = 0;
      for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs((ours[i] as number) - (ref[i] as number)));
      expect(maxDiff).toBeLessThan(1e-3);
    } finally {
      await src.close();
    }
  });

  it('derivedAtM: slope of the DEM area-averaged to 2 m (gdalwarp -r average → gdaldem slope)', async () => {
    const crop = join(dir, 'fine.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1000', '900', '400', '300', dataPath('jinsha-uav/siteB_dsm.tif'), crop]);
    const src = await openRaster(crop);
    try {
      const { resampleGrid } = await import('../../src-main/core/raster');
      const target = resampleGrid(src.info, 2);
      const [minX, res, , maxY, , e] = target.geoTransform;
      const avg = join(dir, 'avg2.tif');
      gdal('gdalwarp', ['-q', '-r', 'average', '-te', String(minX), String(maxY + e * target.height), String(minX + res * target.width), String(maxY), '-ts', String(target.width), String(target.height), crop, avg]);
      const out = join(dir, 'avg2-slope.raw');
      gdal('gdaldem', ['slope', '-q', '-of', 'ENVI', '-compute_edges', avg, out]);
      const ours = await terrainBand(src, 'slope', target, { derivedAtM: 2 }).readWindow({ x: 0, y: 0, width: target.width, height: target.height });
      const s = compare('slope', ours, readRaw(out, 'float32'));
      expect(s.valid).toBeGreaterThan(target.width * target.height * 0.9);
      expect(s.maxDiff).toBeLessThanOrEqual(0.01);
    } finally {
      await src.close();
    }
  });
});
