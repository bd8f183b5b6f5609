/**
 * A tile-rendering worker thread (render-pool.ts): holds its own handles on the layers' GeoTIFFs
 * (and the in-memory overview the main thread read once, when the file has none) and answers
 * render calls with encoded PNGs, so that rendering never blocks the main thread's event loop.
 */
import '../raster/worker-shim';
import { ScarpError } from '../../../src-shared/errors';
import { openRaster } from '../raster/open';
import { openDem } from '../raster/open-dem';
import { encodePng, emptyPng } from '../util/png';
import { serveWorker } from '../workers/rpc';
import { renderTileRgba, type RenderLayer } from './render';
import { withMemoryOverview } from './memory-overview';
import { TILE_SIZE } from './mercator';
import type { TilePoolMethods, TileWorkerMethods } from './render-protocol';

const layers = new Map<string, Promise<RenderLayer>>();

const pool = serveWorker<TileWorkerMethods, TilePoolMethods>({
  open({ id, spec }) {
    const p = (spec.kind === 'hillshade' || spec.kind === 'slope' ? openDem(spec.path) : openRaster(spec.path)).then((source) => ({
      kind: spec.kind,
      source: spec.overview ? withMemoryOverview(source, spec.overview) : source,
      bands: spec.bands,
      stretch: spec.stretch,
      threshold: spec.threshold,
      bounds3857: spec.bounds3857,
    }));
    p.catch(() => undefined);
    layers.set(id, p);
  },
  close({ id }) {
    const p = layers.get(id);
    layers.delete(id);
    void p?.then((l) => l.source.close()).catch(() => undefined);
  },
  async render({ id, z, x, y }, ctx) {
    const p = layers.get(id);
    if (!p) throw new ScarpError({ code: 'INTERNAL', message: `tile layer ${id} is not open in the worker` });
    const t = await renderTileRgba(await p, z, x, y, TILE_SIZE);
    const png = t ? encodePng(t.rgba, t.size, t.size) : emptyPng(TILE_SIZE);
    const out = new Uint8Array(png.length);
    out.set(png);
    ctx.transfer(out.buffer);
    return out;
  },
});

// Modules loaded: the pool may send render calls (until then the main thread renders).
pool.notify('ready', undefined);
