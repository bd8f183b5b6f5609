/**
 * Pooled pixel confusion counts and scores. Definitions (the same as training/scarp_train/metrics.py):
 * - a pixel counts only where the reference is valid (not NaN/nodata, not `ignoreValue`) and, when
 *   given, inside the AOI mask;
 * - reference positive: value ≠ 0; predicted positive: value ≥ threshold. A pixel with no
 *   prediction (NaN: prediction nodata, or outside the prediction raster) is predicted negative, so a
 *   prediction covering less than the reference is not flattered; these pixels are counted
 *   (`noPrediction`) so that a partial coverage shows. (training's inputs have a prediction at
 *   every pixel, where both definitions agree.)
 * - precision = tp / (tp + fp), recall = tp / (tp + fn), F1 = 2tp / (2tp + fp + fn),
 *   IoU = tp / (tp + fp + fn); each is 0 when its denominator is 0 (nothing predicted and nothing to
 *   find gives 0, as in training's pooled metrics).
 */

export interface ConfusionCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface Scores {
  precision: number;
  recall: number;
  f1: number;
  iou: number;
}

export interface AccumulateOptions {
  /** Predicted positive when value ≥ threshold (default 0.5: works for 0/1 masks and probabilities). */
  threshold?: number;
  /** Reference value excluded from the counts (e.g. 255 = unmapped). */
  ignoreValue?: number | null;
  /** Optional mask of the same length: pixels where it is 0 are excluded. */
  aoi?: ArrayLike<number> | null;
}

export function emptyCounts(): ConfusionCounts {
  return { tp: 0, fp: 0, fn: 0, tn: 0 };
}

export interface AccumulateResult {
  /** Pixels left out: reference NaN/nodata or `ignoreValue`, or outside the AOI. */
  excluded: number;
  /** Pixels counted with no prediction (NaN), as predicted negatives. */
  noPrediction: number;
}

/** Add one block of pixels (prediction and reference of the same length) to the counts. */
/**
 * What a reference mask pixel says, one rule for every reader (scoring, the simulated operator):
 * 255 unmapped (NaN/nodata, or the ignore value), 1 landslide (any other non-zero value: 0/1 and
 * 0/255 masks alike), 0 not landslide.
 */
export function referenceClass(r: number, ignoreValue: number | null): 0 | 1 | 255 {
  if (r !== r || r === ignoreValue) return 255;
  return r !== 0 ? 1 : 0;
}

/**
 * The unmapped value of a reference mask given without one: 255 when the mask holds exactly 0, 1
 * and 255 (the convention of three-valued landslide masks such as Jinsha's: 1 landslide, 0 not, 255
 * unmapped); otherwise none (a 0/255 mask keeps 255 as its landslide value). NaN (nodata) is skipped.
 */
export function inferredIgnoreValue(values: ArrayLike<number>): number | undefined {
  const seen = new Set<number>();
  for (let k = 0; k < values.length && seen.size <= 3; k++) {
    const v = values[k]!;
    if (v === v) seen.add(v);
  }
  return seen.size === 3 && seen.has(0) && seen.has(1) && seen.has(255) ? 255 : undefined;
}

export function accumulateConfusion(c: ConfusionCounts, prediction: ArrayLike<number>, reference: ArrayLike<number>, opts: AccumulateOptions = {}): AccumulateResult {
  if (prediction.length !== reference.length) throw new RangeError(`prediction (${prediction.length}) and reference (${reference.length}) blocks differ in size`);
  const thr = opts.threshold ?? 0.5;
  const ign = opts.ignoreValue ?? null;
  const aoi = opts.aoi ?? null;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  let excluded = 0;
  let noPrediction = 0;
  const n = reference.length;
  for (let i = 0; i < n; i++) {
    const r = reference[i] as number;
    const p = prediction[i] as number;
    const cls = referenceClass(r, ign);
    if (cls === 255 || (aoi !== null && aoi[i] === 0)) {
      excluded++;
      continue;
    }
    if (p !== p) noPrediction++;
    const pp = p >= thr; // false for NaN: no prediction is "not predicted"
    if (cls === 1) {
      if (pp) tp++;
      else fn++;
    } else if (pp) fp++;
    else tn++;
  }
  c.tp += tp;
  c.fp += fp;
  c.fn += fn;
  c.tn += tn;
  return { excluded, noPrediction };
}

export function scores(c: ConfusionCounts): Scores {
  const { tp, fp, fn } = c;
  return {
    precision: tp + fp > 0 ? tp / (tp + fp) : 0,
    recall: tp + fn > 0 ? tp / (tp + fn) : 0,
    f1: 2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0,
    iou: tp + fp + fn > 0 ? tp / (tp + fp + fn) : 0,
  };
}
