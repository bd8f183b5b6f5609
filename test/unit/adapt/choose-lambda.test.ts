import { describe, expect, it } from 'vitest';
import { chooseLambda, LAMBDA_GRID } from '../../../src-main/core/adapt/choose-lambda';
import { fitHead, type LabelSamples } from '../../../src-main/core/adapt/fit-head';

/**
 * `decisions` groups of `perDecision` pixels, C channels. Each decision is a landslide or not
 * (alternating); `signal(d)` says where its pixels lie on channel 0 (the others are noise).
 */
function decisions(count: number, perDecision: number, C: number, signal: (d: number, label: number) => number, seed = 3): LabelSamples {
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const n = count * perDecision;
  const features = new Float32Array(n * C);
  const labels = new Float32Array(n);
  const weights = new Float32Array(n);
  const group = new Int32Array(n);
  for (let d = 0; d < count; d++) {
    const label = d % 2;
    for (let k = 0; k < perDecision; k++) {
      const i = d * perDecision + k;
      labels[i] = label;
      weights[i] = 1 / perDecision;
      group[i] = d;
      for (let c = 0; c < C; c++) features[i * C + c] = c === 0 ? signal(d, label) + 0.5 * rnd() : rnd() * 2 - 1;
    }
  }
  return { channels: C, features, labels, weights, group };
}

describe('chooseLambda (the head prior by cross-validation over the decisions)', () => {
  const blind = { weights: [0, 0, 0], bias: 0 };

  it('decisions that agree with each other are learned from: a weak prior, and the refit separates them', () => {
    // Landslides high on channel 0, the rest low, in every decision: a head blind to it should learn it.
    const s = decisions(10, 60, 3, (_, label) => (label ? 2 : 0));
    const choice = chooseLambda(s, blind, 1);
    expect(choice.folds).toBe(5);
    expect(choice.lambda).toBeLessThanOrEqual(8);
    const strongest = choice.scores[choice.scores.length - 1]!;
    const chosen = choice.scores.find((c) => c.lambda === choice.lambda)!;
    expect(chosen.loss).toBeLessThan(strongest.loss);
    const head = fitHead(s, blind, 1, { lambda: choice.lambda }).head;
    expect(head.weights[0]!).toBeGreaterThan(0.5);
  });

  it('decisions that contradict each other keep the head at the base model\'s (the strongest prior)', () => {
    // Every decision's pixels look alike whatever the operator said of it (channel 0 by decision, not by label):
    // a refit learns each training fold's quirks and predicts the held-out decisions worse than the base.
    const s = decisions(6, 60, 3, (d) => [2, 2, 0, 0, 1, 1][d]!);
    const choice = chooseLambda(s, blind, 1);
    expect(choice.lambda).toBe(LAMBDA_GRID[LAMBDA_GRID.length - 1]);
    const losses = choice.scores.map((c) => c.loss);
    expect(losses.every(Number.isFinite)).toBe(true);
  });

  it('at the card\'s threshold: decisions the base already gets right keep its head, decisions it gets wrong move it', () => {
    // The base maps every landslide above the threshold 0.5 and every other decision below it, with little
    // confidence: the log-loss still rewards a sharper head, the error at the threshold does not.
    const right = decisions(10, 60, 3, (_, label) => (label ? 0.6 : -1.1));
    const base = { weights: [1, 0, 0], bias: 0 };
    expect(chooseLambda(right, base, 1).lambda).toBeLessThan(LAMBDA_GRID[LAMBDA_GRID.length - 1]!);
    const atThreshold = chooseLambda(right, base, 1, { threshold: 0.5 });
    expect(atThreshold.lambda).toBe(LAMBDA_GRID[LAMBDA_GRID.length - 1]);
    expect(atThreshold.scores.every((c) => c.loss === 0)).toBe(true);
    // A base blind to channel 0 calls everything below the threshold 0.6: the landslides are errors it learns from.
    const wrong = decisions(10, 60, 3, (_, label) => (label ? 2 : 0));
    const learnt = chooseLambda(wrong, blind, 1, { threshold: 0.6 });
    expect(learnt.lambda).toBeLessThanOrEqual(8);
    expect(learnt.scores.find((c) => c.lambda === learnt.lambda)!.loss).toBeLessThan(learnt.scores[learnt.scores.length - 1]!.loss);
  });

  it('takes the strongest prior with fewer than two decisions to hold out', () => {
    const s = decisions(1, 50, 3, () => 1);
    expect(chooseLambda(s, blind, 1).lambda).toBe(LAMBDA_GRID[LAMBDA_GRID.length - 1]);
  });

  it('holds anchors out of every fold and keeps each decision whole in one fold', () => {
    const s = decisions(4, 40, 3, (_, label) => (label ? 2 : 0));
    const n = s.labels.length;
    const withAnchors: LabelSamples = {
      ...s,
      features: Float32Array.from([...s.features, ...new Float32Array(30 * 3).fill(0.1)]),
      labels: Float32Array.from([...s.labels, ...new Float32Array(30).fill(0.5)]),
      weights: Float32Array.from([...s.weights, ...new Float32Array(30).fill(0.1)]),
      anchor: Uint8Array.from([...new Uint8Array(n), ...new Uint8Array(30).fill(1)]),
      group: Int32Array.from([...s.group!, ...new Int32Array(30).fill(-1)]),
    };
    const choice = chooseLambda(withAnchors, blind, 1);
    expect(choice.folds).toBe(4);
    expect(choice.scores.map((c) => c.lambda)).toEqual([...LAMBDA_GRID]);
  });

  it('fitHead refuses a prior strength that is not a positive number', () => {
    const base = { weights: [0.3, -0.2, 0.1], bias: -0.7 };
    for (const lambda of [0, -1, Number.POSITIVE_INFINITY, Number.NaN]) expect(() => fitHead(decisions(4, 20, 3, () => 1), base, 1, { lambda })).toThrow(/positive number/);
  });
});
