/**
 * The ONNX Runtime worker thread: creates the session (with provider fallback) from `workerData`,
 * then answers `run` messages one at a time with the requested outputs, transferring the buffers
 * both ways. Imports nothing that touches GeoTIFF (geotiff.js breaks inside worker_threads).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { createSessionWithFallback } from './providers';
import type { FromWorker, TensorMap, ToWorker, WorkerInit } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('inference worker must run in a worker thread');

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

function errorMessage(id: number | null, e: unknown): FromWorker {
  const err = e as { message?: string; code?: string; hint?: string; file?: string };
  return {
    type: 'error',
    id,
    message: err?.message ?? String(e),
    code: typeof err?.code === 'string' ? err.code : undefined,
    hint: err?.hint,
    file: err?.file,
  };
}

/** Own the output's bytes (ORT may hand back a view): transferable without copying twice. */
function owned(data: Float32Array): Float32Array {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer ? data : data.slice();
}

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  let created;
  try {
    created = await createSessionWithFallback(init.modelPath, {
      preferred: init.preferred,
      strict: init.strict,
      intraOpThreads: init.intraOpThreads,
    });
  } catch (e) {
    post(errorMessage(null, e));
    return;
  }
  const { session } = created;
  post({
    type: 'ready',
    provider: created.provider,
    attempts: created.attempts,
    intraOpThreads: created.intraOpThreads,
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
  });

  // Runs are serialised: ORT uses its own intra-op threads; a queue keeps order deterministic.
  let chain: Promise<void> = Promise.resolve();
  port!.on('message', (msg: ToWorker) => {
    if (msg.type === 'close') {
      chain = chain.then(async () => {
        await session.release().catch(() => undefined);
        post({ type: 'closed' });
        port!.close();
      });
      return;
    }
    if (msg.type === 'run') {
      chain = chain.then(async () => {
        try {
          const feeds: Record<string, ort.Tensor> = {};
          for (const [name, t] of Object.entries(msg.feeds)) feeds[name] = new ort.Tensor('float32', t.data, t.dims);
          const t0 = performance.now();
          const result = await session.run(feeds, msg.outputs);
          const ortMs = performance.now() - t0;
          const outputs: TensorMap = {};
          const transfer: ArrayBuffer[] = [];
          for (const name of msg.outputs) {
            const tensor = result[name];
            if (!tensor) throw new Error(`ONNX Runtime returned no output '${name}'`);
            if (tensor.type !== 'float32') throw new Error(`output '${name}' is ${tensor.type}, expected float32`);
            const data = owned(tensor.data as Float32Array);
            outputs[name] = { data, dims: [...tensor.dims] };
            transfer.push(data.buffer as ArrayBuffer);
          }
          post({ type: 'result', id: msg.id, outputs, ortMs }, transfer);
        } catch (e) {
          post(errorMessage(msg.id, e));
        }
      });
    }
  });
}

void main();
