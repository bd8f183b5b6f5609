/**
 * Detect memory: peak RSS of a whole `scarp detect` process (ScarpService.detect in a child process,
 * bench/lib/detect-runner.ts) on a generated N × N RGB scene with a DEM (default 20,000 × 20,000):
 * a mosaic of Jinsha site A/B windows at 0.5 m (RGB uint8 + DSM float32, tiled DEFLATE), made with
 * GDAL into bench/.tmp and reused (bench/lib/scenes.ts). Outputs: a GeoPackage and a probability
 * GeoTIFF. Target: peak RSS ≤ 1.5 GB.
 *
 * The peak is the kernel's (getrusage maxRSS / VmHWM of the child, read at its end), cross-checked
 * by sampling /proc/<pid>/status from outside.
 *
 * Env: BENCH_SCENE_SIZE (default 20000; e.g. 8000 for quick iterations), BENCH_MODEL,
 * BENCH_THRESHOLD (a detect threshold, e.g. to make a random-weight model produce polygons),
 * BENCH_NODE_OPTIONS (extra node flags for the child, e.g. --max-old-space-size=256).
 * Run alone: `node --import tsx bench/detect-memory.bench.ts`.
 */
import { join, resolve } from 'node:path';
import { rmSync } from 'node:fs';
import { repoRoot } from '../src-main/core/paths';
import { benchModel } from './lib/models';
import { runSampled } from './lib/proc';
import { benchTmp, hasGdal, jinshaDir, jinshaMosaic } from './lib/scenes';
import { isMain, round3 } from './lib/timing';

export interface DetectMemoryOptions {
  size?: number;
}

export async function run(options: DetectMemoryOptions = {}): Promise<Record<string, unknown>> {
  if (!jinshaDir()) return { skipped: 'no ../shared/data/jinsha-uav (set SCARP_DATA)' };
  if (!hasGdal()) return { skipped: 'gdal_translate not found (apt-get install gdal-bin)' };
  const size = options.size ?? (Number(process.env.BENCH_SCENE_SIZE) || 20000);
  const t0 = Date.now();
  const scene = jinshaMosaic(size);
  const sceneSeconds = (Date.now() - t0) / 1000;
  const { model, source } = await benchModel({ hasDem: true });

  const out = join(benchTmp, `detect-memory-${size}.gpkg`);
  const prob = join(benchTmp, `detect-memory-${size}-prob.tif`);
  const threshold = Number(process.env.BENCH_THRESHOLD) || undefined;
  const req = { image: scene.image, dem: scene.dem, model: model.onnxPath, out, probability: prob, overwrite: true, threshold };
  const nodeArgs = (process.env.BENCH_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
  const child = await runSampled(process.execPath, [...nodeArgs, '--import', 'tsx', resolve(repoRoot, 'bench/lib/detect-runner.ts'), JSON.stringify(req)], {
    cwd: repoRoot,
    intervalMs: 250,
    onStderr: process.env.BENCH_VERBOSE ? (s) => process.stderr.write(s) : undefined,
  });
  if (child.code !== 0) return { error: `detect exited with ${child.code}`, stderr: child.stderr.slice(-2000) };
  const { result, memory } = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
    result: { tiles: number; features: number; provider: string; timings: Record<string, number> };
    memory: { vmHwmMB: number | null; maxRssMB: number; sampledPeaksMB: Record<string, number> };
  };
  rmSync(out, { force: true });
  rmSync(prob, { force: true });
  const peakRssMB = Math.max(memory.maxRssMB, memory.vmHwmMB ?? 0, child.peakRssMB ?? 0);
  // The RSS curve, thinned to ~20 points (seconds, MB).
  const step = Math.max(1, Math.ceil(child.samples.length / 20));
  return {
    model: { id: model.card.id, source, tile: model.card.tile },
    scene: { image: scene.image, dem: scene.dem, width: size, height: size, generatedSeconds: scene.created ? round3(sceneSeconds) : 0 },
    nodeOptions: nodeArgs,
    threshold: threshold ?? model.card.threshold,
    tiles: result.tiles,
    features: result.features,
    provider: result.provider,
    detectSeconds: round3(child.seconds),
    timings: result.timings,
    peakRssMB,
    targetMB: 1536,
    withinTarget: peakRssMB <= 1536,
    childMemory: memory,
    sampledFromOutsideMB: child.peakRssMB,
    /** "seconds:MB" samples of the child's RSS, ~20 points. */
    rssCurve: child.samples.filter((_, i) => i % step === 0).map(([s, mb]) => `${Math.round(s)}:${Math.round(mb)}`).join(' '),
  };
}

if (isMain(import.meta.url)) {
  run()
    .then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`))
    .catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
}
