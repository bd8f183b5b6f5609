/** A band's value range between two percentiles: a display stretch, or a model's input scaling. */
export interface BandStretch {
  low: number;
  high: number;
}

/**
 * The `lowPct` and `highPct` percentiles (nearest rank on the sorted finite values) of a sample;
 * null when it holds no finite value. One implementation for the map's display stretch and the
 * models' input gain: the two used to differ in how they collected values, not in what they returned.
 */
export function percentileStretch(sample: ArrayLike<number>, lowPct = 2, highPct = 98): BandStretch | null {
  const valid = new Float64Array(sample.length);
  let n = 0;
  for (let i = 0; i < sample.length; i++) {
    const v = sample[i]!;
    if (Number.isFinite(v)) valid[n++] = v;
  }
  if (n === 0) return null;
  const sorted = valid.subarray(0, n).sort();
  const at = (p: number): number => sorted[Math.min(n - 1, Math.max(0, Math.round((p / 100) * (n - 1))))]!;
  return { low: at(lowPct), high: at(highPct) };
}
