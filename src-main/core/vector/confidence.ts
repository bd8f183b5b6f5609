/**
 * Confidence, defined once on the calibrated probabilities p (the model card's temperature is part
 * of the model's probability output): the probability that the class a pixel was given is right —
 * p where it is a landslide (p ≥ threshold), 1 − p where it is not. A landslide polygon gives all its
 * pixels the class landslide, so its confidence is the mean of p over it: prob_mean. The raster and
 * the polygons therefore agree: a polygon's confidence is the mean of the confidence raster under it.
 */

export const CONFIDENCE_DEFINITION = 'probability that the class is right, from the calibrated probability p: p where landslide (p >= threshold), 1 - p elsewhere; a polygon: mean p over it (prob_mean)';

/** A pixel's confidence (NaN stays NaN). */
export function pixelConfidence(p: number, threshold: number): number {
  return p >= threshold ? p : 1 - p;
}

/** A landslide polygon's confidence from its pixel statistics. */
export function polygonConfidence(probMean: number | null): number | null {
  return probMean;
}
