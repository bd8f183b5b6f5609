/** Bad raster input: each case gives its ScarpError code and a message naming the file. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { hasData, dataPath, tempDir } from '../helpers/data';
import { gdal, hasGdal } from '../helpers/gdal';
import { openRaster, createGeoTiffWriter, crsFromEpsg } from '../../src-main/core/raster';
import { failure, openAndReadAll } from '../helpers/raster-failures';

describe('bad raster input (no shared data needed)', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = tempDir('raster-errors')));
  afterAll(() => cleanup());

  it('missing path → FILE_NOT_FOUND', async () => {
    const p = join(dir, 'nope.tif');
    const e = await failure(openRaster(p));
    expect(e.code).toBe('FILE_NOT_FOUND');
    expect(e.message).toContain(p);
    expect(e.file).toBe(p);
  });

  it('garbage bytes named .tif → CORRUPT_FILE; empty file → CORRUPT_FILE', async () => {
    const p = join(dir, 'garbage.tif');
    writeFileSync(p, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
    const e = await failure(openRaster(p));
    expect(e.code).toBe('CORRUPT_FILE');
    expect(e.message).toContain('garbage.tif');
    const empty = join(dir, 'empty.tif');
    writeFileSync(empty, '');
    expect((await failure(openRaster(empty))).code).toBe('CORRUPT_FILE');
  });

  it('a TIFF header followed by garbage → CORRUPT_FILE', async () => {
    const p = join(dir, 'header-only.tif');
    const b = Buffer.alloc(64, 0xab);
    b.write('II', 0, 'latin1');
    b.writeUInt16LE(42, 2);
    b.writeUInt32LE(16, 4);
    writeFileSync(p, b);
    const e = await failure(openAndReadAll(p));
    expect(e.code).toBe('CORRUPT_FILE');
    expect(e.message).toContain('header-only.tif');
  });

  it.each([
    ['scene.vrt', '<VRTDataset rasterXSize="10" rasterYSize="10">\n</VRTDataset>\n', /VRT/],
    ['scene.jp2', Buffer.from([0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a, 0, 0, 0, 0]), /JPEG 2000/],
    ['scene.ecw', Buffer.from([0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0]), /ECW/],
    ['scene.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]), /PNG/],
    ['scene.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]), /JPEG image/],
    ['scene.hdr', 'ENVI\ndescription = {x}\nsamples = 10\n', /ENVI/],
    ['scene.gpkg', 'SQLite format 3\0........', /GeoPackage/],
  ])('%s → UNSUPPORTED_FORMAT naming the format and the supported ones', async (name, content, what) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    const e = await failure(openRaster(p));
    expect(e.code).toBe('UNSUPPORTED_FORMAT');
    expect(e.message).toMatch(what);
    expect(e.message).toContain(name);
    expect(e.hint).toContain('GeoTIFF and Cloud-Optimized GeoTIFF (.tif/.tiff)');
    expect(e.hint).toContain('gdal_translate -of COG');
  });

  it('an EPSG code the database does not know → UNKNOWN_CRS', async () => {
    const p = join(dir, 'epsg-unknown.tif');
    const crs = { ...crsFromEpsg(32647), epsg: 30000 };
    const w = await createGeoTiffWriter(p, { width: 16, height: 16, geoTransform: [0, 1, 0, 0, 0, -1], crs }, { dataType: 'uint8', bandCount: 1 });
    await w.writeRows(0, [new Uint8Array(256)]);
    await w.close();
    const e = await failure(openRaster(p));
    expect(e.code).toBe('UNKNOWN_CRS');
    expect(e.message).toContain('epsg-unknown.tif');
    expect(e.message).toContain('EPSG:30000');
  });
});

describe.skipIf(!hasData || !hasGdal)('bad raster input made with GDAL', () => {
  let dir: string;
  let cleanup: () => void;
  let good: string;
  beforeAll(() => {
    ({ dir, cleanup } = tempDir('raster-errors-gdal'));
    good = join(dir, 'good.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '0', '0', '400', '300', '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE', '-co', 'BLOCKXSIZE=64', '-co', 'BLOCKYSIZE=64', dataPath('balakot/aw3d30_dem.tif'), good]);
  });
  afterAll(() => cleanup());

  it.each([0.02, 0.3, 0.6, 0.95])('a file truncated to %s of its size → CORRUPT_FILE (at open or at read)', async (frac) => {
    const p = join(dir, `trunc-${frac}.tif`);
    copyFileSync(good, p);
    truncateSync(p, Math.floor(statSync(good).size * frac));
    const e = await failure(openAndReadAll(p));
    expect(e.code).toBe('CORRUPT_FILE');
    expect(e.message).toContain(basename(p));
  });

  it('damaged tile data fails mid-read as CORRUPT_FILE, not a raw exception', async () => {
    const p = join(dir, 'damaged.tif');
    copyFileSync(good, p);
    const bytes = readFileSync(p);
    const src = await openRaster(p);
    await src.close();
    // Scribble over the middle of the file, where tile data lives (GDAL puts the IFD first).
    for (let i = Math.floor(bytes.length * 0.45); i < Math.floor(bytes.length * 0.55); i++) bytes[i] = (i * 31) & 0xff;
    writeFileSync(p, bytes);
    const s2 = await openRaster(p);
    const e = await failure(s2.readWindow({ x: 0, y: 0, width: 400, height: 300 }));
    await s2.close();
    expect(e.code).toBe('CORRUPT_FILE');
    expect(e.message).toContain('damaged.tif');
  });

  it.each([
    ['VRT', ['-of', 'VRT'], 'vrt', /VRT/],
    ['PNG', ['-of', 'PNG', '-ot', 'Byte', '-scale'], 'png', /PNG/],
    ['JPEG', ['-of', 'JPEG', '-ot', 'Byte', '-scale'], 'jpg', /JPEG image/],
    ['JPEG2000', ['-of', 'JP2OpenJPEG', '-ot', 'Byte', '-scale'], 'jp2', /JPEG 2000/],
    ['ENVI', ['-of', 'ENVI'], 'dat', /ENVI/],
  ])('%s written by GDAL → UNSUPPORTED_FORMAT', async (_n, args, ext, what) => {
    const p = join(dir, `as-${ext}.${ext}`);
    gdal('gdal_translate', ['-q', '-srcwin', '0', '0', '64', '64', ...(args as string[]), good, p]);
    const e = await failure(openRaster(p));
    expect(e.code).toBe('UNSUPPORTED_FORMAT');
    expect(e.message).toMatch(what as RegExp);
    expect(e.message).toContain(basename(p));
  });

  it('a TIFF without georeferencing → NO_GEOREFERENCING', async () => {
    const p = join(dir, 'plain.tif');
    // No .aux.xml either (GDAL would keep the georeferencing there, and read it back).
    gdal('gdal_translate', ['-q', '--config', 'GDAL_PAM_ENABLED', 'NO', '-srcwin', '0', '0', '64', '64', '-co', 'PROFILE=BASELINE', good, p]);
    expect(gdal('gdalinfo', [p])).not.toMatch(/Origin/);
    const e = await failure(openRaster(p));
    expect(e.code).toBe('NO_GEOREFERENCING');
    expect(e.message).toContain('plain.tif');
    expect(e.hint).toMatch(/a_srs|gdalwarp/);
  });

  it('a geotransform without a CRS → NO_GEOREFERENCING', async () => {
    const plain = join(dir, 'plain2.tif');
    const p = join(dir, 'nocrs.tif');
    gdal('gdal_translate', ['-q', '--config', 'GDAL_PAM_ENABLED', 'NO', '-srcwin', '0', '0', '64', '64', '-co', 'PROFILE=BASELINE', good, plain]);
    gdal('gdal_translate', ['-q', '--config', 'GDAL_PAM_ENABLED', 'NO', '-a_ullr', '0', '64', '64', '0', plain, p]);
    const e = await failure(openRaster(p));
    expect(e.code).toBe('NO_GEOREFERENCING');
    expect(e.message).toContain('nocrs.tif');
  });

  it('an unsupported user-defined projection → UNKNOWN_CRS', async () => {
    const p = join(dir, 'robin.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '0', '0', '64', '64', '-a_srs', '+proj=robin +lon_0=0 +datum=WGS84 +units=m', good, p]);
    const e = await failure(openRaster(p));
    expect(e.code).toBe('UNKNOWN_CRS');
    expect(e.message).toContain('robin.tif');
  });

  it('imagery and a DEM that do not overlap → NO_OVERLAP naming the DEM', async () => {
    const { coregister, terrainBand } = await import('../../src-main/core/raster');
    const dem = await openRaster(good);
    try {
      const far = { width: 10, height: 10, geoTransform: [100000, 10, 0, 1000000, 0, -10] as [number, number, number, number, number, number], crs: crsFromEpsg(32643) };
      expect(() => coregister(dem, 0, far)).toThrow(expect.objectContaining({ code: 'NO_OVERLAP' }));
      expect(() => terrainBand(dem, 'slope', far)).toThrow(/good\.tif/);
    } finally {
      await dem.close();
    }
  });
});
