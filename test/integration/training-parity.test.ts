/**
 * Shipped models: the ONNX file, run through onnxruntime-node, gives the probabilities the PyTorch
 * model that produced it gave (models/parity/<id>.json, written by `scarp_train.export` from the
 * trained weights) within 1e-4, on a deterministic generated input both sides compute.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { modelsDir } from '../../src-main/core/paths';
import { maxAbsDiff } from '../helpers/inference';

interface ShippedFixture {
  inputs: Array<{ name: string; dims: number[]; zeroLastSample: boolean }>;
  output: { name: string; dims: number[]; data: number[] };
}

/** Same generator as training/scarp_train/export.py parity_input (float64 then float32). */
export function parityInput(dims: number[], phase: number, zeroLastSample: boolean): Float32Array {
  const [n, c, h, w] = dims as [number, number, number, number];
  const out = new Float32Array(n * c * h * w);
  let k = 0;
  for (let a = 0; a < n; a++)
    for (let b = 0; b < c; b++)
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++) out[k++] = zeroLastSample && a === n - 1 ? 0 : 1.5 * Math.sin(0.37 * i + 0.91 * j + 1.3 * b + 2.1 * a + phase);
  return out;
}

const dir = modelsDir();
const ids = existsSync(join(dir, 'parity')) ? readdirSync(join(dir, 'parity')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)) : [];

describe('shipped models: ONNX Runtime matches PyTorch', () => {
  it('every shipped model has a parity fixture', () => {
    const shipped = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.onnx')).map((f) => f.slice(0, -5)) : [];
    expect(shipped.length).toBeGreaterThan(0);
    expect(ids.sort()).toEqual(shipped.sort());
  });

  for (const id of ids) {
    it(`${id}: max |ORT - PyTorch| < 1e-4 in probability`, async () => {
      const fx = JSON.parse(readFileSync(join(dir, 'parity', `${id}.json`), 'utf8')) as ShippedFixture;
      const session = await ort.InferenceSession.create(join(dir, `${id}.onnx`), { executionProviders: ['cpu'] });
      expect([...session.inputNames].sort()).toEqual(fx.inputs.map((i) => i.name).sort());
      const feeds: Record<string, ort.Tensor> = {};
      fx.inputs.forEach((inp, j) => {
        feeds[inp.name] = new ort.Tensor('float32', parityInput(inp.dims, 0.5 * j, inp.zeroLastSample), inp.dims);
      });
      const out = (await session.run(feeds))[fx.output.name]!;
      expect(Array.from(out.dims)).toEqual(fx.output.dims);
      const got = out.data as Float32Array;
      expect(maxAbsDiff(got, fx.output.data)).toBeLessThan(1e-4);
      // the probabilities are not degenerate (a constant output would make the check meaningless)
      const spread = Math.max(...fx.output.data) - Math.min(...fx.output.data);
      expect(spread).toBeGreaterThan(1e-3);
      await session.release();
    });
  }
});
