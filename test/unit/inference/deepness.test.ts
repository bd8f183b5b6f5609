import { describe, expect, it } from 'vitest';
import { cardFromDeepness, parseLooseJson, type OnnxInfo } from '../../../src-main/core/inference';

const graph = (inDims: Array<number | string>, outDims: Array<number | string>): OnnxInfo => ({
  irVersion: 8,
  producerName: 'test',
  producerVersion: '',
  opsetVersion: 13,
  metadata: [],
  inputs: [{ name: 'in', elemType: 1, dims: inDims }],
  outputs: [{ name: 'out', elemType: 1, dims: outDims }],
});

describe('Deepness metadata', () => {
  it('parses Python-literal dicts with int keys', () => {
    expect(parseLooseJson("{0: 'background', 1: 'slide'}")).toEqual({ '0': 'background', '1': 'slide' });
    expect(parseLooseJson('[1, 2]')).toEqual([1, 2]);
  });

  it('maps keys as the plugin reads them, with its documented aliases', () => {
    const card = cardFromDeepness(
      {
        model_type: '"segmentor"',
        class_names: "[{0: 'bg', 1: 'Landslide', 2: 'water'}]",
        resolution: '300',
        tiles_size: '256',
        tiles_overlap: '10',
      },
      graph(['N', 4, 256, 256], ['N', 3, 256, 256]),
      'user-model',
      'user model.onnx',
    );
    expect(card.inputs[0]!.bands.map((b) => b.source)).toEqual(['red', 'green', 'blue', 'nir']);
    expect(card.inputs[0]!.bands[0]!.normalization).toEqual({ kind: 'affine', scale: 1 / 255, offset: 0 });
    expect(card.output).toMatchObject({ activation: 'softmax', channel: 1, classNames: ['bg', 'Landslide', 'water'] });
    expect(card.gsd).toEqual({ nativeM: 3, minM: 1.5, maxM: 6 });
    expect(card.tile).toEqual({ size: 256, overlap: 26, multipleOf: 32 });
    expect(card.threshold).toBe(0.5);
  });

  it('a single-channel output is a sigmoid probability; tile size from a static input', () => {
    const card = cardFromDeepness({ model_type: '"Segmentor"', resolution: '20' }, graph([1, 3, 96, 96], [1, 1, 96, 96]), 'm', 'm.onnx');
    expect(card.output).toMatchObject({ activation: 'sigmoid', channel: 0 });
    expect(card.tile.size).toBe(96);
    expect(card.tile.multipleOf).toBe(32);
  });

  it('refuses detectors, models without a resolution, and bad values', () => {
    expect(() => cardFromDeepness({ model_type: '"Detector"', resolution: '10' }, graph(['N', 3, 'h', 'w'], ['N', 1]), 'm', 'm.onnx')).toThrow(
      /Detector.*not supported/i,
    );
    expect(() => cardFromDeepness({ model_type: '"Segmentor"', tile_size: '64' }, graph(['N', 3, 'h', 'w'], ['N', 1, 'h', 'w']), 'm', 'm.onnx')).toThrow(
      /no 'resolution'/,
    );
    expect(() =>
      cardFromDeepness({ model_type: '"Segmentor"', resolution: 'fast' }, graph(['N', 3, 64, 64], ['N', 1, 64, 64]), 'm', 'm.onnx'),
    ).toThrow(/resolution/);
  });
});
