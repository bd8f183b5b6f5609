/**
 * The app side of detection-quality v2 against a model exported by the training code itself
 * (training/smoke.py --model digate: features output, head, calibration, window-center terrain):
 * the registry accepts its card, applyHead reproduces its probability output, test-time flips equal
 * the mean of four flipped runs, and SceneBands feeds window-center terrain computed over the scene.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  applyHead,
  loadModelFile,
  planTiles,
  runTiledInference,
  startInProcessRunner,
  type LoadedModel,
  type TileInputs,
} from '../../src-main/core/inference';
import { openRaster, terrainBand, windowCenter, windowCenterGsd, windowCenterSize, type RasterSource } from '../../src-main/core/raster';
import { SceneBands } from '../../src-main/core/detect/scene-bands';
import type { Window } from '../../src-shared/geo';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, hasGdal } from '../helpers/gdal';
import { smokeModel } from '../helpers/models';
import { flippedRunner } from '../helpers/inference';

const onnxPath = hasData ? smokeModelOrNull() : null;
function smokeModelOrNull(): string | null {
  try {
    const p = smokeModel('digate');
    if (!p) console.warn('[scarp tests] training/smoke.py has no --model yet: the smoke-model app tests are skipped.');
    return p;
  } catch (e) {
    if (process.env.CI === 'true') throw e;
    console.warn(`[scarp tests] training/smoke.py --model digate failed: the smoke-model app tests are skipped: ${(e as Error).message}`);
    return null;
  }
}

describe.skipIf(!onnxPath || !hasGdal)('a model exported by the training code (smoke digate)', () => {
  let model: LoadedModel;
  let dir: string;
  let cleanup: () => void;
  let image: RasterSource;
  let dem: RasterSource;

  beforeAll(async () => {
    model = await loadModelFile(onnxPath!);
    ({ dir, cleanup } = tempDir('smoke-app'));
    gdal('gdal_translate', ['-q', '-srcwin', '1536', '1500', '420', '360', dataPath('jinsha-uav/siteB_rgb.tif'), join(dir, 'rgb.tif')]);
    gdal('gdal_translate', ['-q', '-srcwin', '1536', '1500', '420', '360', dataPath('jinsha-uav/siteB_dsm.tif'), join(dir, 'dsm.tif')]);
    image = await openRaster(join(dir, 'rgb.tif'));
    dem = await openRaster(join(dir, 'dsm.tif'));
  }, 300_000);
  afterAll(async () => {
    await image?.close();
    await dem?.close();
    cleanup?.();
  });

  it('has the v2 card: head on a features output (cross-checked on load), a resample range, a domain', () => {
    const c = model.card;
    expect(c.head).toBeDefined();
    expect(model.onnx.outputs.map((o) => o.name)).toContain(c.head!.output);
    expect(c.gsd.resampleMinM ?? c.gsd.resampleMaxM).toBeDefined();
    expect(typeof c.domain).toBe('string');
  });

  it('applyHead on its features reproduces its probability output within 1e-4', async () => {
    const c = model.card;
    const session = await ort.InferenceSession.create(model.onnxPath, { executionProviders: ['cpu'] });
    try {
      const T = 64;
      const feeds: Record<string, ort.Tensor> = {};
      for (const [k, input] of c.inputs.entries()) {
        const n = 2 * input.bands.length * T * T;
        feeds[input.name] = new ort.Tensor('float32', new Float32Array(n).map((_, i) => Math.sin(i * 0.0137 + k) * 1.5), [2, input.bands.length, T, T]);
      }
      const r = await session.run(feeds);
      const prob = r[c.output.name]!;
      const feat = r[c.head!.output]!;
      for (let slot = 0; slot < 2; slot++) {
        const mine = applyHead(c, feat.data as Float32Array, feat.dims, slot, { width: T, height: T });
        const pd = prob.data as Float32Array;
        let maxDiff = 0;
        for (let i = 0; i < T * T; i++) maxDiff = Math.max(maxDiff, Math.abs(mine[i]! - pd[slot * T * T + i]!));
        expect(maxDiff).toBeLessThan(1e-4);
      }
    } finally {
      await session.release();
    }
  }, 60_000);

  it('test-time flips equal the mean of four flipped runs within 1e-6 (real bands, edge tiles)', async () => {
    const bands = new SceneBands({ image, dem, card: model.card, workGrid: image.info, resampled: false, region: { x: 0, y: 0, width: 300, height: 280 } });
    const read = (w: Window): Promise<TileInputs> => bands.readTile(w);
    const c = model.card;
    const plan = planTiles({ width: 300, height: 280, tileSize: c.tile.size, overlap: c.tile.overlap, multipleOf: c.tile.multipleOf });
    const infer = async (extra: Partial<Parameters<typeof runTiledInference>[0]>) => {
      const out = new Float32Array(300 * 280);
      await runTiledInference({ width: 300, height: 280, plan, model, readTile: read, sink: (y, rows) => rows.forEach((r, i) => out.set(r, (y + i) * 300)), mode: 'in-process', ...extra });
      return out;
    };
    const tta = await infer({ tta: true });
    const inner = await startInProcessRunner(model.onnxPath);
    try {
      const runs: Float32Array[] = [];
      for (const [fx, fy] of [[false, false], [true, false], [false, true], [true, true]] as const) runs.push(await infer({ tta: false, runner: flippedRunner(inner, fx, fy) }));
      let maxDiff = 0;
      for (let i = 0; i < tta.length; i++) maxDiff = Math.max(maxDiff, Math.abs(tta[i]! - (runs[0]![i]! + runs[1]![i]! + runs[2]![i]! + runs[3]![i]!) / 4));
      expect(maxDiff).toBeLessThan(1e-6);
    } finally {
      await inner.close();
    }
  }, 180_000);

  it('SceneBands feeds window-center terrain computed over the whole scene, not the AOI region or the tile', async () => {
    const c = model.card;
    const terrain = c.inputs.find((i) => i.bands.some((b) => b.normalization.kind === 'window-center'));
    expect(terrain, 'the smoke card normalises a terrain band with window-center').toBeDefined();
    const j = terrain!.bands.findIndex((b) => b.normalization.kind === 'window-center');
    const spec = terrain!.bands[j]!;
    if (spec.normalization.kind !== 'window-center') throw new Error('unreachable');
    const region = { x: 60, y: 50, width: 300, height: 260 };
    const bands = new SceneBands({ image, dem, card: c, workGrid: image.info, resampled: false, region });
    const tile = { x: 10, y: 20, width: 120, height: 90 };
    const got = (await bands.readTile(tile))[terrain!.name]![j]!;
    const W = image.info.width;
    const H = image.info.height;
    const plane = await terrainBand(dem, spec.source as 'dem', image.info, { derivedAtM: spec.derivedAtM, computeEdges: false }).readWindow({ x: 0, y: 0, width: W, height: H });
    const whole = windowCenter(plane, W, H, windowCenterSize(spec.normalization.windowM, windowCenterGsd(image.info)));
    let maxDiff = 0;
    let valid = 0;
    for (let y = 0; y < tile.height; y++) {
      for (let x = 0; x < tile.width; x++) {
        const e = whole[(region.y + tile.y + y) * W + region.x + tile.x + x]! / spec.normalization.scale;
        const g = got[y * tile.width + x]!;
        if (Number.isNaN(e)) expect(g).toBeNaN();
        else {
          valid++;
          maxDiff = Math.max(maxDiff, Math.abs(g - e));
        }
      }
    }
    expect(valid).toBeGreaterThan(0.5 * tile.width * tile.height);
    expect(maxDiff).toBeLessThan(1e-5);
  }, 60_000);

  it('scarp detect with --dem and --tta runs it end to end and reports the plan', () => {
    const out = execFileSync(process.execPath, [join(__dirname, '../../bin/scarp.mjs'), 'detect', '--image', join(dir, 'rgb.tif'), '--dem', join(dir, 'dsm.tif'), '--model', model.onnxPath, '--probability', join(dir, 'p.tif'), '--tta', '--json'], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r = JSON.parse(out) as { tta: boolean; usedDem: boolean; gsdPlan: { kind: string }; model: { domain?: string } };
    expect(r.tta).toBe(true);
    expect(r.usedDem).toBe(true);
    expect(r.gsdPlan.kind).toBe('native');
    expect(r.model.domain).toBe(model.card.domain);
  }, 180_000);
});
