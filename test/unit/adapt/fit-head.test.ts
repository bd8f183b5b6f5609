import { describe, expect, it } from 'vitest';
import { fitHead, type LabelSamples } from '../../../src-main/core/adapt/fit-head';

/** n samples of C channels: channel 0 separates the classes (positives high), the others are noise. */
function samples(n: number, C: number, seed = 1): LabelSamples {
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const features = new Float32Array(n * C);
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let c = 0; c < C; c++) features[i * C + c] = c === 0 ? (labels[i] ? 2 : 0) + rnd() : rnd() * 2 - 1;
  }
  return { channels: C, features, labels, weights: new Float32Array(n).fill(1 / n) };
}

const logit = (h: { weights: number[]; bias: number }, x: number[], T: number): number => (h.weights.reduce((a, w, i) => a + w * x[i]!, 0) + h.bias) / T;

describe('fitHead (logistic head towards the base head)', () => {
  it('moves the decision the way the labels say: a head blind to channel 0 learns it', () => {
    const base = { weights: [0, 0, 0], bias: 0 };
    const s = samples(400, 3);
    s.weights.fill(20 / 400); // 20 decisions' worth of evidence
    const r = fitHead(s, base, 1);
    expect(r.head.weights[0]!).toBeGreaterThan(1);
    expect(logit(r.head, [2.5, 0, 0], 1)).toBeGreaterThan(0);
    expect(logit(r.head, [0.5, 0, 0], 1)).toBeLessThan(0);
    expect(r.loss.after).toBeLessThan(r.loss.before);
  });

  it('a handful of labels cannot wreck the head: a strong prior keeps it near the base', () => {
    const base = { weights: [-1, 0.5, 0.25], bias: 0.3 };
    const r = fitHead(samples(400, 3), base, 1, { lambda: 1e6 });
    r.head.weights.forEach((w, i) => expect(w).toBeCloseTo(base.weights[i]!, 3));
    expect(r.head.bias).toBeCloseTo(base.bias, 3);
  });

  it('keeps the card convention: weights and bias are scaled by the temperature', () => {
    const base = { weights: [0, 0, 0], bias: 0 };
    const s = samples(400, 3);
    const a = fitHead(s, base, 1);
    const b = fitHead(s, base, 2);
    a.head.weights.forEach((w, i) => expect(b.head.weights[i]!).toBeCloseTo(2 * w, 6));
    expect(b.head.bias).toBeCloseTo(2 * a.head.bias, 6);
  });

  it('refuses an empty label set and a head of the wrong size', () => {
    const empty: LabelSamples = { channels: 3, features: new Float32Array(0), labels: new Float32Array(0), weights: new Float32Array(0) };
    expect(() => fitHead(empty, { weights: [0, 0, 0], bias: 0 }, 1)).toThrow(/No labelled pixels/);
    expect(() => fitHead(samples(10, 3), { weights: [0, 0], bias: 0 }, 1)).toThrow(/2 weights for 3/);
  });

  it('anchors (unreviewed pixels with the base answer as soft target) hold the head where only one class was labelled', () => {
    const base = { weights: [2, 0, 0], bias: -2 };
    const s = samples(400, 3);
    // Only rejections: every labelled pixel negative, half of them looking like landslides.
    const neg: LabelSamples = { ...s, labels: new Float32Array(400).fill(0), weights: new Float32Array(400).fill(10 / 400) };
    const alone = fitHead(neg, base, 1);
    const anchorsX = samples(400, 3, 7);
    const n = 800;
    const features = new Float32Array(n * 3);
    features.set(neg.features, 0);
    features.set(anchorsX.features, 400 * 3);
    const labels = new Float32Array(n);
    const weights = new Float32Array(n).fill(10 / 400);
    const anchor = new Uint8Array(n);
    for (let i = 400; i < n; i++) {
      anchor[i] = 1;
      const x = features.subarray(i * 3, i * 3 + 3);
      labels[i] = 1 / (1 + Math.exp(-logit(base, Array.from(x), 1)));
    }
    const held = fitHead({ channels: 3, features, labels, weights, anchor }, base, 1);
    expect(held.samples.anchors).toBe(400);
    // A landslide-like pixel: without anchors the head calls it not a landslide; with anchors it stays above the base decision.
    expect(logit(alone.head, [2.5, 0, 0], 1)).toBeLessThan(0);
    expect(logit(held.head, [2.5, 0, 0], 1)).toBeGreaterThan(logit(alone.head, [2.5, 0, 0], 1) + 1);
  });
});
