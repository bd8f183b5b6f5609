/**
 * Pre/post-event change detection: the pre-event image is co-registered onto the post-event grid
 * (any CRS and resolution, bilinear, like the DEM), a change score is computed per pixel
 * (change-method.ts), and the change mask goes through the detection's chain: polygons with
 * attributes (terrain from the DEM, the change strength in prob_mean/prob_max), the minimum area in
 * pixels of the coarser image, an inventory file and/or a project run whose predicted landslides
 * replace the scene's previous ones through Project.apply. Streams by row bands; outputs appear
 * only when the whole run succeeded (index-run.ts: the chain shared with the single-date method).
 */
import { basename, resolve } from 'node:path';
import type { ChangeRequestParsed, ChangeResult, CloudMaskSummary, ProgressSink } from '../../../src-shared/api';
import { isCloudMaskRole } from '../../../src-shared/bands';
import { INDEX_RUN_PREFIXES } from '../../../src-shared/vocabulary';
import type { Grid, Window } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import {
  applyCloudMasks,
  assertOverlap,
  cloudMaskOf,
  cloudMaskSentence,
  bandLayoutOf,
  checkDetectBudget,
  gsdOf,
  elevationUnitWarning,
  openDem,
  openRaster,
  pixelAreaM2,
  roleBands,
  terrainBand,
  alignedShift,
  type BandRole,
} from '../raster';
import type { Project } from '../store/project';
import { AttributeBands } from './attribute-bands';
import { AoiMask } from './aoi';
import { checkDem } from './dem-check';
import { BAND_ROWS, runIndexMethod, sha, type IndexRunPlan } from './index-run';
import { resolveChangeScenes } from './project-scenes';
import { VISIBLE_DEFAULTS, changeRows, chooseChangeMethod, logBrightnessRatio, type ChangeMethodSpec, type ChangeRule } from './change-method';

const cancelled = (): ScarpError => new ScarpError({ code: 'CANCELLED', message: 'Change detection cancelled: nothing was written.' });

/** Version of the change rules (part of the run's identity in a project). */
const CHANGE_RULES_VERSION = 1;

function gsdM(g: Grid): number {
  const s = gsdOf(g);
  return Math.sqrt(s.x * s.y);
}

interface ChangePlan extends IndexRunPlan {
  spec: ChangeMethodSpec;
  reason: string;
  rule: ChangeRule;
  gsd: { pre: number; post: number };
  preResampled: boolean;
  /** Each image's cloud mask (its count grows as rows are read), or null. */
  clouds: { pre: CloudMaskSummary | null; post: CloudMaskSummary | null };
  /** Post-event pixels with data where the pre-event image has none (grows as rows are read). */
  preGap: { pixels: number };
}

/** Both images' bands for one window, cloud-masked, with what the masks removed there. */
interface PairRead {
  pre: Map<BandRole, Float32Array>;
  post: Map<BandRole, Float32Array>;
  masked: { total: number; pre: number; post: number };
}

/**
 * `open`: a project already open (the app's), used instead of opening `req.project` (and left open).
 * Without `pre` and `post`, the project's pre-event scene and its latest post-event scene are taken
 * (project-scenes.ts).
 */
export async function runChange(req: ChangeRequestParsed, onProgress?: ProgressSink, signal?: AbortSignal, open?: Project): Promise<ChangeResult> {
  const pair = await resolveChangeScenes(req, open);
  const r = await runIndexMethod<ChangePlan>(
    req,
    async ({ opened, warnings, progress }) => {
      progress({ stage: 'prepare', done: 0, total: 3, message: 'opening the pre- and post-event images' });
      warnings.push(...pair.notes);
      const post = await openRaster(pair.post);
      opened.push(post);
      const pre = await openRaster(pair.pre);
      opened.push(pre);
      assertOverlap(pre.info, post.info, pre.info.path, 'the post-event image');
      const dem = req.dem ? await openDem(req.dem) : null;
      if (dem) {
        opened.push(dem);
        const unit = elevationUnitWarning(dem);
        if (unit) warnings.push(unit);
        assertOverlap(dem.info, post.info, dem.info.path, 'the post-event image');
        warnings.push(...(await checkDem(dem, post)).warnings);
      }
      const preLayout = bandLayoutOf(pre.info, req.preLayout);
      const postLayout = bandLayoutOf(post.info, req.postLayout);
      for (const [l, which] of [[preLayout, 'Pre'], [postLayout, 'Post']] as const) if (l.note) warnings.push(`${which}-event image: ${l.note}`);
      const { spec, reason } = chooseChangeMethod(req.method, { path: pre.info.path, layout: preLayout }, { path: post.info.path, layout: postLayout });
      const scaled = (l: typeof req.preLayout): boolean => l?.scale !== undefined || l?.offset !== undefined;
      if (pre.info.dataType !== post.info.dataType && !(scaled(req.preLayout) && scaled(req.postLayout))) {
        throw new ScarpError({
          code: 'INCOMPATIBLE_BANDS',
          message: `The pre-event image is ${pre.info.dataType} and the post-event image ${post.info.dataType}: probably different sensors or products, whose values are not the same reflectance.`,
          file: pre.info.path,
          hint: 'Give the reflectance scale (and offset) of each image, so both become reflectance.',
          options: ['scale', 'offset'],
          params: { pre: pre.info.dataType, post: post.info.dataType },
        });
      }
      const gPre = gsdM(pre.info);
      const gPost = gsdM(post.info);
      if (Math.max(gPre, gPost) / Math.min(gPre, gPost) > 1.5) {
        warnings.push(`The images have different resolutions (pre ${gPre.toFixed(1)} m, post ${gPost.toFixed(1)} m), probably different sensors: the pre-event image is resampled onto the post-event grid, and change smaller than its pixels is not seen.`);
      }
      const spectral = (roles: readonly BandRole[]): BandRole[] => roles.filter((r) => !isCloudMaskRole(r));
      if (spectral(preLayout.roles).length !== spectral(postLayout.roles).length) {
        warnings.push(`The images have different bands (pre ${preLayout.roles.join(', ')}; post ${postLayout.roles.join(', ')}): only the bands both have are compared.`);
      }
      const visible = spec.id === 'visible';
      const reflectanceKnown = req.postLayout?.scale !== undefined;
      const rule: ChangeRule = {
        spec,
        threshold: req.threshold ?? spec.defaultThreshold,
        minSlopeDeg: dem ? req.minSlopeDeg : null,
        shift: 0,
        maxGreening: req.maxGreening ?? VISIBLE_DEFAULTS.maxGreening,
        cloudReflectance: visible && reflectanceKnown ? (req.cloudReflectance ?? VISIBLE_DEFAULTS.cloudReflectance) : null,
      };

      const workGrid: Grid = { width: post.info.width, height: post.info.height, geoTransform: post.info.geoTransform, crs: post.info.crs };
      const aoi = req.aoi ? await AoiMask.load(req.aoi, workGrid) : null;
      if (aoi) warnings.push(...aoi.footprintWarning(post.info.path));
      const region: Window = aoi ? aoi.window : { x: 0, y: 0, width: workGrid.width, height: workGrid.height };
      checkDetectBudget(post.info.path, region.width, region.height, aoi !== null);
      const postBands = roleBands(post, postLayout, spec.roles, workGrid);
      // Coordinates interpolated to 1e-6 pixel (gdalwarp's default is 0.125): a co-registration, not a preview.
      const preBands = roleBands(pre, preLayout, spec.roles, workGrid, { maxErrorPx: 1e-6 });
      const postClouds = cloudMaskOf(post, postLayout, workGrid);
      const preClouds = cloudMaskOf(pre, preLayout, workGrid, { maxErrorPx: 1e-6 });
      const summary = (c: typeof preClouds): CloudMaskSummary | null => (c ? { band: c.spec.label, bandNumber: c.band + 1, maskedPixels: 0 } : null);
      const clouds = { pre: summary(preClouds), post: summary(postClouds) };
      if (visible && !reflectanceKnown && !postClouds) warnings.push('No reflectance scale was given and the post-event image has no quality band (SCL, QA60, QA_PIXEL): its clouds are not masked (give the scale to mask bright clouds, or name its quality band).');
      const preGrid: Grid = { width: pre.info.width, height: pre.info.height, geoTransform: pre.info.geoTransform, crs: pre.info.crs };
      const shift = alignedShift(workGrid, preGrid);
      const preResampled = !(shift && shift.dx === 0 && shift.dy === 0 && preGrid.width === workGrid.width && preGrid.height === workGrid.height);
      const slope = dem ? terrainBand(dem, 'slope', workGrid) : null;
      const attributes = dem ? new AttributeBands(dem, workGrid, region) : null;
      // Minimum area: pixels of the coarser image.
      const minAreaM2 = req.minAreaPx * Math.max(pixelAreaM2(workGrid, Math.floor(workGrid.height / 2)), pixelAreaM2(preGrid, Math.floor(preGrid.height / 2)));
      const simplifyM = req.simplifyM ?? gPost / 2;

      // Both images' bands by row band; a region of at most MEDIAN_SAMPLE pixels read by the first pass is
      // kept for the second (at most 6 float32 bands of 4 M pixels), so the co-registration runs once.
      const keep = visible && region.width * region.height <= MEDIAN_SAMPLE ? new Map<number, PairRead>() : null;
      const readBoth = async (w: Window): Promise<PairRead> => {
        const kept = keep?.get(w.y);
        if (kept) {
          keep!.delete(w.y);
          return kept;
        }
        const [a, b, ca, cb] = await Promise.all([
          preBands.readWindow(w),
          postBands.readWindow(w),
          preClouds ? preClouds.readWindow(w) : Promise.resolve(null),
          postClouds ? postClouds.readWindow(w) : Promise.resolve(null),
        ]);
        // Cloud-masked pixels are no data for both passes (the median shift leaves them out too).
        const inside = aoi ? aoi.rows(w.y - region.y, w.height) : null;
        const m = applyCloudMasks([{ bands: a, codes: ca }, { bands: b, codes: cb }], w.width * w.height, inside);
        return { pre: a, post: b, masked: { total: m.masked, pre: m.perImage[0]!, post: m.perImage[1]! } };
      };
      // The visible method's first pass: the scene's overall brightness difference between the dates.
      if (visible) {
        rule.shift = await medianLogBrightnessRatio(region, async (w) => {
          const both = await readBoth(w);
          keep?.set(w.y, both);
          return both;
        }, aoi, progress);
      }
      const preGap = { pixels: 0 };
      const params = {
        pre: resolve(pair.pre),
        post: resolve(pair.post),
        dem: req.dem ? resolve(req.dem) : null,
        aoi: req.aoi ? resolve(req.aoi) : null,
        method: spec.id,
        threshold: rule.threshold,
        maxGreening: visible ? rule.maxGreening : null,
        cloudReflectance: rule.cloudReflectance,
        minSlopeDeg: rule.minSlopeDeg,
        brightnessShift: visible ? rule.shift : null,
        minAreaPx: req.minAreaPx,
        minAreaM2,
        simplifyM,
        preLayout,
        postLayout,
        cloudMasks: { pre: preClouds?.spec.role ?? null, post: postClouds?.spec.role ?? null },
      };
      return {
        scene: post,
        sceneRole: 'post-event',
        workGrid,
        region,
        aoi,
        attributes,
        minAreaM2,
        simplifyM,
        scoreLabel: 'change score',
        async rows(w, y, n) {
          const [both, s] = await Promise.all([readBoth(w), slope ? slope.readWindow(w) : Promise.resolve(null)]);
          const inside = aoi ? aoi.rows(y, n) : null;
          const rows = changeRows(rule, both.pre, both.post, w.width * n, s, inside);
          preGap.pixels += preGapPixels(both, w.width * n, inside);
          if (clouds.pre) clouds.pre.maskedPixels += both.masked.pre;
          if (clouds.post) clouds.post.maskedPixels += both.masked.post;
          return { ...rows, flagged: rows.changed, masked: both.masked.total };
        },
        run: { modelId: `${INDEX_RUN_PREFIXES.change}${spec.id}`, modelName: spec.scoreName, modelSha256: sha({ method: spec.id, version: CHANGE_RULES_VERSION }), params, what: 'Change detection' },
        dem: req.dem,
        layers: [{ kind: 'imagery', path: pair.pre, info: { role: 'pre-event' } }],
        noValid: (masked) =>
          new ScarpError({
            code: 'ALL_NODATA',
            message: `The pre-event image ${pre.info.path} and the post-event image ${post.info.path} have no valid pixels in common${aoi ? ' inside the area of interest' : ''}${masked > 0 ? ` that no cloud mask flags (${masked} pixels were masked as cloud)` : ''}.`,
            file: pre.info.path,
            hint: masked > 0 ? 'The scenes are cloudy there: take clearer scenes of the area.' : 'Check that both images cover the same ground with data (scarp info shows their bounds and nodata).',
          }),
        spec,
        reason,
        rule,
        gsd: { pre: gPre, post: gPost },
        preResampled,
        clouds,
        preGap,
      };
    },
    { onProgress, signal, open, cancelled },
  );
  const { spec, reason, rule } = r.plan;
  const visible = spec.id === 'visible';
  return {
    method: spec.id,
    methodReason: reason,
    scoreName: spec.scoreName,
    threshold: rule.threshold,
    direction: spec.direction,
    brightnessShift: visible ? rule.shift : null,
    maxGreening: visible ? rule.maxGreening : null,
    cloudReflectance: rule.cloudReflectance,
    minSlopeDeg: rule.minSlopeDeg,
    gsdM: r.plan.gsd,
    preResampled: r.plan.preResampled,
    minAreaM2: r.plan.minAreaM2,
    validPixels: r.validPixels,
    changedPixels: r.flaggedPixels,
    maskedPixels: r.maskedPixels,
    preGapPixels: r.plan.preGap.pixels,
    cloudMasks: r.plan.clouds,
    features: r.polygons.length,
    totalAreaM2: r.polygons.reduce((s, q) => s + q.attributes.area_m2, 0),
    outputs: r.outputs,
    project: r.project,
    images: { pre: resolve(pair.pre), post: resolve(pair.post) },
    timings: { totalS: r.totalS },
    warnings: [
      ...r.warnings,
      ...(r.plan.clouds.pre ? [cloudMaskSentence('The pre-event image', r.plan.clouds.pre)] : []),
      ...(r.plan.clouds.post ? [cloudMaskSentence('The post-event image', r.plan.clouds.post)] : []),
      ...preGapWarning(r.plan.preGap.pixels, r.validPixels + r.maskedPixels, pair.pre),
    ],
  };
}

/**
 * Pixels of a window where the post-event image has data and the pre-event image has none (inside the
 * AOI). Cloud-masked pixels are no data in both (applyCloudMasks) and are counted apart.
 */
function preGapPixels(both: PairRead, n: number, inside: Uint8Array | null): number {
  const a = both.pre.get('red')!;
  const b = both.post.get('red')!;
  let gap = 0;
  for (let k = 0; k < n; k++) if ((inside === null || inside[k] !== 0) && Number.isNaN(a[k]!) && !Number.isNaN(b[k]!)) gap++;
  return gap;
}

/**
 * The warning when part of the post-event image could not be compared (a pre-event image with gaps or a
 * smaller footprint): change there is not mapped, and an empty area must not read as "no landslides".
 * Under 1 % of the ground (edge pixels of a resampled image) says nothing.
 */
export function preGapWarning(gap: number, compared: number, preImage: string): string[] {
  const total = gap + compared;
  if (gap === 0 || gap < 0.01 * total) return [];
  const pct = Math.round((100 * gap) / total);
  return [
    `The pre-event image ${basename(preImage)} has no data over ${pct} % of the post-event image's ground (${gap} pixels): change there is not mapped, so no landslide there does not mean none happened. Give a pre-event image that covers it (scarp info shows each image's bounds and nodata), or map that part with the single-date method (scarp bare-ground --aoi).`,
  ];
}

/** Most values kept for the median (more valid pixels are sampled with a fixed stride). */
const MEDIAN_SAMPLE = 4_000_000;

/**
 * The median of ln(B_post / B_pre) over the valid pixels of the region (inside the AOI): exact up to
 * MEDIAN_SAMPLE valid pixels, from every k-th valid pixel beyond (k fixed by the region size).
 */
async function medianLogBrightnessRatio(
  region: Window,
  read: (w: Window) => Promise<PairRead>,
  aoi: AoiMask | null,
  progress: ProgressSink,
): Promise<number> {
  const stride = Math.max(1, Math.ceil((region.width * region.height) / MEDIAN_SAMPLE));
  const kept = new Float64Array(Math.ceil((region.width * region.height) / stride));
  let count = 0;
  let seen = 0;
  for (let y = 0; y < region.height; y += BAND_ROWS) {
    progress({ stage: 'prepare', done: y, total: region.height, message: 'brightness between the dates' });
    const n = Math.min(BAND_ROWS, region.height - y);
    const { pre: a, post: b } = await read({ x: region.x, y: region.y + y, width: region.width, height: n });
    const lr = logBrightnessRatio(a, b, region.width * n);
    const inside = aoi ? aoi.rows(y, n) : null;
    for (let k = 0; k < lr.length; k++) {
      const v = lr[k]!;
      if (Number.isNaN(v) || (inside !== null && inside[k] === 0)) continue;
      if (seen++ % stride === 0) kept[count++] = v;
    }
  }
  if (count === 0) return 0;
  const sorted = kept.subarray(0, count).sort();
  const h = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[h]! : (sorted[h - 1]! + sorted[h]!) / 2;
}
