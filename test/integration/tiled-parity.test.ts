/**
 * Every held-out figure in training/reports says "as the app runs it": training's evaluation
 * (scarp_train.infer.predict_scene, PyTorch weights) and `scarp detect` (the exported ONNX through
 * onnxruntime, the app's tiling, padding, nodata and blending) must give the same probability on the
 * same image. Checked on a GeoNeXt exported by the training code (training/smoke.py --model geonext:
 * its decoder pools over the whole tile, so a different tiling or padding changes its output), for an
 * image smaller than a tile (fed at its own size on both sides) and one of several tiles with unmapped
 * pixels.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src-main/core/paths';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, hasGdal } from '../helpers/gdal';
import { smokeModel } from '../helpers/models';
import { scarp } from '../helpers/cli';

const onnxPath = hasData && hasGdal ? smokeModel('geonext') : null;

interface Parity {
  maxAbs: number;
  meanAbs: number;
  pixels: number;
  nodataPixels: number;
  tileSensitivity: number;
}

describe.skipIf(!onnxPath)('tiled inference: the app equals training evaluation (smoke GeoNeXt)', () => {
  let dir: string;
  let cleanup: () => void;
  const runDir = onnxPath ? join(dirname(onnxPath), 'run-geonext') : '';
  const cardPath = onnxPath ? onnxPath.replace(/\.onnx$/, '.json') : '';

  beforeAll(() => {
    ({ dir, cleanup } = tempDir('tiled-parity'));
  });
  afterAll(() => cleanup?.());

  /** A crop of site B given 0.8 m pixels (inside the satellite card's run-as-is range: no resampling). */
  function crop(name: string, x: number, y: number, w: number, h: number): string {
    const out = join(dir, name);
    const ul = [500000, 3450000];
    gdal('gdal_translate', ['-q', '-srcwin', String(x), String(y), String(w), String(h), '-a_ullr', String(ul[0]), String(ul[1]), String(ul[0] + 0.8 * w), String(ul[1] - 0.8 * h),
      dataPath('jinsha-uav/siteB_rgb.tif'), out]);
    return out;
  }

  function compare(image: string): Parity {
    const prob = image.replace(/\.tif$/, '-prob.tif');
    const r = scarp(['detect', '--image', image, '--model', onnxPath!, '--probability', prob, '--out', image.replace(/\.tif$/, '.gpkg'), '--no-tta']);
    expect(r.status, r.stderr).toBe(0);
    const out = execFileSync('/usr/bin/python3', [resolve(repoRoot, 'test/fixtures/python_tiled.py'), runDir, cardPath, image, prob], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    return JSON.parse(out) as Parity;
  }

  it('an image smaller than a tile: the same probability within 1e-4', () => {
    const card = JSON.parse(readFileSync(cardPath, 'utf8')) as { tile: { size: number } };
    expect(card.tile.size).toBeGreaterThan(200);
    const p = compare(crop('small.tif', 1536, 1500, 200, 150));
    expect(p.pixels).toBe(200 * 150);
    expect(p.maxAbs).toBeLessThan(1e-4);
    // the net's output depends on its tile, so agreement is not automatic
    expect(p.tileSensitivity).toBeGreaterThan(1e-3);
  }, 300_000);

  it('an image of several tiles with unmapped pixels: the same probability within 1e-4 wherever the image has data', () => {
    const p = compare(crop('large.tif', 1400, 1450, 620, 440));
    expect(p.nodataPixels).toBeGreaterThan(0);
    expect(p.pixels + p.nodataPixels).toBe(620 * 440);
    expect(p.maxAbs).toBeLessThan(1e-4);
    expect(p.tileSensitivity).toBeGreaterThan(1e-3);
  }, 300_000);
});
