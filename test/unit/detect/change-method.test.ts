/** The per-pixel change rules (detect/change-method.ts): which method, and each condition of the mask. */
import { describe, expect, it } from 'vitest';
import { changeRows, chooseChangeMethod, CHANGE_METHODS, type ChangeRule } from '../../../src-main/core/detect/change-method';
import { bandLayoutOf, rdNdvi, type BandRole } from '../../../src-main/core/raster';
import { isScarpError } from '../../../src-shared/errors';

const rgb = bandLayoutOf({ path: 'rgb.tif', bandCount: 3 });
const rgbn = bandLayoutOf({ path: 'rgbn.tif', bandCount: 4 });
const bands = (o: Partial<Record<BandRole, number[]>>): Map<BandRole, Float32Array> => new Map(Object.entries(o).map(([k, v]) => [k as BandRole, Float32Array.from(v)]));

describe('change method choice', () => {
  it('rdNDVI when both images have NIR, the visible method (saying why) otherwise, an error when rdNDVI is asked without NIR', () => {
    expect(chooseChangeMethod('auto', { path: 'a', layout: rgbn }, { path: 'b', layout: rgbn }).spec.id).toBe('rdndvi');
    const v = chooseChangeMethod('auto', { path: 'a', layout: rgb }, { path: 'b', layout: rgbn });
    expect(v.spec.id).toBe('visible');
    expect(v.reason).toMatch(/not rdNDVI: the pre-event image has no near-infrared band/);
    let code = '';
    try {
      chooseChangeMethod('rdndvi', { path: 'a', layout: rgbn }, { path: 'b.tif', layout: rgb });
    } catch (e) {
      code = isScarpError(e) ? `${e.code} ${e.message}` : String(e);
    }
    expect(code).toMatch(/^INCOMPATIBLE_BANDS .*post-event image b\.tif has no near-infrared band/);
  });
});

describe('change rows', () => {
  it('rdNDVI: the published formula, undefined where NDVI_pre + NDVI_post ≤ 0, change at ≤ −threshold', () => {
    expect(rdNdvi(0.8, 0.2)).toBeCloseTo(-60, 10);
    expect(Number.isNaN(rdNdvi(-0.3, 0.1))).toBe(true);
    const rule: ChangeRule = { spec: CHANGE_METHODS.rdndvi, threshold: 20, minSlopeDeg: 10, shift: 0, maxGreening: 0, cloudReflectance: null };
    // NDVI pre 0.8 everywhere; post 0.2 (loss), 0.75 (no change), 0.2 on flat ground, water.
    const pre = bands({ red: [0.1, 0.1, 0.1, 0.1], nir: [0.9, 0.9, 0.9, 0.9] });
    const post = bands({ red: [0.4, 0.125, 0.4, 0.3], nir: [0.6, 0.875, 0.6, 0.01] });
    const r = changeRows(rule, pre, post, 4, Float32Array.from([30, 30, 3, 30]), null);
    expect(Array.from(r.mask)).toEqual([1, 0, 0, 0]);
    expect(r.score[0]).toBeCloseTo(-60, 4);
    expect(r.strength[0]).toBe(1); // 3 × the threshold, clamped
    expect(r.strength[2]).toBe(0); // flat: masked
    // Water: NDVI_post + NDVI_pre < 0, undefined, not counted as valid.
    expect(Number.isNaN(r.score[3]!)).toBe(true);
    expect(r.valid).toBe(3);
    expect(r.changed).toBe(1);
  });

  it('visible: brightening above the shift, vetoed where the ground got greener or the post pixel is cloud-bright; the AOI', () => {
    const rule: ChangeRule = { spec: CHANGE_METHODS.visible, threshold: 40, minSlopeDeg: null, shift: Math.log(0.8), maxGreening: 0, cloudReflectance: 0.25 };
    // pixel 0: forest → bare soil (brighter, less green); 1: brighter and greener; 2: brighter but cloud; 3: unchanged; 4: outside the AOI.
    const pre = bands({ red: [0.03, 0.03, 0.03, 0.03, 0.03], green: [0.06, 0.03, 0.06, 0.06, 0.06], blue: [0.03, 0.03, 0.03, 0.03, 0.03] });
    const post = bands({ red: [0.12, 0.05, 0.5, 0.024, 0.12], green: [0.11, 0.12, 0.5, 0.048, 0.11], blue: [0.09, 0.05, 0.5, 0.024, 0.09] });
    const r = changeRows(rule, pre, post, 5, null, Uint8Array.from([1, 1, 1, 1, 0]));
    expect(Array.from(r.mask)).toEqual([1, 0, 0, 0, 0]);
    expect(r.score[0]).toBeCloseTo((Math.log(0.32 / 0.12) - Math.log(0.8)) * 100, 3);
    expect(r.score[3]).toBeCloseTo(0, 3);
    expect(Number.isNaN(r.score[4]!)).toBe(true);
    expect(r.valid).toBe(4);
  });
});
