/**
 * Raster core throughput (JSON figures): windowed reads, Horn slope, coregistration (mesh vs exact per-pixel
 * transforms), streaming GeoTIFF writing. Uses ../shared/data; reports `skipped` without it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot, sharedDataDir } from '../src-main/core/paths';
import {
  coregister,
  createGeoTiffWriter,
  crsFromEpsg,
  hornDerivative,
  openRaster,
  terrainBand,
  tileWindows,
} from '../src-main/core/raster';
import { createPixelMapper } from '../src-main/core/raster/pixel-map';
import type { Grid } from '../src-shared/geo';

const mpix = (pixels: number, ms: number): number => Math.round((pixels / 1e6 / (ms / 1000)) * 10) / 10;

async function readAll(path: string, win: number): Promise<{ mpixPerS: number; ms: number; width: number; height: number; bands: number }> {
  const src = await openRaster(path);
  const t0 = performance.now();
  for (const w of tileWindows(src.info, win)) await src.readWindow(w);
  const ms = performance.now() - t0;
  const { width, height, bandCount } = src.info;
  await src.close();
  return { mpixPerS: mpix(width * height, ms), ms: Math.round(ms), width, height, bands: bandCount };
}

export async function run(): Promise<Record<string, unknown>> {
  const data = sharedDataDir();
  if (!data) return { skipped: 'no ../shared/data' };
  const tmp = resolve(repoRoot, 'bench/.tmp');
  mkdirSync(tmp, { recursive: true });
  const out: Record<string, unknown> = {};

  out.readRgbUint8Deflate512 = await readAll(join(data, 'jinsha-uav/siteB_rgb.tif'), 512);
  // Validity beyond nodata (raster/validity.ts): the same scene as RGBA (alpha from its nodata) and with
  // no nodata tag (all-zero pixels read as no data), uncompressed like the tagged copy; time ratios to it.
  if (spawnSync('gdal_translate', ['--version']).status === 0) {
    const src = join(data, 'jinsha-uav/siteB_rgb.tif');
    const copies = { tagged: ['-co', 'TILED=YES'], rgba: ['-b', '1', '-b', '2', '-b', '3', '-b', 'mask', '-co', 'ALPHA=YES', '-a_nodata', 'none', '-co', 'TILED=YES'], untagged: ['-a_nodata', 'none', '-co', 'TILED=YES'] };
    const ms: Record<string, number> = {};
    for (const [name, args] of Object.entries(copies)) {
      const f = join(tmp, `validity-${name}.tif`);
      spawnSync('gdal_translate', ['-q', ...args, src, f]);
      ms[name] = Math.min((await readAll(f, 512)).ms, (await readAll(f, 512)).ms);
      rmSync(f, { force: true });
    }
    out.readValidity = { taggedMs: ms.tagged, alphaOverTagged: Math.round((ms.rgba! / ms.tagged!) * 100) / 100, allZeroOverTagged: Math.round((ms.untagged! / ms.tagged!) * 100) / 100 };
  }
  out.readDsmFloat32Deflate512 = await readAll(join(data, 'jinsha-uav/siteB_dsm.tif'), 512);

  // Horn slope kernel on the whole Balakot DEM, and terrainBand by 256-px windows (halo reads included).
  const dem = await openRaster(join(data, 'balakot/aw3d30_dem.tif'));
  const { width, height, geoTransform } = dem.info;
  const [z] = await dem.readWindow({ x: 0, y: 0, width, height });
  let t0 = performance.now();
  hornDerivative('slope', z as Float32Array, width, height, { ewres: geoTransform[1], nsres: geoTransform[5] });
  out.slopeKernelMpixPerS = mpix(width * height, performance.now() - t0);
  const grid: Grid = { width, height, geoTransform, crs: dem.info.crs };
  const tb = terrainBand(dem, 'slope', grid);
  t0 = performance.now();
  for (const w of tileWindows(grid, 256)) await tb.readWindow(w);
  out.terrainBandSlopeMpixPerS = mpix(width * height, performance.now() - t0);
  await dem.close();

  // Coregistration: Iburi DSM (EPSG:4326, 30 m) onto a 10 m UTM grid, by 512-px windows.
  const ib = await openRaster(join(data, 'iburi-2018/dsm_30m.tif'));
  const target: Grid = { width: 1100, height: 950, geoTransform: [573000, 10, 0, 4735500, 0, -10], crs: crsFromEpsg(32654) };
  const co = coregister(ib, 0, target);
  t0 = performance.now();
  for (const w of tileWindows(target, 512)) await co.readWindow(w);
  out.coregister4326toUtmMpixPerS = mpix(target.width * target.height, performance.now() - t0);
  const mapper = createPixelMapper(target, ib.info);
  const win = { x: 0, y: 0, width: 512, height: 512 };
  t0 = performance.now();
  const mesh = mapper.map(win);
  const meshMs = performance.now() - t0;
  t0 = performance.now();
  mapper.map(win, { meshStep: 1 });
  const exactMs = performance.now() - t0;
  out.pixelMap512 = { meshMs: Math.round(meshMs * 10) / 10, meshStep: mesh.meshStep, exactPerPixelMs: Math.round(exactMs), speedup: Math.round(exactMs / meshMs) };
  await ib.close();

  // Streaming writer: 4096 × 4096 float32, DEFLATE, rows of 64.
  const path = join(tmp, 'writer-bench.tif');
  const g: Grid = { width: 4096, height: 4096, geoTransform: [470000, 0.5, 0, 3444000, 0, -0.5], crs: crsFromEpsg(32647) };
  const w = await createGeoTiffWriter(path, g, { dataType: 'float32', bandCount: 1, nodata: -9999, compression: 'deflate', blockSize: 256, overwrite: true });
  const rows = new Float32Array(g.width * 64);
  for (let i = 0; i < rows.length; i++) rows[i] = Math.sin(i * 0.001) * 100;
  t0 = performance.now();
  for (let y = 0; y < g.height; y += 64) await w.writeRows(y, [rows]);
  await w.close();
  out.writerFloat32DeflateMpixPerS = mpix(g.width * g.height, performance.now() - t0);
  rmSync(path, { force: true });
  out.rssMB = Math.round(process.memoryUsage().rss / 1e6);
  return out;
}
