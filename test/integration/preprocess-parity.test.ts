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
import { openRaster, terrainBand, windowCenter, windowCenterBand, windowCenterGsd, windowCenterSize, type RasterSource } from '../../src-main/core/raster';
import { normalizeBand } from '../../src-main/core/inference';
import { accumulateConfusion, emptyCounts, scores } from '../../src-main/core/eval/metrics';
import { modelsDir, repoRoot } from '../../src-main/core/paths';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, hasGdal } from '../helpers/gdal';
import { hasTorch } from '../helpers/models';

interface PythonOut {
  raw: Array<Array<number | null> | null>;
  normalised: number[];
  /** window_center of the raw DSM plane per window (m), null when the training code lacks it. */
  windowCenter: Record<string, Array<number | null>> | null;
  metrics: { pred: number[]; ref: number[]; threshold: number; pooled: { precision: number; recall: number; f1: number; iou: number; pixels: number } };
}

const cardPath = process.env.SCARP_PARITY_CARD ?? join(modelsDir(), 'scarp-uav-rgbdem.json');

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
      // Scene-level normalisations (window-center) run over the whole plane first, as the app's scene bands do.
      const norm = band.normalization;
      const ts =
        norm.kind === 'window-center'
          ? windowCenter(raw, W, H, windowCenterSize(norm.windowM, windowCenterGsd(dem.info))).map((v) => v / norm.scale)
          : normalizeBand(raw, band);
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

  it('centres elevation over a window in metres like training (window-center, whole plane and by tiles)', async (ctx) => {
    if (!py.windowCenter) {
      ctx.skip('training/scarp_train/preprocess.py has no window_center yet');
      return;
    }
    const raw = await terrainBand(dem, 'dem', dem.info).readWindow({ x: 0, y: 0, width: W, height: H });
    const gsd = windowCenterGsd(dem.info);
    for (const [m, expected] of Object.entries(py.windowCenter)) {
      const k = windowCenterSize(Number(m), gsd);
      const whole = windowCenter(raw, W, H, k);
      // By tiles with a halo, as detection reads it (scale 1 here).
      const band = windowCenterBand(terrainBand(dem, 'dem', dem.info), Number(m));
      const tiles = new Float32Array(W * H);
      for (let y0 = 0; y0 < H; y0 += 96) {
        for (let x0 = 0; x0 < W; x0 += 128) {
          const w = { x: x0, y: y0, width: Math.min(128, W - x0), height: Math.min(96, H - y0) };
          const t = await band.readWindow(w);
          for (let y = 0; y < w.height; y++) tiles.set(t.subarray(y * w.width, (y + 1) * w.width), (y0 + y) * W + x0);
        }
      }
      let maxWhole = 0;
      let maxTiles = 0;
      let nanMismatch = 0;
      for (let i = 0; i < W * H; i++) {
        const e = expected[i];
        if (e === null || e === undefined) {
          if (!Number.isNaN(whole[i]!) || !Number.isNaN(tiles[i]!)) nanMismatch++;
          continue;
        }
        maxWhole = Math.max(maxWhole, Math.abs(whole[i]! - e));
        maxTiles = Math.max(maxTiles, Math.abs(tiles[i]! - e));
      }
      expect(nanMismatch, `window ${m} m: NaN decisions`).toBe(0);
      expect(maxWhole, `window ${m} m (k = ${k}), whole plane`).toBeLessThan(1e-6);
      expect(maxTiles, `window ${m} m (k = ${k}), by tiles`).toBeLessThan(1e-4);
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
