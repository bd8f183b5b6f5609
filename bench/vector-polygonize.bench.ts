/**
 * Polygonize → GeoPackage against `gdal_polygonize.py -8 -f GPKG` (issue 2: ours ≤ 0.5 × GDAL) on two
 * generated N × N masks (N = 10,000 unless SCARP_BENCH_VECTOR_SIZE says otherwise):
 * - "jinsha": the Jinsha reference masks (landslide class of site A and B) tiled across the scene
 *   (synthetic blobs when ../shared/data is absent);
 * - "noise": a noisy probability map (smooth value noise + per-pixel noise) thresholded.
 * Both sides read the same raw uint8 file (ENVI: GDAL opens it through its .hdr, we read 512-row
 * bands with fs) and polygonize only the non-zero class (GDAL with `-mask` = the mask itself).
 * Ours: Polygonizer → map coordinates + attributes → landslides GeoPackage (R-tree, temp + rename).
 * Also reported: ours reading a GeoTIFF copy through raster/openRaster (geotiff.js decoding, float32
 * bands), which is slower than the polygonizing itself. Returns JSON figures.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRaster } from '../src-main/core/raster';
import { crsFromEpsg } from '../src-main/core/geo';
import { sharedDataDir } from '../src-main/core/paths';
import { Polygonizer, vectorizePolygon, type PixelPolygon } from '../src-main/core/vector';
import { LandslideGpkgWriter } from '../src-main/core/store/geopackage-writer';
import type { GeoTransform } from '../src-shared/geo';

const GT: GeoTransform = [500000, 0.5, 0, 3500000, 0, -0.5];

function hash(x: number, y: number, seed: number): number {
  let h = Math.imul(x, 374761393) + Math.imul(y, 668265263) + Math.imul(seed, 982451653);
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

interface MaskFiles {
  raw: string;
  hdr: string;
  tif: string;
}

/** Write an N × N uint8 mask (ENVI raw + header), rows produced by `row(y, out)`, and a GeoTIFF copy. */
function writeMask(dir: string, name: string, n: number, row: (y: number, out: Uint8Array) => void): MaskFiles {
  const raw = join(dir, `${name}.raw`);
  const fd = openSync(raw, 'w');
  const buf = new Uint8Array(n);
  for (let y = 0; y < n; y++) {
    buf.fill(0);
    row(y, buf);
    writeSync(fd, buf);
  }
  closeSync(fd);
  writeFileSync(
    join(dir, `${name}.hdr`),
    `ENVI\nsamples = ${n}\nlines = ${n}\nbands = 1\nheader offset = 0\nfile type = ENVI Standard\ndata type = 1\ninterleave = bsq\nbyte order = 0\n` +
      `map info = {UTM, 1, 1, ${GT[0]}, ${GT[3]}, ${GT[1]}, ${-GT[5]}, 47, North, WGS-84}\n`,
  );
  const tif = join(dir, `${name}.tif`);
  execFileSync('gdal_translate', ['-q', '-of', 'GTiff', '-a_srs', 'EPSG:32647', '-a_ullr', String(GT[0]), String(GT[3]), String(GT[0] + GT[1] * n), String(GT[3] + GT[5] * n), raw, tif]);
  return { raw, hdr: join(dir, `${name}.hdr`), tif };
}

function readJinshaTiles(dir: string): Array<{ w: number; h: number; data: Uint8Array }> {
  const data = sharedDataDir();
  const tiles: Array<{ w: number; h: number; data: Uint8Array }> = [];
  if (!data) return tiles;
  for (const site of ['siteA', 'siteB']) {
    const src = join(data, `jinsha-uav/${site}_mask.tif`);
    if (!existsSync(src)) continue;
    const out = join(dir, `${site}.bin`);
    execFileSync('gdal_translate', ['-q', '-of', 'ENVI', src, out]);
    const info = JSON.parse(execFileSync('gdalinfo', ['-json', out], { encoding: 'utf8' })) as { size: [number, number] };
    const raw = new Uint8Array(readFileSync(out));
    for (let i = 0; i < raw.length; i++) raw[i] = raw[i] === 1 ? 1 : 0;
    tiles.push({ w: info.size[0], h: info.size[1], data: raw });
  }
  return tiles;
}

function jinshaMask(dir: string, n: number): MaskFiles {
  const tiles = readJinshaTiles(dir);
  if (tiles.length === 0) {
    // Synthetic landslide-like blobs: thresholded low-frequency value noise.
    return writeMask(dir, 'jinsha', n, (y, out) => {
      for (let x = 0; x < n; x++) {
        const gx = x / 180;
        const gy = y / 180;
        const ix = Math.floor(gx);
        const iy = Math.floor(gy);
        const fx = gx - ix;
        const fy = gy - iy;
        const v = (1 - fy) * ((1 - fx) * hash(ix, iy, 1) + fx * hash(ix + 1, iy, 1)) + fy * ((1 - fx) * hash(ix, iy + 1, 1) + fx * hash(ix + 1, iy + 1, 1));
        out[x] = v > 0.72 ? 1 : 0;
      }
    });
  }
  // Tiles of site A and B alternating in a checkerboard, cropped at the scene edge.
  const tw = Math.max(...tiles.map((t) => t.w));
  const th = Math.max(...tiles.map((t) => t.h));
  return writeMask(dir, 'jinsha', n, (y, out) => {
    const ty = Math.floor(y / th);
    const yy = y - ty * th;
    for (let tx = 0; tx * tw < n; tx++) {
      const t = tiles[(tx + ty) % tiles.length]!;
      if (yy >= t.h) continue;
      const x0 = tx * tw;
      const len = Math.min(t.w, n - x0);
      out.set(t.data.subarray(yy * t.w, yy * t.w + len), x0);
    }
  });
}

function noiseMask(dir: string, n: number): MaskFiles {
  // Value noise on an 8-px lattice plus per-pixel noise: blobs with ragged, pinch-rich edges.
  return writeMask(dir, 'noise', n, (y, out) => {
    const gy = y / 8;
    const iy = Math.floor(gy);
    const fy = gy - iy;
    for (let x = 0; x < n; x++) {
      const gx = x / 8;
      const ix = Math.floor(gx);
      const fx = gx - ix;
      const v = (1 - fy) * ((1 - fx) * hash(ix, iy, 7) + fx * hash(ix + 1, iy, 7)) + fy * ((1 - fx) * hash(ix, iy + 1, 7) + fx * hash(ix + 1, iy + 1, 7));
      out[x] = 0.75 * v + 0.25 * hash(x, y, 11) > 0.62 ? 1 : 0;
    }
  });
}

type RowSource = (y: number, rows: number) => Promise<Uint8Array | Float32Array>;

async function oursWith(width: number, height: number, geoTransform: GeoTransform, read: RowSource, out: string): Promise<{ seconds: number; features: number; peakRssMB: number }> {
  const t0 = performance.now();
  let peak = process.memoryUsage().rss;
  const crs = crsFromEpsg(32647);
  const grid = { geoTransform, crs };
  const w = LandslideGpkgWriter.create(out, { crs, overwrite: true });
  const handle = (q: PixelPolygon): void => {
    const v = vectorizePolygon(q, { grid });
    if (v) w.add({ geometry: v.geometry, properties: v.attributes });
  };
  const p = new Polygonizer({ width, height });
  const band = 512;
  for (let y = 0; y < height; y += band) {
    const rows = Math.min(band, height - y);
    for (const q of p.push(y, await read(y, rows))) handle(q);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  for (const q of p.finish()) handle(q);
  const res = w.commit();
  return { seconds: (performance.now() - t0) / 1000, features: res.count, peakRssMB: Math.round(peak / 1e6) };
}

async function oursRaw(raw: string, n: number, out: string): Promise<{ seconds: number; features: number; peakRssMB: number }> {
  const fd = openSync(raw, 'r');
  const buf = new Uint8Array(n * 512);
  try {
    return await oursWith(n, n, GT, async (y, rows) => {
      const b = buf.subarray(0, n * rows);
      readSync(fd, b, 0, b.length, y * n);
      return b;
    }, out);
  } finally {
    closeSync(fd);
  }
}

async function oursTif(tif: string, out: string): Promise<{ seconds: number; features: number; peakRssMB: number }> {
  const t0 = performance.now();
  const src = await openRaster(tif);
  try {
    const { width, height, geoTransform } = src.info;
    const r = await oursWith(width, height, geoTransform, async (y, rows) => (await src.readWindow({ x: 0, y, width, height: rows }, [0]))[0] as Float32Array, out);
    return { ...r, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await src.close();
  }
}

function gdalRun(tif: string, out: string): { seconds: number; features: number } {
  rmSync(out, { force: true });
  const t0 = performance.now();
  const r = spawnSync('gdal_polygonize.py', ['-q', '-8', '-mask', tif, tif, '-f', 'GPKG', out, 'landslides', 'DN'], { encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`gdal_polygonize.py failed: ${r.stderr}`);
  const info = execFileSync('ogrinfo', ['-so', out, 'landslides'], { encoding: 'utf8' });
  const features = Number(/Feature Count: (\d+)/.exec(info)?.[1] ?? NaN);
  return { seconds, features };
}

export async function benchVectorPolygonize(size = Number(process.env.SCARP_BENCH_VECTOR_SIZE ?? 10000)): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'scarp-bench-vector-'));
  try {
    const result: Record<string, unknown> = { size, target: 'ours / gdal ≤ 0.5' };
    for (const [name, make] of [
      ['jinsha', jinshaMask],
      ['noise', noiseMask],
    ] as const) {
      const f = make(dir, size);
      const o = await oursRaw(f.raw, size, join(dir, `${name}-ours.gpkg`));
      const g = gdalRun(f.raw, join(dir, `${name}-gdal.gpkg`));
      const t = await oursTif(f.tif, join(dir, `${name}-ours-tif.gpkg`));
      result[name] = {
        oursSeconds: +o.seconds.toFixed(3),
        gdalSeconds: +g.seconds.toFixed(3),
        ratio: +(o.seconds / g.seconds).toFixed(3),
        featuresOurs: o.features,
        featuresGdal: g.features,
        peakRssMB: o.peakRssMB,
        oursViaOpenRasterSeconds: +t.seconds.toFixed(3),
        ratioViaOpenRaster: +(t.seconds / g.seconds).toFixed(3),
      };
      for (const p of [`${name}-ours.gpkg`, `${name}-gdal.gpkg`, `${name}-ours-tif.gpkg`]) rmSync(join(dir, p), { force: true });
      for (const p of [f.raw, f.hdr, f.tif]) rmSync(p, { force: true });
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const run = (): Promise<Record<string, unknown>> => benchVectorPolygonize();
