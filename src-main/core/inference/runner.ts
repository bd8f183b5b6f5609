/**
 * Runners: something that holds an ONNX Runtime session and runs float32 feeds.
 *
 * - `startWorkerRunner` (the default for detection runs) owns a worker_threads Worker that creates
 *   the session; feeds and outputs move between threads by transfer (no copies), so preparing the
 *   next batch on the main thread overlaps inference of the current one.
 * - `startInProcessRunner` runs the session on the calling thread (benchmark baseline, tests).
 *
 * The worker's code is found by workers/entry.ts (TypeScript sources through tsx, or the built
 * inference-worker.js).
 */
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { ScarpError, type ScarpErrorCode } from '../../../src-shared/errors';
import { createSessionWithFallback, type ProviderAttempt, type ProviderName, type ProviderOptions } from './providers';
import type { FromWorker, TensorMap, ToWorker, WorkerInit } from './worker-protocol';
import { workerEntry } from '../workers/entry';

export interface RunOutput {
  outputs: TensorMap;
  /** Milliseconds inside session.run. */
  ortMs: number;
}

export interface OrtRunner {
  readonly mode: 'worker' | 'in-process';
  readonly provider: ProviderName;
  readonly attempts: ProviderAttempt[];
  readonly intraOpThreads: number;
  readonly inputNames: string[];
  readonly outputNames: string[];
  /** Worker mode: resolves with the exit code once the worker thread has exited. */
  readonly exited?: Promise<number>;
  /**
   * Run one batch. The feeds' buffers are transferred to the worker (worker mode): do not touch
   * them afterwards. Runs complete in submission order.
   */
  run(feeds: TensorMap, outputs: string[]): Promise<RunOutput>;
  /** Release the session and stop the worker after pending runs. */
  close(): Promise<void>;
  /** Stop now: pending runs reject with CANCELLED. Resolves once the worker has exited. */
  terminate(): Promise<void>;
}

export type RunnerOptions = Pick<ProviderOptions, 'preferred' | 'strict' | 'intraOpThreads'>;

function toScarpError(msg: { message: string; code?: string; hint?: string; file?: string }): ScarpError {
  const known: ScarpErrorCode[] = ['INVALID_MODEL', 'INVALID_ARGUMENT', 'INCOMPATIBLE_BANDS', 'FILE_NOT_FOUND', 'CANCELLED', 'INTERNAL'];
  const code = known.includes(msg.code as ScarpErrorCode) ? (msg.code as ScarpErrorCode) : 'INTERNAL';
  return new ScarpError({ code, message: msg.message, hint: msg.hint, file: msg.file });
}

const cancelled = () => new ScarpError({ code: 'CANCELLED', message: 'Inference was cancelled.' });

class WorkerRunner implements OrtRunner {
  readonly mode = 'worker' as const;
  provider!: ProviderName;
  attempts!: ProviderAttempt[];
  intraOpThreads!: number;
  inputNames!: string[];
  outputNames!: string[];
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: RunOutput) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private dead: Error | null = null;
  /** Resolves with the exit code once the worker thread has exited. */
  readonly exited: Promise<number>;
  private closeWaiter: (() => void) | null = null;

  private constructor(worker: Worker) {
    this.worker = worker;
    this.exited = new Promise((resolve) => worker.once('exit', resolve));
  }

  static start(modelPath: string, options: RunnerOptions): Promise<WorkerRunner> {
    const entry = workerEntry('inference');
    const init: WorkerInit = {
      modelPath,
      preferred: options.preferred ?? 'auto',
      strict: options.strict ?? false,
      intraOpThreads: options.intraOpThreads,
    };
    const worker = new Worker(entry.url, { argv: entry.argv, workerData: init, name: 'scarp-inference' });
    const runner = new WorkerRunner(worker);
    return new Promise<WorkerRunner>((resolve, reject) => {
      let ready = false;
      worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') {
          ready = true;
          Object.assign(runner, {
            provider: msg.provider,
            attempts: msg.attempts,
            intraOpThreads: msg.intraOpThreads,
            inputNames: msg.inputNames,
            outputNames: msg.outputNames,
          });
          resolve(runner);
        } else if (msg.type === 'result') {
          const p = runner.pending.get(msg.id);
          runner.pending.delete(msg.id);
          p?.resolve({ outputs: msg.outputs, ortMs: msg.ortMs });
        } else if (msg.type === 'error') {
          const err = toScarpError(msg);
          if (msg.id === null) {
            if (!ready) {
              void worker.terminate();
              reject(err);
            }
            runner.fail(err);
          } else {
            const p = runner.pending.get(msg.id);
            runner.pending.delete(msg.id);
            p?.reject(err);
          }
        } else if (msg.type === 'closed') {
          runner.closeWaiter?.();
        }
      });
      worker.on('error', (e) => {
        const noTsx = /Cannot find (package|module) 'tsx/.test(e.message);
        const err = new ScarpError(
          {
            code: 'INTERNAL',
            message: `Inference worker failed: ${e.message}`,
            hint: noTsx ? 'Running from TypeScript sources needs the tsx package (npm ci), or a built worker (npm run build:cli; configureWorkers).' : undefined,
          },
          { cause: e },
        );
        if (!ready) reject(err);
        runner.fail(err);
      });
      worker.on('exit', (code) => {
        const err = runner.dead ?? new ScarpError({ code: 'INTERNAL', message: `Inference worker exited (code ${code}).` });
        if (!ready) reject(err);
        runner.fail(err);
      });
    });
  }

  private fail(err: Error): void {
    if (!this.dead) this.dead = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  run(feeds: TensorMap, outputs: string[]): Promise<RunOutput> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    const transfer: ArrayBuffer[] = [];
    for (const t of Object.values(feeds)) {
      const buf = t.data.buffer as ArrayBuffer;
      if (!transfer.includes(buf)) transfer.push(buf);
    }
    return new Promise<RunOutput>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const msg: ToWorker = { type: 'run', id, feeds, outputs };
      this.worker.postMessage(msg, transfer);
    });
  }

  async close(): Promise<void> {
    if (this.dead) {
      await this.exited;
      return;
    }
    const closed = new Promise<void>((resolve) => (this.closeWaiter = resolve));
    this.worker.postMessage({ type: 'close' } satisfies ToWorker);
    await Promise.race([closed, this.exited.then(() => undefined)]);
    this.fail(new ScarpError({ code: 'INTERNAL', message: 'Inference runner is closed.' }));
    await this.worker.terminate();
  }

  async terminate(): Promise<void> {
    this.fail(cancelled());
    await this.worker.terminate();
  }
}

class InProcessRunner implements OrtRunner {
  readonly mode = 'in-process' as const;
  private closed = false;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: ProviderName,
    readonly attempts: ProviderAttempt[],
    readonly intraOpThreads: number,
  ) {}

  get inputNames(): string[] {
    return [...this.session.inputNames];
  }

  get outputNames(): string[] {
    return [...this.session.outputNames];
  }

  run(feeds: TensorMap, outputs: string[]): Promise<RunOutput> {
    if (this.closed) return Promise.reject(cancelled());
    const next = this.chain.then(async () => {
      if (this.closed) throw cancelled();
      const f: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) f[name] = new ort.Tensor('float32', t.data, t.dims);
      const t0 = performance.now();
      const result = await this.session.run(f, outputs);
      const ortMs = performance.now() - t0;
      const out: TensorMap = {};
      for (const name of outputs) {
        const tensor = result[name];
        if (!tensor) throw new ScarpError({ code: 'INTERNAL', message: `ONNX Runtime returned no output '${name}'` });
        out[name] = { data: tensor.data as Float32Array, dims: [...tensor.dims] };
      }
      return { outputs: out, ortMs };
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    await this.session.release();
  }

  async terminate(): Promise<void> {
    await this.close();
  }
}

/** Start an ONNX Runtime worker thread for the model; resolves once its session exists. */
export function startWorkerRunner(modelPath: string, options: RunnerOptions = {}): Promise<OrtRunner & { exited: Promise<number> }> {
  return WorkerRunner.start(modelPath, options);
}

/** A session on this thread, same options and provider fallback as the worker. */
export async function startInProcessRunner(modelPath: string, options: RunnerOptions = {}): Promise<OrtRunner> {
  const c = await createSessionWithFallback(modelPath, options);
  return new InProcessRunner(c.session, c.provider, c.attempts, c.intraOpThreads);
}
