/** Reconciling field evidence (issue 17): by uuid, added or removed, never duplicated or conflicting. */
import { describe, expect, it } from 'vitest';
import { reconcileEvidence } from '../../../src-main/core/merge/reconcile';

const ev = (uuid: string, landslideUuid = 'L1') => ({ uuid, landslideUuid });

describe('reconcileEvidence', () => {
  it('three-way: takes what from added, follows what from removed, keeps what into removed removed', () => {
    const base = new Set(['a', 'b', 'c']);
    // into: removed c, added d. from: removed b, added e.
    const into = new Set(['a', 'b', 'd']);
    const from = [ev('a'), ev('c'), ev('e', 'L2')];
    expect(reconcileEvidence(into, from, base)).toEqual({ adds: [ev('e', 'L2')], removes: ['b'] });
  });

  it('two-way: adds what only from has and removes nothing', () => {
    expect(reconcileEvidence(new Set(['a', 'x']), [ev('a'), ev('b')], null)).toEqual({ adds: [ev('b')], removes: [] });
  });

  it('merging the same evidence again changes nothing', () => {
    const both = new Set(['a', 'b']);
    expect(reconcileEvidence(both, [ev('a'), ev('b')], both)).toEqual({ adds: [], removes: [] });
  });
});
