/** Blended rows → the probability a detection keeps and its thresholded mask (one rule for every run). */
import type { AoiMask } from './aoi';
import type { SceneBands } from './scene-bands';

/** 1 where the probability is undefined whatever the model says: no imagery (all optical bands nodata) or outside the AOI. */
export async function undefinedPixels(bands: SceneBands, aoi: AoiMask | null, y: number, n: number, width: number): Promise<Uint8Array> {
  const optical = await bands.readOptical({ x: 0, y, width, height: n });
  const inside = aoi ? aoi.rows(y, n) : null;
  const r = optical.get(0)!;
  const g = optical.get(1)!;
  const b = optical.get(2)!;
  const out = new Uint8Array(n * width);
  for (let k = 0; k < out.length; k++) {
    if ((Number.isNaN(r[k]!) && Number.isNaN(g[k]!) && Number.isNaN(b[k]!)) || (inside !== null && inside[k] === 0)) out[k] = 1;
  }
  return out;
}

/** Row-major values (NaN where no tile ran) and undefined pixels → probability (NaN = undefined) and mask (value ≥ threshold). */
export function probabilityAndMask(values: ArrayLike<number>, invalid: Uint8Array, threshold: number): { probability: Float32Array; mask: Uint8Array } {
  const probability = new Float32Array(invalid.length);
  const mask = new Uint8Array(invalid.length);
  for (let k = 0; k < probability.length; k++) {
    const v = values[k]!;
    if (Number.isNaN(v) || invalid[k] === 1) {
      probability[k] = Number.NaN;
    } else {
      probability[k] = v;
      mask[k] = v >= threshold ? 1 : 0;
    }
  }
  return { probability, mask };
}

/**
 * The seed threshold of a run (hysteresis, the card's `seedThreshold`): the request's (null: none),
 * else the card's; none when it would not rise above the run's threshold (every region qualifies).
 */
export function seedThresholdOf(req: { threshold?: number; seedThreshold?: number | null }, card: { threshold: number; seedThreshold?: number }): number | null {
  const seed = req.seedThreshold === undefined ? (card.seedThreshold ?? null) : req.seedThreshold;
  const threshold = req.threshold ?? card.threshold;
  return seed !== null && seed > threshold ? seed : null;
}
