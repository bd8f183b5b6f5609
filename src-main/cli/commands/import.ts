import type { ScarpApi } from '../../../src-shared/api';
import { parseCommandArgs } from '../args';
import { UsageError } from '../errors';

export async function runImport(service: ScarpApi, args: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(args, {
    project: { type: 'string' },
    file: { type: 'string' },
    layer: { type: 'string' },
    crs: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (!v.project || !v.file) throw new UsageError('import needs --project and --file');
  const r = await service.importInventory({ project: v.project, file: v.file, layer: v.layer, crs: v.crs });
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  const crsNote = r.crsSet ? `\nThe project was empty: its CRS is now ${r.crs}, taken from this layer.` : '';
  process.stdout.write(v.json ? `${JSON.stringify(r, null, 2)}\n` : `Imported ${r.count} landslides from ${r.file} (${r.layer}, ${r.sourceCrs} → ${r.crs}).${crsNote}\n`);
  return 0;
}
