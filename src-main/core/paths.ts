import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (where package.json lives), found from this file so it works from any cwd. */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Folder of the shipped models. */
export function modelsDir(): string {
  return process.env.SCARP_MODELS ?? resolve(repoRoot, 'models');
}

/** The shared real-data folder: $SCARP_DATA, else ../shared/data beside the repository. */
export function sharedDataDir(): string | null {
  const dir = process.env.SCARP_DATA ?? resolve(repoRoot, '../shared/data');
  return existsSync(dir) ? dir : null;
}

let version: string | undefined;
/** Scarp's version (package.json), as recorded in the provenance of every output. */
export function scarpVersion(): string {
  if (version === undefined) {
    try {
      version = (JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
