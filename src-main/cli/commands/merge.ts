/**
 * `scarp merge --into A.gpkg --from B.gpkg [--dry-run] [--prefer into|from|newest] [--json]`: bring
 * a colleague's project or a field package back (issue 17). Landslides are matched by uuid (and new
 * ones by geometry), merged three-way against the last state both projects hold (two-way when there
 * is none), as ONE edit of A that `scarp project undo A` takes back. B is only read.
 */
import { MergePrefer, type MergeConflict, type MergeResponse, type MergeValue, type ScarpApi } from '../../../src-shared/api';
import { parseCommandArgs } from '../args';
import { UsageError } from '../errors';

function shown(v: MergeValue): string {
  if (v === null) return '(none)';
  if (typeof v === 'object') {
    const parts = (v as { coordinates?: unknown }).coordinates;
    return Array.isArray(parts) ? `a polygon of ${parts.length} part${parts.length === 1 ? '' : 's'}` : `status ${String((v as Record<string, unknown>).status)}`;
  }
  return JSON.stringify(v);
}

function conflictLine(c: MergeConflict): string {
  if (c.field === 'deleted') return `  ${c.uuid}: ${c.into === null ? 'deleted here, changed there' : 'changed here, deleted there'} → ${c.resolved === 'into' ? 'kept as here' : 'taken from there'}`;
  return `  ${c.uuid} ${c.field}: here ${shown(c.into)}, there ${shown(c.from)} → ${c.resolved === 'into' ? 'kept here' : 'taken from there'}`;
}

function summary(r: MergeResponse): string {
  const a = r.applied;
  const how = r.mode === 'three-way' ? `three-way, against the common state of ${r.base!.at} (${r.base!.kind})` : 'two-way: no common state recorded, landslides matched by uuid and geometry';
  const lines = [
    `${r.dryRun ? 'Would merge' : 'Merged'} ${r.from} into ${r.into} (${how}):`,
    `  ${a.added} new, ${a.deleted} deleted, ${a.updated} changed (${a.reshaped} reshaped)${Object.keys(a.fields).length ? `: ${Object.entries(a.fields).map(([k, n]) => `${k} ${n}`).join(', ')}` : ''}`,
  ];
  if (r.matchedByGeometry) lines.push(`  ${r.matchedByGeometry} landslide${r.matchedByGeometry === 1 ? '' : 's'} matched by geometry (overlap IoU ≥ 0.5):`, ...r.matches.map((m) => `    ${m.into} = ${m.from} (IoU ${m.iou.toFixed(2)})`));
  if (r.conflicts.length) lines.push(`  ${r.conflicts.length} conflict${r.conflicts.length === 1 ? '' : 's'} (resolved: ${r.prefer}):`, ...r.conflicts.map(conflictLine));
  else lines.push('  no conflicts');
  if (r.edit) lines.push(`One edit (#${r.edit.id}); undo: scarp project undo ${r.into}`);
  else if (!r.dryRun) lines.push('Nothing to change.');
  return lines.join('\n');
}

export async function runMerge(service: ScarpApi, args: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(args, {
    into: { type: 'string' },
    from: { type: 'string' },
    'dry-run': { type: 'boolean' },
    prefer: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (!v.into || !v.from) throw new UsageError('merge needs --into and --from');
  const prefer = v.prefer === undefined ? undefined : MergePrefer.safeParse(v.prefer);
  if (prefer && !prefer.success) throw new UsageError(`--prefer must be one of ${MergePrefer.options.join(', ')}, got '${v.prefer}'`);
  const r = await service.mergeProjects({ into: v.into, from: v.from, dryRun: v['dry-run'] === true, prefer: prefer?.data });
  process.stdout.write(v.json ? `${JSON.stringify(r, null, 2)}\n` : `${summary(r)}\n`);
  return 0;
}
