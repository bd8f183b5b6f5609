import type { ModelSummary, ScarpApi } from '../../../src-shared/api';
import { parseCommandArgs } from '../args';

function headline(m: ModelSummary): string {
  const pooled = m.metrics.filter((r) => r.method === 'pooled-pixel');
  if (pooled.length === 0) return 'no held-out metrics';
  return pooled.map((r) => `${r.dataset} ${r.split} (${r.inputs}): F1 ${r.f1.toFixed(3)}, IoU ${r.iou.toFixed(3)}`).join('; ');
}

export async function runModels(service: ScarpApi, args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { json: { type: 'boolean' } });
  const models = await service.listModels();
  if (values.json) {
    process.stdout.write(`${JSON.stringify(models, null, 2)}\n`);
    return 0;
  }
  if (models.length === 0) {
    process.stdout.write('No models found in models/.\n');
    return 0;
  }
  for (const m of models) {
    process.stdout.write(
      [
        `${m.id} — ${m.name} (${m.architecture})${m.domain ? ` for ${m.domain}` : ''}`,
        `  ${m.description}`,
        `  inputs: ${m.inputs.map((bands) => bands.join('+')).join(' | ')}${m.needsDem ? ' (DEM used)' : ''}`,
        `  GSD ${m.gsd.nativeM} m native, run as is ${m.gsd.minM}–${m.gsd.maxM} m${
          m.gsd.resampleMinM !== undefined || m.gsd.resampleMaxM !== undefined
            ? `, resampled from ${m.gsd.resampleMinM ?? m.gsd.minM}–${m.gsd.resampleMaxM ?? m.gsd.maxM} m`
            : ''
        }; tile ${m.tile.size} px, overlap ${m.tile.overlap} px; threshold ${m.threshold}${m.seedThreshold !== undefined ? ` (regions seeded at ${m.seedThreshold})` : ''}; test-time flips ${m.tta === 'flips' ? 'on' : 'off'} by default`,
        `  held-out: ${headline(m)}`,
        '',
      ].join('\n'),
    );
  }
  return 0;
}
