/**
 * A tile-rendering worker thread (render-pool.ts): holds its own handles on the layers' GeoTIFFs
 * (and the in-memory overview the main thread read once, when the file has none) and answers
 * render requests with encoded PNGs, so that rendering never blocks the main thread's event loop.
 */
import '../raster/worker-shim';
import { parentPort } from 'node:worker_threads';
import { openRaster } from '../raster/open';
import { encodePng, emptyPng } from '../util/png';
import { renderTileRgba, type RenderLayer } from './render';
import { withMemoryOverview } from './memory-overview';
import { TILE_SIZE } from './mercator';
import type { FromRenderWorker, ToRenderWorker } from './render-protocol';

const port = parentPort;
if (!port) throw new Error('the tile worker must run in a worker thread');

const layers = new Map<string, Promise<RenderLayer>>();

function post(msg: FromRenderWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

// Modules loaded: the pool may send render requests (until then the main thread renders).
post({ t: 'ready' });

port.on('message', (msg: ToRenderWorker) => {
  if (msg.t === 'open') {
    const { spec } = msg;
    const p = openRaster(spec.path).then((source) => ({
      kind: spec.kind,
      source: spec.overview ? withMemoryOverview(source, spec.overview) : source,
      bands: spec.bands,
      stretch: spec.stretch,
      threshold: spec.threshold,
      bounds3857: spec.bounds3857,
    }));
    p.catch(() => undefined);
    layers.set(msg.id, p);
    return;
  }
  if (msg.t === 'close') {
    const p = layers.get(msg.id);
    layers.delete(msg.id);
    void p?.then((l) => l.source.close()).catch(() => undefined);
    return;
  }
  const { rid, id, z, x, y } = msg;
  const p = layers.get(id);
  if (!p) return post({ t: 'error', rid, message: `tile layer ${id} is not open in the worker` });
  void p
    .then(async (layer) => {
      const t = await renderTileRgba(layer, z, x, y, TILE_SIZE);
      const png = t ? encodePng(t.rgba, t.size, t.size) : emptyPng(TILE_SIZE);
      const out = new Uint8Array(png.length);
      out.set(png);
      post({ t: 'tile', rid, png: out }, [out.buffer]);
    })
    .catch((e: unknown) => post({ t: 'error', rid, message: e instanceof Error ? e.message : String(e) }));
});
