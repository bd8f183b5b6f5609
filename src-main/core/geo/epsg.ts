/** EPSG lookups through the epsg-index package: one code's JSON file is read on demand and cached. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface EpsgEntry {
  code: number;
  kind: string;
  name: string;
  wkt: string;
  proj4: string;
  unit: string | null;
}

const require_ = createRequire(import.meta.url);
let indexDir: string | null = null;
const cache = new Map<number, EpsgEntry | null>();

function epsgDir(): string {
  if (!indexDir) indexDir = join(dirname(require_.resolve('epsg-index/package.json')), 's');
  return indexDir;
}

/** The EPSG database entry for `code`, or null when epsg-index does not know it (or has no proj4 for it). */
export function lookupEpsg(code: number): EpsgEntry | null {
  if (!Number.isInteger(code) || code <= 0) return null;
  const hit = cache.get(code);
  if (hit !== undefined) return hit;
  let entry: EpsgEntry | null = null;
  try {
    const raw = JSON.parse(readFileSync(join(epsgDir(), `${code}.json`), 'utf8')) as Record<string, unknown>;
    if (typeof raw.proj4 === 'string' && raw.proj4.length > 0 && typeof raw.wkt === 'string') {
      entry = {
        code,
        kind: String(raw.kind ?? ''),
        name: String(raw.name ?? `EPSG:${code}`),
        wkt: raw.wkt,
        proj4: raw.proj4,
        unit: typeof raw.unit === 'string' ? raw.unit : null,
      };
    }
  } catch {
    entry = null;
  }
  cache.set(code, entry);
  return entry;
}
