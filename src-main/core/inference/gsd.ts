/**
 * Ground-sampling-distance logic: run a scene at its own resolution when the model card accepts it,
 * otherwise resample it to the model's native GSD — but never up-sample by more than 4× (10 m
 * imagery through a 0.5 m model finds nothing real; the user needs other imagery or another model).
 */
import type { ModelCard } from '../../../src-shared/model-card';
import { ScarpError } from '../../../src-shared/errors';

export const MAX_UPSAMPLING = 4;

export type ScalePlan =
  | { kind: 'native'; sceneGsd: number; targetGsd: number; factor: 1 }
  | {
      kind: 'resample';
      sceneGsd: number;
      /** The model's native GSD (m): the grid inference runs on. */
      targetGsd: number;
      /** sceneGsd / targetGsd: > 1 up-samples (more pixels), < 1 down-samples. */
      factor: number;
      /** Human-readable reason, e.g. for logs. */
      reason: string;
    };

const fmt = (m: number): string => `${Number(m.toPrecision(3))} m`;

/**
 * Decide how a scene of `sceneGsd` metres per pixel (a number, or x/y which are averaged
 * geometrically) goes through a model with the card's `gsd`.
 */
export function planScale(
  sceneGsd: number | { x: number; y: number },
  gsd: ModelCard['gsd'],
  modelName = 'the model',
): ScalePlan {
  const s = typeof sceneGsd === 'number' ? sceneGsd : Math.sqrt(Math.abs(sceneGsd.x * sceneGsd.y));
  if (!(s > 0) || !Number.isFinite(s)) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Scene ground sampling distance must be a positive number of metres, got ${s}.` });
  }
  // A little tolerance so 0.5000001 m counts as 0.5 m.
  const eps = 1e-6;
  if (s >= gsd.minM * (1 - eps) && s <= gsd.maxM * (1 + eps)) return { kind: 'native', sceneGsd: s, targetGsd: s, factor: 1 };
  const factor = s / gsd.nativeM;
  if (factor > MAX_UPSAMPLING * (1 + eps)) {
    throw new ScarpError({
      code: 'RESOLUTION_OUT_OF_RANGE',
      message:
        `The imagery's resolution is ${fmt(s)} per pixel, but ${modelName} needs ${fmt(gsd.nativeM)} ` +
        `(valid ${fmt(gsd.minM)}–${fmt(gsd.maxM)}): that would up-sample ${factor.toFixed(1)}×, more than the ${MAX_UPSAMPLING}× Scarp allows.`,
      hint: `Use imagery of ${fmt(gsd.nativeM * MAX_UPSAMPLING)} per pixel or finer, or a model made for ${fmt(s)} imagery.`,
    });
  }
  return {
    kind: 'resample',
    sceneGsd: s,
    targetGsd: gsd.nativeM,
    factor,
    reason: `scene ${fmt(s)} is outside ${fmt(gsd.minM)}–${fmt(gsd.maxM)}: resampled to ${fmt(gsd.nativeM)} (${factor > 1 ? 'up' : 'down'}-sampling ${
      factor > 1 ? factor.toFixed(2) : (1 / factor).toFixed(2)
    }×)`,
  };
}
