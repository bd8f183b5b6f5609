/**
 * UI responsiveness during a detection: the longest event-loop stall of the process that serves
 * the UI (HTTP server + ScarpService) while a detect run goes on, measured with
 * perf_hooks.monitorEventLoopDelay and a 5 ms heartbeat, plus tile latency served meanwhile.
 * The run is project-backed, as the UI starts it (the probability is stored in the project as it
 * streams, the inventory goes through the journal).
 *
 * The service is built as the doors build it (`npm run serve`): `detectInWorker` — reading,
 * preprocessing, blending, vectorising run in a detection worker thread (ONNX Runtime in its own),
 * and only the project's bookkeeping (row bands into SQLite, the inventory transaction) comes back
 * to the main thread — and `tileWorkers`: map tiles render in a pool of worker threads.
 * `BENCH_DETECT_THREAD=main` runs everything on the main thread instead (the old layout),
 * `BENCH_PROJECT=0` runs without a project (files only). Aim: longest stall ≤ 100 ms.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { ScarpService } from '../src-main/core/service/scarp-service';
import { defaultTileWorkers } from '../src-main/core/tiles/render-pool';
import { benchModel } from './lib/models';
import { benchTmp, ensureTmp, jinshaCrop, jinshaDir } from './lib/scenes';
import { isMain, round3 } from './lib/timing';

export async function run(): Promise<Record<string, unknown>> {
  if (!jinshaDir()) return { skipped: 'no ../shared/data/jinsha-uav' };
  ensureTmp();
  const scene = jinshaCrop(1536, 1536, 900, 700);
  const { model, source } = await benchModel({ hasDem: true });
  const inWorker = process.env.BENCH_DETECT_THREAD !== 'main';
  const withProject = process.env.BENCH_PROJECT !== '0';
  const svc = new ScarpService({ detectInWorker: inWorker, tileWorkers: inWorker ? defaultTileWorkers() : 0 });
  const out = join(benchTmp, 'ui-stall-inventory.gpkg');
  const project = join(benchTmp, 'ui-stall-project.gpkg');
  rmSync(out, { force: true });
  for (const f of [project, `${project}-wal`, `${project}-shm`, `${project}.lock`]) rmSync(f, { force: true });
  if (withProject) {
    // As in the UI: the project exists and the imagery was added before Detect is pressed.
    await svc.createProject({ path: project });
    await svc.addScene({ path: scene.image });
  }
  const tile = await svc.openTileLayer({ path: scene.image, kind: 'imagery' });

  const h = monitorEventLoopDelay({ resolution: 5 });
  let last = performance.now();
  let worst = 0;
  const gaps: number[] = [];
  let stage = 'start';
  const stalls: Record<string, number> = {};
  const beat = setInterval(() => {
    const now = performance.now();
    const gap = now - last - 5;
    gaps.push(gap);
    if (gap > worst) worst = gap;
    if (gap > 50) stalls[stage] = Math.max(stalls[stage] ?? 0, Math.round(gap));
    last = now;
  }, 5);
  // A map client asking for tiles while the run goes on.
  const tileTimes: number[] = [];
  let stop = false;
  const tiles = (async () => {
    let i = 0;
    while (!stop) {
      const a = performance.now();
      const n = 2 ** 18;
      const lon = tile.boundsWgs84.minX + ((tile.boundsWgs84.maxX - tile.boundsWgs84.minX) * (i % 7)) / 7;
      const lat = ((tile.boundsWgs84.minY + tile.boundsWgs84.maxY) / 2) * Math.PI / 180;
      const x = Math.floor(((lon + 180) / 360) * n);
      const y = Math.floor(((1 - Math.log(Math.tan(lat) + 1 / Math.cos(lat)) / Math.PI) / 2) * n) + (Math.floor(i / 7) % 4);
      await svc.layers.tiles.tile(tile.id, 18, x, y);
      tileTimes.push(performance.now() - a);
      i++;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  h.enable();
  const t0 = performance.now();
  const dem = model.card.inputs.length > 1 ? scene.dem : undefined;
  const req = withProject ? { image: scene.image, dem, model: model.onnxPath, project, provider: 'cpu' as const } : { image: scene.image, dem, model: model.onnxPath, out, overwrite: true, provider: 'cpu' as const };
  const result = await svc.detect(req, (e) => {
    stage = e.stage;
  });
  const runS = (performance.now() - t0) / 1000;
  const tileWorkers = svc.layers.tiles.workers;
  h.disable();
  stop = true;
  clearInterval(beat);
  await tiles;
  await svc.layers.close();
  if (withProject) await svc.closeProject();
  const sorted = [...gaps].sort((a, b) => a - b);
  const over = (ms: number) => gaps.filter((g) => g > ms).length;
  return {
    model: { id: model.id, source },
    scene: `${scene.width}×${scene.height}`,
    detectThread: inWorker ? 'worker' : 'main',
    tileWorkers,
    project: withProject,
    runS: round3(runS),
    features: result.features,
    longestStallMs: round3(worst),
    monitorMaxMs: round3(h.max / 1e6),
    p99StallMs: round3(sorted[Math.floor(sorted.length * 0.99)] ?? 0),
    stallsOver50Ms: over(50),
    stallsOver100Ms: over(100),
    worstStallByStageMs: stalls,
    tileDuringRunP95Ms: round3([...tileTimes].sort((a, b) => a - b)[Math.floor(tileTimes.length * 0.95)] ?? 0),
    aimLongestStallMs: 100,
  };
}

if (isMain(import.meta.url)) console.log(JSON.stringify(await run(), null, 2));
