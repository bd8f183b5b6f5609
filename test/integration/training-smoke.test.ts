/**
 * Training smoke test: training/smoke.py trains each architecture for a few steps on real shared
 * samples and exports it (one call per architecture); the exported ONNX, run through
 * onnxruntime-node, must match PyTorch within 1e-4 in probability, and its card must load through the
 * app's model registry.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyHead, loadModelFile } from '../../src-main/core/inference';
import { repoRoot } from '../../src-main/core/paths';
import { hasData, tempDir } from '../helpers/data';
import { hasTorch } from '../helpers/models';
import { maxAbsDiff } from '../helpers/inference';

interface ParityFixture {
  inputs: Record<string, { dims: number[]; data: number[] }>;
  output: { name: string; dims: number[]; data: number[] };
}

describe.skipIf(!hasData || !hasTorch)('training smoke test (train, export, parity)', () => {
  let dir: string;
  let cleanup: () => void;

  beforeAll(() => {
    ({ dir, cleanup } = tempDir('training-smoke'));
  });
  afterAll(() => cleanup());

  // The shipped architectures and the four papers' comparison architectures (training/README.md).
  for (const arch of ['unet', 'digate', 'unetpp-att', 'fca-deeplab', 'geonext', 'mcnn-gan']) {
    const id = `smoke-${arch}`;
    it(`${id}: trains and exports, card loads in the registry, ONNX Runtime matches PyTorch within 1e-4`, async () => {
      execFileSync('/usr/bin/python3', [resolve(repoRoot, 'training/smoke.py'), '--model', arch, dir], {
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 230_000,
      });
      await checkExport(dir, id);
      // geonext's smoke also folds it and its fine-tuned copy into one ensemble graph (training/scarp_train/ensemble.py)
      if (arch === 'geonext') await checkExport(dir, 'smoke-ensemble');
    }, 240_000);
  }
});

/** The card loads in the registry; ONNX Runtime gives the PyTorch fixture's probability within 1e-4, batched or alone. */
async function checkExport(dir: string, id: string): Promise<void> {
  const model = await loadModelFile(join(dir, `${id}.onnx`));
  expect(model.cardSource).toBe('json');
  expect(model.card.id).toBe(id);
  expect(model.onnx.opsetVersion).toBeGreaterThanOrEqual(13);
  const fixture = JSON.parse(readFileSync(join(dir, `${id}.parity.json`), 'utf8')) as ParityFixture;
  expect(Object.keys(fixture.inputs).sort()).toEqual(model.card.inputs.map((i) => i.name).sort());
  const session = await ort.InferenceSession.create(join(dir, `${id}.onnx`), { executionProviders: ['cpu'] });
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(fixture.inputs)) feeds[name] = new ort.Tensor('float32', Float32Array.from(t.data), t.dims);
  const out = (await session.run(feeds))[fixture.output.name]!;
  expect(Array.from(out.dims)).toEqual(fixture.output.dims);
  const got = out.data as Float32Array;
  expect(maxAbsDiff(got, fixture.output.data)).toBeLessThan(1e-4);
  // The card's head over the features output is the graph's probability (learning from corrections refits it).
  const head = model.card.head!;
  const feat = (await session.run(feeds))[head.output]!;
  const [n, , h, w] = feat.dims as [number, number, number, number];
  for (let slot = 0; slot < n; slot++) {
    const mine = applyHead(model.card, feat.data as Float32Array, feat.dims, slot, { width: w, height: h });
    for (let i = 0; i < mine.length; i++) expect(Math.abs(mine[i]! - got[slot * w * h + i]!)).toBeLessThan(1e-4);
  }
  // The batch axis is dynamic: one tile alone gives the same probabilities as inside the batch.
  const single: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(fixture.inputs)) {
    const per = t.data.length / t.dims[0]!;
    single[name] = new ort.Tensor('float32', Float32Array.from(t.data.slice(0, per)), [1, ...t.dims.slice(1)]);
  }
  const one = (await session.run(single))[fixture.output.name]!.data as Float32Array;
  for (let i = 0; i < one.length; i++) expect(Math.abs(one[i]! - got[i]!)).toBeLessThan(1e-5);
  await session.release();
}
