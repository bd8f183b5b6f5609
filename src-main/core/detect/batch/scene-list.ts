/**
 * The scenes of a batch (`scarp batch --scenes SOURCE`), from one of:
 * - a folder: every GeoTIFF in it (not its subfolders), by name;
 * - a list file: one scene a line, `image.tif [dem.tif]` (whitespace between; `#` starts a comment);
 * - a JSON manifest: `{"dem"?: "…", "scenes": [{"id"?, "image", "dem"?}, …]}`, or a STAC-like
 *   FeatureCollection of Items whose assets give the image (key `image`, `visual`, `data` or `rgb`,
 *   or the first GeoTIFF asset) and the DEM (key `dem`, `dsm` or `elevation`, or role `elevation`).
 * Relative paths are relative to the list or manifest. A batch-wide DEM (`dem`) applies to the
 * scenes that name none. Scene ids (default: the image's file name without extension) are unique.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScarpError } from '../../../../src-shared/errors';

export interface BatchScene {
  /** Unique in the batch; names the scene's folder of shard files. */
  id: string;
  image: string;
  dem: string | null;
}

const TIFF = /\.tiff?$/i;
const IMAGE_KEYS = ['image', 'visual', 'data', 'rgb'];
const DEM_KEYS = ['dem', 'dsm', 'elevation'];

function bad(source: string, why: string, hint: string): ScarpError {
  return new ScarpError({ code: 'INVALID_ARGUMENT', message: `The scene list ${source} ${why}`, file: source, hint });
}

/** A path of the list, made absolute against the list's folder (`file://` URLs accepted). */
function localPath(source: string, base: string, p: unknown, where: string): string {
  if (typeof p !== 'string' || p.trim() === '') throw bad(source, `has no path for ${where}.`, 'Give each scene an image path (and optionally a DEM path).');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) {
    if (p.startsWith('file://')) return fileURLToPath(p);
    throw bad(source, `names ${p} for ${where}: only local files can be read (Scarp works offline).`, 'Download the scene first and list its local path.');
  }
  return isAbsolute(p) ? p : resolve(base, p);
}

function idOf(image: string): string {
  return basename(image, extname(image));
}

interface AssetLike {
  href?: unknown;
  type?: unknown;
  roles?: unknown;
}

function stacScene(source: string, base: string, item: Record<string, unknown>, n: number): { id?: string; image: string; dem: string | null } {
  const assets = (item.assets ?? {}) as Record<string, AssetLike>;
  const entries = Object.entries(assets);
  const roles = (a: AssetLike) => (Array.isArray(a.roles) ? a.roles.map(String) : []);
  const isTiff = (a: AssetLike) => (typeof a.type === 'string' && a.type.includes('image/tiff')) || (typeof a.href === 'string' && TIFF.test(a.href));
  const dem = entries.find(([k, a]) => DEM_KEYS.includes(k.toLowerCase()) || roles(a).some((r) => r === 'elevation' || r === 'dem'));
  const image = entries.find(([k]) => IMAGE_KEYS.includes(k.toLowerCase())) ?? entries.find(([, a]) => a !== dem?.[1] && isTiff(a) && !roles(a).includes('thumbnail'));
  const where = `item ${typeof item.id === 'string' ? item.id : n + 1}`;
  if (!image) throw bad(source, `has no image asset in ${where} (assets: ${entries.map(([k]) => k).join(', ') || 'none'}).`, `Name the image asset one of ${IMAGE_KEYS.join(', ')}.`);
  return {
    id: typeof item.id === 'string' ? item.id : undefined,
    image: localPath(source, base, image[1].href, `the image of ${where}`),
    dem: dem ? localPath(source, base, dem[1].href, `the DEM of ${where}`) : null,
  };
}

function fromJson(source: string): { scenes: Array<{ id?: string; image: string; dem: string | null }>; dem?: string } {
  const base = dirname(source);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(source, 'utf8'));
  } catch (e) {
    throw bad(source, `is not valid JSON: ${(e as Error).message}.`, 'Fix the manifest (see docs/cluster.md for its form).');
  }
  const o = (doc ?? {}) as Record<string, unknown>;
  if (o.type === 'FeatureCollection' && Array.isArray(o.features)) {
    return { scenes: o.features.map((f, i) => stacScene(source, base, (f ?? {}) as Record<string, unknown>, i)) };
  }
  if (o.type === 'Feature') return { scenes: [stacScene(source, base, o, 0)] };
  if (!Array.isArray(o.scenes)) throw bad(source, 'has neither a "scenes" list nor STAC Items (a FeatureCollection).', 'Write {"scenes": [{"image": "a.tif", "dem": "a_dem.tif"}, …]}.');
  return {
    dem: o.dem === undefined ? undefined : localPath(source, base, o.dem, 'the batch DEM'),
    scenes: o.scenes.map((s, i) => {
      const e = (s ?? {}) as Record<string, unknown>;
      return {
        id: typeof e.id === 'string' ? e.id : undefined,
        image: localPath(source, base, e.image, `scene ${i + 1}`),
        dem: e.dem === undefined || e.dem === null ? null : localPath(source, base, e.dem, `the DEM of scene ${i + 1}`),
      };
    }),
  };
}

function fromText(source: string): Array<{ image: string; dem: string | null }> {
  const base = dirname(source);
  const out: Array<{ image: string; dem: string | null }> = [];
  readFileSync(source, 'utf8')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = raw.replace(/#.*$/, '').trim();
      if (!line) return;
      const parts = line.split(/\s+/);
      if (parts.length > 2) throw bad(source, `line ${i + 1} has ${parts.length} fields; a line is "image.tif [dem.tif]".`, 'Use a JSON manifest for paths with spaces.');
      out.push({ image: localPath(source, base, parts[0], `line ${i + 1}`), dem: parts[1] ? localPath(source, base, parts[1], `line ${i + 1}`) : null });
    });
  return out;
}

/** The scenes of `source` (folder, list file or JSON manifest); `dem` is the batch-wide DEM. */
export function readSceneList(source: string, dem?: string): BatchScene[] {
  const path = resolve(source);
  if (!existsSync(path)) throw new ScarpError({ code: 'FILE_NOT_FOUND', message: `The scene list ${path} does not exist.`, file: path, hint: 'Give a folder of GeoTIFFs, a list file or a JSON manifest.' });
  let listed: Array<{ id?: string; image: string; dem: string | null }>;
  let listDem: string | undefined;
  if (statSync(path).isDirectory()) {
    listed = readdirSync(path)
      .filter((f) => TIFF.test(f) && statSync(join(path, f)).isFile())
      .sort()
      .map((f) => ({ image: join(path, f), dem: null }));
  } else if (extname(path).toLowerCase() === '.json') {
    ({ scenes: listed, dem: listDem } = fromJson(path));
  } else {
    listed = fromText(path);
  }
  if (listed.length === 0) throw bad(path, 'lists no scene.', 'A folder needs GeoTIFFs (.tif) in it; a list one image a line.');
  const batchDem = dem ? resolve(dem) : listDem;
  const byId = new Map<string, string>();
  return listed.map((s) => {
    const id = (s.id ?? idOf(s.image)).replace(/[^\w.-]+/g, '_');
    const other = byId.get(id);
    if (other !== undefined) throw bad(path, `gives two scenes the id ${id} (${other} and ${s.image}).`, 'Give the scenes distinct file names or ids.');
    byId.set(id, s.image);
    return { id, image: s.image, dem: s.dem ?? batchDem ?? null };
  });
}
