/**
 * Offline basemaps: a local PMTiles (v3, read with the `pmtiles` package over a file handle) or
 * MBTiles (SQLite, read with better-sqlite3) file the user has, served tile by tile through the
 * same authenticated routes as the rendered layers (HTTP /tiles, Electron scarp://app/tiles).
 * Raster tiles (PNG/JPEG/WebP) go out as stored; vector tiles (MVT) are un-gzipped first.
 * Nothing is ever fetched from the internet.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { extname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { Compression, PMTiles, TileType, type Source } from 'pmtiles';
import type { Bounds } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';

export type BasemapFormat = 'png' | 'jpg' | 'webp' | 'mvt';

export const BASEMAP_CONTENT_TYPES: Record<BasemapFormat, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
  mvt: 'application/vnd.mapbox-vector-tile',
};

export interface Basemap {
  path: string;
  format: BasemapFormat;
  minZoom: number;
  maxZoom: number;
  boundsWgs84: Bounds;
  /** Layer names of vector tiles (for a simple style). */
  vectorLayers: string[];
  name: string;
  /** The tile's bytes (uncompressed for MVT), or null where the file has no tile. */
  tile(z: number, x: number, y: number): Promise<Buffer | null>;
  close(): Promise<void>;
}

const WORLD: Bounds = { minX: -180, minY: -85.0511, maxX: 180, maxY: 85.0511 };

function gunzipMaybe(b: Buffer): Buffer {
  return b.length > 2 && b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b;
}

/** Format from the first bytes of a tile (for files whose metadata does not say). */
function sniff(b: Uint8Array): BasemapFormat | null {
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b[0] === 0xff && b[1] === 0xd8) return 'jpg';
  if (b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45) return 'webp';
  if (b[0] === 0x1f && b[1] === 0x8b) return 'mvt';
  return null;
}

function vectorLayerNames(json: unknown): string[] {
  const v = (json as { vector_layers?: Array<{ id?: unknown }> } | null)?.vector_layers;
  return Array.isArray(v) ? v.map((l) => l?.id).filter((id): id is string => typeof id === 'string') : [];
}

function unsupported(path: string, what: string): ScarpError {
  return new ScarpError({
    code: 'UNSUPPORTED_FORMAT',
    message: `${path}: ${what}`,
    file: path,
    hint: 'A basemap is a .pmtiles (v3) or .mbtiles file with PNG, JPEG, WebP or vector (MVT) tiles.',
  });
}

/** A pmtiles Source over a local file handle (positioned reads; the library caches the directories). */
class FileHandleSource implements Source {
  constructor(
    private readonly fh: FileHandle,
    private readonly key: string,
  ) {}
  getKey(): string {
    return this.key;
  }
  async getBytes(offset: number, length: number): Promise<{ data: ArrayBuffer }> {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await this.fh.read(buf, 0, length, offset);
    return { data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + bytesRead) as ArrayBuffer };
  }
}

async function nodeDecompress(buf: ArrayBuffer, c: Compression): Promise<ArrayBuffer> {
  if (c === Compression.None || c === Compression.Unknown) return buf;
  if (c === Compression.Gzip) {
    const out = gunzipSync(Buffer.from(buf));
    return out.buffer.slice(out.byteOffset, out.byteOffset + out.length) as ArrayBuffer;
  }
  throw new Error(`compression ${Compression[c] ?? c} is not supported`);
}

export async function openPmtiles(path: string): Promise<Basemap> {
  const fh = await open(path, 'r');
  try {
    const pm = new PMTiles(new FileHandleSource(fh, path), undefined, nodeDecompress);
    let header;
    try {
      header = await pm.getHeader();
    } catch (e) {
      throw unsupported(path, `not a PMTiles v3 archive (${(e as Error).message}).`);
    }
    const format: BasemapFormat | null =
      header.tileType === TileType.Png ? 'png' : header.tileType === TileType.Jpeg ? 'jpg' : header.tileType === TileType.Webp ? 'webp' : header.tileType === TileType.Mvt ? 'mvt' : null;
    if (!format) throw unsupported(path, `tile type ${TileType[header.tileType] ?? header.tileType} cannot be shown.`);
    if (header.tileCompression !== Compression.None && header.tileCompression !== Compression.Gzip && header.tileCompression !== Compression.Unknown)
      throw unsupported(path, `tiles compressed with ${Compression[header.tileCompression]} cannot be read.`);
    let meta: unknown = null;
    try {
      meta = header.jsonMetadataLength > 0 ? await pm.getMetadata() : null;
    } catch {
      meta = null;
    }
    const valid = header.minLon < header.maxLon && header.minLat < header.maxLat;
    return {
      path,
      format,
      minZoom: header.minZoom,
      maxZoom: header.maxZoom,
      boundsWgs84: valid ? { minX: header.minLon, minY: header.minLat, maxX: header.maxLon, maxY: header.maxLat } : WORLD,
      vectorLayers: vectorLayerNames(meta),
      name: typeof (meta as { name?: unknown } | null)?.name === 'string' ? (meta as { name: string }).name : '',
      async tile(z, x, y) {
        const r = await pm.getZxy(z, x, y);
        if (!r || r.data.byteLength === 0) return null;
        const b = Buffer.from(r.data);
        return format === 'mvt' ? gunzipMaybe(b) : b;
      },
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
}

export function openMbtiles(path: string): Basemap {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw unsupported(path, `not an SQLite file (${(e as Error).message}).`);
  }
  try {
    let meta: Record<string, string>;
    let getTile: Database.Statement<[number, number, number], { tile_data: Buffer }>;
    try {
      meta = Object.fromEntries((db.prepare('SELECT name, value FROM metadata').all() as Array<{ name: string; value: string }>).map((r) => [r.name, r.value]));
      getTile = db.prepare('SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?');
    } catch (e) {
      throw unsupported(path, `not an MBTiles file (${(e as Error).message}).`);
    }
    const zooms = db.prepare('SELECT MIN(zoom_level) AS lo, MAX(zoom_level) AS hi FROM tiles').get() as { lo: number | null; hi: number | null };
    if (zooms.lo === null || zooms.hi === null) throw unsupported(path, 'the file holds no tiles.');
    let format: BasemapFormat | null = null;
    const f = (meta.format ?? '').toLowerCase();
    if (f === 'png' || f === 'webp') format = f;
    else if (f === 'jpg' || f === 'jpeg') format = 'jpg';
    else if (f === 'pbf' || f === 'mvt') format = 'mvt';
    else {
      const first = db.prepare('SELECT tile_data FROM tiles LIMIT 1').get() as { tile_data: Buffer } | undefined;
      format = first ? sniff(first.tile_data) : null;
    }
    if (!format) throw unsupported(path, `tile format '${meta.format ?? 'unknown'}' cannot be shown.`);
    const b = (meta.bounds ?? '').split(',').map(Number);
    const bounds: Bounds = b.length === 4 && b.every(Number.isFinite) && b[0]! < b[2]! && b[1]! < b[3]! ? { minX: b[0]!, minY: b[1]!, maxX: b[2]!, maxY: b[3]! } : WORLD;
    let json: unknown = null;
    try {
      json = meta.json ? JSON.parse(meta.json) : null;
    } catch {
      json = null;
    }
    const minZoom = Number.isFinite(Number(meta.minzoom)) && meta.minzoom !== undefined ? Number(meta.minzoom) : zooms.lo;
    const maxZoom = Number.isFinite(Number(meta.maxzoom)) && meta.maxzoom !== undefined ? Number(meta.maxzoom) : zooms.hi;
    const fmt = format;
    return {
      path,
      format: fmt,
      minZoom: Math.max(minZoom, zooms.lo),
      maxZoom: Math.min(maxZoom, zooms.hi),
      boundsWgs84: bounds,
      vectorLayers: vectorLayerNames(json),
      name: meta.name ?? '',
      async tile(z, x, y) {
        // MBTiles rows count from the south (TMS).
        const row = getTile.get(z, x, 2 ** z - 1 - y);
        if (!row || row.tile_data.length === 0) return null;
        return fmt === 'mvt' ? gunzipMaybe(row.tile_data) : row.tile_data;
      },
      close: async () => {
        db.close();
      },
    };
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Open a .pmtiles or .mbtiles file (by extension, else by its first bytes). */
export async function openBasemap(path: string): Promise<Basemap> {
  const ext = extname(path).toLowerCase();
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch {
    throw new ScarpError({ code: 'FILE_NOT_FOUND', message: `Basemap file not found: ${path}`, file: path });
  }
  const head = Buffer.alloc(16);
  await fh.read(head, 0, 16, 0).finally(() => fh.close());
  if (ext === '.pmtiles' || head.subarray(0, 7).toString('latin1') === 'PMTiles') return openPmtiles(path);
  if (ext === '.mbtiles' || head.toString('latin1').startsWith('SQLite format 3')) return openMbtiles(path);
  throw unsupported(path, 'not a .pmtiles or .mbtiles file.');
}
