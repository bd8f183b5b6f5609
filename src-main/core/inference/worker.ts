/**
 * The ONNX Runtime worker thread: creates the session (with provider fallback) when opened, then
 * answers `run` calls one at a time with the requested outputs, transferring the buffers both ways
 * (workers/rpc.ts). Imports nothing that touches GeoTIFF (geotiff.js breaks inside worker_threads).
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { ScarpError } from '../../../src-shared/errors';
import { serveWorker, type NoMethods } from '../workers/rpc';
import { createSessionWithFallback } from './providers';
import type { InferenceWorkerMethods, TensorMap } from './worker-protocol';

/** Own the output's bytes (ORT may hand back a view): transferable without copying twice. */
function owned(data: Float32Array): Float32Array {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer ? data : data.slice();
}

let session: ort.InferenceSession | null = null;
// Runs are serialised: ORT uses its own intra-op threads; a queue keeps order deterministic.
let chain: Promise<unknown> = Promise.resolve();

function queued<T>(work: () => Promise<T>): Promise<T> {
  const next = chain.then(work);
  chain = next.catch(() => undefined);
  return next;
}

serveWorker<InferenceWorkerMethods, NoMethods>({
  async open(opts) {
    if (session) throw new ScarpError({ code: 'INTERNAL', message: 'The inference worker already has a session.' });
    const created = await createSessionWithFallback(opts.modelPath, { preferred: opts.preferred, strict: opts.strict, intraOpThreads: opts.intraOpThreads });
    session = created.session;
    return { provider: created.provider, attempts: created.attempts, intraOpThreads: created.intraOpThreads, inputNames: [...session.inputNames], outputNames: [...session.outputNames] };
  },
  run({ feeds, outputs }, ctx) {
    return queued(async () => {
      if (!session) throw new ScarpError({ code: 'INTERNAL', message: 'The inference worker has no session.' });
      const f: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) f[name] = new ort.Tensor('float32', t.data, t.dims);
      const t0 = performance.now();
      const result = await session.run(f, outputs);
      const ortMs = performance.now() - t0;
      const out: TensorMap = {};
      for (const name of outputs) {
        const tensor = result[name];
        if (!tensor) throw new ScarpError({ code: 'INTERNAL', message: `ONNX Runtime returned no output '${name}'` });
        if (tensor.type !== 'float32') throw new ScarpError({ code: 'INTERNAL', message: `output '${name}' is ${tensor.type}, expected float32` });
        const data = owned(tensor.data as Float32Array);
        out[name] = { data, dims: [...tensor.dims] };
        ctx.transfer(data.buffer as ArrayBuffer);
      }
      return { outputs: out, ortMs };
    });
  },
  close() {
    return queued(async () => {
      await session?.release().catch(() => undefined);
      session = null;
      // Answered first, then the port closes and the thread ends by itself.
      setImmediate(() => parentPort?.close());
    });
  },
});
