/**
 * The single-date method as a run (bare-ground-method.ts holds the per-pixel rule): the image's
 * bands by role, the slope of the DEM co-registered onto the image grid, then the chain shared
 * with change detection (index-run.ts): score raster, polygons with attributes, inventory file
 * and/or a project run with its parameters and predicted landslides.
 */
import { resolve } from 'node:path';
import type { BareGroundRequestParsed, BareGroundResult, CloudMaskSummary, ProgressSink } from '../../../src-shared/api';
import type { Grid, Window } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { INDEX_RUN_PREFIXES } from '../../../src-shared/vocabulary';
import { applyCloudMasks, assertOverlap, cloudMaskSentence, bandLayoutOf, checkDetectBudget, cloudMaskOf, gsdOf, elevationUnitWarning, openDem, openRaster, pixelAreaM2, roleBands, terrainBand } from '../raster';
import type { Project } from '../store/project';
import { AttributeBands } from './attribute-bands';
import { AoiMask } from './aoi';
import { checkDem } from './dem-check';
import { runIndexMethod, sha, type IndexRunPlan } from './index-run';
import { BARE_GROUND_CAVEAT, bareGroundRows, chooseBareGroundIndex, type BareGroundRule, type BareGroundSpec } from './bare-ground-method';

const cancelled = (): ScarpError => new ScarpError({ code: 'CANCELLED', message: 'Bare-ground mapping cancelled: nothing was written.' });

/** Version of the single-date rules (part of the run's identity in a project). */
const RULES_VERSION = 1;

interface BareGroundPlan extends IndexRunPlan {
  spec: BareGroundSpec;
  reason: string;
  rule: BareGroundRule;
  gsdM: number;
  /** The image's cloud mask (its count grows as rows are read), or null. */
  cloud: CloudMaskSummary | null;
}

/** `open`: a project already open (the app's), used instead of opening `req.project` (and left open). */
export async function runBareGround(req: BareGroundRequestParsed, onProgress?: ProgressSink, signal?: AbortSignal, open?: Project): Promise<BareGroundResult> {
  const r = await runIndexMethod<BareGroundPlan>(
    req,
    async ({ opened, warnings, progress }) => {
      progress({ stage: 'prepare', done: 0, total: 2, message: 'opening the image' });
      const image = await openRaster(req.image);
      opened.push(image);
      const dem = req.dem ? await openDem(req.dem) : null;
      if (dem) {
        opened.push(dem);
        const unit = elevationUnitWarning(dem);
        if (unit) warnings.push(unit);
        assertOverlap(dem.info, image.info, dem.info.path, 'the image');
        warnings.push(...(await checkDem(dem, image)).warnings);
      }
      const layout = bandLayoutOf(image.info, req.layout);
      if (layout.note) warnings.push(layout.note);
      const { spec, reason } = chooseBareGroundIndex(req.index, { path: image.info.path, layout });
      const rule: BareGroundRule = { spec, threshold: req.threshold ?? spec.defaultThreshold, minSlopeDeg: dem ? req.minSlopeDeg : null };
      if (!dem) warnings.push('No DEM was given: bare ground is mapped on every slope (fields, river beds and towns included); give a DEM to keep only slopes.');
      warnings.push(BARE_GROUND_CAVEAT);

      const workGrid: Grid = { width: image.info.width, height: image.info.height, geoTransform: image.info.geoTransform, crs: image.info.crs };
      const aoi = req.aoi ? await AoiMask.load(req.aoi, workGrid) : null;
      if (aoi) warnings.push(...aoi.footprintWarning(image.info.path));
      const region: Window = aoi ? aoi.window : { x: 0, y: 0, width: workGrid.width, height: workGrid.height };
      checkDetectBudget(image.info.path, region.width, region.height, aoi !== null);
      const bands = roleBands(image, layout, spec.roles, workGrid);
      const clouds = cloudMaskOf(image, layout, workGrid);
      const cloud: CloudMaskSummary | null = clouds ? { band: clouds.spec.label, bandNumber: clouds.band + 1, maskedPixels: 0 } : null;
      const slope = dem ? terrainBand(dem, 'slope', workGrid) : null;
      const attributes = dem ? new AttributeBands(dem, workGrid, region) : null;
      const g = gsdOf(workGrid);
      const gsdM = Math.sqrt(g.x * g.y);
      const minAreaM2 = req.minAreaPx * pixelAreaM2(workGrid, Math.floor(workGrid.height / 2));
      const simplifyM = req.simplifyM ?? gsdM / 2;
      const params = {
        image: resolve(req.image),
        dem: req.dem ? resolve(req.dem) : null,
        aoi: req.aoi ? resolve(req.aoi) : null,
        index: spec.id,
        threshold: rule.threshold,
        minSlopeDeg: rule.minSlopeDeg,
        minAreaPx: req.minAreaPx,
        minAreaM2,
        simplifyM,
        layout,
        cloudMask: clouds ? clouds.spec.role : null,
      };
      return {
        scene: image,
        workGrid,
        region,
        aoi,
        attributes,
        minAreaM2,
        simplifyM,
        scoreLabel: `${spec.id.toUpperCase()} (single date)`,
        async rows(w, y, n) {
          const [b, s, codes] = await Promise.all([bands.readWindow(w), slope ? slope.readWindow(w) : Promise.resolve(null), clouds ? clouds.readWindow(w) : Promise.resolve(null)]);
          const inside = aoi ? aoi.rows(y, n) : null;
          const { masked } = applyCloudMasks([{ bands: b, codes }], w.width * n, inside);
          if (cloud) cloud.maskedPixels += masked;
          return { ...bareGroundRows(rule, b, w.width * n, s, inside), masked };
        },
        run: { modelId: `${INDEX_RUN_PREFIXES.bareGround}${spec.id}`, modelName: spec.scoreName, modelSha256: sha({ method: `bare-ground-${spec.id}`, version: RULES_VERSION }), params, what: 'Single-date bare ground' },
        dem: req.dem,
        noValid: (masked) =>
          new ScarpError({
            code: 'ALL_NODATA',
            message: `${image.info.path} has no pixel where the ${spec.id.toUpperCase()} is defined${aoi ? ' inside the area of interest' : ''}${masked > 0 && clouds ? ` and not cloud: its ${clouds.spec.label} band masked ${masked} pixels` : ''}.`,
            file: image.info.path,
            hint: masked > 0 ? 'The scene is cloudy there: take a clearer scene of the area.' : 'Check the nodata value and the band roles of the image (scarp info).',
          }),
        spec,
        reason,
        rule,
        gsdM,
        cloud,
      };
    },
    { onProgress, signal, open, cancelled },
  );
  const { spec, reason, rule } = r.plan;
  return {
    method: spec.id,
    methodReason: reason,
    scoreName: spec.scoreName,
    threshold: rule.threshold,
    minSlopeDeg: rule.minSlopeDeg,
    gsdM: r.plan.gsdM,
    minAreaM2: r.plan.minAreaM2,
    validPixels: r.validPixels,
    barePixels: r.flaggedPixels,
    maskedPixels: r.maskedPixels,
    cloudMask: r.plan.cloud,
    features: r.polygons.length,
    totalAreaM2: r.polygons.reduce((s, q) => s + q.attributes.area_m2, 0),
    outputs: r.outputs,
    project: r.project,
    timings: { totalS: r.totalS },
    warnings: [...r.warnings, ...(r.plan.cloud ? [cloudMaskSentence('The image', r.plan.cloud)] : [])],
  };
}
