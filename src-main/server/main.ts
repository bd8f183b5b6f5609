/**
 * `npm run serve [-- --port N] [--allow-dir DIR ...]`: Scarp in the browser. Prints exactly one
 * line, `Scarp is running at http://127.0.0.1:<port>/?token=<hex>`; everything else goes to stderr.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { repoRoot } from '../core/paths';
import { ScarpService } from '../core/service/scarp-service';
import { allowedRoots, startScarpServer } from './server';
import { defaultTileWorkers } from '../core/tiles/render-pool';

function parseArgs(argv: string[]): { port: number; allowDirs: string[]; rendererDir: string; noBuild: boolean } {
  let port = 0;
  const allowDirs: string[] = [];
  let rendererDir = resolve(repoRoot, 'out/renderer');
  let noBuild = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--port') port = Number(next());
    else if (a.startsWith('--port=')) port = Number(a.slice(7));
    else if (a === '--allow-dir') allowDirs.push(resolve(next()));
    else if (a.startsWith('--allow-dir=')) allowDirs.push(resolve(a.slice(12)));
    else if (a === '--renderer') rendererDir = resolve(next());
    else if (a === '--no-build') noBuild = true;
    else if (a === '--help' || a === '-h') {
      process.stderr.write('Usage: npm run serve [-- --port N] [--allow-dir DIR ...]\n');
      process.exit(0);
    } else throw new Error(`Unknown option ${a}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0–65535');
  return { port, allowDirs, rendererDir, noBuild };
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`scarp serve: ${(e as Error).message}\nUsage: npm run serve [-- --port N] [--allow-dir DIR ...]\n`);
    process.exit(2);
  }
  if (!existsSync(resolve(args.rendererDir, 'index.html')) && !args.noBuild) {
    process.stderr.write('Building the renderer (first run)…\n');
    const r = spawnSync(process.execPath, [resolve(repoRoot, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: repoRoot, stdio: ['ignore', 2, 2] });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  // Detections and tile rendering run in worker threads: the event loop that serves the UI stays responsive.
  // SCARP_TILE_WORKERS=<n> overrides the pool size (0: render in this thread).
  const tw = Number(process.env.SCARP_TILE_WORKERS ?? NaN);
  // The allowed folders hold for paths in requests and for paths stored in the projects opened.
  const roots = allowedRoots({ allowDirs: args.allowDirs });
  const service = new ScarpService({
    detectInWorker: true,
    tileWorkers: Number.isInteger(tw) && tw >= 0 ? tw : defaultTileWorkers(),
    storedPaths: (p) => void roots.checkSync(p),
  });
  const server = await startScarpServer({ service, port: args.port, roots, rendererDir: args.rendererDir });
  process.stdout.write(`Scarp is running at ${server.launchUrl}\n`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  process.stderr.write(`scarp serve: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
