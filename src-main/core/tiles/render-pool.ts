/**
 * A pool of tile-rendering worker threads for TileService: every worker opens each layer itself
 * (the main thread sends what it computed once: bands, stretch, the in-memory overview), and a
 * render request goes to the worker with the fewest outstanding ones. The main thread only routes
 * requests and caches PNGs. A worker that dies is dropped; while none is ready (starting up, or
 * all gone), `render` rejects and TileService renders in its own thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../workers/entry';
import type { FromRenderWorker, RenderLayerSpec, ToRenderWorker } from './render-protocol';

/** Default pool size: at least 2 (reads overlap decoding), at most 4, one core left to the rest. */
export function defaultTileWorkers(): number {
  return Math.min(4, Math.max(2, availableParallelism() - 1));
}

interface Slot {
  worker: Worker;
  busy: number;
  dead: boolean;
  /** The worker has loaded its modules (until then requests are not sent to it). */
  ready: boolean;
}

export class RenderPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, { ok: (b: Buffer) => void; fail: (e: Error) => void; slot: Slot }>();
  private readonly specs = new Map<string, RenderLayerSpec>();
  private nextRid = 1;

  constructor(size: number) {
    const entry = workerEntry('tile');
    for (let i = 0; i < size; i++) {
      const worker = new Worker(entry.url, { argv: entry.argv, name: `scarp-tiles-${i + 1}` });
      worker.unref();
      const slot: Slot = { worker, busy: 0, dead: false, ready: false };
      worker.on('message', (msg: FromRenderWorker) => {
        if (msg.t === 'ready') {
          slot.ready = true;
          return;
        }
        const p = this.pending.get(msg.rid);
        if (!p) return;
        this.pending.delete(msg.rid);
        slot.busy--;
        if (msg.t === 'tile') p.ok(Buffer.from(msg.png.buffer, msg.png.byteOffset, msg.png.byteLength));
        else p.fail(new Error(msg.message));
      });
      const down = (why: string): void => {
        if (slot.dead) return;
        slot.dead = true;
        for (const [rid, p] of this.pending) {
          if (p.slot !== slot) continue;
          this.pending.delete(rid);
          p.fail(new Error(`tile worker stopped: ${why}`));
        }
      };
      worker.on('error', (e) => down(e.message));
      worker.on('exit', (code) => down(`exit code ${code}`));
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

  private send(slot: Slot, msg: ToRenderWorker): void {
    try {
      slot.worker.postMessage(msg);
    } catch {
      slot.dead = true;
    }
  }

  open(id: string, spec: RenderLayerSpec): void {
    this.specs.set(id, spec);
    for (const s of this.slots) if (!s.dead) this.send(s, { t: 'open', id, spec });
  }

  close(id: string): void {
    this.specs.delete(id);
    for (const s of this.slots) if (!s.dead) this.send(s, { t: 'close', id });
  }

  render(id: string, z: number, x: number, y: number): Promise<Buffer> {
    let slot: Slot | null = null;
    for (const s of this.slots) if (!s.dead && s.ready && (!slot || s.busy < slot.busy)) slot = s;
    if (!slot) return Promise.reject(new Error('no tile worker is ready'));
    const rid = this.nextRid++;
    const s = slot;
    s.busy++;
    return new Promise<Buffer>((ok, fail) => {
      this.pending.set(rid, { ok, fail, slot: s });
      this.send(s, { t: 'render', rid, id, z, x, y });
      if (s.dead) {
        this.pending.delete(rid);
        fail(new Error('tile worker stopped'));
      }
    });
  }

  async terminate(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate().catch(() => 0)));
    this.slots.length = 0;
  }
}
