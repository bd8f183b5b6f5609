import { afterEach, describe, expect, it } from 'vitest';
import { startWorkerRunner } from '../../../src-main/core/inference';
import { configureWorkers, workerEntry } from '../../../src-main/core/workers/entry';
import { hasTorch, modelPath } from './_models';

afterEach(() => configureWorkers(null));

describe('worker entries', () => {
  it('run from sources through the one tsx bootstrap, and can be pointed at a folder of built workers', () => {
    for (const [name, source] of [['inference', '/inference/worker.ts'], ['detect', '/detect/worker/detect-worker.ts'], ['tile', '/tiles/render-worker.ts']] as const) {
      const e = workerEntry(name);
      expect(e.url.pathname).toMatch(/\/workers\/source-worker\.mjs$/);
      expect(e.argv[0]).toBe('--scarp-source');
      expect(new URL(e.argv[1]!).pathname.endsWith(source)).toBe(true);
    }
    configureWorkers('/opt/scarp/out/main');
    expect(workerEntry('inference')).toEqual({ url: new URL('file:///opt/scarp/out/main/inference-worker.js'), argv: [] });
    expect(workerEntry('tile').url.href).toBe('file:///opt/scarp/out/main/tile-worker.js');
    configureWorkers(null);
    expect(workerEntry('detect').url.pathname).toMatch(/source-worker\.mjs$/);
  });

  it.skipIf(!hasTorch)('reports a missing worker file as an error, not a hang', async () => {
    configureWorkers('/nonexistent');
    await expect(startWorkerRunner(modelPath('const.onnx'))).rejects.toThrow(/inference worker (failed|stopped)/);
  });

  it.skipIf(!hasTorch)('reports a model ONNX Runtime cannot load from inside the worker', async () => {
    await expect(startWorkerRunner(modelPath('expected_metadata.json'))).rejects.toMatchObject({ code: 'INVALID_MODEL' });
  });
});
