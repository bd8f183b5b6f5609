/**
 * runDetection in a worker thread, so that the process serving the UI (HTTP server, Electron main)
 * keeps a responsive event loop during a run: reading, preprocessing, blending, polygonising and
 * writing all happen in the worker. The hooks of a project-backed run stay here (they own the
 * project database) and are called by message; so do progress events and cancellation.
 *
 * Same signature as runDetection: `runDetectionInWorker` can replace it wherever a run is started.
 */
import type { DetectRequestParsed, DetectResult, ProgressSink } from '../../../../src-shared/api';
import { ScarpError } from '../../../../src-shared/errors';
import { startWorker } from '../../workers/rpc';
import type { DetectionHooks, ProbabilityRows } from '../detection-hooks';
import type { DetectHostMethods, DetectWorkerInit, DetectWorkerMethods } from './protocol';

/** Environment the worker should see (process.env changes made after start-up are not inherited by workers' copies in tests). */
const FORWARDED_ENV = ['SCARP_MODELS', 'SCARP_TEST_KILL_AT', 'SCARP_ORT_THREADS'];

export function runDetectionInWorker(req: DetectRequestParsed, onProgress?: ProgressSink, signal?: AbortSignal, hooks?: DetectionHooks): Promise<DetectResult> {
  const init: DetectWorkerInit = { env: Object.fromEntries(FORWARDED_ENV.map((k) => [k, process.env[k]])) };
  const need = (): DetectionHooks => {
    if (!hooks) throw new ScarpError({ code: 'INTERNAL', message: 'The detection worker called a project hook, but this run has none.' });
    return hooks;
  };
  let rows: AsyncIterator<ProbabilityRows> | null = null;
  const { rpc } = startWorker<DetectHostMethods, DetectWorkerMethods>(
    'detect',
    init,
    {
      begin: (ctx) => need().begin(ctx),
      rows: (r) => need().rows(r),
      async next(_req, ctx) {
        rows ??= need().vectorRows()[Symbol.asyncIterator]();
        const r = await rows.next();
        if (r.done) return null;
        const p = r.value.probability;
        if (p.byteOffset === 0 && p.byteLength === p.buffer.byteLength && p.buffer instanceof ArrayBuffer) ctx.transfer(p.buffer);
        return r.value;
      },
      end: (result) => need().end(result),
      fail: (info) => hooks?.fail(new ScarpError(info)),
    },
    { threadName: 'scarp-detect' },
  );
  // No terminate(): the worker closes its port and ends by itself once it has answered.
  return rpc.call('run', { req, hooks: !!hooks }, { signal, onProgress });
}
