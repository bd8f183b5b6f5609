/**
 * The in-app file browser of browser mode: lists folders and GIS files, only inside the allowed
 * roots (home and --allow-dir folders). Paths given to the API in browser mode are checked against
 * the same roots.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { ScarpError } from '../../src-shared/errors';
import type { FileEntry, FileListing } from '../../src-shared/files';

export type { FileEntry, FileListing };

/** Files the chooser lists: GIS data, models, reports, and field photos (evidence). */
const GIS_EXT = new Set(['.tif', '.tiff', '.gpkg', '.geojson', '.json', '.shp', '.zip', '.kml', '.kmz', '.onnx', '.csv', '.html', '.vrt', '.pmtiles', '.mbtiles', '.jpg', '.jpeg', '.png', '.webp']);

export class AllowedRoots {
  readonly roots: string[];

  constructor(dirs: string[]) {
    this.roots = [...new Set(dirs.filter((d) => existsSync(d)).map((d) => realpathSync(resolve(d))))];
  }

  /** The real path inside an allowed root; nearest existing ancestor for paths still to be created. */
  private within(p: string): boolean {
    return this.roots.some((r) => p === r || p.startsWith(r.endsWith(sep) ? r : r + sep));
  }

  async check(path: string): Promise<string> {
    return this.checkSync(path);
  }

  /** What to do to reach `real`, a folder outside the allowed ones. */
  private allowHint(real: string): string {
    return `Allowed: ${this.roots.join(', ')}. Start the server with --allow-dir ${dirname(real)} to add its folder.`;
  }

  /**
   * `path` (absolute) when its real path, links followed, is inside an allowed folder; else a
   * ScarpError. Paths stored in a project file are checked with this too (ScarpService storedPaths).
   */
  checkSync(path: string): string {
    const abs = resolve(path);
    let probe = abs;
    let rest = '';
    // Outputs do not exist yet: check the real path of the nearest existing ancestor.
    while (!existsSync(probe)) {
      const up = dirname(probe);
      if (up === probe) break;
      rest = rest ? join(probe.slice(up.length + 1), rest) : probe.slice(up.length + 1);
      probe = up;
    }
    const real = join(realpathSync(probe), rest);
    if (!this.within(real)) {
      throw new ScarpError({
        code: 'INVALID_ARGUMENT',
        message: real === abs ? `${path} is outside the folders this session may use.` : `${path} leads to ${real}, outside the folders this session may use.`,
        hint: this.allowHint(real),
        file: path,
        params: { real },
      });
    }
    return abs;
  }

  async list(path: string | undefined): Promise<FileListing> {
    const dir = await this.check(path ?? this.roots[0]!);
    const st = await stat(dir).catch(() => null);
    if (!st?.isDirectory()) throw new ScarpError({ code: 'FILE_NOT_FOUND', message: `${dir} is not a folder.`, file: dir });
    const names = await readdir(dir, { withFileTypes: true });
    const entries: FileEntry[] = [];
    for (const d of names) {
      if (d.name.startsWith('.')) continue;
      const p = join(dir, d.name);
      const s = await stat(p).catch(() => null);
      if (!s) continue;
      // A link is shown where it is, and marked when it leads outside the allowed folders.
      let outside: FileEntry['outside'];
      if (d.isSymbolicLink()) {
        const target = await realpath(p).catch(() => null);
        if (!target) continue;
        if (!this.within(target)) outside = { target, hint: this.allowHint(target) };
      }
      if (s.isDirectory()) entries.push({ name: d.name, path: p, kind: 'dir', size: 0, mtimeMs: s.mtimeMs, ...(outside ? { outside } : {}) });
      else if (GIS_EXT.has(extname(d.name).toLowerCase())) entries.push({ name: d.name, path: p, kind: 'file', size: s.size, mtimeMs: s.mtimeMs, ...(outside ? { outside } : {}) });
    }
    entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
    const real = await realpath(dir);
    const parent = this.roots.includes(real) ? null : dirname(dir);
    return { path: dir, parent, roots: this.roots, entries };
  }
}

/** Request keys whose string values are file paths (checked against the allowed roots in browser mode). */
const PATH_KEY = /^(path|image|dem|aoi|out|probability|prediction|reference|file|dir|project|output|source|dest|destination|inventory)$/i;

/** Check every path-valued field of a request (recursively) against the allowed roots. */
export async function checkRequestPaths(roots: AllowedRoots, value: unknown, key = ''): Promise<void> {
  if (typeof value === 'string') {
    if (PATH_KEY.test(key)) await roots.check(value);
    else if (key === 'model' && /[\\/]/.test(value)) await roots.check(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) await checkRequestPaths(roots, v, key);
    return;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) await checkRequestPaths(roots, v, k);
  }
}
