/**
 * Native modules for Electron's ABI live apart from the Node build the CLI and the tests use:
 * `npm start` builds better-sqlite3 for Electron into $SCARP_NATIVE_DIR (.electron-native/), and
 * this hook makes the Electron main process load that copy. Imported first by main.ts. In a
 * packaged app (electron-builder rebuilds for Electron) the variable is unset and nothing changes.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';

const dir = process.env.SCARP_NATIVE_DIR;
if (dir) {
  const original = process.dlopen.bind(process);
  (process as { dlopen: typeof process.dlopen }).dlopen = (module, filename, flags) => {
    const alt = join(dir, basename(String(filename)));
    return original(module, existsSync(alt) ? alt : filename, flags);
  };
}
