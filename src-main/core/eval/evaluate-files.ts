/** The service's `evaluate` call: EvalRequest (src-shared/api.ts) → pooled metrics via `evaluate`. */
import type { EvalRequest, EvalResult } from '../../../src-shared/api';
import { evaluate } from './evaluate';

export async function evaluateFiles(req: EvalRequest): Promise<EvalResult> {
  const r = await evaluate({
    prediction: req.prediction,
    reference: req.reference,
    threshold: req.threshold,
    ignoreValue: req.ignoreValue ?? null,
    aoi: req.aoi,
    rows: req.rows,
  });
  return { ...r.counts, pixels: r.pixels, noPrediction: r.noPrediction, precision: r.precision, recall: r.recall, f1: r.f1, iou: r.iou, warnings: r.warnings };
}
