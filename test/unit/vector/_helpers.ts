/** Test helpers for the vector/eval tests: raster crops through GDAL, GDAL polygonize reference. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GeoTransform } from '../../../src-shared/geo';
import { gdal, gdalinfoJson } from '../../helpers/gdal';
import type { SeparatedPolygon, SeparatingPolygonizer } from '../../../src-main/core/vector';

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

/**
 * Uniform noise (a seeded LCG) box-blurred `passes` times with a (2·radius + 1)² box: a smooth
 * "probability map" with many pinches and peaks, for the polygonize and separation tests.
 */
export function smoothNoise(w: number, h: number, seed: number, radius = 1, passes = 2): Float32Array {
  let s = seed;
  const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  let a = new Float32Array(w * h).map(() => rnd());
  for (let pass = 0; pass < passes; pass++) {
    const b = new Float32Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let t = 0;
        let n = 0;
        for (let dy = -radius; dy <= radius; dy++)
          for (let dx = -radius; dx <= radius; dx++) {
            const xx = x + dx;
            const yy = y + dy;
            if (xx >= 0 && yy >= 0 && xx < w && yy < h) {
              t += a[yy * w + xx]!;
              n++;
            }
          }
        b[y * w + x] = t / n;
      }
    a = b;
  }
  return a;
}

/** Feed a whole field to a SeparatingPolygonizer in bands of `band` rows, as a detection streams it; its polygons. */
export function polygonizeInBands(pz: SeparatingPolygonizer, mask: Uint8Array, probability: Float32Array, width: number, height: number, band: number): SeparatedPolygon[] {
  const out: SeparatedPolygon[] = [];
  for (let y = 0; y < height; y += band) {
    const n = Math.min(band, height - y);
    out.push(...pz.push(y, mask.subarray(y * width, (y + n) * width), { probability: probability.subarray(y * width, (y + n) * width) }));
  }
  out.push(...pz.finish());
  return out;
}
