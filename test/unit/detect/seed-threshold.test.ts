/** Which seed threshold (hysteresis) a detection applies: the request's, else the card's, and none when it would keep every region. */
import { describe, expect, it } from 'vitest';
import { seedThresholdOf } from '../../../src-main/core/detect/probability-rows';

describe('seedThresholdOf', () => {
  const card = { threshold: 0.22, seedThreshold: 0.77 };

  it("takes the card's seed when the request names none", () => {
    expect(seedThresholdOf({}, card)).toBe(0.77);
    expect(seedThresholdOf({}, { threshold: 0.3 })).toBeNull();
  });

  it("replaces the card's seed with the request's, and null turns it off", () => {
    expect(seedThresholdOf({ seedThreshold: 0.9 }, card)).toBe(0.9);
    expect(seedThresholdOf({ seedThreshold: 0.6 }, { threshold: 0.3 })).toBe(0.6);
    expect(seedThresholdOf({ seedThreshold: null }, card)).toBeNull();
  });

  it('applies none when it does not rise above the run’s threshold (every region would qualify)', () => {
    expect(seedThresholdOf({ threshold: 0.8 }, card)).toBeNull();
    expect(seedThresholdOf({ threshold: 0.77 }, card)).toBeNull();
    expect(seedThresholdOf({ threshold: 0.5 }, card)).toBe(0.77);
    expect(seedThresholdOf({ seedThreshold: 0.2 }, card)).toBeNull();
  });
});
