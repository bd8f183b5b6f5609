import type { ModelSummary } from '../../../src-shared/api';
import { listModels, pickDefaultModel, usesTerrain, type LoadedModel } from '../inference';
import { modelsDir } from '../paths';

export function summarizeModel(m: LoadedModel): ModelSummary {
  const c = m.card;
  return {
    id: m.id,
    name: c.name,
    description: c.description,
    architecture: c.architecture,
    path: m.onnxPath,
    inputs: c.inputs.map((i) => i.bands.map((b) => b.source)),
    needsDem: usesTerrain(c),
    gsd: c.gsd,
    tile: { size: c.tile.size, overlap: c.tile.overlap },
    threshold: c.threshold,
    metrics: c.metrics,
  };
}

/** Shipped (and user-added) models in the models folder, with their card summaries. */
export class ModelsService {
  constructor(private readonly dir: string = modelsDir()) {}

  async list(): Promise<ModelSummary[]> {
    const { models, problems } = await listModels(this.dir);
    for (const p of problems) process.emitWarning(`${p.message}${p.hint ? ` (${p.hint})` : ''}`, { code: 'SCARP_MODEL' });
    // The defaults the core uses when no model is named, so every door offers the same one.
    const rgb = pickDefaultModel(models, { hasDem: false })?.id;
    const rgbDem = pickDefaultModel(models, { hasDem: true })?.id;
    return models.map((m) => {
      const defaultFor: Array<'rgb' | 'rgb+dem'> = [];
      if (m.id === rgb) defaultFor.push('rgb');
      if (m.id === rgbDem) defaultFor.push('rgb+dem');
      return { ...summarizeModel(m), defaultFor };
    });
  }
}

