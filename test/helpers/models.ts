/** Small ONNX models made at test time by the fixture scripts (never committed). */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
