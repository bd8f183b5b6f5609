/** The service's `evaluate` call: EvalRequest (src-shared/api.ts) → pooled metrics via `evaluate`. */
import type { EvalRequest, EvalResult } from '../../../src-shared/api';
import { openRaster } from '../raster';
import { evaluate, isRaster } from './evaluate';
import { inferredIgnoreValue } from './metrics';

/** A raster reference given without an ignore value: 255 when it is a 0/1/255 mask (inferredIgnoreValue). */
async function inferIgnore(reference: string): Promise<number | undefined> {
  if (!isRaster(reference)) return undefined;
  const src = await openRaster(reference);
  try {
    const [band] = await src.readWindow({ x: 0, y: 0, width: src.info.width, height: src.info.height }, [0]);
    return inferredIgnoreValue(band!);
  } finally {
    await src.close();
  }
}

export async function evaluateFiles(req: EvalRequest): Promise<EvalResult> {
  const inferred = req.ignoreValue === undefined || req.ignoreValue === null ? await inferIgnore(req.reference) : undefined;
  const r = await evaluate({
    prediction: req.prediction,
    reference: req.reference,
    threshold: req.threshold,
    ignoreValue: req.ignoreValue ?? inferred ?? null,
    aoi: req.aoi,
    rows: req.rows,
  });
  const warnings = [...r.warnings, ...(inferred !== undefined ? [`The reference holds 0, 1 and ${inferred}: ${inferred} was read as unmapped and left out (give --ignore-value to say otherwise).`] : [])];
  return { ...r.counts, pixels: r.pixels, noPrediction: r.noPrediction, precision: r.precision, recall: r.recall, f1: r.f1, iou: r.iou, warnings };
}
