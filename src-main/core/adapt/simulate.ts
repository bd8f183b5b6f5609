/**
 * `scarp adapt --simulate`: measure learning from corrections with a simulated operator.
 * Detect with the base model; let the simulated operator take its first N decisions in the review
 * rows; adapt; detect again with the adapted model; keep the reviewed landslides exactly as decided
 * and replace the rest; score both inventories outside the review rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ScarpError } from '../../../src-shared/errors';
import type { ProviderPreference } from '../inference';
import { openRaster, sameCrs } from '../raster';
import { readPolygons, type FlatMultiPolygon } from '../vector';
import { evaluate, inferredIgnoreValue, referenceClass, type EvaluationResult } from '../eval';
import { runDetection } from '../detect/run-detection';
import { writeLandslidesGpkg, completeRecord } from '../store/geopackage-writer';
import { areaM2, perimeterM } from '../vector/measure';
import { DetectRequest, type DetectResult } from '../../../src-shared/api';
import type { PolygonFeature } from '../vector/readers';
import { keepOffReviewedGround } from '../edit/reviewed-ground';
import { planOutput, discardOutputs } from '../util/atomic-output';
import { exportInventory } from '../export/export-inventory';
import type { InventoryMeta } from '../export/inventory';
import { adaptBlocker } from '../../../src-shared/adapt';
import { fitAdaptation, adaptedCard, writeAdaptedModel, decisionCounts } from './adapt-model';
import type { LambdaChoice } from './choose-lambda';
import { simulateOperator, type ReferenceMask, type SimulatedDecision } from './simulate-operator';

export interface SimulateRequest {
  image: string;
  dem?: string;
  model?: string;
  reference: string;
  ignoreValue?: number;
  reviewRows: [number, number];
  /** Rows scored; default every row outside the review rows. */
  evalRows?: [number, number];
  corrections: number;
  uninformative?: boolean;
  out: string;
  outModel?: string;
  overwrite?: boolean;
  lambda?: number;
  ringM?: number;
  anchorShare?: number;
  /** Cut blobs of touching landslides into one polygon each (the app's default); false keeps them whole. */
  separate?: boolean;
  provider?: ProviderPreference;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

type Metrics = Pick<EvaluationResult, 'precision' | 'recall' | 'f1' | 'iou'>;

export interface SimulateResult {
  /** Corrections asked for (the operator may have had fewer candidates). */
  n: number;
  /**
   * Whether the model was adapted (false when the app would not adapt: fewer than MIN_DECISIONS
   * decisions, or no landslide among them; only the decisions apply).
   */
  adapted: boolean;
  /** The head's prior strength used; null when not adapted. */
  lambda: number | null;
  /** The cross-validation took the strongest prior: the adapted head is the base model's (adapt-model.ts). */
  keptBase?: boolean;
  /** Cross-validation over the decisions (choose-lambda.ts): held-out loss per candidate λ. */
  lambdaScores?: LambdaChoice['scores'];
  before: Metrics;
  after: Metrics;
  /**
   * The decisions alone, without learning: the base run with the decided landslides applied (rejected
   * ones removed, whole; confirmed and drawn ones kept as decided). `after − decisionsOnly` is what the
   * adaptation itself added; `decisionsOnly − before` what the operator's decisions did to the scored rows
   * (a rejected polygon whose centroid lies in the review rows also leaves the scored rows).
   */
  decisionsOnly: Metrics;
  corrections: { confirmed: number; rejected: number; drawn: number };
  fitSeconds: number;
  featureSeconds: number;
  detectSeconds: { base: number; adapted: number };
  model: string;
  evalRows: Array<[number, number]>;
  /**
   * The scored rows' reference: the landslide share of their mapped pixels, and the F1 of the trivial
   * answer "every mapped pixel is landslide" (2·share / (1 + share)), a floor that any F1 must be read against.
   */
  reference: {
    landslideShare: number;
    allLandslideF1: number;
    /** The reference value read as unmapped (besides nodata); null: none. */
    ignoreValue: number | null;
    /** True when no --ignore-value was given and the mask's values 0, 1, 255 made 255 unmapped. */
    ignoreInferred: boolean;
  };
  features: { base: number; adapted: number };
  out: string;
  outModel?: string;
}

/**
 * The reference mask, read by the scoring rule (referenceClass) with the ignore value given, or
 * inferred when none is (inferredIgnoreValue: 255 for a 0/1/255 mask, as the issue's protocol
 * assumes: "reference = 1", unmapped pixels excluded).
 */
async function readReference(path: string, ignoreValue: number | undefined): Promise<{ mask: ReferenceMask; ignoreValue: number | undefined; inferred: boolean }> {
  const src = await openRaster(path);
  try {
    const { width, height } = src.info;
    const [band] = await src.readWindow({ x: 0, y: 0, width, height }, [0]);
    const b = band!;
    let ignore = ignoreValue;
    let inferred = false;
    if (ignore === undefined) {
      ignore = inferredIgnoreValue(b);
      inferred = ignore !== undefined;
    }
    const values = new Uint8Array(width * height);
    for (let k = 0; k < values.length; k++) values[k] = referenceClass(b[k]!, ignore ?? null);
    return { mask: { grid: { width, height, geoTransform: src.info.geoTransform, crs: src.info.crs }, values }, ignoreValue: ignore, inferred };
  } finally {
    await src.close();
  }
}

/**
 * A row range of the reference, its end clamped to the last row ("to the end"); an error when it
 * starts outside the reference (a scored range that silently shrank to nothing gave "n/a" figures).
 */
function rowsWithin(option: string, [a, b]: [number, number], height: number, path: string): [number, number] {
  if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && a < b && a < height)) {
    throw new ScarpError({
      code: 'INVALID_ARGUMENT',
      message: `--${option} ${a}:${b} is not within the rows of the reference ${path} (0:${height}).`,
      hint: `Give start:end with 0 ≤ start < ${height} and start < end (an end past the last row means the last row); rows count on the reference's grid.`,
      file: path,
      options: [option],
    });
  }
  return [a, Math.min(b, height)];
}

async function featuresOf(path: string): Promise<PolygonFeature[]> {
  return (await readPolygons(path)).features;
}

const MEASURED = ['prob_mean', 'prob_max', 'slope_mean', 'elev_min', 'elev_max', 'aspect_mean', 'dem_coverage'] as const;

/** The measured attributes a detection wrote (numbers, or null). */
function measured(f: PolygonFeature): Partial<Record<(typeof MEASURED)[number], number | null>> {
  const out: Partial<Record<(typeof MEASURED)[number], number | null>> = {};
  for (const k of MEASURED) {
    const v = f.properties[k];
    out[k] = typeof v === 'number' ? v : null;
  }
  return out;
}

async function score(pred: string, req: Pick<SimulateRequest, 'reference' | 'ignoreValue'>, rows: Array<[number, number]>): Promise<Metrics> {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const r of rows) {
    if (r[1] <= r[0]) continue;
    const e = await evaluate({ prediction: pred, reference: req.reference, ignoreValue: req.ignoreValue, rows: r });
    tp += e.counts.tp;
    fp += e.counts.fp;
    fn += e.counts.fn;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : Number.NaN;
  const recall = tp + fn > 0 ? tp / (tp + fn) : Number.NaN;
  const f1 = tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : Number.NaN;
  const iou = tp + fp + fn > 0 ? tp / (tp + fp + fn) : Number.NaN;
  return { precision, recall, f1, iou };
}

function referenceFloor(ref: ReferenceMask, rows: Array<[number, number]>): Pick<SimulateResult['reference'], 'landslideShare' | 'allLandslideF1'> {
  let landslide = 0;
  let mapped = 0;
  for (const [a, b] of rows) {
    for (let k = a * ref.grid.width; k < b * ref.grid.width; k++) {
      const v = ref.values[k];
      if (v === 1) landslide++;
      if (v === 0 || v === 1) mapped++;
    }
  }
  const landslideShare = mapped > 0 ? landslide / mapped : Number.NaN;
  return { landslideShare, allLandslideF1: (2 * landslideShare) / (1 + landslideShare) };
}

/** One simulated run (see simulateCurve for several N over one base detection). */
export async function simulateAdaptation(req: SimulateRequest): Promise<SimulateResult> {
  const [r] = await simulateCurve({ ...req, corrections: [req.corrections], outFor: () => req.out });
  return r!;
}

/**
 * The simulation for several numbers of corrections over one base detection (the curve over N):
 * each N starts again from the base model; its inventory goes to `outFor(N)`.
 */
export async function simulateCurve(req: Omit<SimulateRequest, 'corrections' | 'out'> & { corrections: number[]; outFor: (n: number) => string }): Promise<SimulateResult[]> {
  const outs = req.corrections.map((n) => planOutput(req.outFor(n), ['.gpkg'], req.overwrite ?? false, 'adapted inventory'));
  const work = mkdtempSync(join(tmpdir(), 'scarp-adapt-'));
  try {
    const read = await readReference(req.reference, req.ignoreValue);
    const ref = read.mask;
    const scoring = { reference: req.reference, ignoreValue: read.ignoreValue };
    const H = ref.grid.height;
    const reviewRows = rowsWithin('review-rows', req.reviewRows, H, req.reference);
    const evalRows: Array<[number, number]> = req.evalRows
      ? [rowsWithin('eval-rows', req.evalRows, H, req.reference)]
      : ([
          [0, reviewRows[0]],
          [reviewRows[1], H],
        ].filter(([a, b]) => b! > a!) as Array<[number, number]>);
    const reference: SimulateResult['reference'] = { ...referenceFloor(ref, evalRows), ignoreValue: read.ignoreValue ?? null, ignoreInferred: read.inferred };
    if (Number.isNaN(reference.landslideShare)) {
      throw new ScarpError({
        code: 'INVALID_ARGUMENT',
        message: `The scored rows ${evalRows.map(([a, b]) => `${a}:${b}`).join(', ') || '(none)'} of the reference ${req.reference} hold no mapped pixel (every pixel is nodata${read.ignoreValue !== undefined ? ` or ${read.ignoreValue}` : ''}, or the review rows take the whole reference).`,
        hint: 'Choose scored rows (--eval-rows) where the reference is mapped, or check --ignore-value.',
        file: req.reference,
        options: ['eval-rows', 'ignore-value'],
      });
    }
    const scene = await openRaster(req.image);
    const sceneCrs = scene.info.crs;
    await scene.close();
    if (!sameCrs(sceneCrs, ref.grid.crs)) {
      throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `The reference ${req.reference} is in ${ref.grid.crs.name}, the imagery in ${sceneCrs.name}.`, file: req.reference, hint: "Warp the reference mask onto the imagery's CRS first." });
    }

    req.onProgress?.('detecting with the base model');
    const baseOut = join(work, 'base.gpkg');
    const base = await runDetection(DetectRequest.parse({ image: req.image, dem: req.dem, model: req.model, out: baseOut, provider: req.provider, separate: req.separate ?? true, overwrite: true }), undefined, req.signal);
    const baseFeatures = await featuresOf(baseOut);
    const predicted = baseFeatures.map((f) => f.geometry);
    const before = await score(baseOut, scoring, evalRows);
    const results: SimulateResult[] = [];
    for (const [i, n] of req.corrections.entries()) {
      const out = outs[i]!;
      const decisions: SimulatedDecision[] = simulateOperator(ref, predicted, { reviewRows, corrections: n, uninformative: req.uninformative });
      const corrections = {
        confirmed: decisions.filter((d) => d.kind === 'confirmed').length,
        rejected: decisions.filter((d) => d.kind === 'rejected').length,
        drawn: decisions.filter((d) => d.kind === 'drawn').length,
      };
      const decided = new Set(decisions.filter((d) => d.polygon >= 0).map((d) => d.polygon));
      let adaptedFeatures: PolygonFeature[] = [];
      let fitSeconds = 0;
      let featureSeconds = 0;
      let adaptedSeconds = 0;
      let outModel: string | undefined;
      let adaptedRun: DetectResult | undefined;
      // Decisions the app would not adapt from (too few, or no landslide among them): no adaptation,
      // as the app would not offer it; the decisions still apply to the inventory.
      const adapting = adaptBlocker(decisionCounts(decisions)) === null;
      let lambda: number | null = null;
      let lambdaChoice: LambdaChoice | undefined;
      let keptBase: boolean | undefined;
      if (adapting) {
        req.onProgress?.(`N = ${n}: learning from ${decisions.length} corrections`);
        const fit = await fitAdaptation({
          image: req.image,
          dem: req.dem,
          model: base.model.path,
          decisions,
          otherLandslides: predicted.filter((_, k) => !decided.has(k)),
          labels: { ringM: req.ringM },
          lambda: req.lambda,
          anchorShare: req.anchorShare,
          provider: req.provider,
          signal: req.signal,
        });
        fitSeconds = fit.fitSeconds;
        featureSeconds = fit.featureSeconds;
        lambda = fit.lambda;
        lambdaChoice = fit.lambdaChoice;
        keptBase = fit.keptBase;
        const modelPath = req.outModel && req.corrections.length === 1 ? req.outModel : join(work, `adapted-${n}.onnx`);
        const card = adaptedCard(fit.model.card, fit.model.sha256, fit, { id: `${fit.model.id}-adapted`, event: basename(req.image), ringM: req.ringM });
        await writeAdaptedModel(fit.model, card, modelPath);
        if (modelPath === req.outModel) outModel = req.outModel;
        req.onProgress?.(`N = ${n}: detecting with the adapted model`);
        const adaptedPath = join(work, `adapted-${n}.gpkg`);
        const again = await runDetection(DetectRequest.parse({ image: req.image, dem: req.dem, model: modelPath, out: adaptedPath, provider: req.provider, separate: req.separate ?? true, overwrite: true }), undefined, req.signal);
        adaptedSeconds = again.timings.totalS;
        adaptedRun = again;
        adaptedFeatures = await featuresOf(adaptedPath);
      }

      // The adapted inventory: reviewed landslides exactly as decided (rejected ones left out), and the
      // adapted model's polygons except those lying mostly on reviewed ground (the project's rule).
      const reviewed = decisions.filter((d) => d.kind !== 'rejected');
      const unreviewedBase = baseFeatures.filter((_, k) => !decided.has(k));
      const fresh = adapting ? keepOffReviewedGround(adaptedFeatures, decisions.map((d) => d.geometry), (f, geometry) => ({ ...f, geometry })) : unreviewedBase;
      const now = new Date().toISOString();
      const crs = ref.grid.crs;
      const record = (mp: FlatMultiPolygon, status: 'confirmed' | 'predicted', source: string, values: ReturnType<typeof measured> = {}) => ({
        geometry: mp,
        properties: completeRecord({ area_m2: areaM2(mp, crs), perimeter_m: perimeterM(mp, crs), ...values, status, scene: basename(req.image), source }, now),
      });
      const inventory = (rest: PolygonFeature[], source: string) => [
        ...reviewed.map((d) =>
          d.kind === 'drawn'
            ? record(d.geometry, 'confirmed', 'drawn by the (simulated) operator')
            : record(d.geometry, 'confirmed', 'confirmed by the (simulated) operator', measured(baseFeatures[d.polygon]!)),
        ),
        ...rest.map((f) => record(f.geometry, 'predicted', source, measured(f))),
      ];
      const features = inventory(fresh, adapting ? 'adapted model' : 'base model');
      // Written by the exporter, as every inventory Scarp writes: typed fields, QGIS style, provenance.
      const made = adaptedRun ?? base;
      const meta: InventoryMeta = {
        modelId: made.model.id,
        modelName: made.model.name,
        modelSha256: made.model.sha256,
        threshold: made.threshold,
        scenes: [{ name: basename(req.image), role: null, date: null }],
      };
      await exportInventory({ crs, meta, features: features.map((f, k) => ({ fid: k + 1, geometry: f.geometry, record: f.properties })) }, { format: 'gpkg', out: out.finalPath, overwrite: true });
      const after = await score(out.finalPath, scoring, evalRows);
      let decisionsOnly = after;
      if (adapting) {
        const path = join(work, `decisions-${n}.gpkg`);
        await writeLandslidesGpkg(path, inventory(unreviewedBase, 'base model'), { crs, overwrite: true });
        decisionsOnly = await score(path, scoring, evalRows);
      }
      results.push({
        n,
        adapted: adapting,
        lambda,
        keptBase,
        lambdaScores: lambdaChoice?.scores,
        before,
        after,
        decisionsOnly,
        corrections,
        fitSeconds,
        featureSeconds,
        detectSeconds: { base: base.timings.totalS, adapted: adaptedSeconds },
        model: base.model.id,
        evalRows,
        reference,
        features: { base: predicted.length, adapted: features.length },
        out: out.finalPath,
        outModel,
      });
    }
    return results;
  } catch (e) {
    discardOutputs(outs);
    throw e;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
