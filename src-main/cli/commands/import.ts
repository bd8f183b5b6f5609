import { LandslideStatus, LandslideType, type ImportResponse, type ScarpApi } from '../../../src-shared/api';
import { parseCommandArgs } from '../args';
import { UsageError } from '../errors';

function summary(r: ImportResponse): string {
  const parts = [`${r.added} new`];
  if (r.updated) parts.push(`${r.updated} already in the project (same uuid), updated`);
  if (r.repaired) parts.push(`${r.repaired} invalid geometr${r.repaired === 1 ? 'y' : 'ies'} repaired`);
  return parts.join(', ');
}

export async function runImport(service: ScarpApi, args: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(args, {
    project: { type: 'string' },
    file: { type: 'string' },
    layer: { type: 'string' },
    crs: { type: 'string' },
    status: { type: 'string' },
    type: { type: 'string' },
    mapper: { type: 'string' },
    'observed-date': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (!v.project || !v.file) throw new UsageError('import needs --project and --file');
  const status = v.status === undefined ? undefined : LandslideStatus.safeParse(v.status);
  if (status && !status.success) throw new UsageError(`--status must be one of ${LandslideStatus.options.join(', ')}, got '${v.status}'`);
  const type = v.type === undefined ? undefined : LandslideType.safeParse(v.type);
  if (type && !type.success) throw new UsageError(`--type must be one of ${LandslideType.options.join(', ')}, got '${v.type}'`);
  const observed = v['observed-date'];
  if (observed !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(observed) || Number.isNaN(Date.parse(`${observed}T00:00:00Z`)))) throw new UsageError(`--observed-date must be a date YYYY-MM-DD, got '${observed}'`);
  const r = await service.importInventory({ project: v.project, file: v.file, layer: v.layer, crs: v.crs, status: status?.data, type: type?.data, mapper: v.mapper, observedDate: observed });
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  const crsNote = r.crsSet ? `\nThe project was empty: its CRS is now ${r.crs}, taken from this layer.` : '';
  process.stdout.write(v.json ? `${JSON.stringify(r, null, 2)}\n` : `Imported ${r.count} landslides from ${r.file} (${r.layer}, ${r.sourceCrs} → ${r.crs}): ${summary(r)}.${crsNote}\n`);
  return 0;
}
