import { pickableFromCard } from '../../../src-shared/model-pick';
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
    inputOptional: c.inputs.map((i) => i.optional),
    pickByDefault: pickableFromCard(c).pickByDefault !== false,
    needsDem: usesTerrain(c),
    gsd: c.gsd,
    domain: c.domain,
    tta: c.tta,
    tile: { size: c.tile.size, overlap: c.tile.overlap },
    threshold: c.threshold,
    ...(c.seedThreshold !== undefined ? { seedThreshold: c.seedThreshold } : {}),
    metrics: c.metrics,
  };
}

/** Shipped (and user-added) models in the models folder, with their card summaries. */
export class ModelsService {
  constructor(private readonly dir: string = modelsDir()) {}

  async list(): Promise<ModelSummary[]> {
    const { models, problems } = await listModels(this.dir);
    for (const p of problems) process.emitWarning(`${p.message}${p.hint ? ` (${p.hint})` : ''}`, { code: 'SCARP_MODEL' });
    // The defaults the core uses when no model is named and the scene GSD is unknown; the UI runs the
    // same rule (src-shared/model-pick.ts) with its scene's GSD.
    const rgb = pickDefaultModel(models, { hasDem: false })?.model.id;
    const rgbDem = pickDefaultModel(models, { hasDem: true })?.model.id;
    return models.map((m) => {
      const defaultFor: Array<'rgb' | 'rgb+dem'> = [];
      if (m.id === rgb) defaultFor.push('rgb');
      if (m.id === rgbDem) defaultFor.push('rgb+dem');
      return { ...summarizeModel(m), defaultFor };
    });
  }
}

