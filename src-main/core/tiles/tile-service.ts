/**
 * TileService: map layers opened from GeoTIFFs (imagery, DEM derivatives, probability, mask) and
 * their XYZ PNG tiles, with an LRU cache of encoded tiles. Layer ids are derived from what the
 * layer shows (path, kind, bands, threshold, file size and time), so the same request gives the
 * same id and cached tiles stay valid until the file changes.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import type { TileLayerInfo, TileLayerRequestParsed } from '../../../src-shared/api';
import { ScarpError } from '../../../src-shared/errors';
import { openRaster } from '../raster/open';
import { openDem } from '../raster/open-dem';
import { transformBounds } from '../geo';
import type { RasterSource } from '../raster/types';
import { percentileStretch } from '../raster/percentiles';
import { encodePng, emptyPng } from '../util/png';
import { LruCache } from './lru';
import { renderTileRgba, type BandStretch, type RenderLayer } from './render';
import { withMemoryOverview, type MemoryOverview } from './memory-overview';
import { validTile, WEB_MERCATOR, zoomForResolution, TILE_SIZE } from './mercator';
import { BASEMAP_CONTENT_TYPES, openBasemap, type Basemap } from './basemap';
import { RenderPool } from './render-pool';

interface OpenLayer extends RenderLayer {
  info: TileLayerInfo;
  /** The in-memory overview (files without overviews), handed to tile workers. */
  overview: MemoryOverview | null;
}

interface OpenBasemap {
  basemap: Basemap;
  info: TileLayerInfo;
}

/** A tile's bytes and their media type. */
export interface TileData {
  data: Buffer;
  contentType: string;
}

export interface TileServiceOptions {
  /** Bytes of encoded PNG tiles kept (default 96 MiB). */
  cacheBytes?: number;
  /** Layers kept open at once (default 24); the least recently used is closed beyond that. */
  maxLayers?: number;
  /**
   * Tile-rendering worker threads (render-pool.ts; default 0 = render in this thread). The doors
   * that serve a UI use workers so that rendering never stalls their event loop.
   */
  workers?: number;
}

/** A ≤ `maxSide`-pixel read of the whole raster (from its overviews when it has them). */
export async function overviewRead(source: RasterSource, bands: number[], maxSide = OVERVIEW_SIDE): Promise<MemoryOverview> {
  const { width, height } = source.info;
  const f = Math.max(1, Math.max(width, height) / maxSide);
  const ow = Math.max(1, Math.round(width / f));
  const oh = Math.max(1, Math.round(height / f));
  const whole = { x: 0, y: 0, width, height };
  const data = f === 1 ? await source.readWindow(whole, bands) : await source.readWindowResampled(whole, ow, oh, bands);
  return { width: ow, height: oh, bands, data };
}

/** Scene statistics for display: per-band 2–98 % stretch from a ≤ 1024-pixel overview read. */
export async function sceneStretch(source: RasterSource, bands: number[], ov?: MemoryOverview): Promise<BandStretch[]> {
  const o = ov ?? (await overviewRead(source, bands));
  return o.data.map((d) => {
    const st = percentileStretch(d);
    if (!st) return { low: 0, high: 255 };
    // a flat band still needs a range to draw
    return st.high > st.low ? st : { low: st.low, high: st.low + 1 };
  });
}

const OVERVIEW_SIDE = 1024;

function layerId(req: TileLayerRequestParsed): string {
  let stamp = '';
  try {
    const st = statSync(req.path);
    stamp = `${st.size}:${st.mtimeMs}`;
  } catch {
    /* openRaster reports the missing file */
  }
  return createHash('sha1')
    .update(JSON.stringify([req.path, req.kind, req.bands ?? null, req.kind === 'mask' ? req.threshold : null, stamp]))
    .digest('hex')
    .slice(0, 16);
}

export class TileService {
  private readonly layers = new Map<string, OpenLayer>();
  private readonly opening = new Map<string, Promise<OpenLayer>>();
  /** Offline basemaps (PMTiles/MBTiles): their tiles are served as stored, not rendered. */
  private readonly basemaps = new Map<string, OpenBasemap>();
  private readonly openingBasemaps = new Map<string, Promise<OpenBasemap>>();
  private readonly cache: LruCache<Buffer>;
  private readonly maxLayers: number;
  private pool: RenderPool | null;

  constructor(opts: TileServiceOptions = {}) {
    this.cache = new LruCache<Buffer>(opts.cacheBytes ?? 96 * 1024 * 1024);
    this.maxLayers = opts.maxLayers ?? 24;
    this.pool = opts.workers ? new RenderPool(opts.workers) : null;
  }

  /** Render tiles in `n` worker threads from now on (no-op when a pool runs already or n is 0). */
  startWorkers(n: number): void {
    if (!this.pool && n > 0) {
      this.pool = new RenderPool(n);
      // Layers opened before the pool existed.
      for (const [id, l] of this.layers) this.pool.open(id, { path: l.info.path, kind: l.kind, bands: l.bands, stretch: l.stretch, threshold: l.threshold, bounds3857: l.bounds3857, overview: l.overview });
    }
  }

  /** Tile workers started and taking requests. */
  get workersReady(): number {
    return this.pool?.ready ?? 0;
  }

  /** Tile workers running (0 when tiles render in this thread). */
  get workers(): number {
    return this.pool?.alive ?? 0;
  }

  /** Open (or find) a layer; the returned id names its tiles. */
  async openLayer(req: TileLayerRequestParsed): Promise<TileLayerInfo> {
    const id = layerId(req);
    if (req.kind === 'basemap') return this.openBasemapLayer(id, req.path);
    const have = this.layers.get(id);
    if (have) {
      this.layers.delete(id);
      this.layers.set(id, have);
      return have.info;
    }
    let p = this.opening.get(id);
    if (!p) {
      p = this.load(id, req).finally(() => this.opening.delete(id));
      this.opening.set(id, p);
    }
    return (await p).info;
  }

  private async load(id: string, req: TileLayerRequestParsed): Promise<OpenLayer> {
    // Hillshade and slope are drawn from elevations in metres (a DEM in feet is scaled: open-dem.ts).
    const source = req.kind === 'hillshade' || req.kind === 'slope' ? await openDem(req.path) : await openRaster(req.path);
    try {
      const info = source.info;
      let bands: number[];
      if (req.kind === 'imagery' || req.kind === 'falsecolor') {
        if (req.bands) bands = req.bands;
        else if (req.kind === 'falsecolor') {
          if (info.bandCount < 4)
            throw new ScarpError({ code: 'INCOMPATIBLE_BANDS', message: `${req.path} has ${info.bandCount} bands: false colour needs a near-infrared band (band 4).`, file: req.path });
          bands = [3, 0, 1];
        } else bands = info.bandCount >= 3 ? [0, 1, 2] : [0];
      } else bands = [req.bands?.[0] ?? 0];
      for (const b of bands) {
        if (b < 0 || b >= info.bandCount) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${req.path} has no band ${b + 1}.`, file: req.path });
      }
      // Files without overviews get one in memory (read once; it also gives the statistics).
      const needOverview = info.overviews.length === 0 && Math.max(info.width, info.height) > OVERVIEW_SIDE * 1.5;
      const imagery = req.kind === 'imagery' || req.kind === 'falsecolor';
      const ov = needOverview || imagery ? await overviewRead(source, bands) : null;
      const stretch = imagery ? await sceneStretch(source, bands, ov!) : [];
      const reader = needOverview && ov ? withMemoryOverview(source, ov) : source;
      const bounds3857 = transformBounds(info.bounds, info.crs, WEB_MERCATOR);
      const lat = (info.boundsWgs84.minY + info.boundsWgs84.maxY) / 2;
      const nativeZoom = zoomForResolution(Math.min(info.gsd.x, info.gsd.y), lat);
      const layer: OpenLayer = {
        kind: req.kind as RenderLayer['kind'],
        source: reader,
        bands,
        stretch,
        threshold: req.threshold ?? 0.5,
        bounds3857,
        overview: needOverview && ov ? ov : null,
        info: {
          id,
          kind: req.kind,
          path: req.path,
          boundsWgs84: info.boundsWgs84,
          nativeZoom: Math.round(nativeZoom * 100) / 100,
          maxZoom: Math.min(24, Math.ceil(nativeZoom) + 3),
          bands: bands.map((b) => b + 1),
          stretch,
          threshold: req.kind === 'mask' ? (req.threshold ?? 0.5) : undefined,
          gsdM: info.gsd,
          crs: info.crs.epsg ? `EPSG:${info.crs.epsg}` : info.crs.name,
        },
      };
      this.layers.set(id, layer);
      this.pool?.open(id, { path: req.path, kind: layer.kind, bands, stretch, threshold: layer.threshold, bounds3857, overview: layer.overview });
      while (this.layers.size > this.maxLayers) {
        const [oldId, old] = this.layers.entries().next().value as [string, OpenLayer];
        this.layers.delete(oldId);
        this.pool?.close(oldId);
        this.cache.deletePrefix(`${oldId}/`);
        void old.source.close();
      }
      return layer;
    } catch (e) {
      await source.close();
      throw e;
    }
  }

  private async openBasemapLayer(id: string, path: string): Promise<TileLayerInfo> {
    const have = this.basemaps.get(id);
    if (have) return have.info;
    let p = this.openingBasemaps.get(id);
    if (!p) {
      p = (async (): Promise<OpenBasemap> => {
        const basemap = await openBasemap(path);
        const b = basemap.boundsWgs84;
        const info: TileLayerInfo = {
          id,
          kind: 'basemap',
          path,
          boundsWgs84: b,
          nativeZoom: basemap.maxZoom,
          maxZoom: basemap.maxZoom,
          minZoom: basemap.minZoom,
          format: basemap.format,
          vectorLayers: basemap.vectorLayers,
          bands: [],
          stretch: [],
          gsdM: { x: 0, y: 0 },
          crs: 'EPSG:3857',
        };
        const entry = { basemap, info };
        // One basemap at a time is plenty: an older one is closed.
        for (const [oldId, old] of this.basemaps) {
          this.basemaps.delete(oldId);
          this.cache.deletePrefix(`${oldId}/`);
          void old.basemap.close();
        }
        this.basemaps.set(id, entry);
        return entry;
      })().finally(() => this.openingBasemaps.delete(id));
      this.openingBasemaps.set(id, p);
    }
    return (await p).info;
  }

  hasLayer(id: string): boolean {
    return this.layers.has(id) || this.basemaps.has(id);
  }

  /**
   * Tile z/x/y of any layer with its media type: rendered layers give PNGs (transparent outside
   * the layer), basemaps their stored tiles (a transparent PNG, or an empty vector tile, where the
   * file has none). Null for an unknown layer or a tile that does not exist.
   */
  async tileData(id: string, z: number, x: number, y: number): Promise<TileData | null> {
    const bm = this.basemaps.get(id);
    if (bm) {
      if (!validTile(z, x, y)) return null;
      const data = await bm.basemap.tile(z, x, y);
      const f = bm.basemap.format;
      if (data) return { data, contentType: BASEMAP_CONTENT_TYPES[f] };
      return f === 'mvt' ? { data: Buffer.alloc(0), contentType: BASEMAP_CONTENT_TYPES.mvt } : { data: emptyPng(TILE_SIZE), contentType: 'image/png' };
    }
    const png = await this.tile(id, z, x, y);
    return png ? { data: png, contentType: 'image/png' } : null;
  }

  /**
   * The PNG of tile z/x/y of a layer: a transparent tile outside the layer, null for an unknown
   * layer or a tile that does not exist.
   */
  async tile(id: string, z: number, x: number, y: number): Promise<Buffer | null> {
    const layer = this.layers.get(id);
    if (!layer || !validTile(z, x, y)) return null;
    const key = `${id}/${z}/${x}/${y}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    let png: Buffer | null = null;
    if (this.pool && this.pool.ready > 0) {
      // A failure in a worker (or a worker gone) falls back to rendering here, as do requests
      // that come while the workers are still starting.
      png = await this.pool.render(id, z, x, y).catch(() => null);
    }
    if (!png) {
      const t = await renderTileRgba(layer, z, x, y, TILE_SIZE);
      png = t ? encodePng(t.rgba, t.size, t.size) : emptyPng(TILE_SIZE);
    }
    this.cache.set(key, png);
    return png;
  }

  cacheStats(): { tiles: number; bytes: number; hits: number; misses: number } {
    return { tiles: this.cache.size, bytes: this.cache.totalBytes, hits: this.cache.hits, misses: this.cache.misses };
  }

  async close(): Promise<void> {
    const all = [...this.layers.values()];
    const maps = [...this.basemaps.values()];
    this.layers.clear();
    this.basemaps.clear();
    const pool = this.pool;
    this.pool = null;
    await pool?.terminate();
    await Promise.all([...all.map((l) => l.source.close()), ...maps.map((m) => m.basemap.close())]);
  }
}
