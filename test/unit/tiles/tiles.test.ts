/**
 * Tile rendering vs gdalwarp: the tile's geometry (which pixels are covered, where each source pixel
 * lands in Web Mercator) and values against `gdalwarp -t_srs EPSG:3857 -te <tile bounds> -ts 256 256`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { gdal, hasGdal } from '../../helpers/gdal';
import { dataPath, hasData, tempDir } from '../../helpers/data';
import { openRaster } from '../../../src-main/core/raster';
import {
  encodePng,
  renderTileRgba,
  sceneStretch,
  tileBounds,
  TileService,
  WEB_MERCATOR,
  type RenderLayer,
} from '../../../src-main/core/tiles';
import { transformBounds } from '../../../src-main/core/geo';
import { LruCache } from '../../../src-main/core/tiles/lru';

function lonLatToTile(lon: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return [Math.floor(((lon + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)];
}

describe('tile geometry', () => {
  it('tileBounds covers the Web Mercator square', () => {
    const b = tileBounds(0, 0, 0);
    expect(b.minX).toBeCloseTo(-20037508.34, 1);
    expect(b.maxY).toBeCloseTo(20037508.34, 1);
    const c = tileBounds(1, 1, 0);
    expect(c.minX).toBeCloseTo(0, 6);
    expect(c.minY).toBeCloseTo(0, 6);
  });

  it('LRU evicts the least recently used by bytes', () => {
    const l = new LruCache<Uint8Array>(10);
    l.set('a', new Uint8Array(4));
    l.set('b', new Uint8Array(4));
    l.get('a');
    l.set('c', new Uint8Array(4));
    expect(l.get('b')).toBeUndefined();
    expect(l.get('a')).toBeDefined();
  });

  it('encodes a PNG that inflates back to the pixels', () => {
    const rgba = new Uint8Array(4 * 4 * 4).map((_, i) => (i * 37) & 255);
    const png = encodePng(rgba, 4, 4);
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    const idatLen = png.readUInt32BE(33);
    const raw = inflateSync(png.subarray(41, 41 + idatLen));
    // Undo the "up" filter.
    const out = new Uint8Array(64);
    for (let y = 0; y < 4; y++) {
      for (let i = 0; i < 16; i++) {
        const v = raw[y * 17 + 1 + i]!;
        out[y * 16 + i] = raw[y * 17] === 2 && y > 0 ? (v + out[(y - 1) * 16 + i]!) & 255 : v;
      }
    }
    expect([...out]).toEqual([...rgba]);
  });

  it('display stretch: 2–98 % of the finite values; a flat band still gets a range, an empty one 0–255', async () => {
    const ramp = Float32Array.from({ length: 101 }, (_, i) => (i === 100 ? NaN : i));
    const flat = new Float32Array(101).fill(7);
    const empty = new Float32Array(101).fill(NaN);
    const ov = { width: 101, height: 1, bands: [0, 1, 2], data: [ramp, flat, empty] };
    const source = {} as never; // the overview is given, so the source is never read
    expect(await sceneStretch(source, [0, 1, 2], ov)).toEqual([
      { low: 2, high: 97 },
      { low: 7, high: 8 },
      { low: 0, high: 255 },
    ]);
  });
});

describe.skipIf(!hasGdal || !hasData)('tiles vs gdalwarp (Jinsha site B, UTM 47N → EPSG:3857)', () => {
  let tmp: { dir: string; cleanup: () => void };
  let crop: string;
  beforeAll(() => {
    tmp = tempDir('tiles');
    crop = join(tmp.dir, 'crop.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1400', '1200', '600', '600', dataPath('jinsha-uav/siteB_rgb.tif'), crop]);
  });
  afterAll(() => tmp?.cleanup());

  async function compare(z: number, resampling: string): Promise<{ coverAgree: number; meanAbs: number; covered: number }> {
    const src = await openRaster(crop);
    const lon = (src.info.boundsWgs84.minX + src.info.boundsWgs84.maxX) / 2;
    const lat = (src.info.boundsWgs84.minY + src.info.boundsWgs84.maxY) / 2;
    const [x, y] = lonLatToTile(lon, lat, z);
    const layer: RenderLayer = {
      kind: 'imagery',
      source: src,
      bands: [0, 1, 2],
      stretch: [0, 1, 2].map(() => ({ low: 0, high: 255 })),
      threshold: 0.5,
      bounds3857: transformBounds(src.info.bounds, src.info.crs, WEB_MERCATOR),
    };
    const t = await renderTileRgba(layer, z, x, y);
    expect(t).not.toBeNull();
    const b = tileBounds(z, x, y);
    const ref = join(tmp.dir, `ref-${z}.tif`);
    gdal('gdalwarp', ['-q', '-overwrite', '-t_srs', 'EPSG:3857', '-te', `${b.minX}`, `${b.minY}`, `${b.maxX}`, `${b.maxY}`, '-ts', '256', '256', '-r', resampling, '-dstnodata', '0', '-ot', 'Float32', crop, ref]);
    const r = await openRaster(ref);
    const bands = await r.readWindow({ x: 0, y: 0, width: 256, height: 256 });
    await r.close();
    await src.close();
    let agree = 0;
    let covered = 0;
    let diff = 0;
    let nd = 0;
    for (let i = 0; i < 256 * 256; i++) {
      const refCovered = Number.isFinite(bands[0]![i]!);
      const ours = t!.rgba[i * 4 + 3]! > 0;
      // gdalwarp's nodata 0 also marks black pixels of the source (its own nodata is 0).
      if (refCovered === ours) agree++;
      if (refCovered && ours) {
        covered++;
        for (let c = 0; c < 3; c++) {
          diff += Math.abs(bands[c]![i]! - t!.rgba[i * 4 + c]!);
          nd++;
        }
      }
    }
    return { coverAgree: agree / (256 * 256), meanAbs: diff / nd, covered };
  }

  it('native zoom (z19, about 0.26 m/px): same coverage, bilinear values within 2 DN', async () => {
    const r = await compare(19, 'bilinear');
    expect(r.covered).toBeGreaterThan(10_000);
    expect(r.coverAgree).toBeGreaterThan(0.995);
    expect(r.meanAbs).toBeLessThan(2);
  });

  it('zoomed out (z16, about 2 m/px, read from a resampled window): coverage and averaged values agree', async () => {
    const r = await compare(16, 'average');
    expect(r.covered).toBeGreaterThan(500);
    expect(r.coverAgree).toBeGreaterThan(0.99);
    expect(r.meanAbs).toBeLessThan(6);
  });

  it('TileService: stretch from statistics, transparent tile outside, null for unknown layers', async () => {
    const ts = new TileService();
    const info = await ts.openLayer({ path: crop, kind: 'imagery' });
    expect(info.stretch).toHaveLength(3);
    for (const s of info.stretch) expect(s.high).toBeGreaterThan(s.low);
    const outside = await ts.tile(info.id, 3, 0, 0);
    expect(outside).not.toBeNull();
    expect(await ts.tile('nope', 3, 0, 0)).toBeNull();
    expect(await ts.tile(info.id, 3, 9, 0)).toBeNull();
    const again = await ts.openLayer({ path: crop, kind: 'imagery' });
    expect(again.id).toBe(info.id);
    await expect(ts.openLayer({ path: crop, kind: 'falsecolor' })).rejects.toThrow(/near-infrared/);
    await ts.close();
  });
});
