import { describe, expect, it } from 'vitest';
import { BARE_GROUND_METHODS, bareGroundRows, bareStrength, chooseBareGroundIndex } from '../../../src-main/core/detect/bare-ground-method';
import type { BandLayout } from '../../../src-main/core/raster';

const layout = (roles: BandLayout['roles']): BandLayout => ({ roles, scale: 1, offset: 0, from: 'request' });

describe('the single-date method', () => {
  it('NDVI with NIR, GLI (labelled) without, an error when NDVI is asked without NIR', () => {
    expect(chooseBareGroundIndex('auto', { path: 'a.tif', layout: layout(['red', 'green', 'blue', 'nir']) }).spec.id).toBe('ndvi');
    const g = chooseBareGroundIndex('auto', { path: 'a.tif', layout: layout(['red', 'green', 'blue']) });
    expect(g.spec.id).toBe('gli');
    expect(g.reason).toMatch(/GLI .* not NDVI: the image has no near-infrared band/);
    expect(() => chooseBareGroundIndex('ndvi', { path: 'a.tif', layout: layout(['red', 'green', 'blue']) })).toThrow(/NDVI needs red and near-infrared bands, but a.tif has no near-infrared band/);
    expect(() => chooseBareGroundIndex('auto', { path: 'a.tif', layout: layout(['nir', 'other']) })).toThrow(/has no red, green, blue band/);
  });

  it('strength is 0.5 at the threshold, 1 at −1, 0 at +1, monotone', () => {
    expect(bareStrength(0.7, 0.7)).toBeCloseTo(0.5, 12);
    expect(bareStrength(-1, 0.7)).toBeCloseTo(1, 12);
    expect(bareStrength(1, 0.7)).toBeCloseTo(0, 12);
    expect(bareStrength(0.2, 0.7)).toBeGreaterThan(bareStrength(0.5, 0.7));
  });

  it('bare where the index < threshold, on slopes ≥ the minimum, inside the AOI; NaN is not counted', () => {
    // NDVI per pixel: 0 (bare), 0.8 (vegetated), 0 on flat ground, NaN (nodata), 0 outside the AOI.
    const red = Float32Array.from([0.2, 0.05, 0.2, NaN, 0.2]);
    const nir = Float32Array.from([0.2, 0.45, 0.2, 0.3, 0.2]);
    const r = bareGroundRows({ spec: BARE_GROUND_METHODS.ndvi, threshold: 0.7, minSlopeDeg: 10 }, new Map([['red', red], ['nir', nir]]), 5, Float32Array.from([30, 30, 2, 30, 30]), Uint8Array.from([1, 1, 1, 1, 0]));
    expect(Array.from(r.mask)).toEqual([1, 0, 0, 0, 0]);
    expect(r.valid).toBe(3);
    expect(r.flagged).toBe(1);
    expect(r.score[1]).toBeCloseTo(0.8, 6);
    expect(Number.isNaN(r.score[3]!)).toBe(true);
    expect(Number.isNaN(r.score[4]!)).toBe(true);
    expect(r.strength[2]).toBe(0);
  });
});
