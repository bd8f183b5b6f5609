/**
 * How much could any refit of the head gain on a scene? An upper bound for learning from
 * corrections: an "oracle operator" labels every pixel of the review rows from the reference mask,
 * the head is refitted on all of them (the app's own fit, nearly unregularised), and the refit head
 * is scored on the evaluation rows at (a) the threshold that is best on the review rows (what a
 * real operator's labels could at best choose), (b) the threshold whose predicted-landslide share
 * on the evaluation rows equals the base head's (amount kept, pixels re-ranked), and (c) the best
 * threshold on the evaluation rows themselves (hindsight, not achievable). Pixels are a fixed
 * hashed subsample (1 in 16) of tile cores, unmapped excluded, so the figures are pooled pixels.
 *
 * `node --import tsx bench/adapt-oracle.ts [--image I] [--dem D|-] [--model id] [--reference R]
 *  [--review-rows a:b] [--eval-rows a:b]` (default: Jinsha site B with scarp-uav-a-rgbdem).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openScene } from '../src-main/core/detect/open-scene';
import { runTiledInference } from '../src-main/core/inference';
import { openRaster, type RasterSource } from '../src-main/core/raster';
import { fitHead, type HeadParameters } from '../src-main/core/adapt/fit-head';
import { DetectRequest } from '../src-shared/api';
import { jinshaDir } from './lib/scenes';
import { isMain, round3 } from './lib/timing';

const EVERY = 16;

function hash(x: number, y: number): number {
  let h = Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

const rows = (s: string): [number, number] => s.split(':').map(Number) as [number, number];

interface Split {
  features: number[];
  labels: number[];
}

function probabilities(s: Split, C: number, head: HeadParameters, T: number): Float64Array {
  const n = s.labels.length;
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = head.bias;
    for (let c = 0; c < C; c++) z += head.weights[c]! * s.features[i * C + c]!;
    p[i] = 1 / (1 + Math.exp(-z / T));
  }
  return p;
}

function f1At(p: Float64Array, y: number[], t: number): number {
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < p.length; i++) {
    const pr = p[i]! >= t;
    if (pr && y[i]) tp++;
    else if (pr) fp++;
    else if (y[i]) fn++;
  }
  return (2 * tp) / Math.max(1, 2 * tp + fp + fn);
}

const sweep = Array.from({ length: 97 }, (_, i) => 0.02 + i * 0.01);
const best = (p: Float64Array, y: number[]): { f1: number; threshold: number } =>
  sweep.reduce((b, t) => { const f = f1At(p, y, t); return f > b.f1 ? { f1: f, threshold: t } : b; }, { f1: -1, threshold: 0.5 });

/** The threshold at which `p` marks the same share of pixels as `share`. */
function thresholdForShare(p: Float64Array, share: number): number {
  const sorted = Float64Array.from(p).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor((1 - share) * sorted.length)))]!;
}

export async function run(argv: string[] = []): Promise<Record<string, unknown>> {
  const { values: o } = parseArgs({ args: argv, options: { image: { type: 'string' }, dem: { type: 'string' }, model: { type: 'string' }, reference: { type: 'string' }, 'review-rows': { type: 'string' }, 'eval-rows': { type: 'string' } } });
  const dir = jinshaDir();
  if (!o.image && !dir) return { skipped: 'shared data (jinsha-uav) not found' };
  const image = o.image ?? join(dir!, 'siteB_rgb.tif');
  const dem = o.dem === '-' ? undefined : (o.dem ?? (o.image ? undefined : join(dir!, 'siteB_dsm.tif')));
  const reference = o.reference ?? join(dir!, 'siteB_mask.tif');
  const review = rows(o['review-rows'] ?? '0:1626');
  const evaluation = rows(o['eval-rows'] ?? '1690:1000000');
  const opened: RasterSource[] = [];
  try {
    const req = DetectRequest.parse({ image, dem, model: o.model ?? 'scarp-uav-a-rgbdem', out: 'unused.gpkg' });
    const scene = await openScene(req, opened, []);
    if (scene.region.x !== 0 || scene.region.y !== 0 || scene.scale.kind !== 'native') throw new Error('The oracle bound runs scenes at their native resolution without an AOI.');
    const head = scene.card.head;
    if (!head) throw new Error(`Model '${scene.card.id}' has no head in its card.`);
    const T = scene.card.calibration?.temperature ?? 1;
    const ref = await openRaster(reference);
    opened.push(ref);
    const W = scene.region.width;
    const [mask] = await ref.readWindow({ x: 0, y: 0, width: W, height: scene.region.height }, [0]);
    const splits = { review: { features: [], labels: [] } as Split, evaluation: { features: [], labels: [] } as Split };
    const seen = new Uint8Array(W * scene.region.height);
    let C = 0;
    await runTiledInference({
      width: W, height: scene.region.height, plan: scene.plan, model: scene.model,
      readTile: (w) => scene.bands.readTile(w), stretch: scene.stretch, tta: false,
      onFeatures: (tile, out, slot) => {
        const [, c, h, wt] = out.dims as [number, number, number, number];
        C = c;
        const plane = h * wt;
        const w = tile.window;
        for (let y = w.y; y < w.y + w.height; y++) {
          const split = y >= review[0] && y < review[1] ? splits.review : y >= evaluation[0] && y < evaluation[1] ? splits.evaluation : null;
          if (!split) continue;
          for (let x = w.x; x < w.x + w.width; x++) {
            const k = y * W + x;
            const label = mask![k]!;
            if (seen[k] || hash(x, y) % EVERY !== 0 || (label !== 0 && label !== 1)) continue;
            seen[k] = 1;
            for (let cc = 0; cc < c; cc++) split.features.push(out.data[slot * c * plane + cc * plane + (y - w.y) * wt + (x - w.x)]!);
            split.labels.push(label);
          }
        }
      },
      sink: async () => undefined,
    });
    const fit = fitHead(
      { channels: C, features: Float32Array.from(splits.review.features), labels: Float32Array.from(splits.review.labels), weights: new Float32Array(splits.review.labels.length).fill(1 / splits.review.labels.length) },
      head, T, { lambda: 1e-3, maxIterations: 50 },
    );
    const baseEval = probabilities(splits.evaluation, C, head, T);
    const oracleReview = probabilities(splits.review, C, fit.head, T);
    const oracleEval = probabilities(splits.evaluation, C, fit.head, T);
    const cardThreshold = scene.card.threshold;
    const baseShare = baseEval.filter((p) => p >= cardThreshold).length / baseEval.length;
    const chosen = best(oracleReview, splits.review.labels).threshold;
    return {
      model: scene.card.id,
      samples: { review: splits.review.labels.length, evaluation: splits.evaluation.labels.length },
      base: { f1: round3(f1At(baseEval, splits.evaluation.labels, cardThreshold)), threshold: cardThreshold, hindsight: round3(best(baseEval, splits.evaluation.labels).f1) },
      oracleHead: {
        atReviewThreshold: { f1: round3(f1At(oracleEval, splits.evaluation.labels, chosen)), threshold: round3(chosen) },
        atBaseShare: round3(f1At(oracleEval, splits.evaluation.labels, thresholdForShare(oracleEval, baseShare))),
        hindsight: round3(best(oracleEval, splits.evaluation.labels).f1),
      },
    };
  } finally {
    await Promise.all(opened.map((r) => r.close().catch(() => undefined)));
  }
}

if (isMain(import.meta.url)) console.log(JSON.stringify(await run(process.argv.slice(2)), null, 2));
