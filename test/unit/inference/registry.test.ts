import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listModels, loadModelFile, pickDefaultModel, resolveModel, type LoadedModel } from '../../../src-main/core/inference';
import { ScarpError } from '../../../src-shared/errors';
import { tempDir } from '../../helpers/data';
import { hasTorch, modelPath } from './_models';

const tmp = tempDir('inference-registry');
afterAll(() => tmp.cleanup());

/** Copy a generated model + card into a folder, optionally editing the card JSON. */
function install(dir: string, from: string, id: string, edit?: (card: Record<string, any>) => void): void {
  copyFileSync(modelPath(`${from}.onnx`), join(dir, `${id}.onnx`));
  const card = JSON.parse(readFileSync(modelPath(`${from}.json`), 'utf8')) as Record<string, any>;
  card.id = id;
  edit?.(card);
  writeFileSync(join(dir, `${id}.json`), JSON.stringify(card));
}

async function rejection(p: Promise<unknown>): Promise<ScarpError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(ScarpError);
  return e as ScarpError;
}

describe.skipIf(!hasTorch)('model registry', () => {
  it('loads <id>.onnx + <id>.json, validated, with the file sha256', async () => {
    const m = await loadModelFile(modelPath('tiny-rgb.onnx'));
    expect(m.cardSource).toBe('json');
    expect(m.id).toBe('tiny-rgb');
    expect(m.card.inputs[0]!.bands.map((b) => b.source)).toEqual(['red', 'green', 'blue']);
    expect(m.sha256).toBe(createHash('sha256').update(readFileSync(modelPath('tiny-rgb.onnx'))).digest('hex'));
    expect(m.fixedBatch).toBeNull();
    expect(m.fixedSpatial).toBe(false);
  });

  it('reads a card embedded under scarp_card when no JSON is beside the file', async () => {
    const m = await loadModelFile(modelPath('embedded.onnx'));
    expect(m.cardSource).toBe('embedded');
    expect(m.id).toBe('embedded');
    expect(m.card.tile).toEqual({ size: 64, overlap: 16, multipleOf: 32 });
  });

  it('turns Deepness metadata into a card', async () => {
    const m = await loadModelFile(modelPath('deepness.onnx'));
    expect(m.cardSource).toBe('deepness');
    const c = m.card;
    expect(c.id).toBe('deepness');
    expect(c.inputs).toHaveLength(1);
    expect(c.inputs[0]!.name).toBe('input');
    expect(c.inputs[0]!.valueDomain).toBe('uint8');
    const b = c.inputs[0]!.bands;
    expect(b.map((x) => x.source)).toEqual(['red', 'green', 'blue']);
    // value/255 then (x - mean)/std  ==  value * 1/(255 std) - mean/std
    expect(b[0]!.normalization).toEqual({ kind: 'affine', scale: 1 / (255 * 0.2), offset: -0.5 / 0.2 });
    expect(b[2]!.normalization).toEqual({ kind: 'affine', scale: 1 / (255 * 0.5), offset: -0.3 / 0.5 });
    expect(c.output).toEqual({ name: 'output', activation: 'softmax', channel: 1, classNames: ['background', 'landslide'] });
    expect(c.threshold).toBe(0.4);
    expect(c.gsd.nativeM).toBeCloseTo(0.5);
    expect(c.tile).toEqual({ size: 64, overlap: 16, multipleOf: 32 });
  });

  it('takes the batch size of a graph with a fixed batch dimension', async () => {
    const m = await loadModelFile(modelPath('fixed-batch.onnx'));
    expect(m.fixedBatch).toBe(1);
    // a static 64 × 64 graph: every tensor stays a whole tile, even for an image smaller than one
    expect(m.fixedSpatial).toBe(true);
  });

  it('rejects a broken card naming the file and the field', async () => {
    const dir = join(tmp.dir, 'broken');
    (await import('node:fs')).mkdirSync(dir);
    install(dir, 'tiny-rgb', 'bad-threshold', (c) => (c.threshold = 1.5));
    const e = await rejection(loadModelFile(join(dir, 'bad-threshold.onnx')));
    expect(e.code).toBe('INVALID_MODEL');
    expect(e.message).toContain(join(dir, 'bad-threshold.json'));
    expect(e.message).toContain('threshold');
    expect(e.file).toBe(join(dir, 'bad-threshold.json'));

    install(dir, 'tiny-rgb', 'bad-norm', (c) => (c.inputs[0].bands[1].normalization = { kind: 'zscore', mean: 0, std: 0 }));
    const e2 = await rejection(loadModelFile(join(dir, 'bad-norm.onnx')));
    expect(e2.message).toContain('inputs.0.bands.1.normalization');
  });

  it('cross-checks the card against the graph', async () => {
    const dir = join(tmp.dir, 'cross');
    (await import('node:fs')).mkdirSync(dir);
    install(dir, 'tiny-rgb', 'wrong-input', (c) => (c.inputs[0].name = 'rgb'));
    const e1 = await rejection(loadModelFile(join(dir, 'wrong-input.onnx')));
    expect(e1.message).toMatch(/inputs\.0\.name 'rgb' is not an input of the ONNX graph \(it has 'image'\)/);
    install(dir, 'tiny-rgb', 'wrong-output', (c) => (c.output.name = 'probability'));
    expect((await rejection(loadModelFile(join(dir, 'wrong-output.onnx')))).message).toMatch(/output\.name 'probability'/);
    install(dir, 'tiny-rgb', 'two-bands', (c) => c.inputs[0].bands.pop());
    expect((await rejection(loadModelFile(join(dir, 'two-bands.onnx')))).message).toMatch(/2 band\(s\) but graph input 'image' has 3 channels/);
    install(dir, 'fixed-batch', 'wrong-tile', (c) => (c.tile.size = 128));
    expect((await rejection(loadModelFile(join(dir, 'wrong-tile.onnx')))).message).toMatch(/tile\.size 128 .* fixed height of 64/);
    install(dir, 'tiny-dual', 'missing-input', (c) => c.inputs.pop());
    expect((await rejection(loadModelFile(join(dir, 'missing-input.onnx')))).message).toMatch(/does not describe graph input\(s\) 'terrain'/);
  });

  it('rejects files that are not ONNX, and models without any card', async () => {
    const dir = join(tmp.dir, 'junk');
    (await import('node:fs')).mkdirSync(dir);
    writeFileSync(join(dir, 'junk.onnx'), 'this is not protobuf at all, just text\n');
    const e = await rejection(loadModelFile(join(dir, 'junk.onnx')));
    expect(e.code).toBe('INVALID_MODEL');
    expect(e.message).toContain('junk.onnx');
    // identity.onnx has a card in its metadata; strip the JSON and metadata -> copy of const with no json
    copyFileSync(modelPath('deepness.onnx'), join(dir, 'nocard.onnx'));
    const bytes = readFileSync(join(dir, 'nocard.onnx'));
    // Corrupt the Deepness keys so the file has metadata but neither a card nor Deepness keys.
    const s = Buffer.from(bytes);
    for (const key of ['model_type', 'class_names', 'resolution']) {
      let i = s.indexOf(key);
      while (i >= 0) {
        s.write(key.toUpperCase(), i);
        i = s.indexOf(key, i + 1);
      }
    }
    writeFileSync(join(dir, 'nocard.onnx'), s);
    const e2 = await rejection(loadModelFile(join(dir, 'nocard.onnx')));
    expect(e2.message).toMatch(/has no model card/);
    expect(e2.hint).toContain('nocard.json');
  });

  it('lists a models folder: good models sorted, broken ones reported', async () => {
    const dir = join(tmp.dir, 'models');
    (await import('node:fs')).mkdirSync(dir);
    install(dir, 'tiny-rgb', 'rgb-a');
    install(dir, 'tiny-dual', 'dual-b');
    install(dir, 'tiny-rgb', 'broken-c', (c) => delete c.gsd);
    install(dir, 'tiny-rgb', 'mismatch-d', (c) => (c.id = 'something-else'));
    const { models, problems } = await listModels(dir);
    expect(models.map((m) => m.id)).toEqual(['dual-b', 'rgb-a']);
    expect(problems).toHaveLength(2);
    expect(problems.map((p) => p.file)).toEqual([join(dir, 'broken-c.json'), join(dir, 'mismatch-d.json')]);
    expect(problems[0]!.message).toContain('gsd');
    expect((await resolveModel('rgb-a', dir)).id).toBe('rgb-a');
    await expect(resolveModel('nope', dir)).rejects.toThrow(/No model 'nope'/);
    expect((await resolveModel(modelPath('embedded.onnx'), dir)).id).toBe('embedded');
    expect((await listModels(join(dir, 'absent'))).models).toEqual([]);
  });

  it('picks for the scene: terrain models with a DEM, then nearer native GSD, then id; says why', async () => {
    const rgb = await loadModelFile(modelPath('tiny-rgb.onnx'));
    const dual = await loadModelFile(modelPath('tiny-dual.onnx'));
    const ms: LoadedModel[] = [rgb, dual];
    const withDem = pickDefaultModel(ms, { hasDem: true, gsdM: 0.5 })!;
    expect(withDem.model.id).toBe('tiny-dual');
    expect(withDem.reason).toBe('tiny-dual: the scene is 0.50 m, inside its 0.25–1 m range, and a DEM was given; its terrain input is used.');
    // Without a DEM both can run (tiny-dual's terrain is optional) and both are native at 0.5 m: id decides.
    expect(pickDefaultModel(ms, { hasDem: false, gsdM: 0.5 })?.model.id).toBe('tiny-dual');
    // ... unless one is nearer its native GSD.
    const rgb04: LoadedModel = { ...rgb, card: { ...rgb.card, gsd: { nativeM: 0.4, minM: 0.25, maxM: 1 } } };
    const noDem = pickDefaultModel([rgb04, dual], { hasDem: false, gsdM: 0.42 })!;
    expect(noDem.model.id).toBe('tiny-rgb');
    expect(noDem.reason).toContain('no DEM was given and it needs none');
    // Unknown scene GSD: DEM use, then id.
    expect(pickDefaultModel(ms, { hasDem: true })?.model.id).toBe('tiny-dual');
    expect(pickDefaultModel([dual], { hasDem: false })?.model.id).toBe('tiny-dual');
    expect(pickDefaultModel([rgb], { hasDem: true })?.model.id).toBe('tiny-rgb');
    expect(pickDefaultModel([], { hasDem: true })).toBeNull();
  });
});
