/**
 * The model a detect benchmark runs: $BENCH_MODEL (an .onnx with its card), else the best shipped
 * model in models/ (the one `scarp detect` picks by default, with or without a DEM), else the
 * random-weight U-Net of test/fixtures/make_bench_model.py (base width 16) generated into bench/.tmp.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listModels, loadModelFile, pickDefaultModel, type LoadedModel } from '../../src-main/core/inference';
import { modelsDir, repoRoot } from '../../src-main/core/paths';
import { ensureTmp } from './scenes';

export async function benchModel(opts: { hasDem: boolean }): Promise<{ model: LoadedModel; source: 'env' | 'shipped' | 'generated' }> {
  const env = process.env.BENCH_MODEL;
  if (env) return { model: await loadModelFile(env), source: 'env' };
  const { models } = await listModels(modelsDir());
  const shipped = pickDefaultModel(models, { hasDem: opts.hasDem })?.model;
  if (shipped) return { model: shipped, source: 'shipped' };
  const dir = ensureTmp();
  const onnx = join(dir, 'bench-unet.onnx');
  if (!existsSync(onnx)) {
    const r = spawnSync('/usr/bin/python3', [resolve(repoRoot, 'test/fixtures/make_bench_model.py'), dir, '16'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`no model to benchmark: make_bench_model.py failed: ${r.stderr.slice(-500)}`);
  }
  return { model: await loadModelFile(onnx), source: 'generated' };
}
