/** Running GDAL's command-line tools, the behavioural reference for every format and algorithm. */
import { execFileSync, spawnSync } from 'node:child_process';

export const hasGdal = spawnSync('gdalinfo', ['--version']).status === 0;
if (!hasGdal && process.env.CI === 'true') throw new Error('CI=true but gdal-bin is not installed.');

/** Run a GDAL tool and return stdout; throws with stderr on failure. */
export function gdal(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Run one of GDAL's Python sample utilities with the system Python that has osgeo. */
export function gdalPython(module: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('/usr/bin/python3', ['-m', module, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function gdalinfoJson(path: string, extra: string[] = []): Record<string, unknown> {
  return JSON.parse(gdal('gdalinfo', ['-json', ...extra, path])) as Record<string, unknown>;
}
