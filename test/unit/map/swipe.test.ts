/**
 * The swipe's scissor boxes (src-renderer/src/map/swipe.ts): the left layer gets the columns left of
 * the bar, the right layer the rest, together exactly the drawing buffer, never outside it; and the
 * order in which a project's scenes of one role are taken (src-shared/scene-order.ts).
 */
import { describe, expect, it } from 'vitest';
import { scissorBox } from '../../../src-renderer/src/map/swipe';
import { latestSceneFirst } from '../../../src-shared/scene-order';

describe('swipe scissor', () => {
  it('splits the drawing buffer at the bar, in device pixels, origin bottom-left', () => {
    expect(scissorBox('left', 0.5, 1600, 900)).toEqual([0, 0, 800, 900]);
    expect(scissorBox('right', 0.5, 1600, 900)).toEqual([800, 0, 800, 900]);
    // A high-DPI buffer (2×) of a 801 px map: the columns still meet without a gap or overlap.
    for (const p of [0, 0.123, 0.5, 0.999, 1]) {
      const [, , lw] = scissorBox('left', p, 1602, 10);
      const [rx, , rw] = scissorBox('right', p, 1602, 10);
      expect(rx).toBe(lw);
      expect(lw + rw).toBe(1602);
    }
  });
  it('keeps the bar inside the map', () => {
    expect(scissorBox('left', -0.2, 1000, 10)).toEqual([0, 0, 0, 10]);
    expect(scissorBox('right', 1.7, 1000, 10)).toEqual([1000, 0, 0, 10]);
  });
});

describe('latestSceneFirst', () => {
  it('takes the latest acquisition date, undated scenes last, then the latest added', () => {
    const s = [
      { id: 'a', date: '2018-08-20', addedAt: '2024-01-03T00:00:00Z' },
      { id: 'b', date: null, addedAt: '2024-01-05T00:00:00Z' },
      { id: 'c', date: '2018-09-11', addedAt: '2024-01-01T00:00:00Z' },
      { id: 'd', date: null, addedAt: '2024-01-04T00:00:00Z' },
      { id: 'e', date: '2018-09-11', addedAt: '2024-01-02T00:00:00Z' },
    ];
    expect([...s].sort(latestSceneFirst).map((x) => x.id)).toEqual(['e', 'c', 'a', 'b', 'd']);
  });
});
