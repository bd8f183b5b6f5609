/** Every shipped model: a card valid against the schema, an ONNX file that matches it, the same card embedded. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModelCard } from '../../src-shared/model-card';
import { CARD_METADATA_KEY, loadModelFile, listModels, metadataMap, readOnnxInfoFile } from '../../src-main/core/inference';
import { modelsDir } from '../../src-main/core/paths';

const dir = modelsDir();
const cards = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];

describe('shipped models', () => {
  it('ships at least an RGB model and an RGB + DEM dual-stream model', async () => {
    const { models, problems } = await listModels(dir);
    expect(problems.map((p) => p.message)).toEqual([]);
    const inputs = models.map((m) => m.card.inputs.map((i) => i.name).join('+'));
    expect(inputs).toContain('image');
    expect(inputs).toContain('optical+terrain');
  });

  for (const file of cards) {
    const id = file.replace(/\.json$/, '');
    it(`${id}: card valid, ONNX present, ≤ 15 MB, embedded card identical, trained with held-out metrics`, async () => {
      const card = parseModelCard(JSON.parse(readFileSync(join(dir, file), 'utf8')), file);
      expect(card.id).toBe(id);
      const onnxPath = join(dir, `${id}.onnx`);
      expect(existsSync(onnxPath)).toBe(true);
      expect(statSync(onnxPath).size).toBeLessThanOrEqual(15 * 1024 * 1024);
      const { info } = await readOnnxInfoFile(onnxPath);
      expect(info.opsetVersion).toBeGreaterThanOrEqual(13);
      const embedded = metadataMap(info)[CARD_METADATA_KEY];
      expect(embedded).toBeDefined();
      expect(JSON.parse(embedded!)).toEqual(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      const loaded = await loadModelFile(onnxPath);
      expect(loaded.fixedBatch).toBeNull();
      const pooled = card.metrics.filter((m) => m.method === 'pooled-pixel');
      expect(pooled.length).toBeGreaterThan(0);
      expect(card.training.datasets.length).toBeGreaterThan(0);
      if (card.inputs.length === 1) {
        const meta = metadataMap(info);
        for (const key of ['model_type', 'class_names', 'resolution', 'tiles_size', 'tiles_overlap', 'seg_thresh']) expect(meta[key]).toBeDefined();
      }
    });
  }
});
