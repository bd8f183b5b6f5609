/**
 * The detection worker thread: runs runDetection (reading, preprocessing, blending, polygonising,
 * writing) off the main thread. A project-backed run's hooks stay on the main thread (they own the
 * project database): the worker calls them (begin / rows / next / end / fail) and waits for the
 * answer. Calls go through workers/rpc.ts.
 */
import '../../raster/worker-shim';
import { parentPort, workerData } from 'node:worker_threads';
import { errorInfoOf } from '../../../../src-shared/errors';
import { serveWorker, type Endpoint } from '../../workers/rpc';
import type { DetectionHooks } from '../detection-hooks';
import { runDetection } from '../run-detection';
import type { DetectHostMethods, DetectWorkerInit, DetectWorkerMethods } from './protocol';

const init = workerData as DetectWorkerInit;
for (const [k, v] of Object.entries(init.env)) {
  if (v === undefined) delete process.env[k];
  else process.env[k] = v;
}

/** The probability on a whole buffer that can be transferred (a copy when it is a view). */
function owned(a: Float32Array): { data: Float32Array; buffer: ArrayBuffer } {
  const own = a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer ? a : a.slice();
  return { data: own, buffer: own.buffer as ArrayBuffer };
}

const host: Endpoint<DetectWorkerMethods, DetectHostMethods> = serveWorker<DetectWorkerMethods, DetectHostMethods>({
  async run({ req, hooks: withHooks }, ctx) {
    const hooks: DetectionHooks | undefined = withHooks
      ? {
          begin: (c) => host.call('begin', c),
          rows: async (r) => {
            const { data, buffer } = owned(r.probability);
            await host.call('rows', { y: r.y, height: r.height, probability: data }, { transfer: [buffer] });
          },
          async *vectorRows() {
            for (;;) {
              const next = await host.call('next', undefined);
              if (!next) return;
              yield next;
            }
          },
          end: (result) => host.call('end', result),
          fail: (error) => host.notify('fail', errorInfoOf(error)),
        }
      : undefined;
    try {
      // ONNX Runtime runs on this thread (its session.run is asynchronous: ORT's own threads compute).
      // A nested inference worker would add nothing here, and terminating one from a worker thread on
      // cancel aborts the process inside onnxruntime-node.
      return await runDetection(req, (event) => ctx.progress(event), ctx.signal, hooks, { inferenceMode: 'in-process' });
    } finally {
      // Once answered, the port closes and the thread ends by itself (the session released first).
      setImmediate(() => parentPort?.close());
    }
  },
});
