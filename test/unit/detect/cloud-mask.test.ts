/**
 * Cloud masks from a scene's quality band (raster/cloud-mask.ts): the SCL, QA60 and QA_PIXEL tables,
 * and, on small synthetic scenes GDAL writes (band descriptions B4, B3, B2, B8, SCL / red, …, QA60),
 * which pixels the single-date and the change methods leave unmapped: NaN in the score, no polygon,
 * counted in the result; a pre-event mask on a coarser grid masks every post-event pixel its
 * bilinear values draw on.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLEAR, CLOUD, CLOUD_MASKS, NO_DATA, applyCloudMasks, bandLayoutOf, cloudFlags, openRaster } from '../../../src-main/core/raster';
import { runBareGround } from '../../../src-main/core/detect/run-bare-ground';
import { runChange } from '../../../src-main/core/detect/run-change';
import { BareGroundRequest, ChangeRequest } from '../../../src-shared/api';
import { guessBandRoles } from '../../../src-shared/bands';
import { isScarpError } from '../../../src-shared/errors';
import { gdal, hasGdal, writeUint16Tiff } from '../../helpers/gdal';
import { tempDir } from '../../helpers/data';

describe('quality band tables', () => {
  it('SCL: 3, 8, 9, 10 are cloud, 0 no data, every other class clear', () => {
    const codes = Array.from({ length: 12 }, (_, v) => CLOUD_MASKS.scl.decode(v));
    expect(codes).toEqual([NO_DATA, CLEAR, CLEAR, CLOUD, CLEAR, CLEAR, CLEAR, CLEAR, CLOUD, CLOUD, CLOUD, CLEAR]);
  });

  it('QA60: bit 10 (opaque) or bit 11 (cirrus)', () => {
    expect([0, 1024, 2048, 3072, 512, 4096].map((v) => CLOUD_MASKS.qa60.decode(v))).toEqual([CLEAR, CLOUD, CLOUD, CLOUD, CLEAR, CLEAR]);
  });

  it('QA_PIXEL: bit 0 fill is no data; bits 1 dilated cloud, 3 cloud, 4 cloud shadow are cloud; cirrus (2), snow (5) alone are not', () => {
    // Landsat 8 C2 values: 21824 clear land, 21952 clear water, 1 fill, 22280 high-confidence cloud (bits 3, 8, 9 …).
    expect([21824, 21952, 1, 22280, 0b10, 0b10000, 0b100, 0b100000].map((v) => CLOUD_MASKS.qa_pixel.decode(v))).toEqual([CLEAR, CLEAR, NO_DATA, CLOUD, CLOUD, CLOUD, CLEAR, CLEAR]);
  });

  it('a value no table has is a clear error naming the file, the band and the value', () => {
    let err: unknown;
    try {
      cloudFlags(CLOUD_MASKS.scl, Float32Array.from([4, 37]), null, { file: 'post.tif', band: 4 });
    } catch (e) {
      err = e;
    }
    expect(isScarpError(err) && err.code).toBe('INCOMPATIBLE_BANDS');
    expect(String((err as Error).message)).toMatch(/Band 5 of post\.tif .* SCL .* 37/);
    // NaN is the file's nodata value (QA60 0: clear), or no data when the file has none.
    expect(Array.from(cloudFlags(CLOUD_MASKS.qa60, Float32Array.from([NaN, 1024]), 0, { file: 'a', band: 0 }))).toEqual([0, 1]);
    expect(Number.isNaN(cloudFlags(CLOUD_MASKS.qa60, Float32Array.from([NaN]), null, { file: 'a', band: 0 })[0]!)).toBe(true);
  });

  it('roles come from band descriptions: SCL, QA60, QA_PIXEL beside Sentinel-2 / Landsat band numbers', () => {
    expect(guessBandRoles(5, ['B4', 'B3', 'B2', 'B8', 'SCL']).roles).toEqual(['red', 'green', 'blue', 'nir', 'scl']);
    expect(guessBandRoles(5, ['SR_B4', 'SR_B3', 'SR_B2', 'SR_B5', 'QA_PIXEL']).roles).toEqual(['red', 'green', 'blue', 'nir', 'qa_pixel']);
    expect(guessBandRoles(4, ['red', 'green', 'blue', 'QA60']).roles).toEqual(['red', 'green', 'blue', 'qa60']);
  });

  it('applyCloudMasks: no data per image, cloud in any image blanks all and is counted only where all have data', () => {
    const a = new Map([['red' as const, Float32Array.from([1, 1, 1, NaN, 1])]]);
    const b = new Map([['red' as const, Float32Array.from([2, 2, 2, 2, 2])]]);
    const r = applyCloudMasks([{ bands: a, codes: Uint8Array.from([CLOUD, CLEAR, NO_DATA, CLOUD, CLEAR]) }, { bands: b, codes: Uint8Array.from([CLOUD, CLOUD, CLEAR, CLEAR, CLEAR]) }], 5);
    expect(r).toEqual({ masked: 2, perImage: [1, 2] });
    expect(Array.from(a.get('red')!).map(Number.isNaN)).toEqual([true, true, true, true, false]);
    expect(Array.from(b.get('red')!).map(Number.isNaN)).toEqual([true, true, false, true, false]);
  });
});

// Synthetic 40 × 30 scene at 10 m (UTM 54N): vegetation, two bare blocks A (cols 5–14) and B (cols 25–34), rows 5–14.
const W = 40;
const H = 30;
const X0 = 400_000;
const Y0 = 4_750_000;
const GT = [X0, 10, 0, Y0, 0, -10];
const inA = (x: number, y: number): boolean => x >= 5 && x <= 14 && y >= 5 && y <= 14;
const inB = (x: number, y: number): boolean => x >= 25 && x <= 34 && y >= 5 && y <= 14;

/** SCL of the post-event scene: A's left half 8, all of B 9, row 20 shadow (3), one cirrus pixel (10), row 28 no data (0), else vegetation (4). */
function scl(x: number, y: number): number {
  if (y === 28) return 0;
  if (inA(x, y) && x <= 9) return 8;
  if (inB(x, y)) return 9;
  if (y === 20) return 3;
  if (x === 2 && y === 25) return 10;
  return 4;
}
const SCL_MASKED = 5 * 10 + 10 * 10 + 40 + 1;

function bands(bare: (x: number, y: number) => boolean, extra?: (x: number, y: number) => number): number[][] {
  const out = [[], [], [], [], ...(extra ? [[]] : [])] as number[][];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const b = bare(x, y);
      out[0]!.push(b ? 2000 : 500);
      out[1]!.push(b ? 1800 : 800);
      out[2]!.push(b ? 1600 : 400);
      out[3]!.push(b ? 2200 : 4000);
      if (extra) out[4]!.push(extra(x, y));
    }
  }
  return out;
}

async function nanPixels(path: string): Promise<Set<string>> {
  const r = await openRaster(path);
  try {
    const d = (await r.readWindow({ x: 0, y: 0, width: r.info.width, height: r.info.height }))[0]!;
    const s = new Set<string>();
    d.forEach((v, k) => Number.isNaN(v) && s.add(`${k % r.info.width},${Math.floor(k / r.info.width)}`));
    return s;
  } finally {
    await r.close();
  }
}

/** The layer extent GDAL reads from a GeoPackage: [xmin, ymin, xmax, ymax]. */
function extent(gpkg: string): number[] {
  const m = /Extent: \(([-\d.]+), ([-\d.]+)\) - \(([-\d.]+), ([-\d.]+)\)/.exec(gdal('ogrinfo', ['-al', '-so', '-ro', gpkg]));
  return m ? m.slice(1).map(Number) : [];
}

describe.skipIf(!hasGdal)('cloud-masked pixels are unmapped (synthetic scenes written by GDAL)', () => {
  let dir = '';
  let cleanup = (): void => undefined;
  let post = '';
  let pre = '';
  let preCoarse = '';
  beforeAll(() => {
    ({ dir, cleanup } = tempDir('cloud-mask'));
    post = join(dir, 'post.tif');
    writeUint16Tiff(post, { width: W, height: H, bands: bands((x, y) => inA(x, y) || inB(x, y), scl), descriptions: ['B4', 'B3', 'B2', 'B8', 'SCL'], geoTransform: GT, epsg: 32654, nodata: 0 });
    // Pre-event: vegetation everywhere; QA60 opaque cloud (bit 10) over A's right half, rows 5–7; 0 (clear) is also the file's nodata.
    pre = join(dir, 'pre.tif');
    writeUint16Tiff(pre, { width: W, height: H, bands: bands(() => false, (x, y) => (x >= 10 && x <= 14 && y >= 5 && y <= 7 ? 1024 : 0)), descriptions: ['red', 'green', 'blue', 'nir', 'QA60'], geoTransform: GT, epsg: 32654, nodata: 0 });
    // The same at 20 m, cloud in the one coarse pixel (12, 12) (post-event pixels 24–25 × 24–25).
    preCoarse = join(dir, 'pre20.tif');
    const w2 = W / 2;
    const h2 = H / 2;
    const coarse = bands(() => false, (x, y) => (x === 12 && y === 12 ? 1024 : 0)).map((b) => b.filter((_, k) => k % W < w2 && Math.floor(k / W) < h2));
    writeUint16Tiff(preCoarse, { width: w2, height: h2, bands: coarse, descriptions: ['red', 'green', 'blue', 'nir', 'QA60'], geoTransform: [X0, 20, 0, Y0, 0, -20], epsg: 32654, nodata: 0 });
  });
  afterAll(() => cleanup());

  it('the roles are read from the descriptions GDAL wrote', async () => {
    const r = await openRaster(post);
    try {
      expect(bandLayoutOf(r.info).roles).toEqual(['red', 'green', 'blue', 'nir', 'scl']);
    } finally {
      await r.close();
    }
  });

  it('single date: SCL cloud, shadow and cirrus pixels are NaN in the score, give no polygon, and are counted', async () => {
    const out = join(dir, 'bare.gpkg');
    const score = join(dir, 'bare.tif');
    const r = await runBareGround(BareGroundRequest.parse({ image: post, layout: { scale: 1e-4 }, out, score }));
    expect(r.cloudMask).toEqual({ band: 'SCL', bandNumber: 5, maskedPixels: SCL_MASKED });
    expect(r.maskedPixels).toBe(SCL_MASKED);
    expect(r.validPixels).toBe(W * (H - 1) - SCL_MASKED);
    const nan = await nanPixels(score);
    const expected = new Set<string>();
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if ([0, 3, 8, 9, 10].includes(scl(x, y))) expected.add(`${x},${y}`);
    expect(nan).toEqual(expected);
    // Only A's clear right half is bare ground: one 5 × 10 px polygon, 5,000 m²; B (all cloud) gives none.
    expect(r.features).toBe(1);
    expect(r.totalAreaM2).toBeCloseTo(5000, 6);
    expect(extent(out)).toEqual([X0 + 100, Y0 - 150, X0 + 150, Y0 - 50]);
    expect(r.warnings.join(' ')).toMatch(/SCL band \(band 5; .*\) masked 191 pixel/);
  });

  it('without the quality band (named other) nothing is masked: both blocks are mapped (the check can fail)', async () => {
    const r = await runBareGround(BareGroundRequest.parse({ image: post, layout: { bands: ['red', 'green', 'blue', 'nir', 'other'], scale: 1e-4 }, out: join(dir, 'bare-nomask.gpkg') }));
    expect(r.cloudMask).toBeNull();
    expect(r.maskedPixels).toBe(0);
    expect(r.features).toBe(2);
    expect(r.totalAreaM2).toBeCloseTo(20_000, 6);
  });

  it('change: a pixel either image masks is unmapped; each mask counts its own', async () => {
    const out = join(dir, 'change.gpkg');
    const score = join(dir, 'change.tif');
    const r = await runChange(ChangeRequest.parse({ pre, post, preLayout: { scale: 1e-4 }, postLayout: { scale: 1e-4 }, out, score }));
    expect(r.method).toBe('rdndvi');
    expect(r.cloudMasks.post).toEqual({ band: 'SCL', bandNumber: 5, maskedPixels: SCL_MASKED });
    expect(r.cloudMasks.pre).toEqual({ band: 'QA60', bandNumber: 5, maskedPixels: 15 });
    expect(r.maskedPixels).toBe(SCL_MASKED + 15);
    // Change only on A's right half below the pre-event cloud: rows 8–14, 35 px.
    expect(r.changedPixels).toBe(35);
    expect(r.features).toBe(1);
    expect(r.totalAreaM2).toBeCloseTo(3500, 6);
    expect(extent(out)).toEqual([X0 + 100, Y0 - 150, X0 + 150, Y0 - 80]);
    const nan = await nanPixels(score);
    for (let x = 10; x <= 14; x++) for (let y = 5; y <= 7; y++) expect(nan.has(`${x},${y}`)).toBe(true);
    expect(nan.size).toBe(SCL_MASKED + 15 + W);
  });

  it('change: a pre-event cloud on a 20 m grid masks the 4 × 4 post-event pixels its bilinear values draw on', async () => {
    const score = join(dir, 'change20.tif');
    const r = await runChange(ChangeRequest.parse({ pre: preCoarse, post, preLayout: { scale: 1e-4 }, postLayout: { scale: 1e-4 }, score }));
    expect(r.preResampled).toBe(true);
    expect(r.cloudMasks.pre?.maskedPixels).toBe(16);
    const nan = await nanPixels(score);
    for (let y = 23; y <= 26; y++) for (let x = 23; x <= 26; x++) expect(nan.has(`${x},${y}`)).toBe(true);
    expect(nan.has('22,24')).toBe(false);
    expect(nan.has('27,24')).toBe(false);
  });
});
