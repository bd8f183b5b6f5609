#!/usr/bin/env node
/**
 * `npm start`: the desktop app on a developer's or user's machine (needs internet the first time).
 *  1. Fetches the Electron binary when missing (`node node_modules/electron/install.js`; Electron's
 *     downloader needs Node ≥ 22.12).
 *  2. Builds better-sqlite3 for Electron's ABI into .electron-native/ when missing — a separate copy,
 *     so node_modules/better-sqlite3 stays built for Node (CLI, tests). The Electron main process
 *     loads the copy through SCARP_NATIVE_DIR (src-main/electron/native-redirect.ts).
 *     onnxruntime-node is N-API and needs no rebuild.
 *  3. Builds the app (electron-vite) when sources are newer than out/, then launches Electron.
 */
import { spawnSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, readdirSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const log = (m) => process.stderr.write(`[scarp start] ${m}\n`);
const fail = (m) => {
  log(m);
  process.exit(1);
};
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
};

// 1. Electron binary.
const electronDir = join(root, 'node_modules/electron');
const electronVersion = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')).version;
const hasBinary = () => existsSync(join(electronDir, 'path.txt')) && existsSync(join(electronDir, 'dist'));
if (!hasBinary()) {
  const [maj, min] = process.versions.node.split('.').map(Number);
  if (maj < 22 || (maj === 22 && min < 12)) fail(`Electron ${electronVersion}'s downloader needs Node ≥ 22.12 (this is ${process.versions.node}). Install a current Node, or set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron.`);
  log(`fetching the Electron ${electronVersion} binary…`);
  run(process.execPath, [join(electronDir, 'install.js')], { env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '' } });
  if (!hasBinary()) fail('the Electron binary is still missing after install.js');
}

// 2. better-sqlite3 for Electron's ABI, kept apart from the Node build.
const nativeDir = join(root, '.electron-native', `electron-${electronVersion}-${process.platform}-${process.arch}`);
const sqliteNode = join(nativeDir, 'better_sqlite3.node');
if (!existsSync(sqliteNode)) {
  log(`building better-sqlite3 for Electron ${electronVersion} (once)…`);
  const src = join(root, 'node_modules/better-sqlite3');
  const work = join(root, '.electron-native', 'build-better-sqlite3');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  for (const f of readdirSync(src)) if (f !== 'build' && f !== 'node_modules') cpSync(join(src, f), join(work, f), { recursive: true });
  // node-gyp: npm's bundled copy, else the one on PATH.
  const npmGyp = process.env.npm_execpath ? resolve(dirname(process.env.npm_execpath), '../node_modules/node-gyp/bin/node-gyp.js') : '';
  const gyp = existsSync(npmGyp) ? [process.execPath, npmGyp] : ['npx', '--yes', 'node-gyp'];
  run(gyp[0], [...gyp.slice(1), 'rebuild', '--release', `--target=${electronVersion}`, `--arch=${process.arch}`, '--dist-url=https://electronjs.org/headers', '--runtime=electron'], { cwd: work });
  mkdirSync(nativeDir, { recursive: true });
  copyFileSync(join(work, 'build/Release/better_sqlite3.node'), sqliteNode);
  rmSync(work, { recursive: true, force: true });
}

// 3. Build when stale, then launch.
const newest = (dir) => {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
};
const built = join(root, 'out/main/index.js');
const stale = !existsSync(built) || ['src-main', 'src-renderer', 'src-shared'].some((d) => newest(join(root, d)) > statSync(built).mtimeMs);
if (stale) {
  log('building the app (electron-vite)…');
  run(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build']);
}
const electronPath = require('electron');
const child = spawn(electronPath, [root, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, SCARP_NATIVE_DIR: nativeDir } });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
