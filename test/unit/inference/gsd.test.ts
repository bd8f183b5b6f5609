import { describe, expect, it } from 'vitest';
import { planScale } from '../../../src-main/core/inference';
import { ScarpError } from '../../../src-shared/errors';

const card = { nativeM: 0.5, minM: 0.3, maxM: 1 };

describe('planScale', () => {
  it('runs natively inside the card range', () => {
    expect(planScale(0.5, card)).toMatchObject({ kind: 'native', factor: 1 });
    expect(planScale(0.3, card).kind).toBe('native');
    expect(planScale({ x: 1, y: 1 }, card).kind).toBe('native');
  });
  it('resamples outside the range, to the native GSD', () => {
    const down = planScale(0.1, card);
    expect(down).toMatchObject({ kind: 'resample', targetGsd: 0.5 });
    expect(down.factor).toBeCloseTo(0.2);
    const up = planScale(2, card);
    expect(up).toMatchObject({ kind: 'resample', targetGsd: 0.5, factor: 4 });
  });
  it('refuses more than 4x up-sampling, saying what the model needs', () => {
    try {
      planScale(10, card, 'model rgb-unet');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ScarpError);
      const err = e as ScarpError;
      expect(err.code).toBe('RESOLUTION_OUT_OF_RANGE');
      expect(err.message).toContain('10 m');
      expect(err.message).toContain('needs 0.5 m');
      expect(err.message).toContain('rgb-unet');
      expect(err.hint).toContain('2 m');
    }
  });
  it('rejects a non-positive GSD', () => {
    expect(() => planScale(0, card)).toThrow(/positive/);
  });

  describe('with a resample range', () => {
    const two = { nativeM: 0.5, minM: 0.375, maxM: 0.625, resampleMinM: 0.25, resampleMaxM: 1.5 };
    it('runs as is inside the run-as-is range', () => {
      expect(planScale(0.5, two)).toMatchObject({ kind: 'native', targetGsd: 0.5 });
      expect(planScale(0.375, two).kind).toBe('native');
      expect(planScale(0.625, two).kind).toBe('native');
    });
    it('resamples to the nearer bound of the run-as-is range', () => {
      expect(planScale(1.2, two)).toMatchObject({ kind: 'resample', targetGsd: 0.625 });
      expect(planScale(1.2, two)).toMatchObject({ reason: "the scene's 1.2 m pixels are outside the model's 0.375 m–0.625 m: resampled to 0.625 m (up-sampling 1.92×)" });
      expect(planScale(1.2, two).factor).toBeCloseTo(1.2 / 0.625);
      expect(planScale(1.5, two)).toMatchObject({ kind: 'resample', targetGsd: 0.625 });
      expect(planScale(0.3, two)).toMatchObject({ kind: 'resample', targetGsd: 0.375 });
      expect(planScale(0.25, two)).toMatchObject({ kind: 'resample', targetGsd: 0.375 });
    });
    it('area-averages a scene finer than both ranges to the run-as-is range (drone orthophotos)', () => {
      expect(planScale(0.2, two)).toMatchObject({ kind: 'resample', targetGsd: 0.5 });
      expect(planScale(0.03, two)).toMatchObject({ kind: 'resample', targetGsd: 0.5 });
      expect(planScale(0.03, two).factor).toBeCloseTo(0.06);
    });
    it('refuses a scene coarser than both ranges, naming both', () => {
      for (const s of [3]) {
        try {
          planScale(s, two, "model 'uav'");
          expect.unreachable();
        } catch (e) {
          const err = e as ScarpError;
          expect(err.code).toBe('RESOLUTION_OUT_OF_RANGE');
          expect(err.message).toContain("model 'uav'");
          expect(err.message).toContain('0.375–0.625 m');
          expect(err.message).toContain('0.25–1.5 m');
        }
      }
    });
    it('meets a bound within 1 %, as real pixel sizes miss round numbers (site B averaged 2 × 2: 1.00028 m)', () => {
      const uav = { nativeM: 0.5, minM: 0.4, maxM: 0.625, resampleMinM: 0.25, resampleMaxM: 1 };
      expect(planScale({ x: 1.000033, y: 1.00052 }, uav)).toMatchObject({ kind: 'resample', targetGsd: 0.625 });
      expect(planScale(0.6265, uav).kind).toBe('native');
      expect(() => planScale(1.02, uav)).toThrow(/outside what the model accepts/);
    });
    it('takes a missing bound from the run-as-is range', () => {
      const upOnly = { nativeM: 1, minM: 0.75, maxM: 1.25, resampleMaxM: 3 };
      expect(planScale(3, upOnly)).toMatchObject({ kind: 'resample', targetGsd: 1.25 });
      expect(() => planScale(3.5, upOnly)).toThrow(/0.75–3 m/);
      // Finer is averaged down whatever the range says.
      expect(planScale(0.5, upOnly)).toMatchObject({ kind: 'resample', targetGsd: 1 });
    });
  });
});
