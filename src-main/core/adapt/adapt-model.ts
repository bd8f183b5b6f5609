/**
 * Adapt a model to one event from the operator's decisions: label the decisions on the detection's
 * grid, sample the model's features at those pixels (one network pass over the labelled tiles),
 * refit the head, and write the adapted model (ONNX with the new head + card with its provenance).
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, extname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ModelCard } from '../../../src-shared/model-card';
import { ScarpError } from '../../../src-shared/errors';
import { ADAPT_MIN_DECISIONS, adaptBlocker, adaptBlockerMessage } from '../../../src-shared/adapt';
import type { ProviderPreference, LoadedModel } from '../inference';
import { runTiledInference } from '../inference';
import type { RasterSource } from '../raster';
import { mapCoords, type FlatMultiPolygon } from '../vector';
import { createTransformer, windowGeoTransform } from '../geo';
import type { CrsInfo } from '../../../src-shared/geo';
import { openScene } from '../detect/open-scene';
import { buildLabels, type LabelDecision, type LabelOptions, type LabelRaster } from './labels';
import { FeatureSampler } from './feature-samples';
import { fitHead, type FitResult, type HeadParameters } from './fit-head';
import { writeAdaptedOnnx } from './onnx-head';
import { chooseLambda, LAMBDA_GRID, type LambdaChoice } from './choose-lambda';

/** Anchors weigh up to three times all decisions together (fit-head.ts; anchorShareFor). */
export const DEFAULT_ANCHOR_SHARE = 3;

/**
 * The anchors' weight for these decisions: DEFAULT_ANCHOR_SHARE × the share of the decided landslides
 * the base model had found (confirmed, against confirmed + drawn). Anchors keep the base model's
 * answer where the operator said nothing — mostly "no landslide", since most ground is not — which
 * is worth keeping only as far as the base finds the landslides there are. When the operator has to
 * draw the landslides it missed, its "no landslide" on unreviewed ground is the very thing to correct,
 * and anchors would hold it (a model from another sensor or region: docs/learning-from-corrections.md,
 * "Anchors in proportion to what the base found"). Rejections do not lower it: a rejected polygon
 * says the base fired too much in one place, and a head taught by rejections without anchors learns
 * to find less everywhere. No decided landslide: the full share.
 */
export function anchorShareFor(decisions: readonly Pick<LabelDecision, 'kind'>[]): number {
  const found = decisions.filter((d) => d.kind === 'confirmed').length;
  const landslides = found + decisions.filter((d) => d.kind === 'drawn').length;
  return landslides === 0 ? DEFAULT_ANCHOR_SHARE : (DEFAULT_ANCHOR_SHARE * found) / landslides;
}

export const MIN_DECISIONS = ADAPT_MIN_DECISIONS;

/** Landslides (confirmed or drawn) and rejections among the decisions ("not a landslide" areas are labels, not decisions). */
export function decisionCounts(decisions: readonly Pick<LabelDecision, 'kind'>[]): { landslides: number; rejected: number } {
  return { landslides: decisions.filter((d) => d.kind === 'confirmed' || d.kind === 'drawn').length, rejected: decisions.filter((d) => d.kind === 'rejected').length };
}

export interface AdaptRequest {
  image: string;
  dem?: string;
  /** Base model id or .onnx path (default: the one the app picks for the scene). */
  model?: string;
  decisions: LabelDecision[];
  /** CRS of the decisions' (and otherLandslides') geometry; default: the scene's. */
  decisionsCrs?: CrsInfo;
  /** Unreviewed landslides of the run (the reviewed-background ring avoids them). */
  otherLandslides?: FlatMultiPolygon[];
  labels?: LabelOptions;
  /** Prior strength towards the base head (fit-head.ts); default: chosen by cross-validation over the decisions (choose-lambda.ts). */
  lambda?: number;
  /** Weight of the anchors (unreviewed pixels keeping the base answer) relative to the decisions; default anchorShareFor(decisions). */
  anchorShare?: number;
  provider?: ProviderPreference;
  signal?: AbortSignal;
  onProgress?: (e: AdaptProgress) => void;
}

export interface AdaptProgress {
  stage: 'prepare' | 'features' | 'fit';
  done: number;
  total: number;
  etaSeconds?: number;
}

export interface AdaptResult {
  model: LoadedModel;
  head: HeadParameters;
  /** The refit; absent when the base head is kept (`keptBase`). */
  fit?: FitResult;
  /** The prior strength used (fit-head.ts). */
  lambda: number;
  /** The cross-validated choice, when λ was not given. */
  lambdaChoice?: LambdaChoice;
  /** The cross-validation took the strongest prior, so `head` is the base model's head exactly (no refit). */
  keptBase: boolean;
  counts: LabelRaster['counts'];
  featureSeconds: number;
  fitSeconds: number;
}

export async function fitAdaptation(request: AdaptRequest): Promise<AdaptResult> {
  let req = request;
  const blocker = adaptBlocker(decisionCounts(req.decisions));
  if (blocker) throw new ScarpError({ code: 'NOT_ENOUGH_LABELS', ...adaptBlockerMessage(blocker) });
  const opened: RasterSource[] = [];
  const t0 = performance.now();
  try {
    const warnings: string[] = [];
    const scene = await openScene({ image: req.image, dem: req.dem, model: req.model, tta: false }, opened, warnings, (e) =>
      req.onProgress?.({ stage: 'prepare', done: e.done, total: e.total }),
    );
    const card = scene.card;
    if (!card.head) {
      throw new ScarpError({
        code: 'INVALID_MODEL',
        message: `Model '${card.id}' has no features output and head in its card, so it cannot learn from corrections.`,
        file: scene.model.onnxPath,
        hint: 'Use a model trained by Scarp (scarp-uav-rgbdem, scarp-sat-rgb) or export yours with a features output and its head.',
      });
    }
    if (req.decisionsCrs) {
      const t = createTransformer(req.decisionsCrs, scene.workGrid.crs);
      if (!t.identity) {
        req = {
          ...req,
          decisions: req.decisions.map((d) => ({ ...d, geometry: mapCoords(d.geometry, t.forward) })),
          otherLandslides: req.otherLandslides?.map((g) => mapCoords(g, t.forward)),
        };
      }
    }
    const regionGrid = { width: scene.region.width, height: scene.region.height, geoTransform: windowGeoTransform(scene.workGrid.geoTransform, scene.region) };
    const labels = buildLabels(regionGrid, req.decisions, { ...req.labels, otherLandslides: req.otherLandslides });
    if (!labels || labels.counts.positivePixels + labels.counts.negativePixels === 0) {
      throw new ScarpError({ code: 'NOT_ENOUGH_LABELS', message: 'The reviewed landslides lie outside the scene: no pixel to learn from.' });
    }
    // Only the tiles holding labels run.
    const tiles = scene.plan.tiles.map((t) => (t.skip || FeatureSampler.touches(labels, t.window) ? t : { ...t, skip: true }));
    const plan = { ...scene.plan, tiles, included: tiles.filter((t) => !t.skip).map((t) => t.index) };
    const sampler = new FeatureSampler(plan, labels, { head: card.head, temperature: card.calibration?.temperature ?? 1, share: req.anchorShare ?? anchorShareFor(req.decisions) });
    await runTiledInference({
      width: scene.region.width,
      height: scene.region.height,
      plan,
      model: scene.model,
      readTile: (w) => scene.bands.readTile(w),
      stretch: scene.stretch,
      tta: false,
      provider: req.provider,
      signal: req.signal,
      onFeatures: sampler.add,
      onProgress: (p) => req.onProgress?.({ stage: 'features', done: p.tilesDone, total: p.tilesTotal, etaSeconds: p.etaSeconds ?? undefined }),
      sink: async () => undefined,
    });
    const featureSeconds = (performance.now() - t0) / 1000;
    const samples = sampler.samples();
    const t1 = performance.now();
    const baseHead = { weights: card.head.weights, bias: card.head.bias };
    const temperature = card.calibration?.temperature ?? 1;
    const choice = req.lambda === undefined ? chooseLambda(samples, baseHead, temperature, { threshold: card.threshold }) : undefined;
    const lambda = req.lambda ?? choice!.lambda;
    // When the cross-validation takes the strongest prior (the decisions do not predict each other), the head
    // stays the base model's exactly: λ = 512 still moves it a little, and with a low extent threshold
    // (scarp-sat-rgb 3.0.0: regions >= 0.09) that little took site B at 3 m from 0.822 to 0.807 F1 with no
    // evidence behind it (docs/learning-from-corrections.md, session 19).
    const keptBase = choice !== undefined && choice.lambda === LAMBDA_GRID[LAMBDA_GRID.length - 1];
    const fit = keptBase ? undefined : fitHead(samples, baseHead, temperature, { lambda });
    const head = fit ? fit.head : { weights: [...baseHead.weights], bias: baseHead.bias };
    const fitSeconds = (performance.now() - t1) / 1000;
    return { model: scene.model, head, fit, lambda, lambdaChoice: choice, keptBase, counts: labels.counts, featureSeconds, fitSeconds };
  } finally {
    await Promise.all(opened.map((r) => r.close().catch(() => undefined)));
  }
}

/** The adapted model's card: the base card with the new head and its provenance. */
export function adaptedCard(base: ModelCard, baseSha256: string, result: Pick<AdaptResult, 'head' | 'counts'> & Partial<Pick<AdaptResult, 'lambda' | 'lambdaChoice' | 'keptBase'>>, opts: { id: string; event?: string; ringM?: number }): ModelCard {
  const { ece: _ece, eceSplit: _split, ...calibration } = base.calibration ?? { method: 'temperature' as const, temperature: 1 };
  return {
    ...base,
    id: opts.id,
    name: `${base.name} — adapted${opts.event ? ` to ${opts.event}` : ''}`,
    description: `${base.description ?? ''} Head refitted from ${result.counts.confirmed} confirmed, ${result.counts.rejected} rejected and ${result.counts.drawn} drawn landslides.`.trim(),
    head: { output: base.head!.output, weights: result.head.weights, bias: result.head.bias },
    calibration,
    pickByDefault: false,
    adaptation: {
      baseModel: base.id,
      baseSha256,
      event: opts.event,
      createdAt: new Date().toISOString(),
      labels: result.counts,
      method: `logistic head, class-balanced per decision, L2 towards the base head (lambda ${result.lambda ?? 2}${result.lambdaChoice ? `, chosen by ${result.lambdaChoice.folds}-fold cross-validation over the decisions` : ''}${result.keptBase ? ': the strongest prior, so the base head is kept' : ''}), reviewed-background ring ${opts.ringM ?? 5} m`,
    },
  };
}

/** Write `<out>.onnx` + `<out>.json` (atomic: temp files renamed at the end). */
export async function writeAdaptedModel(base: LoadedModel, card: ModelCard, outOnnx: string): Promise<{ onnx: string; card: string }> {
  if (extname(outOnnx).toLowerCase() !== '.onnx') {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `The adapted model must be an .onnx file: ${outOnnx}`, file: outOnnx });
  }
  const json = `${JSON.stringify(card, null, 2)}\n`;
  const bytes = writeAdaptedOnnx(await readFile(base.onnxPath), card.head!.output, card.head!, JSON.stringify(card), base.onnxPath);
  const cardPath = join(dirname(outOnnx), `${basename(outOnnx, extname(outOnnx))}.json`);
  const tmpOnnx = `${outOnnx}.partial`;
  const tmpCard = `${cardPath}.partial`;
  try {
    await writeFile(tmpOnnx, bytes);
    await writeFile(tmpCard, json);
    await rename(tmpCard, cardPath);
    await rename(tmpOnnx, outOnnx);
  } catch (e) {
    await rm(tmpOnnx, { force: true });
    await rm(tmpCard, { force: true });
    throw new ScarpError({ code: 'FILE_UNWRITABLE', message: `Cannot write the adapted model ${outOnnx}: ${(e as Error).message}`, file: outOnnx }, { cause: e });
  }
  return { onnx: outOnnx, card: cardPath };
}
