/**
 * Learning from corrections with the shipped UAV model on a crop of Jinsha site B: the adapted ONNX
 * carries the refitted head in its own graph (its probability output equals the app's head on its
 * features), is never picked by default, and `scarp adapt --simulate` runs the whole loop and
 * writes an inventory GDAL reads.
 */
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { applyHead, loadModelFile, pickDefaultModel, type LoadedModel } from '../../src-main/core/inference';
import { adaptedCard, writeAdaptedModel } from '../../src-main/core/adapt/adapt-model';
import { LAMBDA_GRID } from '../../src-main/core/adapt/choose-lambda';
import { readHeadFromOnnx } from '../../src-main/core/adapt/onnx-head';
import { repoRoot } from '../../src-main/core/paths';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, hasGdal } from '../helpers/gdal';
import { scarp } from '../helpers/cli';
import { createScarpService } from '../../src-main/core/service/scarp-service';
import { existsSync } from 'node:fs';

const counts = { confirmed: 3, rejected: 2, drawn: 1, background: 0, positivePixels: 100, negativePixels: 50 };

/** The adapted ONNX's own probability equals the app's head on its features (within 1e-4), and differs from the base's. */
async function expectGraphIsAdaptedHead(base: LoadedModel, out: string): Promise<void> {
  const adapted = await loadModelFile(out);
  const T = 64;
  const feeds: Record<string, ort.Tensor> = {};
  for (const [k, input] of adapted.card.inputs.entries()) {
    const n = 2 * input.bands.length * T * T;
    feeds[input.name] = new ort.Tensor('float32', new Float32Array(n).map((_, i) => Math.sin(i * 0.0137 + k) * 1.5), [2, input.bands.length, T, T]);
  }
  const [sa, sb] = await Promise.all([ort.InferenceSession.create(out), ort.InferenceSession.create(base.onnxPath)]);
  const ra = await sa.run(feeds);
  const rb = await sb.run(feeds);
  const f = ra[adapted.card.head!.output]!;
  for (const slot of [0, 1]) {
    const mine = applyHead(adapted.card, f.data as Float32Array, f.dims, slot, { width: T, height: T });
    const graph = (ra['probability']!.data as Float32Array).subarray(slot * T * T, (slot + 1) * T * T);
    let maxAbsDiff = 0;
    for (let i = 0; i < mine.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(mine[i]! - graph[i]!));
    expect(maxAbsDiff).toBeLessThan(1e-4);
  }
  const baseProb = rb['probability']!.data as Float32Array;
  const adaptedProb = ra['probability']!.data as Float32Array;
  expect(adaptedProb.some((v, i) => Math.abs(v - baseProb[i]!) > 0.01)).toBe(true);
}

/** A head that differs from the base one (what a fit would write). */
const changedHead = (m: LoadedModel): { weights: number[]; bias: number } => ({ weights: m.card.head!.weights.map((w, i) => w * 0.5 + (i % 3) * 0.1), bias: m.card.head!.bias - 1.5 });

describe.skipIf(!hasData || !hasGdal)('learning from corrections (scarp-uav-rgbdem, Jinsha site B crop)', () => {
  let dir: string;
  let cleanup: () => void;
  let base: LoadedModel;

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('adapt'));
    base = await loadModelFile(resolve(repoRoot, 'models/scarp-uav-rgbdem.onnx'));
    for (const name of ['rgb', 'dsm', 'mask']) {
      gdal('gdal_translate', ['-q', '-srcwin', '700', '1000', '640', '900', dataPath(`jinsha-uav/siteB_${name}.tif`), join(dir, `${name}.tif`)]);
    }
  }, 120_000);
  afterAll(() => cleanup?.());

  it('reads the head out of the graph exactly as the card publishes it', async () => {
    const h = readHeadFromOnnx(readFileSync(base.onnxPath), base.card.head!.output);
    h.weights.forEach((w, i) => expect(w).toBeCloseTo(base.card.head!.weights[i]!, 6));
    expect(h.bias).toBeCloseTo(base.card.head!.bias, 6);
  });

  it('writes an adapted ONNX whose own probability output is the adapted head (within 1e-4), with its provenance, never picked by default', async () => {
    const card = adaptedCard(base.card, base.sha256, { head: changedHead(base), counts }, { id: 'adapted-test', event: 'test event' });
    const out = join(dir, 'adapted.onnx');
    await writeAdaptedModel(base, card, out);
    const adapted = await loadModelFile(out);
    expect(adapted.card.adaptation?.baseModel).toBe('scarp-uav-rgbdem');
    expect(adapted.card.adaptation?.labels.drawn).toBe(1);
    expect(pickDefaultModel([adapted], { hasDem: true, gsdM: 0.5 })).toBeNull();
    expect(pickDefaultModel([base, adapted], { hasDem: true, gsdM: 0.5 })?.model.id).toBe('scarp-uav-rgbdem');

    await expectGraphIsAdaptedHead(base, out);
  });

  it('scarp adapt --simulate: base detection, simulated corrections, adapted re-detection, inventory GDAL reads (a curve over N)', () => {
    const out = join(dir, 'sim.gpkg');
    const r = scarp(['adapt', '--simulate', '--image', join(dir, 'rgb.tif'), '--dem', join(dir, 'dsm.tif'), '--model', 'scarp-uav-rgbdem',
      '--reference', join(dir, 'mask.tif'), '--ignore-value', '255', '--review-rows', '0:500', '--corrections', '0,6', '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [none, six] = (JSON.parse(r.stdout) as { curve: Array<Record<string, any>> }).curve;
    for (const j of [none!, six!]) {
      for (const k of ['precision', 'recall', 'f1', 'iou']) {
        expect(Number.isFinite(j.before[k])).toBe(true);
        expect(Number.isFinite(j.after[k])).toBe(true);
        expect(Number.isFinite(j.decisionsOnly[k])).toBe(true);
      }
      expect(j.evalRows).toEqual([[500, 900]]);
      const info = gdal('ogrinfo', ['-so', '-al', j.out]);
      expect(info).toMatch(new RegExp(`Feature Count: ${j.features.adapted}\\b`));
      // Written by the exporter like every inventory: the model that mapped the rest (the adapted one once adapted).
      expect(info).toContain(`SCARP_MODEL_ID=${j.adapted ? 'scarp-uav-rgbdem-adapted' : 'scarp-uav-rgbdem'}`);
      expect(info).toContain('SCARP_IMAGERY_SCENES=rgb.tif');
    }
    // No corrections: the inventory is the base detection's, scored identically.
    expect(none!.out).toBe(join(dir, 'sim-n0.gpkg'));
    expect(none!.after).toEqual(none!.before);
    expect(none!.decisionsOnly).toEqual(none!.before);
    expect(six!.before).toEqual(none!.before);
    const made = six!.corrections.confirmed + six!.corrections.rejected + six!.corrections.drawn;
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThanOrEqual(6);
    expect(six!.fitSeconds).toBeGreaterThan(0);
    // The head's prior strength was chosen by cross-validation over the decisions, from its grid.
    expect(none!.lambda).toBeNull();
    // The trivial floor, as GDAL counts the reference mask's rows 500–900.
    const share = Number(gdal('/usr/bin/python3', ['-c', `from osgeo import gdal; m = gdal.Open('${join(dir, 'mask.tif')}').ReadAsArray()[500:900]; print((m == 1).sum() / ((m == 0) | (m == 1)).sum())`]));
    expect(six!.reference.landslideShare).toBeCloseTo(share, 9);
    expect(six!.reference.allLandslideF1).toBeCloseTo((2 * share) / (1 + share), 9);
    expect(LAMBDA_GRID).toContain(six!.lambda);
    expect((six!.lambdaScores as Array<{ lambda: number; loss: number }>).map((c) => c.lambda)).toEqual([...LAMBDA_GRID]);
  }, 600_000);

  it('--simulate reads the reference by the scoring rule (any non-zero value is landslide), and refuses rows outside it', () => {
    // The same mask with its landslides as 2: the operator and the scores must see what they saw with 1
    // (the operator used to read only 1 as landslide, the scores any non-zero value).
    const two = join(dir, 'mask-two.tif');
    gdal('/usr/bin/python3', ['-c', `from osgeo import gdal
src = gdal.Open('${join(dir, 'mask.tif')}'); a = src.ReadAsArray(); a[a == 1] = 2
d = gdal.GetDriverByName('GTiff').CreateCopy('${two}', src); d.GetRasterBand(1).WriteArray(a); d = None`]);
    const run = (mask: string, out: string, ignore = ['--ignore-value', '255']): Record<string, any> => {
      const r = scarp(['adapt', '--simulate', '--image', join(dir, 'rgb.tif'), '--model', 'scarp-uav-rgbdem', '--dem', join(dir, 'dsm.tif'),
        '--reference', mask, ...ignore, '--review-rows', '0:500', '--corrections', '4', '--out', out, '--json']);
      expect(r.status, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as Record<string, any>;
      return (j.curve as Array<Record<string, any>> | undefined)?.[0] ?? j;
    };
    const one = run(join(dir, 'mask.tif'), join(dir, 'sim-one.gpkg'));
    const other = run(two, join(dir, 'sim-two.gpkg'));
    expect(other.corrections).toEqual(one.corrections);
    expect(other.before).toEqual(one.before);
    expect(other.reference).toEqual(one.reference);
    expect(one.reference).toMatchObject({ ignoreValue: 255, ignoreInferred: false });
    // Without --ignore-value a mask of 0, 1 and 255 reads 255 as unmapped (and says so): the same run.
    const inferred = run(join(dir, 'mask.tif'), join(dir, 'sim-inferred.gpkg'), []);
    expect(inferred.corrections).toEqual(one.corrections);
    expect(inferred.before).toEqual(one.before);
    expect(inferred.reference).toEqual({ ...one.reference, ignoreInferred: true });

    const bad = scarp(['adapt', '--simulate', '--image', join(dir, 'rgb.tif'), '--reference', join(dir, 'mask.tif'), '--ignore-value', '255',
      '--review-rows', '0:500', '--eval-rows', '950:1000', '--corrections', '4', '--out', join(dir, 'sim-bad.gpkg')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--eval-rows 950:1000 is not within the rows of the reference .*mask\.tif \(0:900\)/);
    expect(existsSync(join(dir, 'sim-bad.gpkg'))).toBe(false);
  }, 600_000);

  it('adapts a project from its reviewed landslides: reviewed ones stay exactly, the rest is replaced in one undoable edit', async () => {
    const service = createScarpService();
    const project = join(dir, 'p.gpkg');
    await service.detect({ image: join(dir, 'rgb.tif'), dem: join(dir, 'dsm.tif'), model: 'scarp-uav-rgbdem', project });
    await service.openProject({ path: project });
    try {
      const before = (await service.listFeatures({ limit: 10_000 })).features;
      expect(before.length).toBeGreaterThanOrEqual(4);
      const bySize = [...before].sort((a, b) => b.properties.area_m2 - a.properties.area_m2);
      const confirm = bySize.slice(0, 2).map((f) => f.fid);
      const reject = bySize.slice(2, 3).map((f) => f.fid);
      await service.updateFeatures({ fids: confirm, changes: { status: 'confirmed' } });
      await service.updateFeatures({ fids: reject, changes: { status: 'rejected' } });
      const reviewedBefore = (await service.listFeatures({ status: ['confirmed', 'rejected'], limit: 10_000 })).features;

      const r = await service.adaptModel({ outModel: join(dir, 'event.onnx') });
      expect(r.decisions).toEqual({ confirmed: 2, rejected: 1 });
      expect(r.baseModel).toBe('scarp-uav-rgbdem');
      expect(existsSync(r.model.path) && existsSync(r.model.card)).toBe(true);
      expect(JSON.parse(readFileSync(r.model.card, 'utf8')).adaptation.labels.confirmed).toBe(2);
      expect((await service.listRuns()).length).toBe(2);

      // Reviewed landslides untouched (same fids, geometry, attributes).
      const reviewedAfter = (await service.listFeatures({ status: ['confirmed', 'rejected'], limit: 10_000 })).features;
      expect(reviewedAfter).toEqual(reviewedBefore);
      // Unreviewed ones come from the new run, none of them on the rejected or confirmed ground's bulk.
      const fresh = (await service.listFeatures({ status: ['predicted'], limit: 10_000 })).features;
      expect(r.changes.after).toBe(fresh.length);
      expect(r.run.features).toBeGreaterThan(0);
      for (const f of fresh) expect(f.properties.run).toBe(r.run.project!.runId);
      expect(r.changes.before).toBe(before.length - 3);
      // The difference sorts the old and new outlines: each new one added, reshaped or drawn again; each old one removed or reshaped.
      const d = r.difference;
      const freshFids = new Set(fresh.map((f) => f.fid));
      const oldFids = new Set(before.filter((f) => !confirm.includes(f.fid) && !reject.includes(f.fid)).map((f) => f.fid));
      expect(d.added.length + d.reshaped.length + d.unchanged).toBe(fresh.length);
      for (const f of [...d.added, ...d.reshaped.map((x) => x.after)]) expect(freshFids.has(f)).toBe(true);
      for (const f of [...d.removed, ...d.reshaped.flatMap((x) => x.before)]) expect(oldFids.has(f)).toBe(true);

      // One undo brings back the previous unreviewed landslides exactly.
      await service.undo();
      const restored = (await service.listFeatures({ status: ['predicted'], limit: 10_000 })).features;
      expect(restored.map((f) => f.fid).sort()).toEqual(before.filter((f) => !confirm.includes(f.fid) && !reject.includes(f.fid)).map((f) => f.fid).sort());
    } finally {
      await service.closeProject();
    }
  }, 600_000);
});

describe('learning from corrections with the satellite model (scarp-sat-rgb, GeoNeXt: 32 feature channels)', () => {
  let dir: string;
  let cleanup: () => void;
  let base: LoadedModel;

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('adapt-sat'));
    base = await loadModelFile(resolve(repoRoot, 'models/scarp-sat-rgb.onnx'));
  }, 120_000);
  afterAll(() => cleanup?.());

  it('its graph has the features output and the head its card publishes', () => {
    expect(base.card.head!.weights).toHaveLength(32);
    const h = readHeadFromOnnx(readFileSync(base.onnxPath), base.card.head!.output);
    h.weights.forEach((w, i) => expect(w).toBeCloseTo(base.card.head!.weights[i]!, 6));
    expect(h.bias).toBeCloseTo(base.card.head!.bias, 6);
  });

  it('an adapted GeoNeXt ONNX computes the adapted head in its own graph (within 1e-4)', async () => {
    const card = adaptedCard(base.card, base.sha256, { head: changedHead(base), counts }, { id: 'sat-adapted-test' });
    const out = join(dir, 'sat-adapted.onnx');
    await writeAdaptedModel(base, card, out);
    await expectGraphIsAdaptedHead(base, out);
  }, 120_000);
});
