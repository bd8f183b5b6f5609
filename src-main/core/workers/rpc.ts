/**
 * The one mechanism between Scarp's threads and their workers (inference, detection, tiles): typed
 * calls in both directions over a worker_threads port, each answered once with its result or a
 * ScarpError (code, message, hint, file, params kept as they are: no code is lost on the way), with
 * progress events on the way and cancellation by AbortSignal. Buffers named in `transfer` move
 * without copying. A contract is a record of methods, each with its request, result and progress
 * types; the two sides of a worker share one contract per direction.
 *
 *   main thread: startWorker<ToMain, ToWorker>('detect', init, mainHandlers) → { worker, rpc }
 *   worker:      serveWorker<ToWorker, ToMain>(workerHandlers) → rpc (to call the main thread)
 */
import { parentPort, Worker, type TransferListItem } from 'node:worker_threads';
import { ScarpError, errorInfoOf, type ScarpErrorInfo } from '../../../src-shared/errors';
import { workerEntry, type WorkerName } from './entry';

/** One method of a contract: what it takes, what it returns, what it reports while it runs. */
export interface Method<Req, Res, Progress = never> {
  req: Req;
  res: Res;
  progress: Progress;
}

/** Methods one side of a port answers. */
export type Contract = Record<string, Method<unknown, unknown, unknown>>;

/** The contract of a side that answers nothing (it only calls). */
export type NoMethods = Record<string, never>;

/** What a handler gets besides the request. */
export interface CallContext<Progress> {
  /** Aborted when the caller cancels the call. */
  signal: AbortSignal;
  progress(event: Progress): void;
  /** Buffers of the result to move to the caller instead of copying them. */
  transfer(...items: TransferListItem[]): void;
}

export type Handlers<C extends Contract> = {
  [K in keyof C]: (req: C[K]['req'], ctx: CallContext<C[K]['progress']>) => C[K]['res'] | Promise<C[K]['res']>;
};

export interface CallOptions<Progress> {
  transfer?: TransferListItem[];
  signal?: AbortSignal;
  onProgress?: (event: Progress) => void;
}

/** What both Worker and parentPort offer. */
export interface Port {
  postMessage(value: unknown, transfer?: readonly TransferListItem[]): void;
  on(event: 'message', listener: (value: unknown) => void): unknown;
}

type Wire =
  | { rpc: 'call'; id: number; method: string; req: unknown }
  | { rpc: 'ok'; id: number; res: unknown }
  | { rpc: 'err'; id: number; error: ScarpErrorInfo }
  | { rpc: 'progress'; id: number; event: unknown }
  | { rpc: 'cancel'; id: number };

function isWire(v: unknown): v is Wire {
  return typeof v === 'object' && v !== null && typeof (v as { rpc?: unknown }).rpc === 'string' && typeof (v as { id?: unknown }).id === 'number';
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: ScarpError): void;
  onProgress?: (event: unknown) => void;
}

/** One side of a port: answers `Local` calls with `handlers`, makes `Remote` calls. */
export class Endpoint<Local extends Contract, Remote extends Contract> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly running = new Map<number, AbortController>();
  private closedWith: ScarpError | null = null;

  constructor(
    private readonly port: Port,
    private readonly handlers: Handlers<Local>,
  ) {
    port.on('message', (m) => {
      if (isWire(m)) this.receive(m);
    });
  }

  /** Call `method` on the other side; rejects with its ScarpError, or CANCELLED when `signal` aborts first. */
  call<K extends keyof Remote & string>(method: K, req: Remote[K]['req'], opts: CallOptions<Remote[K]['progress']> = {}): Promise<Remote[K]['res']> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    return new Promise<Remote[K]['res']>((resolve, reject) => {
      const onAbort = (): void => this.post({ rpc: 'cancel', id });
      const done = (): void => opts.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (v) => (done(), resolve(v as Remote[K]['res'])),
        reject: (e) => (done(), reject(e)),
        onProgress: opts.onProgress as ((event: unknown) => void) | undefined,
      });
      this.post({ rpc: 'call', id, method, req }, opts.transfer);
      if (opts.signal?.aborted) onAbort();
      else opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Call `method` without waiting for (or getting) an answer; errors on the other side are dropped. */
  notify<K extends keyof Remote & string>(method: K, req: Remote[K]['req'], transfer?: TransferListItem[]): void {
    if (!this.closedWith) this.post({ rpc: 'call', id: 0, method, req }, transfer);
  }

  /** Fail every call in flight and every later one with `error` (the other side has gone). */
  close(error: ScarpError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    for (const a of this.running.values()) a.abort(error);
    this.running.clear();
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  private post(msg: Wire, transfer?: readonly TransferListItem[]): void {
    try {
      this.port.postMessage(msg, transfer);
    } catch (e) {
      // A closed port (the other side has gone): the exit handler fails what is pending.
      if (msg.rpc === 'call' && msg.id !== 0) this.settle(msg.id, (p) => p.reject(new ScarpError({ code: 'INTERNAL', message: `A worker message could not be sent: ${(e as Error).message}` })));
    }
  }

  private settle(id: number, fn: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    fn(p);
  }

  private receive(m: Wire): void {
    switch (m.rpc) {
      case 'ok':
        return this.settle(m.id, (p) => p.resolve(m.res));
      case 'err':
        return this.settle(m.id, (p) => p.reject(new ScarpError(m.error)));
      case 'progress':
        this.pending.get(m.id)?.onProgress?.(m.event);
        return;
      case 'cancel':
        this.running.get(m.id)?.abort(new ScarpError({ code: 'CANCELLED', message: 'Cancelled.' }));
        return;
      case 'call':
        void this.answer(m.id, m.method, m.req);
        return;
    }
  }

  private async answer(id: number, method: string, req: unknown): Promise<void> {
    const handler = (this.handlers as Record<string, ((req: unknown, ctx: CallContext<unknown>) => unknown) | undefined>)[method];
    const abort = new AbortController();
    const transfer: TransferListItem[] = [];
    if (id !== 0) this.running.set(id, abort);
    try {
      if (!handler) throw new ScarpError({ code: 'INTERNAL', message: `No worker method '${method}'.` });
      const ctx: CallContext<unknown> = {
        signal: abort.signal,
        progress: (event) => {
          if (id !== 0) this.post({ rpc: 'progress', id, event });
        },
        transfer: (...items) => transfer.push(...items),
      };
      const res = await handler(req, ctx);
      if (id !== 0) this.post({ rpc: 'ok', id, res }, transfer);
    } catch (e) {
      if (id !== 0) this.post({ rpc: 'err', id, error: errorInfoOf(e) });
    } finally {
      this.running.delete(id);
    }
  }
}

/**
 * Start worker `name` (workers/entry.ts finds its code) with `workerData`, answering its calls with
 * `handlers`. When the worker fails or exits, every call in flight is rejected with INTERNAL naming it.
 */
export function startWorker<Local extends Contract, Remote extends Contract>(
  name: WorkerName,
  workerData: unknown,
  handlers: Handlers<Local>,
  opts: { threadName?: string } = {},
): { worker: Worker; rpc: Endpoint<Local, Remote> } {
  const entry = workerEntry(name);
  const worker = new Worker(entry.url, { argv: entry.argv, workerData, name: opts.threadName ?? `scarp-${name}` });
  const rpc = new Endpoint<Local, Remote>(worker, handlers);
  worker.on('error', (e) => {
    const noTsx = /Cannot find (package|module) 'tsx/.test(e.message);
    rpc.close(
      new ScarpError(
        { code: 'INTERNAL', message: `The ${name} worker failed: ${e.message}`, hint: noTsx ? 'Running from TypeScript sources needs the tsx package (npm ci), or built workers (npm run build:cli).' : undefined },
        { cause: e },
      ),
    );
  });
  worker.on('exit', (code) => rpc.close(new ScarpError({ code: 'INTERNAL', message: `The ${name} worker stopped (exit code ${code}).` })));
  return { worker, rpc };
}

/** Inside a worker thread: answer the starting thread's calls with `handlers`; returns the endpoint to call it back. */
export function serveWorker<Local extends Contract, Remote extends Contract>(handlers: Handlers<Local>): Endpoint<Local, Remote> {
  if (!parentPort) throw new Error('serveWorker must run in a worker thread');
  return new Endpoint<Local, Remote>(parentPort, handlers);
}
