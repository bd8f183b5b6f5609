/** The streaming GeoTIFF writer, validated by GDAL (gdalinfo -json, gdal_translate round trip) and openRaster. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/data';
import { gdalinfoJson, hasGdal } from '../helpers/gdal';
import { createGeoTiffWriter, crsFromEpsg, crsFromProj4, openRaster } from '../../src-main/core/raster';
import type { Grid } from '../../src-shared/geo';
import { gdalPixels } from '../unit/raster/gdal-ref';

const value = (x: number, y: number, b: number): number => Math.sin(x * 0.05 + b) * 100 + y * 0.25 + b * 1000;

async function writeFile(path: string, g: Grid, opts: Parameters<typeof createGeoTiffWriter>[2], rowsPerCall = 13): Promise<void> {
  const w = await createGeoTiffWriter(path, g, opts);
  for (let y = 0; y < g.height; y += rowsPerCall) {
    const n = Math.min(rowsPerCall, g.height - y);
    const bands = Array.from({ length: opts.bandCount }, (_, b) => {
      const a = new Float32Array(g.width * n);
      for (let j = 0; j < n; j++) for (let x = 0; x < g.width; x++) a[j * g.width + x] = (x + y + j) % 37 === 0 ? NaN : opts.dataType === 'uint8' ? (x + 2 * (y + j) + b) % 250 : value(x, y + j, b);
      return a;
    });
    await w.writeRows(y, bands);
  }
  expect(existsSync(`${path}.partial`)).toBe(true);
  await w.close();
  expect(existsSync(`${path}.partial`)).toBe(false);
}

describe.skipIf(!hasGdal)('createGeoTiffWriter', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = tempDir('raster-writer')));
  afterAll(() => cleanup());

  const utm: Grid = { width: 333, height: 150, geoTransform: [470123.5, 0.5, 0, 3444987.25, 0, -0.5], crs: crsFromEpsg(32647) };
  const geo: Grid = { width: 120, height: 90, geoTransform: [141.89, 0.0001, 0, 42.77, 0, -0.0001], crs: crsFromEpsg(4326) };

  it.each([
    ['float32 DEFLATE tiled, nodata -9999, EPSG:32647', utm, { dataType: 'float32', bandCount: 2, nodata: -9999, compression: 'deflate', blockSize: 128 }],
    ['float32 uncompressed, NaN nodata, EPSG:4326', geo, { dataType: 'float32', bandCount: 1, nodata: NaN, compression: 'none', blockSize: 64 }],
    ['uint8 RGB DEFLATE, nodata 255', utm, { dataType: 'uint8', bandCount: 3, nodata: 255, compression: 'deflate', blockSize: 256 }],
    ['float32 BigTIFF (forced)', geo, { dataType: 'float32', bandCount: 1, nodata: -1, compression: 'deflate', blockSize: 32, bigTiff: true }],
  ] as const)('%s: gdalinfo and a gdal_translate round trip agree', async (_name, g, opts) => {
    const path = join(dir, `${_name.replace(/\W+/g, '_')}.tif`);
    await writeFile(path, g, { ...opts });
    const info = gdalinfoJson(path) as {
      size: number[];
      geoTransform: number[];
      stac: Record<string, unknown>;
      bands: Array<{ type: string; noDataValue?: number | string; block: number[] }>;
      metadata: Record<string, Record<string, string>>;
    };
    expect(info.size).toEqual([g.width, g.height]);
    info.geoTransform.forEach((v, k) => expect(v).toBeCloseTo(g.geoTransform[k] as number, 12));
    expect(info.stac['proj:epsg']).toBe(g.crs.epsg);
    expect(info.bands).toHaveLength(opts.bandCount);
    expect(info.bands[0]?.type).toBe(opts.dataType === 'uint8' ? 'Byte' : 'Float32');
    expect(info.bands[0]?.block).toEqual([opts.blockSize, opts.blockSize]);
    const nd = info.bands[0]?.noDataValue;
    if (Number.isNaN(opts.nodata)) expect(nd).toBe('NaN');
    else expect(nd).toBe(opts.nodata);
    expect(info.metadata['IMAGE_STRUCTURE']?.['COMPRESSION']).toBe(opts.compression === 'deflate' ? 'DEFLATE' : undefined);

    const ref = gdalPixels(path, dir);
    const ours = await openRaster(path);
    expect(ours.info.bigTiff).toBe('bigTiff' in opts ? opts.bigTiff : false);
    expect(ours.info.crs.epsg).toBe(g.crs.epsg);
    expect(ours.info.geoTransform).toEqual(g.geoTransform);
    const back = await ours.readWindow({ x: 0, y: 0, width: g.width, height: g.height });
    await ours.close();
    for (let b = 0; b < opts.bandCount; b++) {
      const r = ref.bands[b] as Float32Array;
      const o = back[b] as Float32Array;
      for (let y = 0; y < g.height; y += 7) {
        for (let x = 0; x < g.width; x += 5) {
          const i = y * g.width + x;
          const isNd = (x + y) % 37 === 0;
          const want = isNd ? opts.nodata : opts.dataType === 'uint8' ? (x + 2 * y + b) % 250 : Math.fround(value(x, y, b));
          if (Number.isNaN(want)) expect(r[i]).toBeNaN();
          else expect(r[i]).toBe(want);
          if (isNd) expect(o[i]).toBeNaN();
          else expect(o[i]).toBe(want);
        }
      }
    }
  });

  it('a user-defined CRS (no EPSG code) is written as GeoKeys GDAL reads back identically', async () => {
    const crs = crsFromProj4('+proj=tmerc +lat_0=0 +lon_0=100.5 +k=0.9996 +x_0=500000 +y_0=0 +datum=WGS84 +units=m +no_defs', 'custom TM', 'PROJCS["custom TM"]');
    const g: Grid = { ...utm, crs };
    const path = join(dir, 'user-crs.tif');
    await writeFile(path, g, { dataType: 'float32', bandCount: 1, compression: 'deflate' });
    const { gdal } = await import('../helpers/gdal');
    const theirs = gdal('gdalsrsinfo', ['-o', 'proj4', path]).trim();
    expect(theirs).toContain('+proj=tmerc');
    expect(theirs).toContain('+lon_0=100.5');
    expect(theirs).toContain('+k=0.9996');
    const back = await openRaster(path);
    expect(back.info.crs.proj4).toContain('+lon_0=100.5');
    await back.close();
  });

  it('abort removes the partial file; close before the last row fails and leaves nothing; rows must come in order', async () => {
    const path = join(dir, 'aborted.tif');
    const w = await createGeoTiffWriter(path, utm, { dataType: 'float32', bandCount: 1 });
    await w.writeRows(0, [new Float32Array(utm.width * 10)]);
    await expect(w.writeRows(20, [new Float32Array(utm.width)])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await w.abort();
    expect(existsSync(`${path}.partial`)).toBe(false);
    expect(existsSync(path)).toBe(false);
    const w2 = await createGeoTiffWriter(path, utm, { dataType: 'float32', bandCount: 1 });
    await w2.writeRows(0, [new Float32Array(utm.width * 10)]);
    await expect(w2.close()).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(existsSync(`${path}.partial`)).toBe(false);
    expect(existsSync(path)).toBe(false);
  });

  it('refuses to replace an existing file unless overwrite is set; unwritable folders are FILE_UNWRITABLE', async () => {
    const path = join(dir, 'exists.tif');
    await writeFile(path, geo, { dataType: 'uint8', bandCount: 1 });
    await expect(createGeoTiffWriter(path, geo, { dataType: 'uint8', bandCount: 1 })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS', file: path });
    await writeFile(path, geo, { dataType: 'uint8', bandCount: 1, overwrite: true });
    await expect(createGeoTiffWriter(join(dir, 'no/such/folder/x.tif'), geo, { dataType: 'uint8', bandCount: 1 })).rejects.toMatchObject({ code: 'FILE_UNWRITABLE' });
  });
});
