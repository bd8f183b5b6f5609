/**
 * Learning from corrections, timed on Jinsha site B: the simulated operator's 40 corrections in rows
 * 0–1626, then the feature pass over the labelled tiles, the head fit (target ≤ 5 s on 2 cores) and
 * the re-detection with the adapted model (target: no dearer than a detection, ratio ≤ 1).
 * Model: BENCH_ADAPT_MODEL, else scarp-uav-a-rgbdem when present (site A only), else scarp-uav-rgbdem.
 * Run alone: `node --import tsx bench/adapt-fit.bench.ts`.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { simulateAdaptation } from '../src-main/core/adapt/simulate';
import { repoRoot } from '../src-main/core/paths';
import { benchTmp, jinshaDir } from './lib/scenes';
import { isMain, round3 } from './lib/timing';

export async function run(): Promise<Record<string, unknown>> {
  const dir = jinshaDir();
  if (!dir) return { skipped: 'shared data (jinsha-uav) not found' };
  const model = process.env.BENCH_ADAPT_MODEL ?? (existsSync(resolve(repoRoot, 'models/scarp-uav-a-rgbdem.onnx')) ? 'scarp-uav-a-rgbdem' : 'scarp-uav-rgbdem');
  mkdirSync(benchTmp, { recursive: true });
  const out = join(benchTmp, 'adapt-bench.gpkg');
  try {
    const r = await simulateAdaptation({
      image: join(dir, 'siteB_rgb.tif'),
      dem: join(dir, 'siteB_dsm.tif'),
      model,
      reference: join(dir, 'siteB_mask.tif'),
      ignoreValue: 255,
      reviewRows: [0, 1626],
      evalRows: [1690, 1_000_000],
      corrections: 40,
      out,
      overwrite: true,
    });
    return {
      model: r.model,
      corrections: r.corrections,
      featureSeconds: round3(r.featureSeconds),
      fitSeconds: round3(r.fitSeconds),
      detectSeconds: { base: round3(r.detectSeconds.base), adapted: round3(r.detectSeconds.adapted) },
      remapToDetectRatio: round3(r.detectSeconds.adapted / r.detectSeconds.base),
      f1: { before: round3(r.before.f1), after: round3(r.after.f1) },
    };
  } finally {
    rmSync(out, { force: true });
  }
}

if (isMain(import.meta.url)) console.log(JSON.stringify(await run(), null, 2));
