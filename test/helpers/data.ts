/**
 * Locating the shared real data from tests. Absent data skips on a developer's machine and fails
 * under CI (CI=true), where ../shared/data is always present.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sharedDataDir, repoRoot } from '../../src-main/core/paths';

export const dataDir = sharedDataDir();
export const hasData = dataDir !== null;

if (!hasData && process.env.CI === 'true') {
  throw new Error('CI=true but ../shared/data (or $SCARP_DATA) is missing: the real-data tests cannot run.');
}
if (!hasData) {
  console.warn('[scarp tests] ../shared/data not found: real-data tests are skipped. Set SCARP_DATA to run them.');
}

/** Absolute path of a file under the shared data folder (only call inside tests gated by hasData). */
export function dataPath(rel: string): string {
  if (!dataDir) throw new Error(`shared data missing; cannot resolve ${rel}`);
  const p = join(dataDir, rel);
  if (!existsSync(p)) throw new Error(`shared data file missing: ${p}`);
  return p;
}

/** A fresh temporary folder under test/.tmp, removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const base = resolve(repoRoot, 'test/.tmp');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, `${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
