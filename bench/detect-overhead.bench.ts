/**
 * Detect overhead: end-to-end `scarp detect` wall time (ScarpService.detect → runDetection: open,
 * coverage, tiling, inference in the worker, blending, probability GeoTIFF, polygons, GeoPackage)
 * against onnxruntime-node alone running the SAME tiles (the plan detect makes: same coverage
 * skipping, same batch composition) with the SAME session options (provider, intra-op threads),
 * inputs already in memory: session creation + session.run per batch. Target: ratio ≤ 1.15.
 *
 * Scene: a crop of Jinsha site B (RGB + DSM, default 3072 × 2048, made with gdal_translate into
 * bench/.tmp). Model: see bench/lib/models.ts. The breakdown times each main-thread stage alone
 * with the library functions detect uses (read/preprocess, blend + probability write, vectorise +
 * GeoPackage), next to ORT alone: in the pipeline these overlap with ORT running in the worker.
 *
 * Env: BENCH_DETECT_SIZE=WxH, BENCH_REPEATS (default 3), BENCH_MODEL, BENCH_THRESHOLD (detect
 * threshold; e.g. to make a random-weight model produce polygons so vectorising is exercised).
 * Run alone: `node --import tsx bench/detect-overhead.bench.ts`.
 */
import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import type { Grid } from '../src-shared/geo';
import { ScarpService } from '../src-main/core/service/scarp-service';
import { SceneBands } from '../src-main/core/detect/scene-bands';
import { AttributeBands } from '../src-main/core/detect/attribute-bands';
import { coverageOf } from '../src-main/core/detect/coverage';
import { writeInventory } from '../src-main/core/detect/inventory-output';
import { PROBABILITY_NODATA } from '../src-main/core/detect/run-detection';
import {
  DEFAULT_BATCH_SIZE,
  StreamingBlender,
  createSessionWithFallback,
  extractProbability,
  maskSkipper,
  planBatches,
  planScale,
  planTiles,
  writeInputTile,
  type TileInputs,
} from '../src-main/core/inference';
import { createGeoTiffWriter, openRaster, resampleGrid } from '../src-main/core/raster';
import { Polygonizer, vectorizePolygon, type InventoryPolygon, type PixelPolygon } from '../src-main/core/vector';
import { benchModel } from './lib/models';
import { benchTmp, hasGdal, jinshaCrop, jinshaDir } from './lib/scenes';
import { isMain, round3 } from './lib/timing';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export interface DetectOverheadOptions {
  width?: number;
  height?: number;
  repeats?: number;
}

function sizeFromEnv(): [number, number] | null {
  const m = /^(\d+)x(\d+)$/.exec(process.env.BENCH_DETECT_SIZE ?? '');
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export async function run(options: DetectOverheadOptions = {}): Promise<Record<string, unknown>> {
  if (!jinshaDir()) return { skipped: 'no ../shared/data/jinsha-uav (set SCARP_DATA)' };
  if (!hasGdal()) return { skipped: 'gdal_translate not found (apt-get install gdal-bin)' };
  const [W, H] = [options.width, options.height].every((v) => v) ? [options.width!, options.height!] : (sizeFromEnv() ?? [3072, 2048]);
  const repeats = options.repeats ?? (Number(process.env.BENCH_REPEATS) || 3);
  const scene = jinshaCrop(W, H);
  const { model, source } = await benchModel({ hasDem: true });
  const card = model.card;

  // ---- The plan detect makes (same functions as runDetection). ----
  const image = await openRaster(scene.image);
  const dem = await openRaster(scene.dem);
  const scale = planScale(image.info.gsd, card.gsd, `model '${card.id}'`);
  const imageGrid: Grid = { width: image.info.width, height: image.info.height, geoTransform: image.info.geoTransform, crs: image.info.crs };
  const workGrid = scale.kind === 'resample' ? resampleGrid(imageGrid, scale.targetGsd) : imageGrid;
  const region = { x: 0, y: 0, width: workGrid.width, height: workGrid.height };
  const bands = new SceneBands({ image, dem, card, workGrid, resampled: scale.kind === 'resample', region });
  const coverage = await coverageOf(image, workGrid, region, null);
  const plan = planTiles({
    width: region.width,
    height: region.height,
    tileSize: card.tile.size,
    overlap: card.tile.overlap,
    multipleOf: card.tile.multipleOf,
    skip: maskSkipper(coverage.mask, region.width, region.height),
  });
  if (image.info.dataType !== 'uint8') throw new Error('detect-overhead expects uint8 imagery (no percentile stretch)');
  const T = plan.tensorSize;
  const batchSize = model.fixedBatch ?? DEFAULT_BATCH_SIZE;
  const batches = planBatches(plan, batchSize);

  // ---- Stage: read + preprocess every tile into batch tensors (kept in memory for the baseline). ----
  let t = performance.now();
  const feedsPerBatch: Array<Record<string, ort.Tensor>> = [];
  for (const tiles of batches) {
    const n = model.fixedBatch ?? tiles.length;
    const feeds: Record<string, ort.Tensor> = {};
    const datas = card.inputs.map((input) => new Float32Array(n * input.bands.length * T * T));
    for (let slot = 0; slot < tiles.length; slot++) {
      const w = plan.tiles[tiles[slot]!]!.window;
      const data: TileInputs = await bands.readTile(w);
      card.inputs.forEach((input, i) =>
        writeInputTile(input, data[input.name] ?? null, { width: w.width, height: w.height, tensorWidth: T, tensorHeight: T }, datas[i]!, slot),
      );
    }
    for (let slot = tiles.length; slot < n; slot++) {
      card.inputs.forEach((input, i) => writeInputTile(input, null, { width: T, height: T, tensorWidth: T, tensorHeight: T }, datas[i]!, slot));
    }
    card.inputs.forEach((input, i) => (feeds[input.name] = new ort.Tensor('float32', datas[i]!, [n, input.bands.length, T, T])));
    feedsPerBatch.push(feeds);
  }
  const readPreprocessS = (performance.now() - t) / 1000;

  // ---- Baseline (ORT alone) and end-to-end detect, interleaved so background load hits both alike. ----
  const threshold = Number(process.env.BENCH_THRESHOLD) || card.threshold;
  const service = new ScarpService();
  const outGpkg = join(benchTmp, 'detect-overhead.gpkg');
  const outTif = join(benchTmp, 'detect-overhead-prob.tif');
  const baseline: Array<{ total: number; runOnly: number }> = [];
  const detect: Array<{ total: number; inference: number; vectorise: number; features: number; tiles: number; provider: string }> = [];
  let outputs: Float32Array[] = [];
  let provider = 'cpu';
  let threads = 0;
  for (let i = 0; i < repeats; i++) {
    // The detect run first: its provider is the one the baseline then insists on.
    t = performance.now();
    const res = await service.detect({ image: scene.image, dem: scene.dem, model: model.onnxPath, out: outGpkg, probability: outTif, overwrite: true, threshold });
    detect.push({
      total: (performance.now() - t) / 1000,
      inference: res.timings.inferenceS,
      vectorise: res.timings.vectoriseS,
      features: res.features,
      tiles: res.tiles,
      provider: res.provider,
    });
    provider = res.provider;

    const t0 = performance.now();
    const s = await createSessionWithFallback(model.onnxPath, { preferred: provider as 'cpu', strict: true });
    threads = s.intraOpThreads;
    const t1 = performance.now();
    const outs: Float32Array[] = [];
    for (const feeds of feedsPerBatch) {
      const r = await s.session.run(feeds, [card.output.name]);
      outs.push(r[card.output.name]!.data as Float32Array);
    }
    const t2 = performance.now();
    await s.session.release();
    baseline.push({ total: (t2 - t0) / 1000, runOnly: (t2 - t1) / 1000 });
    outputs = outs;
  }

  // ---- Stage: blend + probability GeoTIFF (the detect sink's raster half), from the ORT outputs. ----
  t = performance.now();
  const probPath = join(benchTmp, 'detect-overhead-stage.tif');
  const writer = await createGeoTiffWriter(probPath, bands.grid, { dataType: 'float32', bandCount: 1, nodata: PROBABILITY_NODATA, compression: 'deflate', overwrite: true });
  const masks: Array<{ y: number; mask: Uint8Array; probability: Float32Array }> = [];
  const blender = new StreamingBlender(plan, async (y, rows) => {
    const n = rows.length;
    const optical = await bands.readOptical({ x: 0, y, width: W, height: n });
    const [r, g, b] = [optical.get(0)!, optical.get(1)!, optical.get(2)!];
    const probability = new Float32Array(n * W);
    const mask = new Uint8Array(n * W);
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      for (let x = 0; x < W; x++) {
        const k = i * W + x;
        const v = row[x]!;
        if (Number.isNaN(v) || (Number.isNaN(r[k]!) && Number.isNaN(g[k]!) && Number.isNaN(b[k]!))) probability[k] = Number.NaN;
        else {
          probability[k] = v;
          mask[k] = v >= threshold ? 1 : 0;
        }
      }
    }
    await writer.writeRows(y, [probability]);
    masks.push({ y, mask, probability });
  });
  for (let k = 0; k < batches.length; k++) {
    const tiles = batches[k]!;
    const dims = [model.fixedBatch ?? tiles.length, 1, T, T];
    for (let slot = 0; slot < tiles.length; slot++) {
      const tile = plan.tiles[tiles[slot]!]!;
      await blender.add(tile.index, extractProbability(card.output, outputs[k]!, dims, slot, tile.window));
    }
  }
  await blender.finish();
  await writer.close();
  const blendWriteS = (performance.now() - t) / 1000;

  // ---- Stage: vectorise (polygonizer + attributes + simplification) and the GeoPackage. ----
  t = performance.now();
  const attributes = new AttributeBands(dem, workGrid, region);
  const polygonizer = new Polygonizer({ width: W, height: H, connectivity: 8 });
  const polygons: InventoryPolygon[] = [];
  const vopts = { grid: bands.grid, minAreaM2: 50, simplifyM: 0.5 };
  const take = (list: Iterable<PixelPolygon>) => {
    for (const p of list) {
      const v = vectorizePolygon(p, vopts);
      if (v) polygons.push(v);
    }
  };
  for (const { y, mask, probability } of masks) {
    const terrain = await attributes.readUnder(y, mask.length / W, mask);
    const values = terrain ? { ...terrain, probability } : { probability };
    take(polygonizer.push(y, mask, values));
  }
  take(polygonizer.finish());
  const gpkgStage = join(benchTmp, 'detect-overhead-stage.gpkg');
  rmSync(gpkgStage, { force: true });
  await writeInventory(gpkgStage, polygons, { scene: basename(scene.image), run: 'bench', crs: bands.grid.crs, meta: {} }, { overwrite: true });
  const vectoriseS = (performance.now() - t) / 1000;
  await image.close();
  await dem.close();
  for (const p of [probPath, gpkgStage]) rmSync(p, { force: true });

  const bestBase = baseline.reduce((a, b) => (b.total < a.total ? b : a));
  const bestDetect = detect.reduce((a, b) => (b.total < a.total ? b : a));
  return {
    model: { id: card.id, source, path: model.onnxPath, tile: card.tile, inputs: card.inputs.map((i) => i.bands.map((b) => b.source)) },
    scene: { image: scene.image, dem: scene.dem, width: W, height: H },
    tiles: plan.included.length,
    tilesSkipped: plan.tiles.length - plan.included.length,
    detectTiles: bestDetect.tiles,
    batchSize,
    batches: batches.length,
    provider,
    intraOpThreads: threads,
    features: bestDetect.features,
    /** End-to-end: ScarpService.detect, GeoPackage + probability GeoTIFF written. */
    detectSeconds: round3(bestDetect.total),
    /** ORT alone: session creation + session.run of every batch, inputs in memory. */
    ortAloneSeconds: round3(bestBase.total),
    ortAloneRunOnlySeconds: round3(bestBase.runOnly),
    /** Best detect over best ORT-alone run (the figure the ≤ 1.15 target is about). */
    ratio: round3(bestDetect.total / bestBase.total),
    /** Median of the per-repeat ratios (each detect run is followed by its ORT-alone run): less sensitive to background load. */
    ratioMedianPaired: round3(median(detect.map((d, i) => d.total / baseline[i]!.total))),
    target: 1.15,
    threshold,
    detectTimings: { inferenceS: round3(bestDetect.inference), vectoriseS: round3(bestDetect.vectorise), afterInferenceS: round3(bestDetect.total - bestDetect.inference) },
    /** Each stage alone, single-threaded (in detect, these overlap with ORT in the worker). */
    stagesAloneSeconds: {
      readPreprocess: round3(readPreprocessS),
      ort: round3(bestBase.runOnly),
      blendProbabilityWrite: round3(blendWriteS),
      vectoriseAndGpkg: round3(vectoriseS),
    },
    runs: { detect: detect.map((d) => round3(d.total)), ortAlone: baseline.map((b) => round3(b.total)) },
  };
}

if (isMain(import.meta.url)) {
  run()
    .then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`))
    .catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
}
