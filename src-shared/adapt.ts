/**
 * Learning from corrections (issue 14), what both sides need to agree on: the core refuses to adapt
 * without these reviewed landslides, and the Review panel offers "Adapt to this event" from them.
 */

/** Reviewed landslides (confirmed, edited, drawn, field-verified or rejected) needed to adapt a model. */
export const ADAPT_MIN_DECISIONS = 3;

/**
 * Why a model cannot be adapted yet, or null. Besides a minimum number of decisions, at least one must
 * say "landslide" (confirmed, edited, drawn or field-verified): rejections alone only say "less", so the
 * refitted head would find less landslide everywhere, true landslides included (measured on Jinsha
 * site B: recall 0.69 → 0.33 from five rejections; docs/learning-from-corrections.md).
 */
export type AdaptBlocker = { kind: 'too-few'; have: number; needed: number } | { kind: 'no-landslide' };

export function adaptBlocker(reviewed: { landslides: number; rejected: number }): AdaptBlocker | null {
  const have = reviewed.landslides + reviewed.rejected;
  if (have < ADAPT_MIN_DECISIONS) return { kind: 'too-few', have, needed: ADAPT_MIN_DECISIONS - have };
  if (reviewed.landslides === 0) return { kind: 'no-landslide' };
  return null;
}

/** The blocker in words (CLI and core errors; the renderer words it itself). */
export function adaptBlockerMessage(b: AdaptBlocker): { message: string; hint: string } {
  return b.kind === 'too-few'
    ? { message: `Adapting needs at least ${ADAPT_MIN_DECISIONS} reviewed landslides (confirmed, rejected or drawn); there are ${b.have}.`, hint: 'Review more landslides first.' }
    : {
        message: 'Adapting needs at least one confirmed, edited or drawn landslide: rejections alone only teach the model to find less landslide everywhere.',
        hint: 'Confirm a landslide the model got right, or draw one it missed, then adapt.',
      };
}
