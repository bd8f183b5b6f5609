/** Test helpers for the vector/eval tests: raster crops through GDAL, GDAL polygonize reference. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GeoTransform } from '../../../src-shared/geo';
import { gdal, gdalinfoJson } from '../../helpers/gdal';

export interface RawCrop {
  width: number;
  height: number;
  geoTransform: GeoTransform;
  data: Uint8Array | Float32Array;
}

/** Crop a raster band with gdal_translate to raw ENVI and read it (uint8 or float32 as given). */
export function readCrop(src: string, dir: string, win: [number, number, number, number], type: 'Byte' | 'Float32' = 'Byte', name = 'crop'): RawCrop {
  const out = join(dir, `${name}.bin`);
  gdal('gdal_translate', ['-q', '-of', 'ENVI', '-ot', type, '-b', '1', '-srcwin', ...win.map(String), src, out]);
  const info = gdalinfoJson(out) as { size: [number, number]; geoTransform: GeoTransform };
  const buf = readFileSync(out);
  const data = type === 'Byte' ? new Uint8Array(buf) : new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice();
  return { width: info.size[0], height: info.size[1], geoTransform: info.geoTransform, data };
}

/** Write a uint8 mask as a GeoTIFF (through ENVI + gdal_translate) so GDAL tools can read it. */
export function writeMaskTif(dir: string, name: string, data: Uint8Array, width: number, height: number, gt: GeoTransform, epsg: number): string {
  const bin = join(dir, `${name}.raw`);
  writeFileSync(bin, data);
  writeFileSync(
    join(dir, `${name}.hdr`),
    `ENVI\nsamples = ${width}\nlines = ${height}\nbands = 1\nheader offset = 0\nfile type = ENVI Standard\ndata type = 1\ninterleave = bsq\nbyte order = 0\n`,
  );
  const tif = join(dir, `${name}.tif`);
  gdal('gdal_translate', ['-q', '-of', 'GTiff', '-a_srs', `EPSG:${epsg}`, '-a_ullr', String(gt[0]), String(gt[3]), String(gt[0] + gt[1] * width), String(gt[3] + gt[5] * height), bin, tif]);
  return tif;
}
