/**
 * A project file handed to the app by the system: double-clicked in the file manager (the .gpkg
 * association of electron-builder.yml), "Open with", or dropped on the dock icon. Windows and Linux
 * pass it on the command line (of the first launch, or of a second one whose arguments reach the
 * running instance); macOS sends `open-file`.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/** The first argument that names an existing .gpkg file (relative to `cwd`), or null; switches are skipped. */
export function projectArg(argv: readonly string[], cwd: string): string | null {
  for (const a of argv) {
    if (a.startsWith('-') || !/\.gpkg$/i.test(a)) continue;
    const p = resolve(cwd, a);
    try {
      if (existsSync(p) && statSync(p).isFile()) return p;
    } catch {
      /* unreadable: not a project to open */
    }
  }
  return null;
}
