/**
 * `scarp evidence add|list|remove|export --project P ...`: field evidence on landslides (issue 17):
 * photos and notes with time and position, stored in the project's GeoPackage related tables.
 * Adding and removing are one journal edit each (`scarp project undo P` takes them back).
 */
import type { EvidenceInfo, ScarpApi } from '../../../src-shared/api';
import { numberOption, parseCommandArgs } from '../args';
import { UsageError } from '../errors';

const SUB = ['add', 'list', 'remove', 'export'] as const;
type Sub = (typeof SUB)[number];

function line(e: EvidenceInfo): string {
  const where = e.lon !== null && e.lat !== null ? `${e.lat.toFixed(6)},${e.lon.toFixed(6)}` : '-';
  const what = e.kind === 'photo' ? `photo ${e.fileName ?? ''} ${e.width}×${e.height} ${((e.bytes ?? 0) / 1024).toFixed(0)} KB${e.note ? ` "${e.note}"` : ''}` : `note "${e.note ?? ''}"`;
  return `${e.uuid}\t${e.landslideUuid}\t${e.time ?? '-'}\t${where}\t${e.author ?? '-'}\t${what}`;
}

export async function runEvidence(service: ScarpApi, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || !(SUB as readonly string[]).includes(sub)) throw new UsageError(`evidence needs one of ${SUB.join(', ')}${sub ? `, got '${sub}'` : ''}`);
  const { values: v } = parseCommandArgs(rest, {
    project: { type: 'string' },
    uuid: { type: 'string' },
    photo: { type: 'string' },
    note: { type: 'string' },
    lon: { type: 'string' },
    lat: { type: 'string' },
    time: { type: 'string' },
    evidence: { type: 'string' },
    out: { type: 'string' },
    overwrite: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (!v.project) throw new UsageError(`evidence ${sub} needs --project`);
  const out = (json: unknown, text: string): void => {
    process.stdout.write(v.json ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);
  };
  const s = sub as Sub;
  if (s === 'add') {
    if (!v.uuid) throw new UsageError('evidence add needs --uuid (the landslide)');
    if (v.photo === undefined && v.note === undefined) throw new UsageError('evidence add needs --photo or --note (or both)');
    if ((v.lon === undefined) !== (v.lat === undefined)) throw new UsageError('--lon and --lat go together');
  }
  if ((s === 'remove' || s === 'export') && !v.evidence) throw new UsageError(`evidence ${s} needs --evidence <uuid>`);
  if (s === 'export' && !v.out) throw new UsageError('evidence export needs --out <file>');
  await service.openProject({ path: v.project });
  try {
    if (s === 'add') {
      const r = await service.addEvidence({ uuid: v.uuid!, photo: v.photo, note: v.note, lon: numberOption('lon', v.lon), lat: numberOption('lat', v.lat), time: v.time });
      const e = r.evidence;
      const given = [e.time ? null : 'no time', e.lon === null ? 'no position' : null].filter((x) => x !== null);
      out(r, `Attached ${e.kind === 'photo' ? `the photo ${e.fileName} (${e.width}×${e.height})` : 'a field note'} to ${e.landslideUuid} as ${e.uuid} (edit #${r.edit?.id}).${given.length ? ` Recorded with ${given.join(' and ')}: give --time / --lon --lat (the photo's EXIF has none).` : ''}\nThe landslide has ${r.landslide.length} piece${r.landslide.length === 1 ? '' : 's'} of evidence. Undo: scarp project undo ${v.project}`);
    } else if (s === 'list') {
      const list = await service.listEvidence(v.uuid ? { uuid: v.uuid } : {});
      out(list, list.length ? ['uuid\tlandslide\ttime\tlat,lon\tauthor\twhat', ...list.map(line)].join('\n') : `No photos or notes${v.uuid ? ` on ${v.uuid}` : ''}.`);
    } else if (s === 'remove') {
      const r = await service.removeEvidence({ evidence: v.evidence! });
      out(r, `Removed the ${r.evidence.kind} ${r.evidence.uuid} of ${r.evidence.landslideUuid} (edit #${r.edit?.id}). Undo: scarp project undo ${v.project}`);
    } else {
      const r = await service.exportEvidencePhoto({ evidence: v.evidence!, out: v.out!, overwrite: v.overwrite === true });
      out(r, `Wrote ${r.out} (${r.bytes} bytes).`);
    }
  } finally {
    await service.closeProject();
  }
  return 0;
}
