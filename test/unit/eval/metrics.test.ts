import { describe, expect, it } from 'vitest';
import { accumulateConfusion, emptyCounts, inferredIgnoreValue, referenceClass, scores } from '../../../src-main/core/eval/metrics';

describe('pooled confusion metrics', () => {
  it('reads a reference pixel one way for every reader: ignore value and NaN unmapped, any other non-zero landslide', () => {
    expect([0, 1, 255, NaN].map((v) => referenceClass(v, 255))).toEqual([0, 1, 255, 255]);
    // A 0/255 mask without an ignore value: 255 is its landslide value.
    expect([0, 255, 2].map((v) => referenceClass(v, null))).toEqual([0, 1, 1]);
    // Given no ignore value, a mask of exactly 0, 1 and 255 has 255 as unmapped; a 0/255 or a 0/1 mask has none.
    expect(inferredIgnoreValue([0, 1, 255, NaN, 1])).toBe(255);
    expect(inferredIgnoreValue([0, 255, 255])).toBeUndefined();
    expect(inferredIgnoreValue([0, 1, 1])).toBeUndefined();
    expect(inferredIgnoreValue([0, 1, 2, 255])).toBeUndefined();
    const c = emptyCounts();
    accumulateConfusion(c, [1, 1, 0, 1], [255, 0, 2, NaN], { ignoreValue: null });
    expect(c).toMatchObject({ tp: 1, fp: 1, fn: 1, tn: 0 });
  });

  it('hand-checkable case with ignore value, NaN and AOI exclusions', () => {
    // ref:  1 1 0 0 255 1 0 NaN
    // pred: 1 0 1 0  1  1 0  1   (probabilities compared with 0.5)
    const ref = new Float32Array([1, 1, 0, 0, 255, 1, 0, NaN]);
    const pred = new Float32Array([0.9, 0.2, 0.7, 0.1, 0.99, 0.5, 0.49, 0.8]);
    const c = emptyCounts();
    const result = accumulateConfusion(c, pred, ref, { threshold: 0.5, ignoreValue: 255 });
    expect(c).toEqual({ tp: 2, fp: 1, fn: 1, tn: 2 });
    expect(result).toEqual({ excluded: 2, noPrediction: 0 });
    const s = scores(c);
    expect(s.precision).toBeCloseTo(2 / 3, 12);
    expect(s.recall).toBeCloseTo(2 / 3, 12);
    expect(s.f1).toBeCloseTo(2 / 3, 12);
    expect(s.iou).toBeCloseTo(2 / 4, 12);
    // AOI excluding the first two pixels; accumulation over two blocks pools the counts.
    const c2 = emptyCounts();
    const aoi = new Uint8Array([0, 0, 1, 1, 1, 1, 1, 1]);
    accumulateConfusion(c2, pred.subarray(0, 4), ref.subarray(0, 4), { ignoreValue: 255, aoi: aoi.subarray(0, 4) });
    accumulateConfusion(c2, pred.subarray(4), ref.subarray(4), { ignoreValue: 255, aoi: aoi.subarray(4) });
    expect(c2).toEqual({ tp: 1, fp: 1, fn: 0, tn: 2 });
  });

  it('0/0 cases are 0 (as training/scarp_train/metrics.py pooled metrics)', () => {
    expect(scores({ tp: 0, fp: 0, fn: 0, tn: 10 })).toEqual({ precision: 0, recall: 0, f1: 0, iou: 0 });
    expect(scores({ tp: 0, fp: 3, fn: 0, tn: 1 })).toEqual({ precision: 0, recall: 0, f1: 0, iou: 0 });
    expect(scores({ tp: 0, fp: 0, fn: 4, tn: 1 })).toEqual({ precision: 0, recall: 0, f1: 0, iou: 0 });
    expect(scores({ tp: 5, fp: 0, fn: 0, tn: 0 })).toEqual({ precision: 1, recall: 1, f1: 1, iou: 1 });
  });

  it('rejects blocks of different sizes', () => {
    expect(() => accumulateConfusion(emptyCounts(), new Float32Array(3), new Float32Array(4))).toThrow(RangeError);
  });

  it('counts a mapped reference pixel without a prediction as not predicted', () => {
    const c = emptyCounts();
    const result = accumulateConfusion(c, new Float32Array([NaN, NaN, NaN]), new Float32Array([1, 0, 255]), { ignoreValue: 255 });
    expect(c).toEqual({ tp: 0, fp: 0, fn: 1, tn: 1 });
    expect(result).toEqual({ excluded: 1, noPrediction: 2 });
  });
});
