/**
 * Refit a model's 1×1 head (logistic regression on its last feature map) from the operator's labels.
 *
 * The fit is regularised towards the original head, so that a handful of labels cannot wreck it:
 *   minimise  Σ_i ω_i · BCE(y_i, σ(v·x_i + c))  +  λ/2 · Σ_j s_j² (v_j − v0_j)²  +  λ/2 · (c − c0)²
 * where (v, c) = (weights, bias) / T in the calibrated logit's scale, (v0, c0) the original head's,
 * and s_j the standard deviation of feature j over the samples (the penalty is on standardised
 * weights, so it means the same for every channel). Sample weights ω come from the decisions, not
 * the pixels: each decision (a confirmed, rejected or drawn landslide) carries weight 1 shared by
 * its sampled pixels, so one large polygon does not outweigh ten small ones, and pixels of one
 * polygon (strongly correlated) do not count as independent evidence. When both classes are present,
 * each class's total weight is scaled to half of the total (class balance). Anchors — unreviewed
 * pixels next to the decisions, with the base model's own probability as a soft target — keep the
 * head's answer where the operator said nothing (self-distillation): a rejected polygon that is
 * partly landslide cannot drag every similar pixel of the scene down with it.
 *
 * Solved by Newton's method (C + 1 unknowns, a few iterations; the objective is strictly convex
 * because of the penalty), in float64.
 */
import { ScarpError } from '../../../src-shared/errors';

export interface HeadParameters {
  weights: number[];
  bias: number;
}

export interface LabelSamples {
  /** Feature channels. */
  channels: number;
  /** n × channels features, sample-major. */
  features: Float32Array;
  /** Target probability: 1 = landslide, 0 = not landslide (decisions); the base model's own probability (anchors). */
  labels: Float32Array;
  /** Per-sample weight (e.g. 1 / pixels sampled from its decision). */
  weights: Float32Array;
  /** 1 = an anchor (unreviewed pixel keeping the base model's answer), 0 = a decision's pixel. Default all 0. */
  anchor?: Uint8Array;
  /** The decision each sample comes from (a ring counts as its landslide's); −1 for anchors and unweighted samples. */
  group?: Int32Array;
}

export interface FitOptions {
  /** Prior strength in decisions (see above); default 2. */
  lambda?: number;
  maxIterations?: number;
  /** Where Newton's method starts (card convention); default the base head. A nearby start (the same fit at a neighbouring λ) saves iterations. */
  start?: HeadParameters;
}

export interface FitResult {
  /** In the card's convention: probability = σ((weights·x + bias) / temperature). */
  head: HeadParameters;
  iterations: number;
  samples: { positive: number; negative: number; anchors: number };
  /** Total decision weight per class before balancing. */
  evidence: { positive: number; negative: number };
  /** Weighted training loss (mean BCE) before and after the fit. */
  loss: { before: number; after: number };
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Cross-entropy with a soft target y ∈ [0, 1]. */
function bce(p: number, y: number): number {
  const e = 1e-12;
  return -(y * Math.log(Math.max(p, e)) + (1 - y) * Math.log(Math.max(1 - p, e)));
}

/** Solve A x = b for symmetric positive definite A (n × n, row-major); Cholesky. */
function solveSpd(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) throw new ScarpError({ code: 'INTERNAL', message: 'Head fit: the Hessian is not positive definite.' });
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * n + k]! * y[k]!;
    y[i] = s / L[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * x[k]!;
    x[i] = s / L[i * n + i]!;
  }
  return x;
}

/**
 * Each sample's weight in the fit: a decision's pixels scaled so that each class holds half of the
 * decision weight (when both are present); anchors as given. Throws when nothing is labelled.
 */
export function classBalanced(samples: LabelSamples): { omega: Float64Array; nPos: number; nAnchor: number; wPos: number; wNeg: number } {
  const n = samples.labels.length;
  const isAnchor = (i: number): boolean => samples.anchor?.[i] === 1;
  let wPos = 0;
  let wNeg = 0;
  let nPos = 0;
  let nAnchor = 0;
  for (let i = 0; i < n; i++) {
    if (isAnchor(i)) nAnchor++;
    else if (samples.labels[i]! >= 0.5) {
      wPos += samples.weights[i]!;
      nPos++;
    } else wNeg += samples.weights[i]!;
  }
  if (n === 0 || wPos + wNeg <= 0) throw new ScarpError({ code: 'NOT_ENOUGH_LABELS', message: 'No labelled pixels to learn from.' });
  const half = (wPos + wNeg) / 2;
  const scalePos = wPos > 0 && wNeg > 0 ? half / wPos : 1;
  const scaleNeg = wPos > 0 && wNeg > 0 ? half / wNeg : 1;
  const omega = new Float64Array(n);
  for (let i = 0; i < n; i++) omega[i] = samples.weights[i]! * (isAnchor(i) ? 1 : samples.labels[i]! >= 0.5 ? scalePos : scaleNeg);
  return { omega, nPos, nAnchor, wPos, wNeg };
}

export function fitHead(samples: LabelSamples, base: HeadParameters, temperature: number, opts: FitOptions = {}): FitResult {
  const C = samples.channels;
  const n = samples.labels.length;
  if (base.weights.length !== C) {
    throw new ScarpError({ code: 'INVALID_MODEL', message: `The head has ${base.weights.length} weights for ${C} feature channels.` });
  }
  if (samples.features.length !== n * C || samples.weights.length !== n) {
    throw new ScarpError({ code: 'INTERNAL', message: 'Head fit: features, labels and weights disagree in length.' });
  }
  const lambda = opts.lambda ?? 2;
  if (!(lambda > 0 && Number.isFinite(lambda))) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `The head's prior strength must be a positive number; got ${lambda}.` });
  const maxIt = opts.maxIterations ?? 25;
  const P = C + 1;
  const X = samples.features;

  const { omega, nPos, nAnchor, wPos, wNeg } = classBalanced(samples);
  const totalW = omega.reduce((a, b) => a + b, 0);

  // Penalty scales: feature standard deviations (weighted), bias 1.
  const mean = new Float64Array(C);
  const sq = new Float64Array(C);
  for (let i = 0; i < n; i++) {
    const o = i * C;
    for (let j = 0; j < C; j++) {
      const v = X[o + j]!;
      mean[j] += omega[i]! * v;
      sq[j] += omega[i]! * v * v;
    }
  }
  const pen = new Float64Array(P);
  for (let j = 0; j < C; j++) {
    const m = mean[j]! / totalW;
    const variance = Math.max(sq[j]! / totalW - m * m, 0);
    pen[j] = lambda * Math.max(variance, 1e-6);
  }
  pen[C] = lambda;

  const theta0 = new Float64Array(P);
  for (let j = 0; j < C; j++) theta0[j] = base.weights[j]! / temperature;
  theta0[C] = base.bias / temperature;
  const theta = Float64Array.from(theta0);
  if (opts.start) {
    for (let j = 0; j < C; j++) theta[j] = opts.start.weights[j]! / temperature;
    theta[C] = opts.start.bias / temperature;
  }

  const objective = (t: Float64Array): { f: number; loss: number } => {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const o = i * C;
      let z = t[C]!;
      for (let j = 0; j < C; j++) z += t[j]! * X[o + j]!;
      loss += omega[i]! * bce(sigmoid(z), samples.labels[i]!);
    }
    let r = 0;
    for (let j = 0; j < P; j++) r += pen[j]! * (t[j]! - theta0[j]!) ** 2;
    return { f: loss + r / 2, loss: loss / totalW };
  };

  const before = objective(theta);
  let current = before;
  let iterations = 0;
  const g = new Float64Array(P);
  const H = new Float64Array(P * P);
  for (; iterations < maxIt; iterations++) {
    g.fill(0);
    H.fill(0);
    for (let i = 0; i < n; i++) {
      const o = i * C;
      let z = theta[C]!;
      for (let j = 0; j < C; j++) z += theta[j]! * X[o + j]!;
      const p = sigmoid(z);
      const r = omega[i]! * (p - samples.labels[i]!);
      const h = omega[i]! * p * (1 - p);
      for (let j = 0; j < C; j++) {
        const xj = X[o + j]!;
        g[j] += r * xj;
        const hx = h * xj;
        for (let k = 0; k <= j; k++) H[j * P + k] += hx * X[o + k]!;
        H[C * P + j] += hx;
      }
      g[C] += r;
      H[C * P + C] += h;
    }
    for (let j = 0; j < P; j++) {
      g[j] += pen[j]! * (theta[j]! - theta0[j]!);
      H[j * P + j] += pen[j]!;
      for (let k = 0; k < j; k++) H[k * P + j] = H[j * P + k]!;
    }
    const step = solveSpd(H, g, P);
    // Backtracking keeps every step a descent step (Newton is exact only near the optimum).
    let t = 1;
    let next = current;
    const trial = new Float64Array(P);
    for (let ls = 0; ls < 30; ls++) {
      for (let j = 0; j < P; j++) trial[j] = theta[j]! - t * step[j]!;
      next = objective(trial);
      if (next.f <= current.f) break;
      t /= 2;
    }
    if (next.f > current.f) break;
    theta.set(trial);
    const decrease = current.f - next.f;
    current = next;
    if (decrease <= 1e-10 * Math.max(1, Math.abs(current.f))) {
      iterations++;
      break;
    }
  }
  return {
    head: { weights: Array.from(theta.subarray(0, C), (v) => v * temperature), bias: theta[C]! * temperature },
    iterations,
    samples: { positive: nPos, negative: n - nPos - nAnchor, anchors: nAnchor },
    evidence: { positive: wPos, negative: wNeg },
    loss: { before: before.loss, after: current.loss },
  };
}
