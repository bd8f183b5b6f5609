#!/usr/bin/env node
/**
 * Builds the Node side of Scarp to JavaScript in out/node/ (esbuild; packages stay external): the
 * `scarp` CLI (cli.js), the browser-mode server (server.js) and the three worker threads they start,
 * found beside the code that starts them: inference-worker.js, detect-worker.js, tile-worker.js.
 * Code shared by several entries is split into chunk-*.js in the same folder.
 *
 *   node scripts/build-node.mjs             build
 *   node scripts/build-node.mjs --if-stale  build only when out/node is missing or older than the sources
 *
 * `ensureNodeBuild()` is the same --if-stale check for bin/scarp.mjs, the test setup and `npm run serve`:
 * staleness is the newest modification time and the number of files under src-main/ and src-shared/
 * (plus this script and package.json), recorded in out/node/build-info.json. The build goes to a
 * temporary folder that replaces out/node only when complete.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const NODE_OUT = join(root, 'out/node');
const INFO = 'build-info.json';

const ENTRIES = {
  cli: 'src-main/cli/main.ts',
  server: 'src-main/server/main.ts',
  'inference-worker': 'src-main/core/inference/worker.ts',
  // The detection and tile workers as bundled for Electron too: geotiff.js's worker shim first, then the worker.
  'detect-worker': 'src-main/electron/detect-worker.ts',
  'tile-worker': 'src-main/electron/tile-worker.ts',
};

/** Newest mtime and file count of the inputs (milliseconds; ~300 stats). */
function sourceStamp() {
  let newest = 0;
  let files = 0;
  const visit = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (/\.(ts|mts|mjs|js|json)$/.test(e.name)) {
        files++;
        newest = Math.max(newest, statSync(p).mtimeMs);
      }
    }
  };
  visit(join(root, 'src-main'));
  visit(join(root, 'src-shared'));
  for (const f of [fileURLToPath(import.meta.url), join(root, 'package.json')]) newest = Math.max(newest, statSync(f).mtimeMs);
  return { newest, files };
}

/** Whether out/node holds a build of the current sources. */
export function isNodeBuildFresh() {
  try {
    const info = JSON.parse(readFileSync(join(NODE_OUT, INFO), 'utf8'));
    const now = sourceStamp();
    return info.newest === now.newest && info.files === now.files && Object.keys(ENTRIES).every((name) => existsSync(join(NODE_OUT, `${name}.js`)));
  } catch {
    return false;
  }
}

/** Build out/node (into a temporary folder that then replaces it). */
export async function buildNode({ quiet = false } = {}) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('out/node is missing or out of date and esbuild is not installed: run `npm ci` (with dev dependencies), then `npm run build:cli`.');
  }
  const t0 = Date.now();
  const stamp = sourceStamp();
  const tmp = `${NODE_OUT}.tmp-${process.pid}-${Date.now()}`;
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ENTRIES,
    outdir: tmp,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    chunkNames: 'chunk-[hash]',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  writeFileSync(join(tmp, INFO), `${JSON.stringify({ ...stamp, builtAt: new Date().toISOString() })}\n`);
  const old = `${NODE_OUT}.old-${process.pid}-${Date.now()}`;
  if (existsSync(NODE_OUT)) renameSync(NODE_OUT, old);
  try {
    renameSync(tmp, NODE_OUT);
  } catch (e) {
    // Another process put its build there first: use that one.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(NODE_OUT)) throw e;
  }
  rmSync(old, { recursive: true, force: true });
  if (!quiet) process.stderr.write(`[scarp] built out/node in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

/** Build when out/node is missing or stale; returns the folder. */
export async function ensureNodeBuild(opts = {}) {
  if (!isNodeBuildFresh()) await buildNode(opts);
  return NODE_OUT;
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const ifStale = process.argv.includes('--if-stale');
  try {
    if (ifStale) await ensureNodeBuild();
    else await buildNode();
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
