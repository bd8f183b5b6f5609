/**
 * A pool of tile-rendering worker threads for TileService: every worker opens each layer itself
 * (the main thread sends what it computed once: bands, stretch, the in-memory overview), and a
 * render request goes to the worker with the fewest outstanding ones. The main thread only routes
 * requests and caches PNGs. A worker that dies is dropped; while none is ready (starting up, or
 * all gone), `render` rejects and TileService renders in its own thread.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker, type Endpoint } from '../workers/rpc';
import type { RenderLayerSpec, TilePoolMethods, TileWorkerMethods } from './render-protocol';

/** Default pool size: at least 2 (reads overlap decoding), at most 4, one core left to the rest. */
export function defaultTileWorkers(): number {
  return Math.min(4, Math.max(2, availableParallelism() - 1));
}

interface Slot {
  worker: Worker;
  rpc: Endpoint<TilePoolMethods, TileWorkerMethods>;
  busy: number;
  dead: boolean;
  ready: boolean;
}

export class RenderPool {
  private readonly slots: Slot[] = [];

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const state = { busy: 0, dead: false, ready: false };
      const { worker, rpc } = startWorker<TilePoolMethods, TileWorkerMethods>('tile', undefined, { ready: () => void (state.ready = true) }, { threadName: `scarp-tiles-${i + 1}` });
      worker.unref();
      const slot: Slot = Object.assign(state, { worker, rpc });
      worker.on('error', () => (slot.dead = true));
      worker.on('exit', () => (slot.dead = true));
      this.slots.push(slot);
    }
  }

  get alive(): number {
    return this.slots.filter((s) => !s.dead).length;
  }

  /** Workers that can take requests now (alive and started). */
  get ready(): number {
    return this.slots.filter((s) => !s.dead && s.ready).length;
  }

  open(id: string, spec: RenderLayerSpec): void {
    for (const s of this.slots) if (!s.dead) s.rpc.notify('open', { id, spec });
  }

  close(id: string): void {
    for (const s of this.slots) if (!s.dead) s.rpc.notify('close', { id });
  }

  /** A PNG tile from the least busy ready worker; rejects when none is ready or the worker fails. */
  async render(id: string, z: number, x: number, y: number): Promise<Buffer> {
    let slot: Slot | null = null;
    for (const s of this.slots) if (!s.dead && s.ready && (!slot || s.busy < slot.busy)) slot = s;
    if (!slot) throw new Error('no tile worker is ready');
    slot.busy++;
    try {
      const png = await slot.rpc.call('render', { id, z, x, y });
      return Buffer.from(png.buffer, png.byteOffset, png.byteLength);
    } finally {
      slot.busy--;
    }
  }

  async terminate(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate().catch(() => 0)));
    this.slots.length = 0;
  }
}
