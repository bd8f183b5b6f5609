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
import type { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type * as ort from 'onnxruntime-node';
import { ScarpError } from '../../../src-shared/errors';
import { createSessionWithFallback, type ProviderAttempt, type ProviderName, type ProviderOptions } from './providers';
import type { InferenceWorkerMethods, SessionInfo, TensorMap } from './worker-protocol';
import { startWorker, type Endpoint, type NoMethods } from '../workers/rpc';

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

const cancelled = () => new ScarpError({ code: 'CANCELLED', message: 'Inference was cancelled.' });

class WorkerRunner implements OrtRunner {
  readonly mode = 'worker' as const;
  readonly provider: ProviderName;
  readonly attempts: ProviderAttempt[];
  readonly intraOpThreads: number;
  readonly inputNames: string[];
  readonly outputNames: string[];

  private constructor(
    private readonly worker: Worker,
    private readonly rpc: Endpoint<NoMethods, InferenceWorkerMethods>,
    info: SessionInfo,
    /** Resolves with the exit code once the worker thread has exited. */
    readonly exited: Promise<number>,
  ) {
    this.provider = info.provider;
    this.attempts = info.attempts;
    this.intraOpThreads = info.intraOpThreads;
    this.inputNames = info.inputNames;
    this.outputNames = info.outputNames;
  }

  static async start(modelPath: string, options: RunnerOptions): Promise<WorkerRunner> {
    const { worker, rpc } = startWorker<NoMethods, InferenceWorkerMethods>('inference', undefined, {}, { threadName: 'scarp-inference' });
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    try {
      const info = await rpc.call('open', { modelPath, preferred: options.preferred ?? 'auto', strict: options.strict ?? false, intraOpThreads: options.intraOpThreads });
      return new WorkerRunner(worker, rpc, info, exited);
    } catch (e) {
      // No session exists yet: stopping the thread now is safe.
      void worker.terminate();
      throw e;
    }
  }

  run(feeds: TensorMap, outputs: string[]): Promise<RunOutput> {
    const transfer: ArrayBuffer[] = [];
    for (const t of Object.values(feeds)) {
      const buf = t.data.buffer as ArrayBuffer;
      if (!transfer.includes(buf)) transfer.push(buf);
    }
    return this.rpc.call('run', { feeds, outputs }, { transfer });
  }

  async close(): Promise<void> {
    if (!this.rpc.closed) {
      await Promise.race([this.rpc.call('close', undefined).catch(() => undefined), this.exited]);
      this.rpc.close(new ScarpError({ code: 'INTERNAL', message: 'Inference runner is closed.' }));
    }
    await this.worker.terminate();
    await this.exited;
  }

  async terminate(): Promise<void> {
    this.rpc.close(cancelled());
    await this.worker.terminate();
  }
}

class InProcessRunner implements OrtRunner {
  readonly mode = 'in-process' as const;
  private closed = false;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly Tensor: typeof ort.Tensor,
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
      for (const [name, t] of Object.entries(feeds)) f[name] = new this.Tensor('float32', t.data, t.dims);
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
  const { Tensor } = await import('onnxruntime-node');
  return new InProcessRunner(c.session, Tensor, c.provider, c.attempts, c.intraOpThreads);
}
