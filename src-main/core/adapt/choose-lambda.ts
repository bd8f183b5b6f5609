/**
 * How far to move the head from the base model's: the prior strength λ of fit-head.ts, chosen by
 * cross-validation over the operator's decisions.
 *
 * Why: with a handful of decisions a fixed λ either under-uses consistent corrections or lets a few
 * unrepresentative ones move the head a long way (measured: three confirmations and two rejections
 * took Jinsha site B from F1 0.663 to 0.612; docs/learning-from-corrections.md, "λ chosen by
 * cross-validation"). The decisions are split into folds (a ring belongs to its landslide; anchors
 * are in every training fold, since they are the base's own answer, not evidence); each candidate
 * λ is scored on the held-out decisions: by their class-balanced error at the card's threshold when
 * it is given (what decides the inventory), else by their class-balanced log-loss. The "one standard error"
 * rule then takes the strongest prior whose loss is within one standard error (of its per-fold
 * difference to the best) of the best: when the decisions do not clearly predict each other, the
 * head stays near the base model's (λ = 512 moves it by little more than rounding).
 *
 * Why the error at the threshold: the log-loss rewards raising the probability of every pixel inside a
 * confirmed outline, even where the base already maps it, and barely notices the ring around it
 * crossing a low threshold. With `scarp-sat-rgb` 3.0.0 (regions >= 0.09) confirmations alone, which
 * say nothing the base does not already map, took λ to 0.5 and site B from 0.749 to 0.733-0.736
 * (regions grew: recall 0.72 -> 0.82, precision 0.78 -> 0.67). At the threshold those fits gain
 * nothing on the held-out decisions, so the base head stays.
 *
 * The folds fit on a deterministic subsample (at most `perDecision` pixels a decision, `anchors`
 * anchors), each decision and the anchors keeping their total weight, so that the whole choice
 * costs about as much as one full fit.
 */
import { classBalanced, fitHead, type HeadParameters, type LabelSamples } from './fit-head';

/** Candidate prior strengths, weakest first (in decisions; fit-head.ts). */
export const LAMBDA_GRID: readonly number[] = [0.125, 0.5, 2, 8, 32, 128, 512];

export interface LambdaChoice {
  lambda: number;
  folds: number;
  /** Mean held-out loss per candidate, and the standard error of its difference to the best. */
  scores: Array<{ lambda: number; loss: number; se: number }>;
}

export interface ChooseOptions {
  grid?: readonly number[];
  folds?: number;
  perDecision?: number;
  anchors?: number;
  /** The card's (extent) threshold on the calibrated probability: score the held-out decisions by their error at it. */
  threshold?: number;
}

const logLoss = (z: number, y: number): number => Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
/** 1 where a pixel of label y falls on the wrong side of the threshold, as a calibrated logit. */
const errorAt = (zThreshold: number) => (z: number, y: number): number => ((z >= zThreshold) === (y >= 0.5) ? 0 : 1);

/** A deterministic subsample keeping each decision's (and the anchors') total weight. */
function subsample(s: LabelSamples, perDecision: number, maxAnchors: number): LabelSamples & { group: Int32Array } {
  const n = s.labels.length;
  const group = s.group ?? new Int32Array(n).fill(-1);
  const isAnchor = (i: number): boolean => s.anchor?.[i] === 1;
  const count = new Map<number, number>();
  let anchors = 0;
  for (let i = 0; i < n; i++) {
    if (isAnchor(i)) anchors++;
    else if (group[i]! >= 0 && s.weights[i]! > 0) count.set(group[i]!, (count.get(group[i]!) ?? 0) + 1);
  }
  const stride = new Map([...count].map(([g, c]) => [g, Math.max(1, Math.ceil(c / perDecision))]));
  const anchorStride = Math.max(1, Math.ceil(anchors / maxAnchors));
  const seen = new Map<number, number>();
  let anchorSeen = 0;
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    if (isAnchor(i)) {
      if (anchorSeen++ % anchorStride === 0) keep.push(i);
    } else if (group[i]! >= 0 && s.weights[i]! > 0) {
      const k = seen.get(group[i]!) ?? 0;
      seen.set(group[i]!, k + 1);
      if (k % stride.get(group[i]!)! === 0) keep.push(i);
    }
  }
  // Totals before and after, per decision and for the anchors.
  const before = new Map<number, number>();
  const after = new Map<number, number>();
  const key = (i: number): number => (isAnchor(i) ? -2 : group[i]!);
  for (let i = 0; i < n; i++) if (isAnchor(i) || (group[i]! >= 0 && s.weights[i]! > 0)) before.set(key(i), (before.get(key(i)) ?? 0) + s.weights[i]!);
  for (const i of keep) after.set(key(i), (after.get(key(i)) ?? 0) + s.weights[i]!);
  const C = s.channels;
  const m = keep.length;
  const features = new Float32Array(m * C);
  const labels = new Float32Array(m);
  const weights = new Float32Array(m);
  const anchor = new Uint8Array(m);
  const g = new Int32Array(m);
  keep.forEach((i, j) => {
    features.set(s.features.subarray(i * C, (i + 1) * C), j * C);
    labels[j] = s.labels[i]!;
    const a = after.get(key(i))!;
    weights[j] = a > 0 ? (s.weights[i]! * before.get(key(i))!) / a : 0;
    anchor[j] = isAnchor(i) ? 1 : 0;
    g[j] = isAnchor(i) ? -1 : group[i]!;
  });
  return { channels: C, features, labels, weights, anchor, group: g };
}

function select(s: LabelSamples, keep: (i: number) => boolean): LabelSamples {
  const idx: number[] = [];
  for (let i = 0; i < s.labels.length; i++) if (keep(i)) idx.push(i);
  const C = s.channels;
  const features = new Float32Array(idx.length * C);
  idx.forEach((i, j) => features.set(s.features.subarray(i * C, (i + 1) * C), j * C));
  return {
    channels: C,
    features,
    labels: Float32Array.from(idx, (i) => s.labels[i]!),
    weights: Float32Array.from(idx, (i) => s.weights[i]!),
    anchor: Uint8Array.from(idx, (i) => s.anchor?.[i] ?? 0),
  };
}

export function chooseLambda(samples: LabelSamples, base: HeadParameters, temperature: number, opts: ChooseOptions = {}): LambdaChoice {
  const grid = opts.grid ?? LAMBDA_GRID;
  const s = subsample(samples, opts.perDecision ?? 100, opts.anchors ?? 2000);
  const group = s.group;
  const groups = [...new Set(Array.from(group).filter((g) => g >= 0))].sort((a, b) => a - b);
  const K = Math.min(opts.folds ?? 5, groups.length);
  const candidates = [...grid];
  // Nothing to hold out: the strongest prior.
  if (K < 2) return { lambda: candidates[candidates.length - 1]!, folds: K, scores: candidates.map((lambda) => ({ lambda, loss: Number.NaN, se: Number.NaN })) };
  const t = opts.threshold;
  const score = t !== undefined && t > 0 && t < 1 ? errorAt(Math.log(t / (1 - t))) : logLoss;
  const foldOf = new Map(groups.map((g, i) => [g, i % K]));
  const fold = Int32Array.from(group, (g) => (g >= 0 ? foldOf.get(g)! : -1));
  // Anchors' weights are never read here: they are in no held-out fold.
  const { omega } = classBalanced(s);
  const C = s.channels;
  const foldWeight = new Float64Array(K);
  for (let i = 0; i < fold.length; i++) if (fold[i]! >= 0) foldWeight[fold[i]!] += omega[i]!;
  const total = foldWeight.reduce((a, b) => a + b, 0);

  // loss[c][k]: held-out weighted loss (error at the threshold, or log-loss) of candidate c on fold k.
  const loss = candidates.map(() => new Float64Array(K));
  for (let k = 0; k < K; k++) {
    const train = select(s, (i) => fold[i] !== k);
    // Strongest prior first, each fit starting from the previous one's head (a few Newton steps each).
    let start = base;
    for (let c = candidates.length - 1; c >= 0; c--) {
      const head = fitHead(train, base, temperature, { lambda: candidates[c]!, start }).head;
      start = head;
      let sum = 0;
      for (let i = 0; i < fold.length; i++) {
        if (fold[i] !== k) continue;
        let z = head.bias;
        for (let j = 0; j < C; j++) z += head.weights[j]! * s.features[i * C + j]!;
        sum += omega[i]! * score(z / temperature, s.labels[i]!);
      }
      loss[c]![k] = sum;
    }
  }
  const mean = loss.map((l) => l.reduce((a, b) => a + b, 0) / total);
  const best = mean.indexOf(Math.min(...mean));
  // Standard error of the paired per-fold difference to the best (per-fold losses in mean-loss units).
  const se = loss.map((l) => {
    const d = Array.from(l, (v, k) => ((v - loss[best]![k]!) * K) / total);
    const m = d.reduce((a, b) => a + b, 0) / K;
    return Math.sqrt(d.reduce((a, b) => a + (b - m) ** 2, 0) / (K - 1) / K);
  });
  // Candidates are ordered weakest prior first: take the strongest within one SE of the best.
  let pick = best;
  for (let c = candidates.length - 1; c > best; c--) {
    if (mean[c]! <= mean[best]! + se[c]!) {
      pick = c;
      break;
    }
  }
  return { lambda: candidates[pick]!, folds: K, scores: candidates.map((lambda, c) => ({ lambda, loss: mean[c]!, se: se[c]! })) };
}
