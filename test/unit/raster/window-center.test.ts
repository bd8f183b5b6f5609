import { describe, expect, it } from 'vitest';
import type { Grid } from '../../../src-shared/geo';
import { crsFromEpsg, windowCenter, windowCenterBand, windowCenterGsd, windowCenterSize } from '../../../src-main/core/raster';
import { normalizeBand, writeInputTile } from '../../../src-main/core/inference';
import type { ModelInput } from '../../../src-shared/model-card';

const N = Number.NaN;
// 4 × 3, NaN = nodata.
const plane = [1, 2, N, 4, 5, N, 7, 8, 9, 10, 11, N];

describe('window-center', () => {
  it('k = 2·floor(windowM / (2·gsd)) + 1', () => {
    expect(windowCenterSize(1.5, 0.5)).toBe(3);
    expect(windowCenterSize(1.4, 0.5)).toBe(3);
    expect(windowCenterSize(0.9, 0.5)).toBe(1);
    expect(windowCenterSize(128, 0.5)).toBe(257);
    expect(windowCenterSize(128, 0.49997)).toBe(257);
  });

  it('subtracts the mean of the valid pixels of the window clipped at the edges (hand-computed, 3 × 3)', () => {
    const c = windowCenter(plane, 4, 3, 3);
    const expected = [1 - 8 / 3, 2 - 15 / 4, N, 4 - 19 / 3, 5 - 27 / 5, N, 7 - 7, 8 - 30 / 4, 9 - 8, 10 - 42 / 5, 11 - 9, N];
    for (let i = 0; i < expected.length; i++) {
      if (Number.isNaN(expected[i]!)) expect(c[i]).toBeNaN();
      else expect(c[i]).toBeCloseTo(expected[i]!, 12);
    }
    // k = 1: every valid pixel is its own mean.
    expect([...windowCenter(plane, 4, 3, 1)].map((v) => (Number.isNaN(v) ? 'nan' : v))).toEqual([0, 0, 'nan', 0, 0, 'nan', 0, 0, 0, 0, 0, 'nan']);
    // A window larger than the raster: the mean of all valid values.
    const all = (1 + 2 + 4 + 5 + 7 + 8 + 9 + 10 + 11) / 9;
    expect(windowCenter(plane, 4, 3, 99)[0]).toBeCloseTo(1 - all, 12);
  });

  it('read by windows with a halo equals the whole-plane pass (tiling does not change it)', async () => {
    const W = 37;
    const H = 29;
    const data = new Float32Array(W * H);
    for (let i = 0; i < data.length; i++) data[i] = i % 11 === 3 ? N : 100 + Math.sin(i * 0.37) * 20 + (i % W) * 0.5;
    const grid: Grid = { width: W, height: H, geoTransform: [500000, 0.5, 0, 3_400_000, 0, -0.5], crs: crsFromEpsg(32647) };
    expect(windowCenterGsd(grid)).toBeCloseTo(0.5, 9);
    const src = {
      grid,
      async readWindow(w: { x: number; y: number; width: number; height: number }) {
        const out = new Float32Array(w.width * w.height);
        for (let y = 0; y < w.height; y++) for (let x = 0; x < w.width; x++) out[y * w.width + x] = data[(w.y + y) * W + (w.x + x)]!;
        return out;
      },
    };
    const band = windowCenterBand(src, 3.6, 2); // k = 2·floor(3.6) + 1 = 7, divided by 2
    expect(band.k).toBe(7);
    const whole = windowCenter(data, W, H, 7);
    for (const w of [
      { x: 0, y: 0, width: 10, height: 8 },
      { x: 13, y: 9, width: 20, height: 20 },
      { x: 30, y: 25, width: 7, height: 4 },
    ]) {
      const got = await band.readWindow(w);
      for (let y = 0; y < w.height; y++) {
        for (let x = 0; x < w.width; x++) {
          const e = whole[(w.y + y) * W + w.x + x]! / 2;
          const g = got[y * w.width + x]!;
          if (Number.isNaN(e)) expect(g).toBeNaN();
          else expect(Math.abs(g - e)).toBeLessThan(1e-4);
        }
      }
    }
  });

  it('per tile only clips and fills (centred and scaled over the scene by the band source)', () => {
    const spec = { source: 'dem' as const, normalization: { kind: 'window-center' as const, windowM: 64, scale: 4 }, clip: [-1, 1] as [number, number], fill: 0.25 };
    expect([...normalizeBand([0.5, -2, N], spec)].map((v) => (Number.isNaN(v) ? 'nan' : v))).toEqual([0.5, -2, 'nan']);
    const input: ModelInput = { name: 'terrain', bands: [spec], valueDomain: 'any', optional: true };
    const t = new Float32Array(4);
    writeInputTile(input, [Float32Array.from([0.5, -2, N])], { width: 3, height: 1, tensorWidth: 4, tensorHeight: 1 }, t, 0);
    expect([...t]).toEqual([0.5, -1, 0.25, 0.25]);
  });
});
