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
});
