/** GDAL as the reference in raster tests: decode with gdal_translate to raw ENVI and read it as typed arrays. */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gdal } from '../../helpers/gdal';

export interface RefRaster {
  width: number;
  height: number;
  bands: Float32Array[];
}

let counter = 0;

/** Pixels of `path` as GDAL decodes them (as Float32, band-sequential), optionally a -srcwin window. */
export function gdalPixels(path: string, dir: string, srcwin?: [number, number, number, number], extra: string[] = []): RefRaster {
  const out = join(dir, `ref-${process.pid}-${counter++}.raw`);
  gdal('gdal_translate', ['-q', '-of', 'ENVI', '-co', 'INTERLEAVE=BSQ', '-ot', 'Float32', ...(srcwin ? ['-srcwin', ...srcwin.map(String)] : []), ...extra, path, out]);
  const info = JSON.parse(gdal('gdalinfo', ['-json', out])) as { size: [number, number]; bands: unknown[] };
  const buf = readFileSync(out);
  rmSync(out, { force: true });
  rmSync(out.replace(/\.raw$/, '.hdr'), { force: true });
  rmSync(`${out}.aux.xml`, { force: true });
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const [width, height] = info.size;
  const n = width * height;
  return { width, height, bands: info.bands.map((_, b) => all.subarray(b * n, (b + 1) * n)) };
}

/** Read a raw float32 / uint8 file GDAL wrote (-of ENVI). */
export function readRaw(path: string, type: 'float32' | 'uint8'): Float32Array {
  const buf = readFileSync(path);
  if (type === 'uint8') return Float32Array.from(buf);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Compare our band (NaN = nodata) with GDAL's raw values (nodata as its value): max |diff| and nodata mismatches. */
export function compareBands(ours: Float32Array, ref: Float32Array, nodata: number | null): { maxDiff: number; nodataMismatch: number; valid: number } {
  let maxDiff = 0;
  let nodataMismatch = 0;
  let valid = 0;
  const nd = nodata === null ? null : Math.fround(nodata);
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i] as number;
    const v = ours[i] as number;
    const refNodata = nd !== null && (r === nd || (Number.isNaN(nd) && Number.isNaN(r)));
    if (refNodata !== Number.isNaN(v)) {
      nodataMismatch++;
      continue;
    }
    if (refNodata) continue;
    valid++;
    const d = Math.abs(v - r);
    if (!(d <= maxDiff)) maxDiff = d;
  }
  return { maxDiff, nodataMismatch, valid };
}
