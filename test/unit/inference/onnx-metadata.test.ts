import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readOnnxInfo, readOnnxInfoFile, metadataMap } from '../../../src-main/core/inference';
import { expectedMetadata, hasTorch, modelPath } from './_models';

describe.skipIf(!hasTorch)('ONNX metadata reader', () => {
  it('reads exactly the metadata_props and graph inputs/outputs Python wrote', async () => {
    const expected = expectedMetadata();
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(7);
    for (const [file, exp] of Object.entries(expected)) {
      const { info } = await readOnnxInfoFile(modelPath(file));
      expect(metadataMap(info), file).toEqual(exp.metadata);
      expect(info.metadata.map((m) => m.key), file).toEqual(Object.keys(exp.metadata));
      expect(info.inputs, file).toEqual(exp.inputs);
      expect(info.outputs, file).toEqual(exp.outputs);
      expect(info.irVersion).toBe(exp.irVersion);
      expect(info.producerName).toBe(exp.producerName);
      expect(info.opsetVersion).toBe(exp.opsetVersion);
    }
  });

  it('keeps non-ASCII and quotes in metadata values', async () => {
    const { info } = await readOnnxInfoFile(modelPath('tiny-rgb.onnx'));
    expect(metadataMap(info).producer_note).toBe('unicode ✓ and "quotes"');
  });

  it('rejects truncated files and non-ONNX bytes', () => {
    const bytes = readFileSync(modelPath('tiny-rgb.onnx'));
    expect(() => readOnnxInfo(bytes.subarray(0, Math.floor(bytes.length / 2)))).toThrow();
    expect(() => readOnnxInfo(new TextEncoder().encode('II*\u0000 this is a TIFF, not a model'))).toThrow();
  });
});
