/** Band roles and reflectance scaling (raster/band-layout.ts) and the CLI's --bands/--scale/--offset. */
import { describe, expect, it } from 'vitest';
import { applyScale, bandIndexOf, bandLayoutOf } from '../../../src-main/core/raster';
import { layoutOption } from '../../../src-main/cli/bands';
import { UsageError } from '../../../src-main/cli/errors';
import { isScarpError } from '../../../src-shared/errors';

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'OK';
  } catch (e) {
    return isScarpError(e) ? e.code : String(e);
  }
}

describe('band layouts', () => {
  it('defaults by band count: 3 → RGB, 4 → RGB + NIR, more → the rest other', () => {
    expect(bandLayoutOf({ path: 'a.tif', bandCount: 3 }).roles).toEqual(['red', 'green', 'blue']);
    expect(bandLayoutOf({ path: 'a.tif', bandCount: 4 }).roles).toEqual(['red', 'green', 'blue', 'nir']);
    const l = bandLayoutOf({ path: 'a.tif', bandCount: 6 });
    expect(l.roles).toEqual(['red', 'green', 'blue', 'nir', 'other', 'other']);
    expect(l.from).toBe('band count');
    expect(bandIndexOf(bandLayoutOf({ path: 'a.tif', bandCount: 3 }), 'nir')).toBeNull();
  });

  it('takes the roles in file order and checks them against the file', () => {
    const l = bandLayoutOf({ path: 'a.tif', bandCount: 4 }, { bands: ['nir', 'red', 'green', 'blue'], scale: 1e-4, offset: -0.1 });
    expect(bandIndexOf(l, 'red')).toBe(1);
    expect(bandIndexOf(l, 'nir')).toBe(0);
    expect(l.from).toBe('request');
    expect(codeOf(() => bandLayoutOf({ path: 'a.tif', bandCount: 4 }, { bands: ['red', 'green', 'blue'] }))).toBe('INCOMPATIBLE_BANDS');
    expect(codeOf(() => bandLayoutOf({ path: 'a.tif', bandCount: 3 }, { bands: ['red', 'red', 'blue'] }))).toBe('INVALID_ARGUMENT');
    // 'other' may repeat.
    expect(bandLayoutOf({ path: 'a.tif', bandCount: 3 }, { bands: ['other', 'red', 'other'] }).roles).toEqual(['other', 'red', 'other']);
  });

  it('scales to reflectance in place, keeping nodata', () => {
    const d = Float32Array.from([0, 1000, NaN, 10000]);
    applyScale(d, { scale: 1e-4, offset: -0.1 });
    expect(d[0]).toBeCloseTo(-0.1, 7);
    expect(d[1]).toBeCloseTo(0, 7);
    expect(Number.isNaN(d[2]!)).toBe(true);
    expect(d[3]).toBeCloseTo(0.9, 6);
  });

  it('the CLI parses --bands (case-insensitive), --scale, --offset and refuses unknown roles and a zero scale', () => {
    expect(layoutOption({})).toBeUndefined();
    expect(layoutOption({ bands: 'NIR, red,green,blue', scale: '0.0001', offset: '-0.1' })).toEqual({ bands: ['nir', 'red', 'green', 'blue'], scale: 0.0001, offset: -0.1 });
    expect(() => layoutOption({ bands: 'red,grn' })).toThrow(UsageError);
    expect(() => layoutOption({ scale: '0' })).toThrow(/must not be 0/);
    expect(() => layoutOption({ offset: 'x' }, 'pre-')).toThrow(/--pre-offset must be a number/);
  });
});
