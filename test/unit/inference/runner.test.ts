import { afterEach, describe, expect, it } from 'vitest';
import { configureInferenceWorker, inferenceWorkerEntry, startWorkerRunner } from '../../../src-main/core/inference';
import { hasTorch, modelPath } from './_models';

afterEach(() => configureInferenceWorker(null));

describe('inference worker entry', () => {
  it('runs from sources through the tsx shim, and can be pointed at a bundled worker', () => {
    expect(inferenceWorkerEntry().url.pathname).toMatch(/\/inference\/worker-entry\.mjs$/);
    configureInferenceWorker({ path: '/opt/scarp/out/main/inference-worker.js' });
    expect(inferenceWorkerEntry().url.href).toBe('file:///opt/scarp/out/main/inference-worker.js');
    configureInferenceWorker(null);
    expect(inferenceWorkerEntry().url.pathname).toMatch(/worker-entry\.mjs$/);
  });

  it.skipIf(!hasTorch)('reports a missing worker file as an error, not a hang', async () => {
    configureInferenceWorker({ path: '/nonexistent/inference-worker.js' });
    await expect(startWorkerRunner(modelPath('const.onnx'))).rejects.toThrow(/Inference worker/);
  });

  it.skipIf(!hasTorch)('reports a model ONNX Runtime cannot load from inside the worker', async () => {
    await expect(startWorkerRunner(modelPath('expected_metadata.json'))).rejects.toMatchObject({ code: 'INVALID_MODEL' });
  });
});
