/**
 * Platt scaling in training (scarp_train/calibrate.py fit_platt), which writes every card's
 * calibration: on large, nearly separable logits with a little label noise (a well-trained model's
 * validation pixels), the fit must settle at the NLL minimum, not overshoot into a step function.
 * Before its Newton steps had a line search it returned a temperature of 1e-9 on this input (seen on a
 * site-A-only FCA-DeepLab run), so every probability of the card's model was 0 or 1.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../src-main/core/paths';
import { hasTorch } from '../helpers/models';

const SCRIPT = `
import json, numpy as np
from scarp_train.calibrate import fit_platt, reliability
rng = np.random.default_rng(0)
y = rng.random(100000) < 0.2
z = np.where(y, rng.normal(20, 3, y.size), rng.normal(-20, 3, y.size))
y = y ^ (rng.random(y.size) < 0.01)
Z, Y = z.reshape(1, -1), y.astype(np.uint8).reshape(1, -1)
def nll(a, c):
    s = a * z + c
    return float(np.mean(np.log1p(np.exp(-np.abs(s))) + np.maximum(s, 0) - y * s))
T, shift = fit_platt([Z], [Y])
grid = min(nll(1 / t, c / t) for t in np.geomspace(0.5, 20, 60) for c in np.linspace(-10, 10, 41))
p = 1 / (1 + np.exp(-np.clip((z + shift) / T, -60, 60)))
print(json.dumps({'T': T, 'nll': nll(1 / T, shift / T), 'start': nll(1, 0), 'grid': grid,
                  'ece': reliability([p.reshape(1, -1)], [Y])[1]}))
`;

describe.skipIf(!hasTorch)('training calibration (Platt scaling)', () => {
  it('fits large noisy logits at the NLL minimum, with a finite temperature and a low calibration error', () => {
    const out = execFileSync('/usr/bin/python3', ['-c', SCRIPT], { cwd: resolve(repoRoot, 'training'), encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { T: number; nll: number; start: number; grid: number; ece: number };
    expect(r.T).toBeGreaterThan(1);
    expect(r.T).toBeLessThan(20);
    expect(r.nll).toBeLessThan(r.start);
    // no point of a coarse grid over (T, shift) beats the fit
    expect(r.nll).toBeLessThanOrEqual(r.grid + 1e-6);
    expect(r.ece).toBeLessThan(0.03);
  });
});
