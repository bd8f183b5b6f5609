/**
 * Map tile rendering (core/tiles): per-tile latency of a cache miss (reproject + read + colour +
 * PNG) for the imagery, hillshade and slope of the full Jinsha site B scene (3221 × 2817, UTM 47N,
 * no overviews in the file: the in-memory overview serves the coarse zooms), zoom 14–20, and of a
 * cache hit. Aim: p95 ≤ 30 ms.
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { TileService } from '../src-main/core/tiles';
import { jinshaDir } from './lib/scenes';
import { isMain, round3 } from './lib/timing';

function lonLatToTile(lon: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return [Math.floor(((lon + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)];
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round((p / 100) * (s.length - 1))))] ?? NaN;
};

export async function run(): Promise<Record<string, unknown>> {
  const dir = jinshaDir();
  if (!dir) return { skipped: 'no ../shared/data/jinsha-uav' };
  const out: Record<string, unknown> = {};
  const all: number[] = [];
  for (const [kind, file] of [
    ['imagery', 'siteB_rgb.tif'],
    ['hillshade', 'siteB_dsm.tif'],
    ['slope', 'siteB_dsm.tif'],
  ] as const) {
    const ts = new TileService();
    const t0 = performance.now();
    const info = await ts.openLayer({ path: join(dir, file), kind });
    const openMs = performance.now() - t0;
    const b = info.boundsWgs84;
    const perZoom: Record<string, unknown> = {};
    const times: number[] = [];
    for (let z = 14; z <= 20; z++) {
      const [x0, y0] = lonLatToTile(b.minX, b.maxY, z);
      const [x1, y1] = lonLatToTile(b.maxX, b.minY, z);
      const tiles: Array<[number, number]> = [];
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) tiles.push([x, y]);
      // At most 48 tiles per zoom, spread over the scene.
      const step = Math.max(1, Math.floor(tiles.length / 48));
      const zt: number[] = [];
      for (let i = 0; i < tiles.length; i += step) {
        const [x, y] = tiles[i]!;
        const a = performance.now();
        await ts.tile(info.id, z, x, y);
        zt.push(performance.now() - a);
      }
      times.push(...zt);
      perZoom[`z${z}`] = { tiles: zt.length, p50Ms: round3(pct(zt, 50)), p95Ms: round3(pct(zt, 95)), maxMs: round3(Math.max(...zt)) };
    }
    // Cache hits: the same tiles again.
    const [hx, hy] = lonLatToTile((b.minX + b.maxX) / 2, (b.minY + b.maxY) / 2, 18);
    const h0 = performance.now();
    for (let i = 0; i < 200; i++) await ts.tile(info.id, 18, hx, hy);
    const hitMs = (performance.now() - h0) / 200;
    all.push(...times);
    out[kind] = { openMs: round3(openMs), tiles: times.length, p50Ms: round3(pct(times, 50)), p95Ms: round3(pct(times, 95)), maxMs: round3(Math.max(...times)), cacheHitMs: round3(hitMs), perZoom };
    await ts.close();
  }
  out.all = { tiles: all.length, p50Ms: round3(pct(all, 50)), p95Ms: round3(pct(all, 95)), aimP95Ms: 30 };
  return out;
}

if (isMain(import.meta.url)) console.log(JSON.stringify(await run(), null, 2));
