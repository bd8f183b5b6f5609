/**
 * Python (training) and TypeScript (the app) must prepare network inputs and score predictions the
 * same way: terrain bands derived from a real DSM crop as the shipped RGB+DEM model's card says,
 * their normalisation, and pooled pixel metrics on the same arrays.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseModelCard, type ModelCard } from '../../src-shared/model-card';
import { openRaster, terrainBand, type RasterSource } from '../../src-main/core/raster';
import { normalizeBand } from '../../src-main/core/inference';
import { accumulateConfusion, emptyCounts, scores } from '../../src-main/core/eval/metrics';
import { modelsDir, repoRoot } from '../../src-main/core/paths';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, hasGdal } from '../helpers/gdal';
import { hasTorch } from '../helpers/models';

interface PythonOut {
  raw: Array<Array<number | null> | null>;
  normalised: number[];
  metrics: { pred: number[]; ref: number[]; threshold: number; pooled: { precision: number; recall: number; f1: number; iou: number; pixels: number } };
}

const cardPath = process.env.SCARP_PARITY_CARD ?? join(modelsDir(), 'scarp-digate-rgbdem.json');

describe.skipIf(!hasData || !hasGdal || !hasTorch || !existsSync(cardPath))('preprocessing and metrics parity, Python vs TypeScript', () => {
  let dir: string;
  let cleanup: () => void;
  let py: PythonOut;
  let card: ModelCard;
  let dem: RasterSource;
  const W = 400;
  const H = 320;

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('parity'));
    const crop = join(dir, 'dsm.tif');
    // A part of site B with DSM gaps (nodata -9999) inside.
    gdal('gdal_translate', ['-q', '-srcwin', '1700', '1500', String(W), String(H), dataPath('jinsha-uav/siteB_dsm.tif'), crop]);
    card = parseModelCard(JSON.parse(readFileSync(cardPath, 'utf8')), cardPath);
    py = JSON.parse(
      execFileSync('/usr/bin/python3', [resolve(repoRoot, 'test/fixtures/python_preprocess.py'), crop, cardPath], { encoding: 'utf8', maxBuffer: 1 << 28 }),
    ) as PythonOut;
    dem = await openRaster(crop);
  });
  afterAll(async () => {
    await dem?.close();
    cleanup();
  });

  it('derives each terrain band like training does (interior pixels away from nodata)', async () => {
    const input = card.inputs.find((i) => i.name === 'terrain')!;
    for (const [j, band] of input.bands.entries()) {
      const src = terrainBand(dem, band.source as 'slope' | 'dem', dem.info, { derivedAtM: band.derivedAtM, computeEdges: false });
      const ts = await src.readWindow({ x: 0, y: 0, width: W, height: H });
      const pyBand = py.raw[j]!;
      const diffs: number[] = [];
      let onlyOneValid = 0;
      for (let k = 0; k < ts.length; k++) {
        const a = ts[k]!;
        const b = pyBand[k];
        const aValid = Number.isFinite(a);
        const bValid = b !== null && b !== undefined;
        if (aValid && bValid) diffs.push(Math.abs(a - b));
        else if (aValid !== bValid) onlyOneValid++;
      }
      diffs.sort((p, q) => p - q);
      const p50 = diffs[Math.floor(diffs.length * 0.5)]!;
      const p99 = diffs[Math.floor(diffs.length * 0.99)]!;
      expect(diffs.length).toBeGreaterThan(0.5 * W * H);
      // Slope in degrees / elevation in metres: the two sides agree to well under the noise of a 0.5 m DSM.
      expect(p50).toBeLessThan(band.source === 'dem' ? 1e-3 : 0.05);
      expect(p99).toBeLessThan(band.source === 'dem' ? 1e-3 : 1.0);
      // Nodata decisions differ only along gap edges.
      expect(onlyOneValid / (W * H)).toBeLessThan(0.03);
    }
  });

  it('normalises a tile exactly like training (same raw values in, same numbers out)', () => {
    const input = card.inputs.find((i) => i.name === 'terrain')!;
    for (const [j, band] of input.bands.entries()) {
      const raw = Float32Array.from(py.raw[j]!.map((v) => (v === null ? Number.NaN : v)));
      const ts = normalizeBand(raw, band);
      const expected = py.normalised.slice(j * W * H, (j + 1) * W * H);
      let maxDiff = 0;
      for (let k = 0; k < ts.length; k++) {
        let v = ts[k]!;
        if (band.clip) v = Math.min(band.clip[1], Math.max(band.clip[0], v));
        if (!Number.isFinite(v)) v = band.fill;
        maxDiff = Math.max(maxDiff, Math.abs(v - expected[k]!));
      }
      expect(maxDiff).toBeLessThan(1e-4);
    }
  });

  it('computes the same pooled metrics', () => {
    const m = py.metrics;
    const c = emptyCounts();
    accumulateConfusion(c, m.pred, m.ref, { threshold: m.threshold, ignoreValue: 255 });
    const s = scores(c);
    expect(c.tp + c.fp + c.fn + c.tn).toBe(m.pooled.pixels);
    for (const k of ['precision', 'recall', 'f1', 'iou'] as const) expect(s[k]).toBeCloseTo(m.pooled[k], 12);
  });
});
