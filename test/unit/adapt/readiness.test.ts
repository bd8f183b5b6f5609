import { describe, expect, it } from 'vitest';
import { ADAPT_MIN_DECISIONS, adaptBlocker } from '../../../src-shared/adapt';
import { DEFAULT_ANCHOR_SHARE, anchorShareFor, decisionCounts, fitAdaptation } from '../../../src-main/core/adapt/adapt-model';
import { ScarpError } from '../../../src-shared/errors';
import type { LabelDecision } from '../../../src-main/core/adapt/labels';

const square: LabelDecision['geometry'] = [[Float64Array.from([0, 0, 1, 0, 1, 1, 0, 1, 0, 0])]];
const decisions = (...kinds: LabelDecision['kind'][]): LabelDecision[] => kinds.map((kind) => ({ kind, geometry: square }));

describe('when a model may be adapted (core and Review panel share the rule)', () => {
  it('needs the minimum number of decisions, "not a landslide" areas not counted', () => {
    expect(ADAPT_MIN_DECISIONS).toBe(3);
    expect(adaptBlocker({ landslides: 1, rejected: 1 })).toEqual({ kind: 'too-few', have: 2, needed: 1 });
    expect(adaptBlocker({ landslides: 1, rejected: 2 })).toBeNull();
    expect(adaptBlocker({ landslides: 3, rejected: 0 })).toBeNull();
  });

  it('needs at least one landslide: rejections alone are refused', () => {
    expect(adaptBlocker({ landslides: 0, rejected: 10 })).toEqual({ kind: 'no-landslide' });
  });

  it('a drawn landslide is a landslide (the simulated operator draws what the model missed)', () => {
    expect(decisionCounts(decisions('drawn', 'rejected', 'rejected', 'background'))).toEqual({ landslides: 1, rejected: 2 });
    expect(adaptBlocker(decisionCounts(decisions('drawn', 'rejected', 'rejected')))).toBeNull();
    expect(adaptBlocker(decisionCounts(decisions('rejected', 'rejected', 'rejected')))).toEqual({ kind: 'no-landslide' });
  });

  it('the core refuses before reading any file, with the reason and what to do', async () => {
    const call = (d: LabelDecision[]): Promise<unknown> => fitAdaptation({ image: '/nonexistent/scene.tif', model: 'scarp-uav-rgbdem', decisions: d });
    const err = await call(decisions('rejected', 'rejected', 'rejected', 'background', 'background')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScarpError);
    expect((err as ScarpError).code).toBe('NOT_ENOUGH_LABELS');
    expect((err as ScarpError).message).toMatch(/at least one confirmed, edited or drawn landslide/);
    expect((err as ScarpError).hint).toMatch(/Confirm a landslide/);
    const few = await call(decisions('confirmed', 'background', 'background')).catch((e: unknown) => e);
    expect((few as ScarpError).message).toMatch(/at least 3 reviewed landslides .* there are 1\./);
    // Enough decisions with a landslide among them: past the rule, the missing scene is what fails.
    const open = await call(decisions('confirmed', 'rejected', 'rejected')).catch((e: unknown) => e);
    expect((open as ScarpError).code).not.toBe('NOT_ENOUGH_LABELS');
  });
});

describe('how much the anchors (the base model’s own answer on unreviewed ground) weigh', () => {
  it('in proportion to the decided landslides the base model had found: drawn ones lower it, rejections and "not a landslide" areas do not', () => {
    expect(DEFAULT_ANCHOR_SHARE).toBe(3);
    expect(anchorShareFor(decisions('confirmed', 'confirmed', 'confirmed'))).toBe(3);
    expect(anchorShareFor(decisions('confirmed', 'rejected', 'rejected', 'rejected', 'background'))).toBe(3);
    expect(anchorShareFor(decisions('drawn', 'drawn', 'rejected'))).toBe(0);
    expect(anchorShareFor(decisions('confirmed', 'drawn', 'drawn', 'drawn', 'rejected'))).toBeCloseTo(0.75, 12);
    expect(anchorShareFor(decisions('rejected', 'background'))).toBe(3);
  });
});
