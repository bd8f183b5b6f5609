/**
 * DEM usability, checked when a DEM is added to a detection: real Jinsha DSM crops altered through
 * GDAL VRTs (values, nodata, bands, geotransform), each refused with DEM_UNUSABLE naming the file or
 * accepted with the warning that says what is missing.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDem } from '../../src-main/core/detect/dem-check';
import { openRaster, type RasterSource } from '../../src-main/core/raster';
import { isScarpError } from '../../src-shared/errors';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, gdalinfoJson, hasGdal } from '../helpers/gdal';
import { vrtDem } from '../fuzz/corpus';

describe.skipIf(!(hasData && hasGdal))('DEM usability (real DSM crop)', () => {
  let dir: string;
  let cleanup: () => void;
  let image: RasterSource;
  let dsm: string;
  let gt: number[];

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('dem-check'));
    const rgb = join(dir, 'rgb.tif');
    dsm = join(dir, 'dsm.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1600', '600', '256', '256', dataPath('jinsha-uav/siteB_rgb.tif'), rgb]);
    gdal('gdal_translate', ['-q', '-srcwin', '1600', '600', '256', '256', dataPath('jinsha-uav/siteB_dsm.tif'), dsm]);
    gt = gdalinfoJson(dsm).geoTransform as number[];
    image = await openRaster(rgb);
  });
  afterAll(async () => {
    await image.close();
    cleanup();
  });

  const check = async (name: string, o: Parameters<typeof vrtDem>[2]) => {
    const path = join(dir, `${name}.tif`);
    vrtDem(dsm, path, o);
    const dem = await openRaster(path);
    try {
      return { path, result: await checkDem(dem, image).catch((e: unknown) => e) };
    } finally {
      await dem.close();
    }
  };
  const expectUnusable = (r: unknown, path: string, what: RegExp): void => {
    expect(isScarpError(r) && r.code).toBe('DEM_UNUSABLE');
    if (!isScarpError(r)) return;
    expect(r.file).toBe(path);
    expect(r.message).toMatch(what);
    expect(r.hint?.length).toBeGreaterThan(0);
  };

  it('the real DSM is usable: full coverage, its elevations in range', async () => {
    const dem = await openRaster(dsm);
    const r = await checkDem(dem, image);
    await dem.close();
    expect(r.coverage).toBeGreaterThan(0.999);
    expect(r.range![0]).toBeGreaterThan(2000);
    expect(r.range![1]).toBeLessThan(5000);
  });

  it('a DEM with an alpha band (gdalwarp -dstalpha) is usable: alpha 0 is its no data', async () => {
    const path = join(dir, 'dsm-alpha.tif');
    gdal('gdalwarp', ['-q', '-dstalpha', '-srcnodata', '-9999', dsm, path]);
    const dem = await openRaster(path);
    try {
      expect(dem.info.bandCount).toBe(2);
      expect(dem.info.alphaBand).toBe(1);
      const r = await checkDem(dem, image);
      expect(r.coverage).toBeGreaterThan(0.999);
      expect(r.range![0]).toBeGreaterThan(2000);
    } finally {
      await dem.close();
    }
  });

  it('refuses all-nodata, all-NaN and infinite DEMs', async () => {
    for (const [name, o] of [
      ['all-nodata', { ratio: 0, offset: -9999, nodata: '-9999' }],
      ['all-nan', { ratio: 0, offset: NaN }],
      ['plus-inf', { ratio: 0, offset: Infinity }],
    ] as const) {
      const { path, result } = await check(name, o);
      expectUnusable(result, path, /no valid elevation/);
    }
  });

  it('refuses values that are no elevations on the Earth', async () => {
    const { path, result } = await check('huge', { ratio: 1e30, offset: 0 });
    expectUnusable(result, path, /not elevations on the Earth/);
  });

  it('refuses three bands and a rotated grid', async () => {
    const three = await check('three', { bands: 3 });
    expectUnusable(three.result, three.path, /3 bands/);
    const rot = await check('rotated', { gt: [gt[0]!, gt[1]! * 0.9, 0.05, gt[3]!, 0.05, gt[5]! * 0.9] });
    expectUnusable(rot.result, rot.path, /rotated/);
  });

  it('warns when the DEM covers a tenth of the scene, is flat, or is much coarser', async () => {
    const part = await check('part', { gt: [gt[0]! + 0.9 * 128, gt[1]!, 0, gt[3]!, 0, gt[5]!] });
    expect(isScarpError(part.result)).toBe(false);
    const w = (part.result as { coverage: number; warnings: string[] });
    expect(w.coverage).toBeCloseTo(0.1, 1);
    expect(w.warnings.join(' ')).toMatch(/covers 10 % of the scene/);
    const flat = await check('flat', { ratio: 0, offset: 0 });
    expect((flat.result as { warnings: string[] }).warnings.join(' ')).toMatch(/flat/);
    const coarse = await check('coarse', { size: [2, 2], gt: [gt[0]!, 64, 0, gt[3]!, 0, -64] });
    expect((coarse.result as { warnings: string[] }).warnings.join(' ')).toMatch(/coarser than the imagery/);
  });
});
