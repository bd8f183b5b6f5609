/**
 * Ground-sampling-distance logic: run a scene at its own resolution when it is inside the card's
 * run-as-is range [minM, maxM]; inside the card's resample range, resample it to the nearer bound
 * of the run-as-is range; older cards without a resample range resample to the native GSD but
 * never up-sample by more than 4× (10 m imagery through a 0.5 m model finds nothing real). The
 * rule itself is `gsdFit` (src-shared/model-pick.ts), shared with the model picker.
 */
import type { ModelCard } from '../../../src-shared/model-card';
import { ScarpError } from '../../../src-shared/errors';
import { MAX_UPSAMPLING, fmtM, fmtRange, gsdFit, resampleRange } from '../../../src-shared/model-pick';

export { MAX_UPSAMPLING };

export type ScalePlan =
  | { kind: 'native'; sceneGsd: number; targetGsd: number; factor: 1 }
  | {
      kind: 'resample';
      sceneGsd: number;
      /** The GSD (m) of the grid inference runs on. */
      targetGsd: number;
      /** sceneGsd / targetGsd: > 1 up-samples (more pixels), < 1 down-samples. */
      factor: number;
      /** Human-readable reason, e.g. for logs. */
      reason: string;
    };

/** The scene GSD planScale uses: a number, or x/y averaged geometrically. */
export function sceneGsdOf(sceneGsd: number | { x: number; y: number }): number {
  return typeof sceneGsd === 'number' ? sceneGsd : Math.sqrt(Math.abs(sceneGsd.x * sceneGsd.y));
}

/**
 * Decide how a scene of `sceneGsd` metres per pixel (a number, or x/y which are averaged
 * geometrically) goes through a model with the card's `gsd`.
 */
export function planScale(
  sceneGsd: number | { x: number; y: number },
  gsd: ModelCard['gsd'],
  modelName = 'the model',
): ScalePlan {
  const s = sceneGsdOf(sceneGsd);
  if (!(s > 0) || !Number.isFinite(s)) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Scene ground sampling distance must be a positive number of metres, got ${s}.` });
  }
  const fit = gsdFit(s, gsd);
  if (fit.kind === 'native') return { kind: 'native', sceneGsd: s, targetGsd: s, factor: 1 };
  if (fit.kind === 'out') {
    const wide = resampleRange(gsd);
    if (wide) {
      throw new ScarpError({
        code: 'RESOLUTION_OUT_OF_RANGE',
        message:
          `The imagery's resolution is ${fmtM(s)} per pixel, outside what ${modelName} accepts: it runs ${fmtRange(gsd.minM, gsd.maxM)} as is ` +
          `and resamples ${fmtRange(wide[0], wide[1])} into that range.`,
        hint: `Use imagery of ${fmtRange(wide[0], wide[1])} per pixel, or a model made for ${fmtM(s)} imagery.`,
      });
    }
    throw new ScarpError({
      code: 'RESOLUTION_OUT_OF_RANGE',
      message:
        `The imagery's resolution is ${fmtM(s)} per pixel, but ${modelName} needs ${fmtM(gsd.nativeM)} ` +
        `(valid ${fmtM(gsd.minM)}–${fmtM(gsd.maxM)}): that would up-sample ${(fit.upsampling ?? 0).toFixed(1)}×, more than the ${MAX_UPSAMPLING}× Scarp allows.`,
      hint: `Use imagery of ${fmtM(gsd.nativeM * MAX_UPSAMPLING)} per pixel or finer, or a model made for ${fmtM(s)} imagery.`,
    });
  }
  const factor = s / fit.targetGsd;
  return {
    kind: 'resample',
    sceneGsd: s,
    targetGsd: fit.targetGsd,
    factor,
    reason: `the scene's ${fmtM(s)} pixels are outside the model's ${fmtM(gsd.minM)}–${fmtM(gsd.maxM)}: resampled to ${fmtM(fit.targetGsd)} (${factor > 1 ? 'up' : 'down'}-sampling ${
      factor > 1 ? factor.toFixed(2) : (1 / factor).toFixed(2)
    }×)`,
  };
}
