/**
 * Where the code of Scarp's worker threads is, in one place for the three of them (inference,
 * detection, tile rendering):
 * - from TypeScript sources (vitest, benchmarks): this module is a .ts file; the worker starts
 *   source-worker.mjs, which registers tsx in the worker thread and imports the worker's .ts source
 *   (named after `--scarp-source` in the worker's argv; Node 20 does not apply `--import tsx` from a
 *   Worker's execArgv reliably);
 * - built (out/node by scripts/build-node.mjs, out/main by electron-vite): `<name>-worker.js` beside
 *   the built code, or one folder up from a chunk;
 * - or in the folder `configureWorkers` names.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type WorkerName = 'inference' | 'detect' | 'tile';

/** Each worker's source module, relative to this file. */
const SOURCES: Record<WorkerName, string> = {
  inference: '../inference/worker.ts',
  detect: '../detect/worker/detect-worker.ts',
  tile: '../tiles/render-worker.ts',
};

export interface WorkerEntry {
  /** The module the Worker starts. */
  url: URL;
  /** Worker argv (the source module for the tsx bootstrap; empty for built code). */
  argv: string[];
}

let configuredDir: URL | null = null;

/** Look for built workers (`<name>-worker.js`) in `dir` from now on; null: back to the default. */
export function configureWorkers(dir: string | URL | null): void {
  if (dir === null) configuredDir = null;
  else {
    const url = dir instanceof URL ? dir : pathToFileURL(dir);
    configuredDir = new URL(url.href.endsWith('/') ? url.href : `${url.href}/`);
  }
}

/** How to start worker `name` (see the module comment). */
export function workerEntry(name: WorkerName): WorkerEntry {
  const file = `${name}-worker.js`;
  if (configuredDir) return { url: new URL(file, configuredDir), argv: [] };
  const here = import.meta.url;
  if (/\.(ts|mts)$/.test(new URL(here).pathname)) {
    return { url: new URL('./source-worker.mjs', here), argv: ['--scarp-source', new URL(SOURCES[name], here).href] };
  }
  for (const rel of [`./${file}`, `../${file}`]) {
    const built = new URL(rel, here);
    if (existsSync(fileURLToPath(built))) return { url: built, argv: [] };
  }
  return { url: new URL(`./${file}`, here), argv: [] };
}
