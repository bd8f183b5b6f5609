/**
 * `scarp review --project P --uuid U[,U…] --status S [--type T] [--notes …]`: scripted quality
 * control. The landslides named by uuid get the decision in ONE journal edit (the service's
 * updateFeatures, through Project.apply), which `scarp project undo P` takes back.
 */
import { LandslideStatus, LandslideType, type FeatureChanges, type ScarpApi } from '../../../src-shared/api';
import { parseCommandArgs } from '../args';
import { UsageError } from '../errors';

export async function runReview(service: ScarpApi, args: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(args, {
    project: { type: 'string' },
    uuid: { type: 'string' },
    status: { type: 'string' },
    type: { type: 'string' },
    notes: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (!v.project || !v.uuid || !v.status) throw new UsageError('review needs --project, --uuid and --status');
  const uuids = [...new Set(v.uuid.split(',').map((u) => u.trim()).filter((u) => u.length > 0))];
  if (uuids.length === 0) throw new UsageError('--uuid needs one uuid or a comma list of them');
  const status = LandslideStatus.safeParse(v.status);
  if (!status.success) throw new UsageError(`--status must be one of ${LandslideStatus.options.join(', ')}, got '${v.status}'`);
  const type = v.type === undefined ? undefined : LandslideType.safeParse(v.type);
  if (type && !type.success) throw new UsageError(`--type must be one of ${LandslideType.options.join(', ')}, got '${v.type}'`);
  const changes: FeatureChanges = { status: status.data };
  if (type) changes.type = type.data;
  if (v.notes !== undefined) changes.notes = v.notes === '' ? null : v.notes;

  await service.openProject({ path: v.project });
  try {
    const r = await service.updateFeatures({ uuids, changes });
    const what = Object.entries(changes)
      .map(([k, x]) => `${k} ${x === null ? '(none)' : String(x)}`)
      .join(', ');
    const text = r.edit
      ? `Reviewed ${uuids.length} landslide${uuids.length === 1 ? '' : 's'}: ${what} (edit #${r.edit.id}, ${r.edit.author}). Landslides that count: ${r.changes.features}.\nUndo: scarp project undo ${v.project}`
      : `Nothing changed: the ${uuids.length} landslide${uuids.length === 1 ? ' already has' : 's already have'} ${what}.`;
    const json = { edit: r.edit, uuids, fids: r.fids ?? [], canUndo: r.canUndo, canRedo: r.canRedo, features: r.changes.features, byStatus: r.changes.byStatus };
    process.stdout.write(v.json ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);
  } finally {
    await service.closeProject();
  }
  return 0;
}
