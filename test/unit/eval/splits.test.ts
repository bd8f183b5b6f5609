import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JINSHA_B_TEST_ROWS, JINSHA_B_TRAINING_ROWS, JINSHA_B_VALIDATION_ROWS } from '../../../src-main/core/eval/splits';
import { repoRoot } from '../../../src-main/core/paths';
import { hasTorch } from '../../helpers/models';

describe('Jinsha site B split', () => {
  it('is the issue’s split for the real site (2817 rows): train 0–1306, validation 1370–1562, test 1690+', () => {
    expect(JINSHA_B_TRAINING_ROWS(2817)).toEqual([0, 1306]);
    expect(JINSHA_B_VALIDATION_ROWS(2817)).toEqual([1370, 1562]);
    expect(JINSHA_B_TEST_ROWS(2817)).toEqual([1690, 2817]);
  });

  it('keeps at least 64 unused rows between training, validation and test', () => {
    for (const h of [500, 1000, 2817, 5000]) {
      const [, trainEnd] = JINSHA_B_TRAINING_ROWS(h);
      const [v0, v1] = JINSHA_B_VALIDATION_ROWS(h);
      const [t0] = JINSHA_B_TEST_ROWS(h);
      expect(v0 - trainEnd).toBeGreaterThanOrEqual(64);
      expect(t0 - v1).toBeGreaterThanOrEqual(64);
    }
  });

  it.skipIf(!hasTorch)('agrees with training/scarp_train/data.py', () => {
    const py = execFileSync(
      '/usr/bin/python3',
      ['-c', "import json; from scarp_train import data as D; print(json.dumps([D.jinsha_rows('B', s, 2817) for s in ('train', 'val', 'test')]))"],
      { cwd: resolve(repoRoot, 'training'), encoding: 'utf8' },
    );
    expect(JSON.parse(py)).toEqual([JINSHA_B_TRAINING_ROWS(2817), JINSHA_B_VALIDATION_ROWS(2817), JINSHA_B_TEST_ROWS(2817)]);
  });
});
