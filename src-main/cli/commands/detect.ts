import type { ChangeResult, DetectRequest, DetectResult, ScarpApi } from '../../../src-shared/api';
import { pickableFromSummary, routeScene } from '../../../src-shared/model-pick';
import type { BandSource } from '../../../src-shared/model-card';
import { formatChangeResult } from './change';
import { bareGroundWithProgress, formatBareGroundResult } from './bare-ground';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { bandRolesOf } from '../../../src-shared/bands';
import { ProviderPreference } from '../../../src-shared/api';
import { numberOption, parseCommandArgs } from '../args';
import { UsageError } from '../errors';
import { BAND_OPTIONS, layoutOption } from '../bands';
import { createProgressReporter } from '../progress';
import { cancelOnSigint } from '../cancel';
import { shardOption } from '../shard-option';

export const DETECT_OPTIONS = {
  image: { type: 'string' },
  dem: { type: 'string' },
  model: { type: 'string' },
  threshold: { type: 'string' },
  'seed-threshold': { type: 'string' },
  'no-seed': { type: 'boolean' },
  'min-area': { type: 'string' },
  simplify: { type: 'string' },
  aoi: { type: 'string' },
  out: { type: 'string' },
  probability: { type: 'string' },
  provider: { type: 'string' },
  'batch-size': { type: 'string' },
  overwrite: { type: 'boolean' },
  json: { type: 'boolean' },
  project: { type: 'string' },
  resume: { type: 'boolean' },
  tta: { type: 'boolean' },
  'no-tta': { type: 'boolean' },
  'no-separate': { type: 'boolean' },
  ...BAND_OPTIONS,
  pre: { type: 'string' },
  shard: { type: 'string' },
  'shard-count': { type: 'string' },
} as const;

export function detectRequestFromArgs(args: string[]): { request: DetectRequest; json: boolean; resumeOnly: boolean; pre?: string } {
  const { values: v } = parseCommandArgs(args, DETECT_OPTIONS);
  if (v.resume && !v.project) throw new UsageError('--resume needs --project <file.gpkg>');
  // `--project p.gpkg --resume` alone continues the project's latest unfinished run.
  if (v.resume && !v.image) return { request: { image: '', project: v.project, resume: true }, json: v.json ?? false, resumeOnly: true };
  if (!v.image) throw new UsageError('detect needs --image <tif>');
  if (!v.out && !v.probability && !v.project) throw new UsageError('detect needs --project <file.gpkg>, --out <file.gpkg|file.geojson> and/or --probability <file.tif>');
  if (v.tta && v['no-tta']) throw new UsageError('give --tta or --no-tta, not both');
  const shard = shardOption(v.shard, v['shard-count'], process.env);
  if (shard && (!v.out || v.probability || v.project)) throw new UsageError('--shard writes one shard file: give --out <shard.gpkg>, without --probability or --project (scarp merge-shards joins the shards)');
  if (shard && v.pre) throw new UsageError('--shard runs a model detection; it does not take --pre');
  const provider = v.provider === undefined ? undefined : ProviderPreference.safeParse(v.provider);
  if (provider && !provider.success) throw new UsageError(`--provider must be one of ${ProviderPreference.options.join(', ')}`);
  const request: DetectRequest = {
    image: v.image,
    dem: v.dem,
    model: v.model,
    threshold: numberOption('threshold', v.threshold),
    seedThreshold: seedOption(v),
    minAreaM2: numberOption('min-area', v['min-area']),
    simplifyM: numberOption('simplify', v.simplify),
    aoi: v.aoi,
    out: v.out,
    probability: v.probability,
    overwrite: v.overwrite ?? false,
    provider: provider?.data,
    batchSize: numberOption('batch-size', v['batch-size']),
    project: v.project,
    resume: v.resume ?? false,
    tta: v.tta ? true : v['no-tta'] ? false : undefined,
    separate: !v['no-separate'],
    layout: layoutOption(v),
    shard,
  };
  return { request, json: v.json ?? false, resumeOnly: false, pre: v.pre };
}

/** `--seed-threshold t` (the hysteresis seed) or `--no-seed`; undefined: the model card's. */
export function seedOption(v: { 'seed-threshold'?: string; 'no-seed'?: boolean }): number | null | undefined {
  if (v['no-seed'] && v['seed-threshold'] !== undefined) throw new UsageError('give --seed-threshold or --no-seed, not both');
  if (v['no-seed']) return null;
  const t = numberOption('seed-threshold', v['seed-threshold']);
  if (t !== undefined && !(t > 0 && t < 1)) throw new UsageError('--seed-threshold is a probability between 0 and 1 (exclusive)');
  return t;
}

/**
 * Where the scene goes (src-shared/model-pick.ts routeScene, the app's rule): the picked model,
 * change detection (a pre-event image given, or a pre-event scene in the project), or the
 * single-date method, when no model accepts the scene.
 */
async function routeRequest(service: ScarpApi, request: DetectRequest, pre: string | undefined): Promise<{ kind: 'model' | 'change' | 'single-date' | 'none'; reason: string }> {
  if (request.model) return { kind: 'model', reason: `${request.model}: named in the request.` };
  const [models, info] = await Promise.all([service.listModels(), service.rasterInfo({ path: request.image })]);
  const roles = bandRolesOf(info, request.layout?.bands);
  const opticalBands = (['red', 'green', 'blue', 'nir'] as const).filter((r) => roles.includes(r)) as BandSource[];
  const scene = { gsdM: Math.sqrt(Math.abs(info.gsd.x * info.gsd.y)), hasDem: request.dem !== undefined, opticalBands };
  // Only asked of the project when no model would take the scene anyway.
  const first = routeScene(models, pickableFromSummary, { ...scene, hasPreEvent: pre !== undefined });
  if (first.kind !== 'single-date' || !request.project || !existsSync(request.project)) return first;
  await service.openProject({ path: request.project });
  try {
    const image = resolve(request.image);
    const scenes = await service.listScenes();
    const hasPreEvent = scenes.some((s) => s.role === 'pre-event' && s.state === 'ok' && resolve(s.path) !== image);
    return hasPreEvent ? routeScene(models, pickableFromSummary, { ...scene, hasPreEvent }) : first;
  } finally {
    await service.closeProject();
  }
}

/** The GSD plan in words: "scene 0.5 m, run as is" or "scene 1.2 m, resampled to 0.625 m". */
function formatGsdPlan(r: DetectResult): string {
  const m = (v: number) => `${Number(v.toPrecision(3))} m`;
  const p = r.gsdPlan;
  return p.kind === 'native' ? `scene ${m(p.sceneM)}, run as is` : `scene ${m(p.sceneM)}, resampled to ${m(p.targetM)}`;
}

export function formatDetectResult(r: DetectResult): string {
  return [
    `Model:       ${r.model.id} (${r.model.name})${r.model.domain ? ` for ${r.model.domain}` : ''}`,
    `Why:         ${r.modelReason}`,
    `Provider:    ${r.provider}`,
    `Run at:      ${formatGsdPlan(r)}; DEM ${r.usedDem ? 'used' : 'not used'}; test-time flips ${r.tta ? 'on' : 'off'}; threshold ${r.threshold}${r.seedThreshold !== null ? ` (regions kept where they reach ${r.seedThreshold})` : ''}`,
    `Landslides:  ${r.features} polygons, ${(r.totalAreaM2 / 10_000).toFixed(2)} ha`,
    ...(r.outputs.inventory ? [`Inventory:   ${r.outputs.inventory}`] : []),
    ...(r.outputs.probability ? [`Probability: ${r.outputs.probability}`] : []),
    ...(r.shard
      ? [
          `Shard:       ${r.shard.index}/${r.shard.count}: tile rows ${r.shard.tileRows[0]}–${r.shard.tileRows[1]}, ${r.features} landslides finished here, ${r.shard.heldBack} reaching its edges held for merge-shards; CPU ${r.shard.cpuS.toFixed(1)} s`,
        ]
      : []),
    ...(r.project
      ? [
          `Project:     ${r.project.path} (scene ${r.project.sceneId}, run ${r.project.runId}${r.project.resumed ? `, resumed at row ${r.project.startRow}` : ''}; ${r.project.featuresAdded} predicted landslides replace ${r.project.predictedReplaced})`,
        ]
      : []),
    `Time:        ${r.timings.totalS.toFixed(1)} s (inference ${r.timings.inferenceS.toFixed(1)} s, ${r.tiles} tiles; vectorising ${r.timings.vectoriseS.toFixed(1)} s)`,
    ...r.warnings.map((w) => `Warning:     ${w}`),
  ].join('\n');
}

/** Run a detection with progress on stderr and Ctrl-C cancelling cleanly (no partial outputs). */
export async function detectWithProgress(service: ScarpApi, request: DetectRequest, resumeOnly = false): Promise<DetectResult> {
  const progress = createProgressReporter();
  const cancel = cancelOnSigint(progress.sink);
  try {
    if (resumeOnly) return await service.resumeDetection({ project: request.project }, cancel.sink, cancel.signal);
    return await service.detect(request, cancel.sink, cancel.signal);
  } finally {
    progress.finish();
    cancel.dispose();
  }
}

export async function runDetect(service: ScarpApi, args: string[]): Promise<number> {
  const { request, json, resumeOnly, pre } = detectRequestFromArgs(args);
  if (!resumeOnly && !request.shard) {
    const route = await routeRequest(service, request, pre);
    if (route.kind === 'single-date') {
      const r = await bareGroundWithProgress(service, { image: request.image, dem: request.dem, aoi: request.aoi, out: request.out, score: request.probability, project: request.project, overwrite: request.overwrite, layout: request.layout });
      process.stdout.write(json ? `${JSON.stringify({ route: 'single-date', routeReason: route.reason, bareGround: r }, null, 2)}\n` : `Route:       ${route.reason}\n${formatBareGroundResult(r)}\n`);
      return 0;
    }
    if (route.kind === 'change') {
      const progress = createProgressReporter();
      const cancel = cancelOnSigint(progress.sink);
      let change: ChangeResult;
      try {
        change = await service.detectChange(
          { pre, post: request.image, dem: request.dem, aoi: request.aoi, out: request.out, score: request.probability, project: request.project, overwrite: request.overwrite, preLayout: request.layout, postLayout: request.layout },
          cancel.sink,
          cancel.signal,
        );
      } finally {
        progress.finish();
        cancel.dispose();
      }
      process.stdout.write(json ? `${JSON.stringify({ route: 'change', routeReason: route.reason, change }, null, 2)}\n` : `Route:       ${route.reason}\n${formatChangeResult(change)}\n`);
      return 0;
    }
  }
  const result = await detectWithProgress(service, request, resumeOnly);
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${formatDetectResult(result)}\n`);
  return 0;
}
