import type { ChangeRequest, ChangeResult, ScarpApi } from '../../../src-shared/api';
import { ChangeMethod } from '../../../src-shared/api';
import { numberOption, parseCommandArgs } from '../args';
import { BAND_OPTIONS, layoutOption } from '../bands';
import { UsageError } from '../errors';
import { createProgressReporter } from '../progress';
import { cancelOnSigint } from '../cancel';

export const CHANGE_OPTIONS = {
  pre: { type: 'string' },
  post: { type: 'string' },
  dem: { type: 'string' },
  aoi: { type: 'string' },
  out: { type: 'string' },
  probability: { type: 'string' },
  score: { type: 'string' },
  project: { type: 'string' },
  method: { type: 'string' },
  threshold: { type: 'string' },
  'max-greening': { type: 'string' },
  'cloud-reflectance': { type: 'string' },
  'min-slope': { type: 'string' },
  'min-area-px': { type: 'string' },
  simplify: { type: 'string' },
  ...BAND_OPTIONS,
  'pre-bands': { type: 'string' },
  'pre-scale': { type: 'string' },
  'pre-offset': { type: 'string' },
  overwrite: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export function changeRequestFromArgs(args: string[]): { request: ChangeRequest; json: boolean } {
  const { values: v } = parseCommandArgs(args, CHANGE_OPTIONS);
  if ((!v.pre || !v.post) && !v.project) throw new UsageError('change needs --pre <tif> and --post <tif>, or --project <file.gpkg> with pre- and post-event scenes');
  if (v.probability && v.score) throw new UsageError('give --probability or --score (the same change score raster), not both');
  const score = v.score ?? v.probability;
  if (!v.out && !score && !v.project) throw new UsageError('change needs --out <file.gpkg|file.geojson>, --project <file.gpkg> and/or --probability <score.tif>');
  const method = v.method === undefined ? undefined : ChangeMethod.safeParse(v.method);
  if (method && !method.success) throw new UsageError(`--method must be one of ${ChangeMethod.options.join(', ')}`);
  const postLayout = layoutOption(v);
  // --pre-* override the shared options for the pre-event image (a different sensor or product).
  const preOwn = layoutOption({ bands: v['pre-bands'], scale: v['pre-scale'], offset: v['pre-offset'] }, 'pre-');
  const preLayout = postLayout || preOwn ? { ...postLayout, ...Object.fromEntries(Object.entries(preOwn ?? {}).filter(([, x]) => x !== undefined)) } : undefined;
  const request: ChangeRequest = {
    pre: v.pre,
    post: v.post,
    dem: v.dem,
    aoi: v.aoi,
    out: v.out,
    score,
    project: v.project,
    method: method?.data,
    threshold: numberOption('threshold', v.threshold),
    maxGreening: numberOption('max-greening', v['max-greening']),
    cloudReflectance: numberOption('cloud-reflectance', v['cloud-reflectance']),
    minSlopeDeg: numberOption('min-slope', v['min-slope']),
    minAreaPx: numberOption('min-area-px', v['min-area-px']),
    simplifyM: numberOption('simplify', v.simplify),
    preLayout,
    postLayout,
    overwrite: v.overwrite ?? false,
  };
  return { request, json: v.json ?? false };
}

export function formatChangeResult(r: ChangeResult): string {
  const ha = (m2: number): string => `${(m2 / 10_000).toFixed(2)} ha`;
  return [
    `Method:      ${r.methodReason}`,
    `Score:       ${r.scoreName}; change where ${r.direction === 'loss' ? `≤ −${r.threshold}` : `≥ ${r.threshold}`}${r.brightnessShift !== null ? ` (median ln ratio ${r.brightnessShift.toFixed(3)} taken out; not greener than ΔGLI × 100 = ${r.maxGreening}${r.cloudReflectance !== null ? `; post-event reflectance > ${r.cloudReflectance} masked as cloud` : ''})` : ''}${r.minSlopeDeg !== null ? `; slopes ≥ ${r.minSlopeDeg}°` : '; no DEM: no slope mask'}`,
    `Images:      pre ${r.images.pre} (${r.gsdM.pre.toFixed(1)} m${r.preResampled ? ', co-registered onto the post-event grid' : ''}), post ${r.images.post} (${r.gsdM.post.toFixed(1)} m); ${r.validPixels} valid pixels, ${r.changedPixels} changed`,
    ...(r.cloudMasks.pre || r.cloudMasks.post
      ? [`Clouds:      ${r.maskedPixels} pixels unmapped (${[r.cloudMasks.pre && `pre-event ${r.cloudMasks.pre.band}: ${r.cloudMasks.pre.maskedPixels}`, r.cloudMasks.post && `post-event ${r.cloudMasks.post.band}: ${r.cloudMasks.post.maskedPixels}`].filter(Boolean).join(', ')})`]
      : []),
    `Landslides:  ${r.features} polygons, ${ha(r.totalAreaM2)} (minimum ${Math.round(r.minAreaM2)} m²)`,
    ...(r.outputs.inventory ? [`Inventory:   ${r.outputs.inventory}`] : []),
    ...(r.outputs.score ? [`Score:       ${r.outputs.score}`] : []),
    ...(r.project ? [`Project:     ${r.project.path} (scene ${r.project.sceneId}, run ${r.project.runId}; ${r.project.featuresAdded} predicted landslides replace ${r.project.predictedReplaced})`] : []),
    `Time:        ${r.timings.totalS.toFixed(1)} s`,
    ...r.warnings.map((w) => `Warning:     ${w}`),
  ].join('\n');
}

export async function runChangeCommand(service: ScarpApi, args: string[]): Promise<number> {
  const { request, json } = changeRequestFromArgs(args);
  const progress = createProgressReporter();
  const cancel = cancelOnSigint(progress.sink);
  let result: ChangeResult;
  try {
    result = await service.detectChange(request, cancel.sink, cancel.signal);
  } finally {
    progress.finish();
    cancel.dispose();
  }
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${formatChangeResult(result)}\n`);
  return 0;
}
