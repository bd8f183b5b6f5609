/** Small ONNX models made at test time by the fixture scripts (never committed). */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '../../src-main/core/paths';

export const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;
if (!hasTorch && process.env.CI === 'true') throw new Error('CI=true but /usr/bin/python3 lacks torch/onnx (apt python3-torch python3-onnx).');

/** A random-weight RGB U-Net with a card (`bench-unet.onnx` + `.json`) in `dir`; returns the .onnx path. */
export function makeRgbTestModel(dir: string, width = 8): string {
  const onnx = join(dir, 'bench-unet.onnx');
  if (!existsSync(onnx)) {
    execFileSync('/usr/bin/python3', [resolve(repoRoot, 'test/fixtures/make_bench_model.py'), dir, String(width)], { stdio: 'ignore' });
  }
  return onnx;
}

/**
 * The model `training/smoke.py --model NAME OUT_DIR` exports (a few training steps on real samples,
 * the card with head, calibration and window-center as training writes it), cached in test/.tmp per
 * version of the training code. Null when this training code's smoke.py has no --model option.
 */
export function smokeModel(name: 'digate' | 'unet' | 'geonext'): string | null {
  const smoke = resolve(repoRoot, 'training/smoke.py');
  if (!hasTorch || !readFileSync(smoke, 'utf8').includes("add_argument('--model'")) return null;
  const h = createHash('sha256');
  const pkg = resolve(repoRoot, 'training/scarp_train');
  for (const f of [smoke, ...readdirSync(pkg).filter((n) => n.endsWith('.py')).sort().map((n) => join(pkg, n))]) h.update(f).update(readFileSync(f));
  const dir = resolve(repoRoot, 'test/.tmp', `smoke-${name}-${h.digest('hex').slice(0, 12)}`);
  const onnx = join(dir, `smoke-${name}.onnx`);
  if (!existsSync(onnx)) {
    const tmp = `${dir}.tmp-${process.pid}`;
    execFileSync('/usr/bin/python3', [smoke, '--model', name, tmp], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 290_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another test file won the race
    }
  }
  return onnx;
}
