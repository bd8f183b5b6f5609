/**
 * The detection worker thread: runs runDetection (reading, preprocessing, blending, polygonising,
 * writing; ONNX Runtime in its own nested worker as always) off the main thread. A project-backed
 * run's hooks stay on the main thread (they own the project database): the worker calls them by
 * message (begin / rows / vectorRows / end / fail) and waits for the answer.
 */
import '../../raster/worker-shim';
import { parentPort, workerData } from 'node:worker_threads';
import { ScarpError, errorInfoOf } from '../../../../src-shared/errors';
import type { ProbabilityRows, DetectionHooks } from '../detection-hooks';
import { runDetection } from '../run-detection';
import type { DetectWorkerInit, FromDetectWorker, HookName, ToDetectWorker } from './protocol';

const port = parentPort;
if (!port) throw new Error('the detection worker must run in a worker thread');
const init = workerData as DetectWorkerInit;
for (const [k, v] of Object.entries(init.env)) {
  if (v === undefined) delete process.env[k];
  else process.env[k] = v;
}

const info = errorInfoOf;

function post(msg: FromDetectWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

/** The buffer of a typed array when it can be transferred whole, else a copy's. */
function transferable(a: Float32Array): { data: Float32Array; buffer: ArrayBuffer } {
  const own = a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer ? a : a.slice();
  return { data: own, buffer: own.buffer as ArrayBuffer };
}

const pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
let nextId = 1;
function call<T>(name: HookName, arg?: unknown, transfer: ArrayBuffer[] = []): Promise<T> {
  const id = nextId++;
  return new Promise<T>((ok, fail) => {
    pending.set(id, { ok: ok as (v: unknown) => void, fail });
    post({ t: 'call', id, name, arg }, transfer);
  });
}

const ac = new AbortController();
port.on('message', (msg: ToDetectWorker) => {
  if (msg.t === 'cancel') {
    ac.abort();
    return;
  }
  const p = pending.get(msg.id);
  if (!p) return;
  pending.delete(msg.id);
  if (msg.ok) p.ok(msg.value);
  else p.fail(new ScarpError(msg.error));
});

const hooks: DetectionHooks | undefined = init.hooks
  ? {
      begin: (ctx) => call('begin', ctx),
      rows: async (r) => {
        const { data, buffer } = transferable(r.probability);
        await call('rows', { y: r.y, height: r.height, probability: data }, [buffer]);
      },
      async *vectorRows() {
        for (;;) {
          const next = await call<ProbabilityRows | null>('next');
          if (!next) return;
          yield next;
        }
      },
      end: (result) => call('end', result),
      fail: (error) => post({ t: 'fail', error: info(error) }),
    }
  : undefined;

// Once answered, the port closes and the thread ends by itself (the session released first).
// ONNX Runtime runs on this thread (its session.run is asynchronous: ORT's own threads compute).
// A nested inference worker would add nothing here, and terminating one from a worker thread on
// cancel aborts the process inside onnxruntime-node.
runDetection(init.req, (event) => post({ t: 'progress', event }), ac.signal, hooks, { inferenceMode: 'in-process' })
  .then(
    (result) => post({ t: 'done', result }),
    (e) => post({ t: 'error', error: info(e) }),
  )
  .finally(() => port.close());
