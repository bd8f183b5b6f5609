/**
 * Everything a pass over a scene needs before inference starts: inputs opened and checked, the model
 * (requested or picked) and its GSD plan, the work grid, the area of interest, the band readers,
 * valid-data coverage and the tile plan. Shared by detections and by feature passes (adapt/).
 */
import type { DetectRequestParsed, ProgressSink } from '../../../src-shared/api';
import type { Grid, Window } from '../../../src-shared/geo';
import type { BandSource } from '../../../src-shared/model-card';
import { fmtM, fmtRange, gsdFit, pickableFromCard, resampleRange, runnableWith } from '../../../src-shared/model-pick';
import { ScarpError } from '../../../src-shared/errors';
import { assertOverlap, bandLayoutOf, checkDetectBudget, cloudMaskBandOf, elevationUnitWarning, openDem, openRaster, resampleGrid, scaledReflectanceP99, TEN_THOUSAND_SCALE, type BandLayout, type RasterSource } from '../raster';
import {
  cardSources,
  listModels,
  maskSkipper,
  gainStretch,
  UINT8_REFERENCE_P98,
  pickDefaultModel,
  planScale,
  sceneGsdOf,
  planTiles,
  resolveModel,
  usesTerrain,
  type BandStretch,
  type LoadedModel,
  type TilePlan,
} from '../inference';
import { modelsDir } from '../paths';
import { OPTICAL_ROLES, SceneBands, opticalFileBands } from './scene-bands';
import { AttributeBands } from './attribute-bands';
import { coverageOf, type Coverage } from './coverage';
import { AoiMask } from './aoi';
import { checkDem } from './dem-check';
import { coverageCodec, demCheckCodec, fileIdentity, sharedSceneResult } from './scene-cache';

export interface OpenedScene {
  image: RasterSource;
  dem: RasterSource | null;
  model: LoadedModel;
  modelReason: string;
  card: LoadedModel['card'];
  tta: boolean;
  scale: ReturnType<typeof planScale>;
  workGrid: Grid;
  aoi: AoiMask | null;
  region: Window;
  bands: SceneBands;
  attributes: AttributeBands | null;
  coverage: Coverage;
  stretch: Record<string, BandStretch[]>;
  plan: TilePlan;
  layout: BandLayout;
}

/** The requested model, or the one the picker chooses for the scene, with the reason. */
async function chooseModel(
  requested: string | undefined,
  scene: { hasDem: boolean; gsdM: number; opticalBands: BandSource[] },
): Promise<{ model: LoadedModel; reason: string; terrainAlternative?: LoadedModel }> {
  if (requested) {
    const model = await resolveModel(requested, modelsDir());
    return { model, reason: `${model.id}: named in the request, not picked.` };
  }
  const { models } = await listModels(modelsDir());
  const pick = pickDefaultModel(models, scene);
  if (!pick) {
    if (models.length === 0) {
      throw new ScarpError({ code: 'INVALID_MODEL', message: `No usable model in ${modelsDir()}.`, hint: 'Reinstall Scarp, or choose a model file (.onnx) with a model card.', options: ['model'] });
    }
    const bandsFit = models.filter((m) => runnableWith(pickableFromCard(m.card), scene));
    if (bandsFit.length === 0) {
      throw new ScarpError({
        code: 'INCOMPATIBLE_BANDS',
        message: `No model in ${modelsDir()} can run on ${scene.opticalBands.length} optical band(s) ${scene.hasDem ? 'with' : 'without'} a DEM (${models.map((m) => `${m.id} needs ${[...cardSources(m.card).required].join(', ')}`).join('; ')}).`,
        hint: scene.opticalBands.length < 3 ? 'Use RGB imagery (bands ordered red, green, blue).' : 'Add a DEM, or choose a model.',
        options: scene.opticalBands.length < 3 ? undefined : ['dem', 'model'],
      });
    }
    const ranges = bandsFit.map((m) => {
      const wide = resampleRange(m.card.gsd);
      return `${m.id} ${fmtRange(m.card.gsd.minM, m.card.gsd.maxM)}${wide ? ` (resamples ${fmtRange(wide[0], wide[1])})` : ''}`;
    });
    throw new ScarpError({
      code: 'RESOLUTION_OUT_OF_RANGE',
      message: `No model in ${modelsDir()} accepts imagery of ${fmtM(scene.gsdM)} per pixel: ${ranges.join('; ')}.`,
      hint: 'Use imagery inside one of these ranges, choose a model, or give a pre-event image of the same area: change detection maps scenes no model accepts.',
      options: ['model', 'pre'],
    });
  }
  // A DEM was given but the pick ignores it (it runs the scene as is, a terrain model only by
  // resampling): name the terrain model, since which one maps better depends on the imagery's
  // kind (aerial or satellite), which the file does not say.
  const terrainAlternative =
    scene.hasDem && !usesTerrain(pick.model.card)
      ? models.find((m) => {
          const p = pickableFromCard(m.card);
          return usesTerrain(m.card) && p.pickByDefault && runnableWith(p, scene) && gsdFit(scene.gsdM, m.card.gsd).kind !== 'out';
        })
      : undefined;
  return { model: pick.model, reason: pick.reason, terrainAlternative };
}

/**
 * Open the scene of a request. Rasters opened are pushed to `opened` (the caller closes them, also
 * on failure); warnings for the user are pushed to `warnings`.
 */
export async function openScene(
  req: Pick<DetectRequestParsed, 'image' | 'dem' | 'model' | 'tta' | 'aoi' | 'layout'>,
  opened: RasterSource[],
  warnings: string[],
  onProgress?: ProgressSink,
  /** A folder where the shards of one scene share the DEM check and the coverage (scene-cache.ts). */
  sharedDir?: string,
): Promise<OpenedScene> {
    onProgress?.({ stage: 'prepare', done: 0, total: 4, message: 'opening inputs' });
  const image = await openRaster(req.image);
  opened.push(image);
  const dem = req.dem ? await openDem(req.dem) : null;
  if (dem) {
    opened.push(dem);
    const unit = elevationUnitWarning(dem);
    if (unit) warnings.push(unit);
    assertOverlap(dem.info, image.info, dem.info.path, 'the imagery');
    const demKey = { dem: fileIdentity(dem.info.path), image: fileIdentity(image.info.path) };
    warnings.push(...(await sharedSceneResult(sharedDir, 'dem-check', demKey, () => checkDem(dem, image), demCheckCodec)).warnings);
  }
  const sceneGsd = sceneGsdOf(image.info.gsd);
  let layout = bandLayoutOf(image.info, req.layout);
  if (layout.note) warnings.push(layout.note);
  const quality = cloudMaskBandOf(layout);
  if (quality) warnings.push(`Band ${quality.band + 1} is the ${quality.spec.label} quality band: a model detection does not mask clouds with it (scarp change and bare-ground do); review landslides under cloud.`);
  const fileBands = opticalFileBands(layout);
  const opticalBands = OPTICAL_ROLES.filter((_, i) => fileBands[i] !== null);
  const { model, reason: modelReason, terrainAlternative } = await chooseModel(req.model, { hasDem: dem !== null, gsdM: sceneGsd, opticalBands: [...opticalBands] });
  const card = model.card;
  const tta = req.tta ?? card.tta === 'flips';
  onProgress?.({ stage: 'prepare', done: 0, total: 4, message: `model ${modelReason}` });
  if (dem && !usesTerrain(card)) {
    const alt = terrainAlternative
      ? ` Model '${terrainAlternative.id}' uses terrain and takes this scene by resampling it${terrainAlternative.card.domain ? ` (made for ${terrainAlternative.card.domain})` : ''}: on aerial or drone imagery compare the two (--model ${terrainAlternative.id}).`
      : '';
    warnings.push(`Model '${card.id}' does not use terrain; the DEM only feeds the slope/elevation/aspect attributes.${alt}`);
  }
  if (!dem && usesTerrain(card)) warnings.push(`Model '${card.id}' was given no DEM: its terrain stream is fed its fill value (trained with terrain dropped).`);

  const scale = planScale(image.info.gsd, card.gsd, `model '${card.id}'`);
  const imageGrid: Grid = { width: image.info.width, height: image.info.height, geoTransform: image.info.geoTransform, crs: image.info.crs };
  const workGrid = scale.kind === 'resample' ? resampleGrid(imageGrid, scale.targetGsd) : imageGrid;
  if (scale.kind === 'resample') warnings.push(`${scale.reason.charAt(0).toUpperCase()}${scale.reason.slice(1)}.`);
  onProgress?.({ stage: 'prepare', done: 1, total: 4, message: 'area of interest' });

  if (!req.aoi) checkDetectBudget(image.info.path, workGrid.width, workGrid.height, false);
  const aoi = req.aoi ? await AoiMask.load(req.aoi, workGrid) : null;
  if (aoi) warnings.push(...aoi.footprintWarning(image.info.path));
  const region: Window = aoi ? aoi.window : { x: 0, y: 0, width: workGrid.width, height: workGrid.height };
  if (aoi) checkDetectBudget(image.info.path, region.width, region.height, true);
  const attributes = dem ? new AttributeBands(dem, workGrid, region) : null;
  onProgress?.({ stage: 'prepare', done: 2, total: 4, message: 'coverage' });

  // Coverage and the stretch statistics are read from the layout's optical bands (in its order, scaled).
  const opticalFiles = fileBands.filter((b): b is number => b !== null);
  const coverageKey = { image: fileIdentity(image.info.path), aoi: req.aoi ? fileIdentity(req.aoi) : null, workGrid, region, bands: opticalFiles, scale: layout.scale, offset: layout.offset };
  const coverage = await sharedSceneResult(sharedDir, 'coverage', coverageKey, () => coverageOf(image, workGrid, region, aoi, { bands: opticalFiles, layout }), coverageCodec);
  if (coverage.validCells === 0) {
    throw new ScarpError({
      code: 'ALL_NODATA',
      message: `${image.info.path} has no valid pixels ${aoi ? `inside the area of interest ${req.aoi}` : 'anywhere'} (every pixel is nodata).`,
      file: image.info.path,
      hint: aoi ? 'Check that the area of interest covers the imagery.' : 'Check the nodata value of the imagery (scarp info).',
    });
  }
  if (image.info.blackIsNodata && !aoi && coverage.validCells < coverage.mask.data.length) {
    const share = 1 - coverage.validCells / coverage.mask.data.length;
    warnings.push(
      `${image.info.path} declares no nodata value, alpha band or mask: pixels that are 0 in every band (about ${share < 0.01 ? '<1' : Math.round(share * 100)} % of the scene) are read as no data, not as black ground.`,
    );
  }
  // A reflectance-domain model fed × 10,000 integers (no scale given): scale them, and say so.
  if (req.layout?.scale === undefined && req.layout?.offset === undefined && card.inputs.some((i) => i.valueDomain === 'reflectance')) {
    const p99 = scaledReflectanceP99([...coverage.sample.values()]);
    if (p99 !== null) {
      layout = { ...layout, scale: TEN_THOUSAND_SCALE };
      for (const v of coverage.sample.values()) for (let i = 0; i < v.length; i++) v[i] = v[i]! * TEN_THOUSAND_SCALE;
      warnings.push(
        `Model '${card.id}' takes reflectance, and ${image.info.path} holds values up to ${Math.round(p99)} (99th percentile): read as reflectance × 10,000 (the Sentinel-2 / Landsat Level-2 convention) and scaled by 0.0001. Give the scale (and offset) if the product differs.`,
      );
    }
  }
  const bands = new SceneBands({ image, dem, card, workGrid, resampled: scale.kind === 'resample', region, layout });
  const stretch: Record<string, BandStretch[]> = {};
  // Not 8-bit imagery (or 8-bit values rescaled): uint8-domain inputs get one gain (gainStretch).
  if (image.info.dataType !== 'uint8' || layout.scale !== 1 || layout.offset !== 0) {
    for (const input of card.inputs) {
      if (input.valueDomain !== 'uint8') continue;
      const used = input.bands.map((b) => (OPTICAL_ROLES as readonly string[]).indexOf(b.source)).filter((i) => i >= 0);
      const gain = gainStretch(used.map((i) => coverage.sample.get(i) ?? new Float32Array(0)), input.bands.length);
      if (!gain) continue;
      stretch[input.name] = gain;
      warnings.push(
        `${image.info.path} holds ${image.info.dataType} values${layout.scale !== 1 || layout.offset !== 0 ? ' (scaled)' : ''}, and model '${card.id}' was trained on 8-bit imagery: its values are multiplied by ${(255 / gain[0]!.high).toPrecision(3)}, one gain for every band, so that their 98th percentile becomes ${UINT8_REFERENCE_P98}.`,
      );
    }
  }
  const plan = planTiles({
    width: region.width,
    height: region.height,
    tileSize: card.tile.size,
    overlap: card.tile.overlap,
    multipleOf: card.tile.multipleOf,
    skip: maskSkipper(coverage.mask, region.width, region.height),
    fitSmallImage: !model.fixedSpatial,
  });
  onProgress?.({ stage: 'prepare', done: 4, total: 4 });
  return { image, dem, model, modelReason, card, tta, scale, workGrid, aoi, region, bands, attributes, coverage, stretch, plan, layout };
}
