/**
 * Learning from corrections (issue 14), what both sides need to agree on: the core refuses to adapt
 * below this many reviewed landslides, and the Review panel offers "Adapt to this event" from it.
 */

/** Reviewed landslides (confirmed, edited, drawn, field-verified or rejected) needed to adapt a model. */
export const ADAPT_MIN_DECISIONS = 3;
