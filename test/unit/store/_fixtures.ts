/** Small inputs for the project-store tests: crops of the shared UAV scene made with gdal_translate. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataPath, hasData } from '../../helpers/data';
import { hasGdal } from '../../helpers/gdal';

export const canRun = hasData && hasGdal;

/** A crop of siteB (RGB, or the DSM) at `out`, `w × h` pixels from (x, y). */
export function crop(out: string, opts: { x?: number; y?: number; w?: number; h?: number; dem?: boolean } = {}): string {
  if (!existsSync(out)) {
    const src = dataPath(opts.dem ? 'jinsha-uav/siteB_dsm.tif' : 'jinsha-uav/siteB_rgb.tif');
    execFileSync('gdal_translate', ['-q', '-srcwin', String(opts.x ?? 1000), String(opts.y ?? 800), String(opts.w ?? 200), String(opts.h ?? 200), src, out], { stdio: 'ignore' });
  }
  return out;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** A closed square ring as a one-polygon multipolygon. */
export function square(x: number, y: number, s: number): Float64Array[][] {
  return [[Float64Array.from([x, y, x + s, y, x + s, y + s, x, y + s, x, y])]];
}

export function sceneFile(dir: string, name = 'scene.tif'): string {
  return crop(join(dir, name));
}
