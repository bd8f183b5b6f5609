/**
 * Offline basemaps through the browser-mode server: MBTiles written by GDAL (`gdal_translate -of
 * MBTILES` from a Jinsha crop: PNG and JPEG tiles; `ogr2ogr -f MBTILES`: vector MVT tiles), and a
 * PMTiles v3 archive holding the same raster tiles (GDAL 3.6 cannot write PMTiles: a minimal writer
 * below, read back with the `pmtiles` package as the reference). The tiles come out of the same
 * authenticated /tiles route as the rendered layers, byte for byte as stored (MVT un-gzipped).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { PMTiles, zxyToTileId, type Source } from 'pmtiles';
import { startScarpServer, type ScarpServer } from '../../src-main/server/server';
import { ScarpService } from '../../src-main/core/service/scarp-service';
import type { TileLayerInfo } from '../../src-shared/api';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, hasGdal } from '../helpers/gdal';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(srv: ScarpServer, path: string, auth = true, method = 'GET', body?: unknown): Promise<Reply> {
  return new Promise((ok, fail) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port: srv.port,
        path,
        method,
        headers: { Host: `127.0.0.1:${srv.port}`, ...(auth ? { Authorization: `Bearer ${srv.token}` } : {}), ...(data ? { 'Content-Type': 'application/json' } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', fail);
    if (data) req.write(data);
    req.end();
  });
}

async function openLayer(srv: ScarpServer, path: string): Promise<TileLayerInfo> {
  const r = await get(srv, '/api/rpc/openTileLayer', true, 'POST', { args: [{ path, kind: 'basemap' }] });
  const j = JSON.parse(r.body.toString('utf8')) as { ok: boolean; result: TileLayerInfo; error?: unknown };
  expect(j.ok, JSON.stringify(j.error)).toBe(true);
  return j.result;
}

interface StoredTile {
  z: number;
  x: number;
  y: number;
  data: Buffer;
}

/** Every tile of an MBTiles file, with XYZ rows (MBTiles counts rows from the south). */
function mbtilesTiles(path: string): StoredTile[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT zoom_level z, tile_column x, tile_row r, tile_data d FROM tiles').all() as Array<{ z: number; x: number; r: number; d: Buffer }>).map((t) => ({
      z: t.z,
      x: t.x,
      y: 2 ** t.z - 1 - t.r,
      data: t.d,
    }));
  } finally {
    db.close();
  }
}

function varint(n: number, out: number[]): void {
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

/** A minimal PMTiles v3 writer: one uncompressed root directory, no leaves, tiles in tile-id order. */
function writePmtiles(path: string, tiles: StoredTile[], tileType: number, bounds: [number, number, number, number], metadata: object): void {
  const sorted = tiles.map((t) => ({ ...t, id: zxyToTileId(t.z, t.x, t.y) })).sort((a, b) => a.id - b.id);
  const dir: number[] = [];
  varint(sorted.length, dir);
  let last = 0;
  for (const t of sorted) {
    varint(t.id - last, dir);
    last = t.id;
  }
  for (let i = 0; i < sorted.length; i++) varint(1, dir);
  for (const t of sorted) varint(t.data.length, dir);
  for (let i = 0; i < sorted.length; i++) varint(i === 0 ? 1 : 0, dir); // 0 = right after the previous tile
  const root = Buffer.from(dir);
  const meta = Buffer.from(JSON.stringify(metadata));
  const data = Buffer.concat(sorted.map((t) => t.data));
  const h = Buffer.alloc(127);
  h.write('PMTiles', 0, 'latin1');
  h[7] = 3;
  const u64 = (o: number, v: number): void => void h.writeBigUInt64LE(BigInt(v), o);
  u64(8, 127);
  u64(16, root.length);
  u64(24, 127 + root.length);
  u64(32, meta.length);
  u64(40, 127 + root.length + meta.length);
  u64(48, 0);
  u64(56, 127 + root.length + meta.length);
  u64(64, data.length);
  u64(72, sorted.length);
  u64(80, sorted.length);
  u64(88, sorted.length);
  h[96] = 1; // clustered
  h[97] = 1; // internal compression: none
  h[98] = 1; // tile compression: none
  h[99] = tileType;
  h[100] = Math.min(...sorted.map((t) => t.z));
  h[101] = Math.max(...sorted.map((t) => t.z));
  h.writeInt32LE(Math.round(bounds[0] * 1e7), 102);
  h.writeInt32LE(Math.round(bounds[1] * 1e7), 106);
  h.writeInt32LE(Math.round(bounds[2] * 1e7), 110);
  h.writeInt32LE(Math.round(bounds[3] * 1e7), 114);
  h[118] = h[100]!;
  h.writeInt32LE(Math.round(((bounds[0] + bounds[2]) / 2) * 1e7), 119);
  h.writeInt32LE(Math.round(((bounds[1] + bounds[3]) / 2) * 1e7), 123);
  writeFileSync(path, Buffer.concat([h, root, meta, data]));
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe.skipIf(!hasGdal || !hasData)('offline basemaps (PMTiles, MBTiles) through the server', () => {
  let srv: ScarpServer;
  let service: ScarpService;
  let tmp: { dir: string; cleanup: () => void };
  let dir: string;
  let pngTiles: StoredTile[];
  let bounds: [number, number, number, number];

  beforeAll(async () => {
    tmp = tempDir('basemap');
    dir = join(tmp.dir, 'maps');
    mkdirSync(dir);
    const src = dataPath('jinsha-uav/siteB_rgb.tif');
    gdal('gdal_translate', ['-q', '-of', 'MBTILES', '-srcwin', '1100', '900', '768', '768', src, join(dir, 'png.mbtiles')]);
    gdal('gdaladdo', ['-q', '-r', 'average', join(dir, 'png.mbtiles'), '2', '4']);
    gdal('gdal_translate', ['-q', '-of', 'MBTILES', '-co', 'TILE_FORMAT=JPEG', '-srcwin', '1100', '900', '512', '512', src, join(dir, 'jpeg.mbtiles')]);
    // A small vector layer (two polygons and a line) in the scene's area, as MVT tiles.
    const db0 = new Database(join(dir, 'png.mbtiles'), { readonly: true });
    const b = String((db0.prepare("SELECT value FROM metadata WHERE name = 'bounds'").get() as { value: string }).value).split(',').map(Number);
    db0.close();
    bounds = [b[0]!, b[1]!, b[2]!, b[3]!];
    const [x0, y0, x1, y1] = bounds;
    const mx = (x0 + x1) / 2;
    const my = (y0 + y1) / 2;
    const geo = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { kind: 'slide' }, geometry: { type: 'Polygon', coordinates: [[[x0, y0], [mx, y0], [mx, my], [x0, my], [x0, y0]]] } },
        { type: 'Feature', properties: { kind: 'river' }, geometry: { type: 'LineString', coordinates: [[x0, y1], [x1, y0]] } },
      ],
    };
    writeFileSync(join(dir, 'features.geojson'), JSON.stringify(geo));
    gdal('ogr2ogr', ['-f', 'MBTILES', join(dir, 'vector.mbtiles'), join(dir, 'features.geojson'), '-nln', 'landslides', '-dsco', 'MINZOOM=10', '-dsco', 'MAXZOOM=14']);
    pngTiles = mbtilesTiles(join(dir, 'png.mbtiles'));
    writePmtiles(join(dir, 'png.pmtiles'), pngTiles, 2, bounds, { name: 'jinsha crop', format: 'png' });
    service = new ScarpService();
    srv = await startScarpServer({ service, allowDirs: [tmp.dir], noHome: true, rendererDir: join(tmp.dir, 'renderer') });
  }, 120_000);

  afterAll(async () => {
    await srv?.close();
    await service?.layers.close();
    tmp?.cleanup();
  });

  it('the PMTiles fixture is a valid archive for the pmtiles reference reader', async () => {
    const buf = readFileSync(join(dir, 'png.pmtiles'));
    const source: Source = { getKey: () => 'fixture', getBytes: async (o, l) => ({ data: buf.buffer.slice(buf.byteOffset + o, buf.byteOffset + o + l) as ArrayBuffer }) };
    const pm = new PMTiles(source);
    const t = pngTiles[pngTiles.length - 1]!;
    const got = await pm.getZxy(t.z, t.x, t.y);
    expect(Buffer.from(got!.data).equals(t.data)).toBe(true);
  });

  it('serves raster MBTiles (PNG) tiles as stored, at every zoom the file has', async () => {
    const info = await openLayer(srv, join(dir, 'png.mbtiles'));
    expect(info.kind).toBe('basemap');
    expect(info.format).toBe('png');
    const zooms = [...new Set(pngTiles.map((t) => t.z))].sort((a, c) => a - c);
    expect(zooms.length).toBeGreaterThanOrEqual(2);
    expect(info.minZoom).toBe(zooms[0]);
    expect(info.maxZoom).toBe(zooms[zooms.length - 1]);
    expect(info.boundsWgs84.minX).toBeCloseTo(bounds[0], 5);
    expect(info.boundsWgs84.maxY).toBeCloseTo(bounds[3], 5);
    for (const z of zooms) {
      const t = pngTiles.find((p) => p.z === z)!;
      const r = await get(srv, `/tiles/${info.id}/${t.z}/${t.x}/${t.y}.png`);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('image/png');
      expect(r.body.equals(t.data)).toBe(true);
    }
    // A tile the file does not have: a transparent PNG, not an error (the map shows nothing there).
    const t = pngTiles[0]!;
    const miss = await get(srv, `/tiles/${info.id}/${t.z}/${(t.x + 7) % 2 ** t.z}/${(t.y + 9) % 2 ** t.z}.png`);
    expect(miss.status).toBe(200);
    expect(miss.body.subarray(0, 4).equals(PNG_MAGIC)).toBe(true);
    // The route is authenticated like every other.
    expect((await get(srv, `/tiles/${info.id}/${t.z}/${t.x}/${t.y}.png`, false)).status).toBe(401);
  });

  it('serves the same tiles from a PMTiles archive', async () => {
    const info = await openLayer(srv, join(dir, 'png.pmtiles'));
    expect(info.format).toBe('png');
    for (const t of pngTiles) {
      const r = await get(srv, `/tiles/${info.id}/${t.z}/${t.x}/${t.y}.png`);
      expect(r.status).toBe(200);
      expect(r.body.equals(t.data)).toBe(true);
    }
  });

  it('serves JPEG MBTiles tiles as image/jpeg', async () => {
    const info = await openLayer(srv, join(dir, 'jpeg.mbtiles'));
    expect(info.format).toBe('jpg');
    const t = mbtilesTiles(join(dir, 'jpeg.mbtiles'))[0]!;
    const r = await get(srv, `/tiles/${info.id}/${t.z}/${t.x}/${t.y}.jpg`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('image/jpeg');
    expect(r.body.equals(t.data)).toBe(true);
    expect(r.body[0]).toBe(0xff);
  });

  it('serves vector MBTiles as un-gzipped MVT with the layer names for the style', async () => {
    const info = await openLayer(srv, join(dir, 'vector.mbtiles'));
    expect(info.format).toBe('mvt');
    expect(info.vectorLayers).toContain('landslides');
    const t = mbtilesTiles(join(dir, 'vector.mbtiles')).find((x) => x.z === 12)!;
    const r = await get(srv, `/tiles/${info.id}/${t.z}/${t.x}/${t.y}.mvt`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/vnd.mapbox-vector-tile');
    const want = t.data[0] === 0x1f ? gunzipSync(t.data) : t.data;
    expect(r.body.equals(want)).toBe(true);
    expect(r.body.includes(Buffer.from('landslides'))).toBe(true);
  });

  it('refuses a file that is not a tile archive, with a hint', async () => {
    writeFileSync(join(dir, 'bad.pmtiles'), 'not a pmtiles file at all');
    const r = await get(srv, '/api/rpc/openTileLayer', true, 'POST', { args: [{ path: join(dir, 'bad.pmtiles'), kind: 'basemap' }] });
    const j = JSON.parse(r.body.toString('utf8')) as { ok: boolean; error: { code: string; hint?: string } };
    expect(j.ok).toBe(false);
    expect(j.error.code).toBe('UNSUPPORTED_FORMAT');
    expect(j.error.hint).toMatch(/pmtiles/i);
  });
});
