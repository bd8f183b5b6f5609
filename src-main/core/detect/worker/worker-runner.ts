/**
 * runDetection in a worker thread, so that the process serving the UI (HTTP server, Electron main)
 * keeps a responsive event loop during a run: reading, preprocessing, blending, polygonising and
 * writing all happen in the worker. The hooks of a project-backed run stay here (they own the
 * project database) and are called by message; so do progress events and cancellation.
 *
 * Same signature as runDetection: `runDetectionInWorker` can replace it wherever a run is started.
 */
import { Worker } from 'node:worker_threads';
import type { DetectRequestParsed, DetectResult, ProgressSink } from '../../../../src-shared/api';
import { ScarpError, errorInfoOf } from '../../../../src-shared/errors';
import type { DetectionHooks, ProbabilityRows } from '../detection-hooks';
import type { DetectWorkerInit, FromDetectWorker, ToDetectWorker } from './protocol';
import { workerEntry } from '../../workers/entry';

const info = errorInfoOf;

/** Environment the worker should see (process.env changes made after start-up are not inherited by workers' copies in tests). */
const FORWARDED_ENV = ['SCARP_MODELS', 'SCARP_TEST_KILL_AT', 'SCARP_ORT_THREADS'];

export function runDetectionInWorker(req: DetectRequestParsed, onProgress?: ProgressSink, signal?: AbortSignal, hooks?: DetectionHooks): Promise<DetectResult> {
  const init: DetectWorkerInit = { req, hooks: !!hooks, env: Object.fromEntries(FORWARDED_ENV.map((k) => [k, process.env[k]])) };
  const entry = workerEntry('detect');
  const worker = new Worker(entry.url, { argv: entry.argv, workerData: init, name: 'scarp-detect' });
  let rows: AsyncIterator<ProbabilityRows> | null = null;
  const send = (msg: ToDetectWorker, transfer: ArrayBuffer[] = []): void => {
    try {
      worker.postMessage(msg, transfer);
    } catch {
      /* the worker has gone */
    }
  };
  const onAbort = (): void => send({ t: 'cancel' });
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });

  return new Promise<DetectResult>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
      // No terminate(): the worker closes its port and ends by itself once it has answered.
    };
    const answer = async (id: number, work: () => Promise<unknown> | unknown): Promise<void> => {
      try {
        const value = await work();
        const transfer: ArrayBuffer[] = [];
        const p = (value as ProbabilityRows | null)?.probability;
        if (p instanceof Float32Array && p.byteOffset === 0 && p.byteLength === p.buffer.byteLength) transfer.push(p.buffer as ArrayBuffer);
        send({ t: 'reply', id, ok: true, value: value ?? null }, transfer);
      } catch (e) {
        send({ t: 'reply', id, ok: false, error: info(e) });
      }
    };
    worker.on('message', (msg: FromDetectWorker) => {
      switch (msg.t) {
        case 'progress':
          onProgress?.(msg.event);
          return;
        case 'call': {
          const h = hooks!;
          if (msg.name === 'begin') void answer(msg.id, () => h.begin(msg.arg as Parameters<DetectionHooks['begin']>[0]));
          else if (msg.name === 'rows') void answer(msg.id, () => h.rows(msg.arg as ProbabilityRows));
          else if (msg.name === 'end') void answer(msg.id, () => h.end(msg.arg as Parameters<DetectionHooks['end']>[0]));
          else
            void answer(msg.id, async () => {
              rows ??= h.vectorRows()[Symbol.asyncIterator]();
              const r = await rows.next();
              return r.done ? null : r.value;
            });
          return;
        }
        case 'fail':
          hooks?.fail(new ScarpError(msg.error));
          return;
        case 'done':
          finish(() => resolve(msg.result));
          return;
        case 'error':
          finish(() => reject(new ScarpError(msg.error)));
          return;
      }
    });
    worker.on('error', (e) => finish(() => reject(new ScarpError({ code: 'INTERNAL', message: `The detection worker failed: ${e.message}` }))));
    worker.on('exit', (code) => finish(() => reject(new ScarpError({ code: 'INTERNAL', message: `The detection worker stopped (exit code ${code}).` }))));
  });
}
