/** The warning an index method gives when it flags an implausible share of the ground (index-run.ts). */
import { describe, expect, it } from 'vitest';
import { IMPLAUSIBLE_FLAGGED_SHARE, implausibleShare } from '../../../src-main/core/detect/index-run';

describe('implausibleShare', () => {
  it('is silent up to the limit (and with no valid pixel), speaks above it with the share and the counts', () => {
    expect(IMPLAUSIBLE_FLAGGED_SHARE).toBe(0.4);
    expect(implausibleShare('Change detection', 40, 100)).toBeNull();
    expect(implausibleShare('Change detection', 0, 0)).toBeNull();
    expect(implausibleShare('Change detection', 41, 100)).toBe(
      'Change detection flagged 41 % of the mapped ground (41 of 100 pixels), far more than landslides cover: the index does not separate them from the rest in this image (haze, season, snow or a sensor difference), and the polygons say little. Check the image on the map; with two images, that they are of the same season and sensor.',
    );
  });
});
