/**
 * Confidence, defined once on the calibrated probabilities p (the model card's temperature is part
 * of the model's probability output): the probability that the class a pixel was given is right —
 * p where it is a landslide (p ≥ threshold), 1 − p where it is not. A landslide polygon gives all its
 * pixels the class landslide, so its confidence is the mean of p over it: prob_mean. The raster and
 * the polygons therefore agree: a polygon's confidence is the mean of the confidence raster under it.
 */
import type { ValueKind } from '../../../src-shared/vocabulary';

export const CONFIDENCE_DEFINITION = 'probability that the class is right, from the calibrated probability p: p where landslide (p >= threshold), 1 - p elsewhere; a polygon: mean p over it (prob_mean)';

/**
 * What the same column holds for a change or single-date run (index-run.ts): its 0..1 strength, which
 * ranks the polygons but is not a probability, so a file of such landslides must not claim one.
 */
export const CHANGE_CONFIDENCE_DEFINITION = 'change strength of a change or single-date run, not a probability: 0-1, 0.5 at the method threshold, 1 at twice it; a polygon: mean strength over it (prob_mean)';

/** The definition a file states for what its landslides' values are (valueKindOf the runs they come from). */
export function confidenceDefinition(values: ValueKind): string {
  if (values === 'probability') return CONFIDENCE_DEFINITION;
  if (values === 'strength') return CHANGE_CONFIDENCE_DEFINITION;
  return `landslides of model runs: ${CONFIDENCE_DEFINITION}; of change or single-date runs: ${CHANGE_CONFIDENCE_DEFINITION}`;
}

/** A pixel's confidence (NaN stays NaN). */
export function pixelConfidence(p: number, threshold: number): number {
  return p >= threshold ? p : 1 - p;
}

/** A landslide polygon's confidence from its pixel statistics. */
export function polygonConfidence(probMean: number | null): number | null {
  return probMean;
}
