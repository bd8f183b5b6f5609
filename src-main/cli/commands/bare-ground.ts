/** `scarp bare-ground`: the single-date method (bare ground on slopes) for imagery no model accepts and no pre-event image. */
import type { BareGroundRequest, BareGroundResult, ScarpApi } from '../../../src-shared/api';
import { BareGroundIndex } from '../../../src-shared/api';
import { numberOption, parseCommandArgs } from '../args';
import { BAND_OPTIONS, layoutOption } from '../bands';
import { UsageError } from '../errors';
import { createProgressReporter } from '../progress';
import { cancelOnSigint } from '../cancel';

export const BARE_GROUND_OPTIONS = {
  image: { type: 'string' },
  dem: { type: 'string' },
  aoi: { type: 'string' },
  out: { type: 'string' },
  score: { type: 'string' },
  project: { type: 'string' },
  index: { type: 'string' },
  threshold: { type: 'string' },
  'min-slope': { type: 'string' },
  'min-area-px': { type: 'string' },
  simplify: { type: 'string' },
  ...BAND_OPTIONS,
  overwrite: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export function bareGroundRequestFromArgs(args: string[]): { request: BareGroundRequest; json: boolean } {
  const { values: v } = parseCommandArgs(args, BARE_GROUND_OPTIONS);
  if (!v.image) throw new UsageError('bare-ground needs --image <tif>');
  if (!v.out && !v.score && !v.project) throw new UsageError('bare-ground needs --out <file.gpkg|file.geojson>, --project <file.gpkg> and/or --score <index.tif>');
  const index = v.index === undefined ? undefined : BareGroundIndex.safeParse(v.index);
  if (index && !index.success) throw new UsageError(`--index must be one of ${BareGroundIndex.options.join(', ')}`);
  const threshold = numberOption('threshold', v.threshold);
  if (threshold !== undefined && !(threshold > -1 && threshold < 1)) throw new UsageError('--threshold is an index value between -1 and 1 (exclusive)');
  const request: BareGroundRequest = {
    image: v.image,
    dem: v.dem,
    aoi: v.aoi,
    out: v.out,
    score: v.score,
    project: v.project,
    index: index?.data,
    threshold,
    minSlopeDeg: numberOption('min-slope', v['min-slope']),
    minAreaPx: numberOption('min-area-px', v['min-area-px']),
    simplifyM: numberOption('simplify', v.simplify),
    layout: layoutOption(v),
    overwrite: v.overwrite ?? false,
  };
  return { request, json: v.json ?? false };
}

export function formatBareGroundResult(r: BareGroundResult): string {
  const ha = (m2: number): string => `${(m2 / 10_000).toFixed(2)} ha`;
  return [
    `Method:      ${r.methodReason}`,
    `Score:       ${r.scoreName} (not a probability); bare ground where < ${r.threshold}${r.minSlopeDeg !== null ? `; slopes ≥ ${r.minSlopeDeg}°` : '; no DEM: no slope mask'}`,
    `Image:       ${r.gsdM.toFixed(1)} m; ${r.validPixels} valid pixels, ${r.barePixels} bare`,
    ...(r.cloudMask ? [`Clouds:      ${r.maskedPixels} pixels unmapped (${r.cloudMask.band}, band ${r.cloudMask.bandNumber})`] : []),
    `Landslides:  ${r.features} polygons, ${ha(r.totalAreaM2)} (minimum ${Math.round(r.minAreaM2)} m²)`,
    ...(r.outputs.inventory ? [`Inventory:   ${r.outputs.inventory}`] : []),
    ...(r.outputs.score ? [`Score:       ${r.outputs.score}`] : []),
    ...(r.project ? [`Project:     ${r.project.path} (scene ${r.project.sceneId}, run ${r.project.runId}; ${r.project.featuresAdded} predicted landslides replace ${r.project.predictedReplaced})`] : []),
    `Time:        ${r.timings.totalS.toFixed(1)} s`,
    ...r.warnings.map((w) => `Warning:     ${w}`),
  ].join('\n');
}

/** Run it with progress on stderr and Ctrl-C cancelling cleanly. */
export async function bareGroundWithProgress(service: ScarpApi, request: BareGroundRequest): Promise<BareGroundResult> {
  const progress = createProgressReporter();
  const cancel = cancelOnSigint(progress.sink);
  try {
    return await service.detectBareGround(request, cancel.sink, cancel.signal);
  } finally {
    progress.finish();
    cancel.dispose();
  }
}

export async function runBareGroundCommand(service: ScarpApi, args: string[]): Promise<number> {
  const { request, json } = bareGroundRequestFromArgs(args);
  const result = await bareGroundWithProgress(service, request);
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${formatBareGroundResult(result)}\n`);
  return 0;
}
