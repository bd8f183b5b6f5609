/**
 * Interactive edit latency through the browser-mode server (issue 11): brush stroke, vertex move,
 * polygon merge, review decision and undo, each timed from the HTTP request to the changed
 * features being ready for the map (the response parsed; when an edit's result carries no changed
 * features, what the renderer then has to do as well: re-read the project info and the inventory
 * layer). At 100 and at 10,000 landslides in the project; the aim is that the cost follows the
 * change, not the inventory.
 *
 * Synthetic scene (UTM 45N, 0.5 m, 2400 × 2400 px) with pixel-aligned square landslides; the
 * server runs in this process (as `npm run serve` builds it), calls go over HTTP with the token.
 * Prints {"sizes": {"100": {"brush": {"p95Ms", "medianMs", "cpuP95Ms", "bytesPerEdit", "callsPerEdit"}, ...},
 * "10000": {...}}}. cpuP95Ms is the CPU time (client and server, one process) per edit: on a loaded
 * machine the wall-clock figures mostly measure waiting (fsync of each commit, other processes).
 * checkpointMeanMs: the part of each edit spent copying the commit from the WAL into the main file
 * (the PASSIVE checkpoint that keeps a copied .gpkg complete), wall time, mean per edit.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot } from '../src-main/core/paths';
import { createGeoTiffWriter, crsFromEpsg } from '../src-main/core/raster';
import { createTransformer, WGS84 } from '../src-main/core/geo';
import { ScarpService } from '../src-main/core/service/scarp-service';
import { startScarpServer } from '../src-main/server/server';
import { isMain } from './lib/timing';

const SIZE = 2400;
const GSD = 0.5;
const X0 = 500_000;
const Y0 = 3_300_000;
const CRS = crsFromEpsg(32645);
const BOX = 12;
const STRIDE = 24;

type Json = Record<string, unknown>;

interface Client {
  call<T = Json>(method: string, req?: unknown): Promise<T>;
  bytes: number;
  calls: number;
}

function client(url: string, token: string): Client {
  const c: Client = {
    bytes: 0,
    calls: 0,
    async call<T>(method: string, req?: unknown): Promise<T> {
      const res = await fetch(`${url}/api/rpc/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, Origin: url },
        body: JSON.stringify({ args: req === undefined ? [] : [req] }),
      });
      const text = await res.text();
      c.bytes += text.length;
      c.calls++;
      const body = JSON.parse(text) as { ok: boolean; result?: T; error?: { message: string } };
      if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
      return body.result as T;
    },
  };
  return c;
}

const at = (px: number, py: number): [number, number] => [X0 + px * GSD, Y0 - py * GSD];
const toLL = createTransformer(CRS, WGS84);
const ll = (px: number, py: number): [number, number] => toLL.forward(...at(px, py));

/** Box k of the grid (pixel coordinates of its top-left corner). */
function boxAt(k: number, across: number): { x: number; y: number } {
  return { x: 8 + (k % across) * STRIDE, y: 8 + Math.floor(k / across) * STRIDE };
}

function ring(x: number, y: number, w: number, h: number): number[][] {
  return [at(x, y), at(x + w, y), at(x + w, y + h), at(x, y + h), at(x, y)];
}

async function makeScene(dir: string): Promise<string> {
  const tif = join(dir, 'scene.tif');
  if (existsSync(tif)) return tif;
  const w = await createGeoTiffWriter(tif, { width: SIZE, height: SIZE, geoTransform: [X0, GSD, 0, Y0, 0, -GSD], crs: CRS }, { dataType: 'uint8', bandCount: 3 });
  const rows = 256;
  for (let y = 0; y < SIZE; y += rows) {
    const h = Math.min(rows, SIZE - y);
    const band = new Float32Array(SIZE * h).fill(90);
    await w.writeRows(y, [band, band, band]);
  }
  await w.close();
  return tif;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! * 10) / 10;
};

async function measure(n: number, dir: string, tif: string, samples: number): Promise<Json> {
  const path = join(dir, `edit-${n}.gpkg`);
  for (const f of [path, `${path}-wal`, `${path}-shm`, `${path}.lock`]) rmSync(f, { force: true });
  const across = Math.ceil(Math.sqrt(n));
  const svc = new ScarpService();
  await svc.createProject({ path, author: 'bench' });
  const scene = await svc.addScene({ path: tif });
  // Seed through the public API in one import-sized edit per 1,000 (a GeoJSON file in the project CRS).
  const gj = join(dir, `seed-${n}.geojson`);
  writeFileSync(
    gj,
    JSON.stringify({
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32645' } },
      features: Array.from({ length: n }, (_, k) => {
        const b = boxAt(k, across);
        return { type: 'Feature', properties: { status: 'predicted' }, geometry: { type: 'Polygon', coordinates: [ring(b.x, b.y, BOX, BOX)] } };
      }),
    }),
  );
  await svc.importInventory({ project: path, file: gj });
  const server = await startScarpServer({ service: svc, port: 0, allowDirs: [dir], noHome: true });
  const api = client(server.url, server.token);
  const out: Record<string, Json> = {};
  try {
    const page = await api.call<{ features: Array<{ fid: number; properties: { scene: string | null } }> }>('listFeatures', { limit: 10_000 });
    const fids = page.features.map((f) => f.fid).sort((a, b) => a - b);
    // Features are keyed by grid index: fid order = import order.
    const fidOf = (k: number): number => fids[k]!;
    // The renderer's work after an edit whose result has no changed features: re-read everything.
    const ready = async (r: Json): Promise<void> => {
      if ('changes' in r) return;
      await api.call('projectInfo');
      await api.call('readVectorLayer', { path, layer: 'landslides' });
    };
    const time = async (name: string, f: (i: number) => Promise<Json>): Promise<void> => {
      const ms: number[] = [];
      const cpu: number[] = [];
      let bytes = 0;
      let calls = 0;
      const cp0 = svc.projects.current().checkpointStats;
      for (let i = 0; i < samples; i++) {
        const b0 = api.bytes;
        const c0 = api.calls;
        const t0 = performance.now();
        const u0 = process.cpuUsage();
        await ready(await f(i));
        ms.push(performance.now() - t0);
        const u = process.cpuUsage(u0);
        cpu.push((u.user + u.system) / 1000);
        bytes += api.bytes - b0;
        calls += api.calls - c0;
      }
      const cp = svc.projects.current().checkpointStats;
      out[name] = {
        p95Ms: pct(ms, 95),
        medianMs: pct(ms, 50),
        cpuP95Ms: pct(cpu, 95),
        checkpointMeanMs: Math.round(((cp.ms - cp0.ms) / samples) * 10) / 10,
        bytesPerEdit: Math.round(bytes / samples),
        callsPerEdit: calls / samples,
      };
    };
    // Each sample works on its own block of five landslides: brush +0, vertex +1, merge +2/+3, review +4.
    const blocks = Math.floor(n / 5);
    const block = (i: number): number => ((i * 37) % blocks) * 5;
    const pick = (i: number, off: number): number => block(i) + off;

    await time('brush', (i) => {
      const b = boxAt(pick(i, 0), across);
      const [x, y] = ll(b.x + BOX, b.y + BOX / 2);
      return api.call('brushStroke', { scene: scene.id, points: [x, y], radius: 3, unit: 'px', mode: 'paint', crs: 'wgs84' });
    });
    await time('vertex', (i) => {
      const b = boxAt(pick(i, 2), across);
      // The renderer sends the feature's whole ring back with one vertex dragged by 2 px.
      const r = [ll(b.x, b.y), ll(b.x + BOX + 2, b.y), ll(b.x + BOX, b.y + BOX), ll(b.x, b.y + BOX), ll(b.x, b.y)];
      return api.call('editPolygons', { op: 'reshape', crs: 'wgs84', fid: fidOf(pick(i, 2)), coordinates: [[r]] });
    });
    await time('polygon-merge', (i) => api.call('editPolygons', { op: 'merge', fids: [fidOf(pick(i, 2)), fidOf(pick(i, 3))] }));
    await time('review', (i) => api.call('updateFeatures', { fids: [fidOf(pick(i, 4))], changes: { status: i % 2 ? 'rejected' : 'confirmed' } }));
    await time('undo', () => api.call('undo'));
  } finally {
    await server.close();
    await svc.closeProject();
  }
  return out;
}

export async function run(): Promise<Json> {
  const dir = resolve(repoRoot, 'bench/.tmp/edit-latency');
  mkdirSync(dir, { recursive: true });
  const tif = await makeScene(dir);
  const sizes: Record<string, Json> = {};
  const samples = Math.min(20, Number(process.env.BENCH_EDIT_SAMPLES ?? 20));
  for (const n of [100, 10_000]) sizes[String(n)] = await measure(n, dir, tif, samples);
  return { sizes };
}

if (isMain(import.meta.url)) process.stdout.write(`${JSON.stringify({ 'edit-latency': await run() }, null, 2)}\n`);
