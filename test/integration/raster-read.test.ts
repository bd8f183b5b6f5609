/**
 * openRaster against GDAL's own decoding, for every GeoTIFF variant GDAL writes: fixtures are cut from the shared
 * data with gdal_translate at test time and compared pixel for pixel (JPEG within a small tolerance).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasData, dataPath, tempDir } from '../helpers/data';
import { gdal, gdalinfoJson, hasGdal } from '../helpers/gdal';
import { bandLayoutOf, openRaster, describeRaster } from '../../src-main/core/raster';
import { compareBands, gdalPixels } from '../unit/raster/gdal-ref';

interface Variant {
  name: string;
  src: string;
  srcwin: [number, number, number, number];
  args: string[];
  tolerance?: number;
  expect?: { compression?: string; tiled?: boolean; photometric?: string; dataType?: string; bigTiff?: boolean; overviews?: number; pixelIsPoint?: boolean };
}

const RGB = 'jinsha-uav/siteB_rgb.tif';
const DSM = 'jinsha-uav/siteB_dsm.tif';
const S2 = 'iburi-2018/s2_post_event_B4B3B2.tif';
const IB_DSM = 'iburi-2018/dsm_30m.tif';
const BALAKOT = 'balakot/aw3d30_dem.tif';

const variants: Variant[] = [
  { name: 'uint8 RGB striped uncompressed', src: RGB, srcwin: [1200, 900, 300, 200], args: [], expect: { compression: 'none', tiled: false, dataType: 'uint8', photometric: 'rgb' } },
  { name: 'uint8 RGB tiled DEFLATE predictor 2', src: RGB, srcwin: [1200, 900, 300, 200], args: ['-co', 'TILED=YES', '-co', 'BLOCKXSIZE=128', '-co', 'BLOCKYSIZE=64', '-co', 'COMPRESS=DEFLATE', '-co', 'PREDICTOR=2'], expect: { compression: 'deflate', tiled: true } },
  { name: 'uint8 RGB striped LZW band-interleaved', src: RGB, srcwin: [1200, 900, 300, 200], args: ['-co', 'COMPRESS=LZW', '-co', 'INTERLEAVE=BAND'], expect: { compression: 'lzw', tiled: false } },
  { name: 'uint8 RGB PackBits', src: RGB, srcwin: [1200, 900, 300, 200], args: ['-co', 'COMPRESS=PACKBITS', '-co', 'TILED=YES'], expect: { compression: 'packbits' } },
  { name: 'uint8 JPEG YCbCr tiled', src: RGB, srcwin: [1200, 900, 300, 200], args: ['-co', 'COMPRESS=JPEG', '-co', 'PHOTOMETRIC=YCBCR', '-co', 'TILED=YES'], tolerance: 4, expect: { compression: 'jpeg', photometric: 'ycbcr' } },
  { name: 'uint8 JPEG YCbCr striped', src: RGB, srcwin: [1201, 903, 301, 203], args: ['-co', 'COMPRESS=JPEG', '-co', 'PHOTOMETRIC=YCBCR'], tolerance: 4, expect: { compression: 'jpeg', tiled: false } },
  { name: 'uint8 JPEG RGB', src: RGB, srcwin: [1200, 900, 300, 200], args: ['-co', 'COMPRESS=JPEG', '-co', 'TILED=YES'], tolerance: 4, expect: { compression: 'jpeg', photometric: 'rgb' } },
  { name: 'uint8 JPEG single band', src: RGB, srcwin: [1200, 900, 300, 200], args: ['-b', '2', '-co', 'COMPRESS=JPEG'], tolerance: 4 },
  { name: 'uint16 DEFLATE predictor 2 (Sentinel-2)', src: S2, srcwin: [400, 300, 260, 180], args: ['-co', 'COMPRESS=DEFLATE', '-co', 'PREDICTOR=2', '-co', 'TILED=YES'], expect: { dataType: 'uint16' } },
  { name: 'uint16 LZW striped', src: S2, srcwin: [400, 300, 260, 180], args: ['-co', 'COMPRESS=LZW'] },
  { name: 'int16 DEM DEFLATE tiled', src: IB_DSM, srcwin: [100, 50, 200, 150], args: ['-co', 'COMPRESS=DEFLATE', '-co', 'TILED=YES', '-co', 'BLOCKXSIZE=64', '-co', 'BLOCKYSIZE=64'], expect: { dataType: 'int16' } },
  { name: 'int16 DEM PackBits striped', src: IB_DSM, srcwin: [100, 50, 200, 150], args: ['-co', 'COMPRESS=PACKBITS'] },
  { name: 'float32 DEM DEFLATE predictor 3', src: BALAKOT, srcwin: [200, 300, 250, 220], args: ['-co', 'COMPRESS=DEFLATE', '-co', 'PREDICTOR=3', '-co', 'TILED=YES'], expect: { dataType: 'float32' } },
  { name: 'float32 DEM LZW predictor 3 striped', src: BALAKOT, srcwin: [200, 300, 250, 220], args: ['-co', 'COMPRESS=LZW', '-co', 'PREDICTOR=3'] },
  { name: 'float32 DSM with nodata -9999 (gaps)', src: DSM, srcwin: [0, 1300, 300, 250], args: ['-co', 'COMPRESS=DEFLATE', '-co', 'TILED=YES'] },
  { name: 'float32 BigTIFF', src: BALAKOT, srcwin: [200, 300, 250, 220], args: ['-co', 'BIGTIFF=YES', '-co', 'COMPRESS=DEFLATE'], expect: { bigTiff: true } },
  { name: 'COG with overviews', src: RGB, srcwin: [1000, 800, 700, 600], args: ['-of', 'COG', '-co', 'BLOCKSIZE=128', '-co', 'COMPRESS=DEFLATE', '-co', 'OVERVIEW_COUNT=2'], expect: { tiled: true, overviews: 2 } },
  { name: 'int8', src: IB_DSM, srcwin: [100, 50, 200, 150], args: ['-ot', 'Byte', '-co', 'PIXELTYPE=SIGNEDBYTE', '-scale', '0', '400', '-100', '100', '-a_nodata', '-128'], expect: { dataType: 'int8' } },
  { name: 'uint32 / int32 / float64', src: IB_DSM, srcwin: [100, 50, 200, 150], args: ['-ot', 'Float64'], expect: { dataType: 'float64' } },
  { name: 'nodata NaN', src: BALAKOT, srcwin: [200, 300, 250, 220], args: ['-a_nodata', 'nan'] },
  { name: 'big-endian', src: S2, srcwin: [400, 300, 260, 180], args: ['--config', 'GDAL_TIFF_ENDIANNESS', 'BIG', '-co', 'ENDIANNESS=BIG'] },
];

describe.skipIf(!hasData || !hasGdal)('openRaster reads GDAL-written GeoTIFF variants like GDAL does', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => {
    ({ dir, cleanup } = tempDir('raster-read'));
  });
  afterAll(() => cleanup());

  for (const [i, v] of variants.entries()) {
    it(v.name, async () => {
      const file = join(dir, `v${i}.tif`);
      gdal('gdal_translate', ['-q', '-srcwin', ...v.srcwin.map(String), ...v.args, dataPath(v.src), file]);
      const ref = gdalinfoJson(file) as { geoTransform: number[]; size: [number, number]; bands: Array<{ noDataValue?: number | string }>; stac?: Record<string, unknown> };
      const src = await openRaster(file);
      try {
        const { info } = src;
        expect([info.width, info.height]).toEqual(ref.size);
        info.geoTransform.forEach((g, k) => expect(g).toBeCloseTo(ref.geoTransform[k] as number, 9));
        const epsg = Number((ref.stac?.['proj:epsg'] as number | undefined) ?? NaN);
        expect(info.crs.epsg).toBe(epsg);
        for (const [key, want] of Object.entries(v.expect ?? {})) {
          if (key === 'overviews') expect(info.overviews.length).toBe(want);
          else expect(info[key as keyof typeof info]).toBe(want);
        }
        const nd = ref.bands[0]?.noDataValue;
        const nodata = nd === undefined ? null : nd === 'NaN' ? NaN : Number(nd);
        if (nodata === null) expect(info.nodata).toBeNull();
        else if (Number.isNaN(nodata)) expect(info.nodata).toBeNaN();
        else expect(Math.fround(info.nodata as number)).toBe(Math.fround(nodata));

        const gd = gdalPixels(file, dir);
        // Whole fixture in one read, and an unaligned inner window that crosses block boundaries.
        const ours = await src.readWindow({ x: 0, y: 0, width: info.width, height: info.height });
        ours.forEach((b, k) => {
          const c = compareBands(b, gd.bands[k] as Float32Array, nodata);
          expect(c.nodataMismatch, `band ${k} nodata`).toBe(0);
          expect(c.maxDiff, `band ${k} max |diff|`).toBeLessThanOrEqual(v.tolerance ?? 0);
        });
        const win = { x: 37, y: 61, width: 150, height: 70 };
        const part = await src.readWindow(win, [info.bandCount - 1]);
        const refPart = new Float32Array(win.width * win.height);
        const full = gd.bands[info.bandCount - 1] as Float32Array;
        for (let y = 0; y < win.height; y++) refPart.set(full.subarray((win.y + y) * info.width + win.x, (win.y + y) * info.width + win.x + win.width), y * win.width);
        expect(compareBands(part[0] as Float32Array, refPart, nodata).maxDiff).toBeLessThanOrEqual(v.tolerance ?? 0);
      } finally {
        await src.close();
      }
    });
  }

  it('JPEG YCbCr: mean error under 1 DN (fancy upsampling + libjpeg colour conversion)', async () => {
    const file = join(dir, 'ycbcr-mean.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '600', '600', '512', '512', '-co', 'COMPRESS=JPEG', '-co', 'PHOTOMETRIC=YCBCR', '-co', 'TILED=YES', dataPath(RGB), file]);
    const src = await openRaster(file);
    const ours = await src.readWindow({ x: 0, y: 0, width: 512, height: 512 });
    await src.close();
    const gd = gdalPixels(file, dir);
    let sum = 0;
    let n = 0;
    ours.forEach((b, k) => {
      const r = gd.bands[k] as Float32Array;
      for (let i = 0; i < b.length; i++) {
        if (Number.isNaN(b[i] as number)) continue;
        sum += Math.abs((b[i] as number) - (r[i] as number));
        n++;
      }
    });
    expect(sum / n).toBeLessThan(1);
  });

  /** Our reading (NaN = no data) against GDAL's mask band (`-b mask`: 0 = no data) and GDAL's band values elsewhere. */
  async function expectMaskedLikeGdal(file: string, tolerance: number): Promise<{ masked: number; valid: number }> {
    const src = await openRaster(file);
    try {
      const { info } = src;
      const ours = await src.readWindow({ x: 0, y: 0, width: info.width, height: info.height });
      const mask = gdalPixels(file, dir, undefined, ['-b', 'mask']).bands[0] as Float32Array;
      const gd = gdalPixels(file, dir);
      let masked = 0;
      let valid = 0;
      let mismatch = 0;
      let maxDiff = 0;
      for (let i = 0; i < mask.length; i++) {
        const none = mask[i] === 0;
        if (none) masked++;
        else valid++;
        for (let k = 0; k < 3; k++) {
          const v = (ours[k] as Float32Array)[i] as number;
          if (Number.isNaN(v) !== none) mismatch++;
          else if (!none) maxDiff = Math.max(maxDiff, Math.abs(v - ((gd.bands[k] as Float32Array)[i] as number)));
        }
      }
      expect(mismatch, 'pixels where our no data differs from GDAL mask band').toBe(0);
      expect(maxDiff).toBeLessThanOrEqual(tolerance);
      return { masked, valid };
    } finally {
      await src.close();
    }
  }

  it('an alpha band (RGBA, as gdalwarp -dstalpha and drone orthomosaics write) is the validity mask, as GDAL reads it', async () => {
    const cut = join(dir, 'rgba-src.tif');
    const file = join(dir, 'rgba.tif');
    // A window of site B with gaps (nodata 0 in the source): gdalwarp turns them into alpha 0 and drops the nodata value.
    gdal('gdal_translate', ['-q', '-srcwin', '1050', '1450', '300', '250', dataPath(RGB), cut]);
    gdal('gdalwarp', ['-q', '-dstalpha', '-co', 'TILED=YES', '-co', 'BLOCKXSIZE=128', '-co', 'BLOCKYSIZE=128', cut, file]);
    const info = await describeRaster(file);
    expect(info.bandCount).toBe(4);
    expect(info.alphaBand).toBe(3);
    expect(info.nodata).toBeNull();
    const { masked, valid } = await expectMaskedLikeGdal(file, 0);
    expect(masked).toBeGreaterThan(10_000);
    expect(valid).toBeGreaterThan(10_000);
    // The alpha band is not imagery: the default roles leave it out (it is not near-infrared).
    expect(bandLayoutOf(info).roles).toEqual(['red', 'green', 'blue', 'other']);
  });

  it('imagery declaring no validity: pixels 0 in every band read as no data (beyond GDAL), every other pixel as GDAL reads it', async () => {
    const file = join(dir, 'rgb-no-nodata.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1050', '1450', '300', '250', '-a_nodata', 'none', dataPath(RGB), file]);
    const src = await openRaster(file);
    try {
      expect(src.info.nodata).toBeNull();
      expect(src.info.blackIsNodata).toBe(true);
      const ours = await src.readWindow({ x: 0, y: 0, width: src.info.width, height: src.info.height });
      const gd = gdalPixels(file, dir);
      let black = 0;
      let mismatch = 0;
      for (let i = 0; i < (gd.bands[0] as Float32Array).length; i++) {
        const isBlack = gd.bands.every((b) => b[i] === 0);
        if (isBlack) black++;
        ours.forEach((b, k) => {
          const v = b[i] as number;
          if (isBlack ? !Number.isNaN(v) : v !== (gd.bands[k] as Float32Array)[i]) mismatch++;
        });
      }
      expect(black).toBeGreaterThan(10_000);
      expect(mismatch).toBe(0);
    } finally {
      await src.close();
    }
    // 16-bit imagery alike (uint16 DNs with a collar and no nodata tag).
    const u16 = join(dir, 'u16-no-nodata.tif');
    gdal('gdal_translate', ['-q', '-ot', 'UInt16', '-scale', '0', '255', '0', '10200', '-a_nodata', 'none', file, u16]);
    expect((await describeRaster(u16)).blackIsNodata).toBe(true);
    // Not for single-band rasters (DEMs, masks), floats, nor where the file declares validity: there 0 is a value.
    for (const [name, args] of [
      ['one-band', ['-b', '1']],
      ['float', ['-ot', 'Float32']],
    ] as const) {
      const f = join(dir, `${name}-no-nodata.tif`);
      gdal('gdal_translate', ['-q', ...args, '-a_nodata', 'none', file, f]);
      expect((await describeRaster(f)).blackIsNodata, name).toBeUndefined();
    }
    const declared = join(dir, 'rgb-nodata.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1050', '1450', '300', '250', dataPath(RGB), declared]);
    expect((await describeRaster(declared)).blackIsNodata).toBeUndefined();
  });

  it('a nodata value kept in the .aux.xml sidecar (ArcGIS; GDAL on a read-only file) counts when the file has none, as in GDAL', async () => {
    const file = join(dir, 'pam-nodata.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1050', '1450', '300', '250', '-a_nodata', 'none', dataPath(RGB), file]);
    // Opened read-only, GDAL can only keep the value in file.tif.aux.xml.
    gdal('/usr/bin/python3', ['-c', `from osgeo import gdal; d=gdal.Open('${file}'); d.GetRasterBand(1).SetNoDataValue(0); d=None`]);
    expect(existsSync(`${file}.aux.xml`)).toBe(true);
    const info = await describeRaster(file);
    expect(info.nodata).toBe(0);
    expect(info.nodataFrom).toBe('aux.xml');
    expect(info.blackIsNodata).toBeUndefined();
    const { masked } = await expectMaskedLikeGdal(file, 0);
    expect(masked).toBeGreaterThan(10_000);
  });

  it("GDAL's internal 1-bit mask (JPEG orthophotos) is the validity mask, at full resolution and in its overviews", async () => {
    const rgba = join(dir, 'mask-src.tif');
    const file = join(dir, 'internal-mask.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1050', '1450', '512', '512', dataPath(RGB), join(dir, 'mask-cut.tif')]);
    gdal('gdalwarp', ['-q', '-dstalpha', join(dir, 'mask-cut.tif'), rgba]);
    gdal('gdal_translate', ['-q', '-b', '1', '-b', '2', '-b', '3', '-mask', '4', '-co', 'COMPRESS=JPEG', '-co', 'PHOTOMETRIC=YCBCR', '-co', 'TILED=YES', '--config', 'GDAL_TIFF_INTERNAL_MASK', 'YES', rgba, file]);
    gdal('gdaladdo', ['-q', '-r', 'average', '--config', 'GDAL_TIFF_INTERNAL_MASK', 'YES', file, '2']);
    const info = await describeRaster(file);
    expect(info.bandCount).toBe(3);
    expect(info.maskBand).toBe('internal');
    expect(info.alphaBand).toBeUndefined();
    expect(info.overviews).toEqual([{ width: 256, height: 256 }]);
    const { masked, valid } = await expectMaskedLikeGdal(file, 4);
    expect(masked).toBeGreaterThan(10_000);
    expect(valid).toBeGreaterThan(10_000);
    // The overview is read with its own mask: where GDAL's overview mask is 0, every band is NaN.
    const src = await openRaster(file);
    try {
      const out = await src.readWindowResampled({ x: 0, y: 0, width: 512, height: 512 }, 256, 256);
      const ovMask = gdalPixels(file, dir, undefined, ['-b', 'mask', '-oo', 'OVERVIEW_LEVEL=0']).bands[0] as Float32Array;
      let mismatch = 0;
      for (let i = 0; i < ovMask.length; i++) if (Number.isNaN((out[0] as Float32Array)[i] as number) !== (ovMask[i] === 0)) mismatch++;
      expect(mismatch).toBe(0);
    } finally {
      await src.close();
    }
    // The same mask as a sidecar (what GDAL 3.6 writes by default for -mask): file.tif.msk.
    const external = join(dir, 'sidecar-mask.tif');
    gdal('gdal_translate', ['-q', '-b', '1', '-b', '2', '-b', '3', '-mask', '4', '--config', 'GDAL_TIFF_INTERNAL_MASK', 'NO', rgba, external]);
    expect(existsSync(`${external}.msk`)).toBe(true);
    expect((await describeRaster(external)).maskBand).toBe('sidecar');
    const side = await expectMaskedLikeGdal(external, 0);
    expect(side.masked).toBe(masked);
  });

  it("a TIFF without georeferencing tags is read from GDAL's other sources: the .aux.xml geotransform and SRS, else a world file (.tfw), as gdalinfo reports them", async () => {
    const file = join(dir, 'baseline.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1200', '900', '300', '200', '-co', 'PROFILE=BASELINE', '-co', 'TFW=YES', dataPath(RGB), file]);
    const ref = gdalinfoJson(file) as { geoTransform: number[] };
    const pam = await describeRaster(file);
    expect(pam.georefFrom).toBe('aux.xml');
    expect(pam.crsFrom).toBe('aux.xml');
    expect(pam.crs.epsg).toBe(32647);
    pam.geoTransform.forEach((v, i) => expect(v).toBeCloseTo(ref.geoTransform[i]!, 6));
    // Without the .aux.xml geotransform GDAL falls back to the world file, and so does Scarp.
    const aux = `${file}.aux.xml`;
    writeFileSync(aux, readFileSync(aux, 'utf8').replace(/<GeoTransform>[^<]*<\/GeoTransform>/, ''));
    const fromTfw = gdalinfoJson(file) as { geoTransform: number[] };
    const world = await describeRaster(file);
    expect(world.georefFrom).toBe('world-file');
    world.geoTransform.forEach((v, i) => expect(v).toBeCloseTo(fromTfw.geoTransform[i]!, 6));
    // A broken world file is named with what is wrong; none at all, with what was looked for.
    writeFileSync(file.replace(/\.tif$/, '.tfw'), '0.5\n0\n0\n-0.5\n');
    await expect(describeRaster(file)).rejects.toMatchObject({ code: 'NO_GEOREFERENCING', message: expect.stringMatching(/world file .*baseline\.tfw does not hold six numbers/) });
    rmSync(file.replace(/\.tif$/, '.tfw'));
    await expect(describeRaster(file)).rejects.toMatchObject({ code: 'NO_GEOREFERENCING', message: expect.stringMatching(/no world file \(\.tfw\)/) });
    // A geotransform without any CRS: named as such.
    writeFileSync(aux, '<PAMDataset><GeoTransform>470000, 0.5, 0, 3445000, 0, -0.5</GeoTransform></PAMDataset>');
    await expect(describeRaster(file)).rejects.toMatchObject({ code: 'NO_GEOREFERENCING', message: expect.stringMatching(/no coordinate reference system/) });
    // GDAL reads an .aux.xml geotransform before the file's own tags (GTIFF_GEOREF_SOURCES: PAM first;
    // it writes one there when asked to georeference a file it cannot rewrite): so does Scarp.
    const tagged = join(dir, 'tagged-with-pam.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1200', '900', '300', '200', dataPath(RGB), tagged]);
    writeFileSync(`${tagged}.aux.xml`, '<PAMDataset><GeoTransform>470000, 0.5, 0, 3445000, 0, -0.5</GeoTransform></PAMDataset>');
    const moved = await describeRaster(tagged);
    expect(moved.georefFrom).toBe('aux.xml');
    expect(moved.crsFrom).toBeUndefined();
    expect(moved.geoTransform).toEqual((gdalinfoJson(tagged) as { geoTransform: number[] }).geoTransform);
  });

  it('PixelIsPoint is shifted half a pixel to the area convention, as GDAL reports it', async () => {
    const file = join(dir, 'point.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '100', '100', '64', '64', '-mo', 'AREA_OR_POINT=Point', dataPath(BALAKOT), file]);
    const ref = gdalinfoJson(file) as { geoTransform: number[] };
    const info = await describeRaster(file);
    expect(info.pixelIsPoint).toBe(true);
    info.geoTransform.forEach((g, k) => expect(g).toBeCloseTo(ref.geoTransform[k] as number, 6));
  });

  it('ModelTransformation (rotated grid) georeferencing', async () => {
    const file = join(dir, 'rotated.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '100', '100', '64', '64', dataPath(BALAKOT), file]);
    gdal('/usr/bin/python3', ['-c', `from osgeo import gdal; d=gdal.Open('${file}',1); d.SetGeoTransform([340000,28,2,3840000,1.5,-28]); d=None`]);
    const ref = gdalinfoJson(file) as { geoTransform: number[] };
    const info = await describeRaster(file);
    info.geoTransform.forEach((g, k) => expect(g).toBeCloseTo(ref.geoTransform[k] as number, 6));
  });

  it('readWindowResampled uses an overview and matches a box average of the full resolution', async () => {
    const file = join(dir, 'cog-ov.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1000', '800', '1024', '1024', '-of', 'COG', '-co', 'BLOCKSIZE=256', '-co', 'RESAMPLING=AVERAGE', '-co', 'OVERVIEW_COUNT=2', dataPath(DSM), file]);
    const src = await openRaster(file);
    try {
      expect(src.info.overviews).toEqual([{ width: 512, height: 512 }, { width: 256, height: 256 }]);
      const out = await src.readWindowResampled({ x: 0, y: 0, width: 1024, height: 1024 }, 256, 256);
      const ov = gdalPixels(file, dir, undefined, ['-oo', 'OVERVIEW_LEVEL=1']);
      const c = compareBands(out[0] as Float32Array, ov.bands[0] as Float32Array, -9999);
      expect(c.nodataMismatch).toBe(0);
      expect(c.maxDiff).toBeLessThan(1e-3);
      // Windows extending past the raster read NaN there.
      const edge = await src.readWindow({ x: 1020, y: 1020, width: 8, height: 8 });
      expect(Number.isNaN((edge[0] as Float32Array)[7 * 8 + 7] as number)).toBe(true);
    } finally {
      await src.close();
    }
  });

  it('RasterInfo: bounds, WGS84 bounds and GSD (geographic CRS: metres per degree at the centre latitude)', async () => {
    const info = await describeRaster(dataPath(IB_DSM));
    const ref = gdalinfoJson(dataPath(IB_DSM)) as { wgs84Extent: { coordinates: number[][][] } };
    const ring = ref.wgs84Extent.coordinates[0] as number[][];
    const lons = ring.map((p) => p[0] as number);
    const lats = ring.map((p) => p[1] as number);
    expect(info.boundsWgs84.minX).toBeCloseTo(Math.min(...lons), 6);
    expect(info.boundsWgs84.maxY).toBeCloseTo(Math.max(...lats), 6);
    expect(info.crs.isGeographic).toBe(true);
    expect(info.crs.metresPerUnit).toBeNull();
    // 0.000269495° at 42.726° N: 22.07 m east-west, 29.94 m north-south.
    expect(info.gsd.x).toBeCloseTo(22.07, 1);
    expect(info.gsd.y).toBeCloseTo(29.94, 1);
    const utm = await describeRaster(dataPath(BALAKOT));
    expect(utm.crs.epsg).toBe(32643);
    expect(utm.gsd.x).toBeCloseTo(28.5549, 3);
    expect(utm.crs.proj4).toContain('+proj=utm');
    expect(utm.crs.wkt).toMatch(/^PROJCS\["WGS 84 \/ UTM zone 43N"/);
  });

  it('user-defined CRSs from GeoKeys (TM, LCC) match GDAL; an unsupported method is UNKNOWN_CRS', async () => {
    for (const [i, def] of ['+proj=tmerc +lat_0=0 +lon_0=100.5 +k=0.9996 +x_0=500000 +y_0=0 +datum=WGS84 +units=m', '+proj=lcc +lat_1=30 +lat_2=35 +lat_0=28 +lon_0=100 +x_0=0 +y_0=0 +datum=WGS84 +units=m'].entries()) {
      const file = join(dir, `user${i}.tif`);
      gdal('gdal_translate', ['-q', '-srcwin', '0', '0', '32', '32', '-a_srs', def, dataPath(RGB), file]);
      const info = await describeRaster(file);
      expect(info.crs.epsg).toBeNull();
      const theirs = gdal('gdalsrsinfo', ['-o', 'proj4', file]).trim();
      const norm = (s: string): string[] => s.split(/\s+/).filter((t) => !/^\+(no_defs|type=crs|units=m|ellps=WGS84)$/.test(t)).sort();
      expect(norm(info.crs.proj4)).toEqual(norm(theirs));
      expect(info.crs.wkt).toMatch(/^PROJCS\[/);
    }
    // The same CRS (EPSG:32647 as parameters) must give the same coordinates as the EPSG definition.
    const file = join(dir, 'user-robin.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '0', '0', '32', '32', '-a_srs', '+proj=robin +lon_0=0 +datum=WGS84 +units=m', dataPath(RGB), file]);
    await expect(describeRaster(file)).rejects.toMatchObject({ code: 'UNKNOWN_CRS', file });
  });
});
