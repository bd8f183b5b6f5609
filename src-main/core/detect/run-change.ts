/**
 * Pre/post-event change detection: the pre-event image is co-registered onto the post-event grid
 * (any CRS and resolution, bilinear, like the DEM), a change score is computed per pixel
 * (change-method.ts), and the change mask goes through the detection's chain: polygons with
 * attributes (terrain from the DEM, the change strength in prob_mean/prob_max), the minimum area in
 * pixels of the coarser image, an inventory file and/or a project run whose predicted landslides
 * replace the scene's previous ones through Project.apply. Streams by row bands; outputs appear
 * only when the whole run succeeded.
 */
import { basename, dirname, resolve } from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ChangeRequestParsed, ChangeResult, ProgressSink, ProjectRunSummary } from '../../../src-shared/api';
import type { Grid, Window } from '../../../src-shared/geo';
import { ScarpError, isScarpError } from '../../../src-shared/errors';
import {
  assertOverlap,
  bandLayoutOf,
  checkDetectBudget,
  createGeoTiffWriter,
  gsdOf,
  openRaster,
  pixelAreaM2,
  roleBands,
  subGrid,
  terrainBand,
  alignedShift,
  type BandRole,
  type GeoTiffWriter,
  type RasterSource,
} from '../raster';
import { Polygonizer, vectorizePolygon, type InventoryPolygon, type PixelPolygon } from '../vector';
import { discardOutputs, planOutput, type PlannedOutput } from '../util/atomic-output';
import { removeProjectFiles, sweepLeftovers } from '../util/leftovers';
import { Project, quantise, RASTER_TILE_SIZE } from '../store/project';
import type { LandslideFeature } from '../store/geopackage-writer';
import { finishOutputs, INVENTORY_EXTENSIONS } from './inventory-output';
import { AttributeBands } from './attribute-bands';
import { AoiMask } from './aoi';
import { checkDem } from './dem-check';
import { predictionsPlan } from './project-run';
import { VISIBLE_DEFAULTS, changeRows, chooseChangeMethod, logBrightnessRatio, type ChangeRule } from './change-method';
import { polygonConfidence } from '../vector/confidence';

const cancelled = (): ScarpError => new ScarpError({ code: 'CANCELLED', message: 'Change detection cancelled: nothing was written.' });
const sha = (v: unknown): string => createHash('sha256').update(JSON.stringify(v)).digest('hex');

/** Rows per band of the stream. */
const BAND_ROWS = 256;
/** Version of the change rules (part of the run's identity in a project). */
const CHANGE_RULES_VERSION = 1;

function gsdM(g: Grid): number {
  const s = gsdOf(g);
  return Math.sqrt(s.x * s.y);
}

/** `open`: a project already open (the app's), used instead of opening `req.project` (and left open). */
export async function runChange(req: ChangeRequestParsed, onProgress?: ProgressSink, signal?: AbortSignal, open?: Project): Promise<ChangeResult> {
  const t0 = performance.now();
  const warnings: string[] = [];
  if (!req.out && !req.score && !req.project && !open) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'Nothing to write: give an inventory output (out), a change score raster and/or a project.', options: ['out', 'score', 'project'] });
  }
  const planned: PlannedOutput[] = [];
  // The inventory is checked here and written last, through the exporter (finishOutputs).
  const inventoryOut = req.out ? planOutput(req.out, INVENTORY_EXTENSIONS, req.overwrite, 'inventory') : null;
  const scoreOut = req.score ? planOutput(req.score, ['.tif', '.tiff'], req.overwrite, 'change score raster') : null;
  if (scoreOut) planned.push(scoreOut);
  const progress: ProgressSink = (e) => {
    onProgress?.(e);
    if (signal?.aborted) throw cancelled();
  };
  const opened: RasterSource[] = [];
  let writer: GeoTiffWriter | null = null;
  let project: { p: Project; created: boolean; owned: boolean } | null = null;
  let summary: ProjectRunSummary | undefined;
  let failure: unknown = null;
  try {
    progress({ stage: 'prepare', done: 0, total: 3, message: 'opening the pre- and post-event images' });
    const post = await openRaster(req.post);
    opened.push(post);
    const pre = await openRaster(req.pre);
    opened.push(pre);
    assertOverlap(pre.info, post.info, pre.info.path, 'the post-event image');
    const dem = req.dem ? await openRaster(req.dem) : null;
    if (dem) {
      opened.push(dem);
      assertOverlap(dem.info, post.info, dem.info.path, 'the post-event image');
      warnings.push(...(await checkDem(dem, post)).warnings);
    }
    const preLayout = bandLayoutOf(pre.info, req.preLayout);
    const postLayout = bandLayoutOf(post.info, req.postLayout);
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
    if (preLayout.roles.length !== postLayout.roles.length) {
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
    if (visible && !reflectanceKnown) warnings.push('No reflectance scale was given: clouds in the post-event image are not masked (give the scale to mask them).');

    const workGrid: Grid = { width: post.info.width, height: post.info.height, geoTransform: post.info.geoTransform, crs: post.info.crs };
    const aoi = req.aoi ? await AoiMask.load(req.aoi, workGrid) : null;
    const region: Window = aoi ? aoi.window : { x: 0, y: 0, width: workGrid.width, height: workGrid.height };
    checkDetectBudget(post.info.path, region.width, region.height, aoi !== null);
    const grid = subGrid(workGrid, region);
    const postBands = roleBands(post, postLayout, spec.roles, workGrid);
    // Coordinates interpolated to 1e-6 pixel (gdalwarp's default is 0.125): a co-registration, not a preview.
    const preBands = roleBands(pre, preLayout, spec.roles, workGrid, { maxErrorPx: 1e-6 });
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
    const keep = visible && region.width * region.height <= MEDIAN_SAMPLE ? new Map<number, [Map<BandRole, Float32Array>, Map<BandRole, Float32Array>]>() : null;
    const readBoth = async (w: Window): Promise<[Map<BandRole, Float32Array>, Map<BandRole, Float32Array>]> => {
      const kept = keep?.get(w.y);
      if (kept) {
        keep!.delete(w.y);
        return kept;
      }
      const both = await Promise.all([preBands.readWindow(w), postBands.readWindow(w)]);
      return both;
    };
    // The visible method's first pass: the scene's overall brightness difference between the dates.
    if (visible) {
      rule.shift = await medianLogBrightnessRatio(region, async (w) => {
        const both = await readBoth(w);
        keep?.set(w.y, both);
        return both;
      }, aoi, progress);
    }
    if (scoreOut) writer = await createGeoTiffWriter(scoreOut.tempPath, grid, { dataType: 'float32', bandCount: 1, compression: 'deflate', overwrite: true });
    const params = {
      pre: resolve(req.pre),
      post: resolve(req.post),
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
    };

    // The project: the post-event image is the scene, the pre-event image a layer of it; a run records the parameters.
    let tiles: ReturnType<Project['runs']['tileWriter']> | null = null;
    let runId: string = randomUUID();
    let sceneId = basename(post.info.path);
    if (open) project = { p: open, created: false, owned: false };
    else if (req.project) {
      sweepLeftovers(dirname(resolve(req.project)));
      const o = Project.openOrCreate(resolve(req.project));
      project = { p: o.project, created: o.created, owned: true };
    }
    if (project) {
      const p = project.p;
      const { scene } = await p.addScene(req.post, { role: 'post-event' });
      sceneId = scene.id;
      const demLayerId = req.dem ? p.tx(() => p.scenes.addLayer(scene.id, 'dem', req.dem!), 'recording the DEM') : null;
      p.tx(() => p.scenes.addLayer(scene.id, 'imagery', req.pre, { role: 'pre-event' }), 'recording the pre-event image');
      const run = p.tx(
        () =>
          p.runs.create({
            sceneId: scene.id,
            demLayerId,
            modelId: `change-${spec.id}`,
            modelName: spec.scoreName,
            modelSha256: sha({ method: spec.id, version: CHANGE_RULES_VERSION }),
            params,
            paramsKey: sha({ ...params, run: randomUUID() }),
            grid: { width: region.width, height: region.height, geoTransform: grid.geoTransform, region, resampled: false },
            plan: { tileSize: RASTER_TILE_SIZE, overlap: 0, batchSize: 1, tilesTotal: 0, signature: sha({ region, method: spec.id }) },
            threshold: 0.5,
          }),
        'recording the run',
      );
      runId = run.id;
      tiles = p.runs.tileWriter(run.id, region.width, region.height);
      summary = { path: p.path, runId: run.id, sceneId: scene.id, resumed: false, startRow: 0, featuresAdded: 0, predictedReplaced: 0, editId: null };
    }

    const polygonizer = new Polygonizer({ width: region.width, height: region.height, connectivity: 8 });
    const polygons: InventoryPolygon[] = [];
    const take = (list: Iterable<PixelPolygon>): void => {
      for (const q of list) {
        const v = vectorizePolygon(q, { grid, minAreaM2, simplifyM });
        if (v) polygons.push(v);
      }
    };
    let validPixels = 0;
    let changedPixels = 0;
    const W = region.width;
    for (let y = 0; y < region.height; y += BAND_ROWS) {
      progress({ stage: 'infer', done: y, total: region.height, message: 'change score' });
      const n = Math.min(BAND_ROWS, region.height - y);
      const w: Window = { x: region.x, y: region.y + y, width: W, height: n };
      const [[a, b], s] = await Promise.all([readBoth(w), slope ? slope.readWindow(w) : Promise.resolve(null)]);
      const rows = changeRows(rule, a, b, W * n, s, aoi ? aoi.rows(y, n) : null);
      validPixels += rows.valid;
      changedPixels += rows.changed;
      if (writer) await writer.writeRows(y, [rows.score]);
      if (tiles && project) {
        const q = new Uint8Array(rows.strength.length);
        for (let k = 0; k < q.length; k++) q[k] = quantise(rows.strength[k]!);
        const t = tiles;
        project.p.tx(() => t.write(y, q, n, []), 'storing the change strength');
      }
      const terrain = attributes ? await attributes.readUnder(y, n, rows.mask) : null;
      take(polygonizer.push(y, rows.mask, terrain ? { ...terrain, probability: rows.strength } : { probability: rows.strength }));
    }
    take(polygonizer.finish());
    if (validPixels === 0) {
      throw new ScarpError({
        code: 'ALL_NODATA',
        message: `The pre-event image ${pre.info.path} and the post-event image ${post.info.path} have no valid pixels in common${aoi ? ' inside the area of interest' : ''}.`,
        file: pre.info.path,
        hint: 'Check that both images cover the same ground with data (scarp info shows their bounds and nodata).',
      });
    }
    if (writer) {
      await writer.close();
      writer = null;
    }
    progress({ stage: 'write', done: 0, total: 1 });
    if (project && summary) {
      const p = project.p;
      const now = new Date().toISOString();
      const features: LandslideFeature[] = polygons.map((q) => ({
        geometry: p.toProjectCrs(q.geometry, post.info.crs),
        properties: { ...q.attributes, scene: sceneId, run: runId, status: 'predicted', confidence: polygonConfidence(q.attributes.prob_mean), created_at: now, updated_at: now },
      }));
      const label = `Change detection ${runId.slice(0, 8)} (${spec.id}) on ${sceneId}: ${features.length} predicted landslides`;
      const r = p.tx(() => {
        const applied = p.apply(predictionsPlan(p, sceneId, features, label));
        p.runs.finish(runId, 'done', { timings: { totalS: (performance.now() - t0) / 1000 }, featureCount: features.length, provider: 'cpu' });
        return applied;
      }, label);
      summary.featuresAdded = r.added.length;
      summary.predictedReplaced = r.removed.length;
      summary.editId = r.edit?.id ?? null;
    }
    const inventory = inventoryOut && { path: inventoryOut.finalPath, polygons, ctx: { scene: basename(post.info.path), run: runId, crs: grid.crs }, overwrite: req.overwrite };
    warnings.push(...(await finishOutputs(inventory, planned)));
    onProgress?.({ stage: 'write', done: 1, total: 1 });
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
      gsdM: { pre: gPre, post: gPost },
      preResampled,
      minAreaM2,
      validPixels,
      changedPixels,
      features: polygons.length,
      totalAreaM2: polygons.reduce((s, q) => s + q.attributes.area_m2, 0),
      outputs: { inventory: inventoryOut?.finalPath, score: scoreOut?.finalPath },
      project: summary,
      timings: { totalS: (performance.now() - t0) / 1000 },
      warnings,
    };
  } catch (err) {
    const e = signal?.aborted && !isScarpError(err) ? cancelled() : err;
    failure = e;
    if (writer) await writer.abort().catch(() => undefined);
    discardOutputs(planned);
    if (project && summary) {
      const p = project.p;
      const id = summary.runId;
      try {
        p.tx(() => p.runs.finish(id, isScarpError(e) && e.code === 'CANCELLED' ? 'cancelled' : 'failed', { error: e instanceof Error ? e.message : String(e) }), 'recording the failure');
      } catch {
        /* the run stays 'running' */
      }
    }
    throw e;
  } finally {
    await Promise.all(opened.map((r) => r.close().catch(() => undefined)));
    if (project?.owned) {
      project.p.close();
      if (project.created && failure !== null) removeProjectFiles(project.p.path);
    }
  }
}

/** Most values kept for the median (more valid pixels are sampled with a fixed stride). */
const MEDIAN_SAMPLE = 4_000_000;

/**
 * The median of ln(B_post / B_pre) over the valid pixels of the region (inside the AOI): exact up to
 * MEDIAN_SAMPLE valid pixels, from every k-th valid pixel beyond (k fixed by the region size).
 */
async function medianLogBrightnessRatio(
  region: Window,
  read: (w: Window) => Promise<[Map<BandRole, Float32Array>, Map<BandRole, Float32Array>]>,
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
    const [a, b] = await read({ x: region.x, y: region.y + y, width: region.width, height: n });
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
