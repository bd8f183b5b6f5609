/**
 * Tiny ONNX models generated at test time by test/fixtures/make_tiny_models.py (never committed).
 * Generated once per script version into test/.tmp and shared by every inference test file.
 * Without torch/onnx under /usr/bin/python3 the tests that need them are skipped with a message,
 * except under CI=true, where that is a failure.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '../../../src-main/core/paths';

const PY = '/usr/bin/python3';
const SCRIPT = resolve(repoRoot, 'test/fixtures/make_tiny_models.py');

function probeTorch(): boolean {
  const r = spawnSync(PY, ['-c', 'import torch, onnx'], { encoding: 'utf8' });
  return r.status === 0;
}

export const hasTorch = probeTorch();
if (!hasTorch) {
  const msg = `${PY} cannot import torch and onnx: the tests that need generated ONNX models are skipped (apt-get install python3-torch python3-onnx).`;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${msg}`);
  console.warn(`[scarp tests] ${msg}`);
}

let cached: string | null = null;

/** Folder holding the generated models (generated on first call). */
export function tinyModelsDir(): string {
  if (cached) return cached;
  const hash = createHash('sha256').update(readFileSync(SCRIPT)).digest('hex').slice(0, 12);
  const base = resolve(repoRoot, 'test/.tmp');
  const dir = join(base, `inference-models-${hash}`);
  if (!existsSync(join(dir, 'expected_metadata.json'))) {
    mkdirSync(base, { recursive: true });
    const tmp = mkdtempSync(join(base, 'inference-models-tmp-'));
    const r = spawnSync(PY, [SCRIPT, tmp], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`make_tiny_models.py failed:\n${r.stderr}`);
    try {
      renameSync(tmp, dir); // atomic; another test file may have won the race
    } catch {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  cached = dir;
  return dir;
}

export function modelPath(name: string): string {
  return join(tinyModelsDir(), name);
}

export interface ExpectedGraph {
  inputs: Array<{ name: string; elemType: number; dims: Array<number | string | null> }>;
  outputs: Array<{ name: string; elemType: number; dims: Array<number | string | null> }>;
  irVersion: number;
  producerName: string;
  opsetVersion: number;
  metadata: Record<string, string>;
}

export function expectedMetadata(): Record<string, ExpectedGraph> {
  return JSON.parse(readFileSync(join(tinyModelsDir(), 'expected_metadata.json'), 'utf8')) as Record<string, ExpectedGraph>;
}
