import { describe, expect, it } from 'vitest';
import { createSessionWithFallback, parseProviderPreference, providerPlan, sessionOptions } from '../../../src-main/core/inference';
import { isScarpError } from '../../../src-shared/errors';
import { hasTorch, modelPath } from './_models';

describe('provider plan', () => {
  it('tries CUDA → DirectML → CoreML → CPU, skipping what the platform cannot have', () => {
    expect(providerPlan('auto', 'linux').order).toEqual(['cuda', 'cpu']);
    expect(providerPlan('auto', 'win32').order).toEqual(['cuda', 'dml', 'cpu']);
    expect(providerPlan('auto', 'darwin').order).toEqual(['coreml', 'cpu']);
    expect(providerPlan('auto', 'linux').skipped.map((s) => s.provider)).toEqual(['dml', 'coreml']);
  });
  it('puts a preferred provider first and always keeps CPU last', () => {
    expect(providerPlan('cpu', 'win32').order).toEqual(['cpu', 'cuda', 'dml']);
    expect(providerPlan('dml', 'linux').order).toEqual(['dml', 'cuda', 'cpu']);
  });
  it('parses user strings', () => {
    expect(parseProviderPreference('DirectML')).toBe('dml');
    expect(parseProviderPreference('auto')).toBe('auto');
    expect(() => parseProviderPreference('tpu')).toThrow(/Unknown execution provider/);
  });
  it('uses full graph optimisation and one provider per session', () => {
    const o = sessionOptions('cpu', 3);
    expect(o.graphOptimizationLevel).toBe('all');
    expect(o.executionProviders).toEqual(['cpu']);
    expect(o.intraOpNumThreads).toBe(3);
  });
});

describe.skipIf(!hasTorch)('session creation with fallback', () => {
  it('falls back to CPU here and reports it, with why CUDA was not used', async () => {
    const r = await createSessionWithFallback(modelPath('const.onnx'), { preferred: 'auto' });
    expect(r.provider).toBe('cpu');
    const cuda = r.attempts.find((a) => a.provider === 'cuda');
    if (process.platform === 'linux' && cuda && !cuda.ok) expect(cuda.error).toBeTruthy();
    expect(r.attempts.find((a) => a.provider === 'cpu')?.ok).toBe(true);
    await r.session.release();
  });
  it('an explicit preference falls back too, unless strict', async () => {
    const r = await createSessionWithFallback(modelPath('const.onnx'), { preferred: 'dml' });
    expect(r.provider).toBe(process.platform === 'win32' ? 'dml' : 'cpu');
    expect(r.attempts[0]).toMatchObject({ provider: 'dml' });
    await r.session.release();
    if (process.platform !== 'win32') {
      await expect(createSessionWithFallback(modelPath('const.onnx'), { preferred: 'dml', strict: true })).rejects.toThrow(/DirectML/);
    }
  });
  it('a file ONNX Runtime cannot load is INVALID_MODEL', async () => {
    const err = await createSessionWithFallback(new TextEncoder().encode('not a model'), { preferred: 'cpu' }).catch((e: unknown) => e);
    expect(isScarpError(err) && err.code).toBe('INVALID_MODEL');
  });
});
