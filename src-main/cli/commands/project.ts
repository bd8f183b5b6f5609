/**
 * `scarp project <create|info|scenes|runs|history|undo|redo|relink|add-scene|remove-scene> <file.gpkg>`: create an empty
 * project, look into one and work its journal from the command line (through the same ScarpApi as
 * the app).
 */
import type { EditResult, ProjectInfo, ScarpApi, SceneInfo } from '../../../src-shared/api';
import { SCENE_ROLES, type SceneRole } from '../../../src-shared/vocabulary';
import { resolve } from 'node:path';
import { heldElsewhere, takeSnapshot, type ProjectSnapshot } from '../../core/store/project';
import { parseCommandArgs } from '../args';
import { UsageError } from '../errors';

const OPTIONS = {
  json: { type: 'boolean' },
  scene: { type: 'string' },
  path: { type: 'string' },
  limit: { type: 'string' },
  crs: { type: 'string' },
  'event-name': { type: 'string' },
  'event-date': { type: 'string' },
  trigger: { type: 'string' },
  author: { type: 'string' },
  overwrite: { type: 'boolean' },
  search: { type: 'string' },
  image: { type: 'string' },
  role: { type: 'string' },
  date: { type: 'string' },
  dem: { type: 'string' },
} as const;

const SUB = ['create', 'info', 'scenes', 'runs', 'history', 'undo', 'redo', 'relink', 'add-scene', 'remove-scene'] as const;
/** The subcommands that only read: they read a snapshot of a project another Scarp holds. */
const READS = ['info', 'scenes', 'runs', 'history'] as const;

/** One line per scene: id, role and date, state, size, CRS, path, its DEM. */
const demColumn = (d: SceneInfo['dem']): string => (d ? `DEM ${d.path}${d.state === 'ok' ? '' : ` (${d.state})`}` : 'no DEM');
const sceneLine = (x: SceneInfo): string => `${x.id}\t${x.role ?? '-'}${x.date ? ` ${x.date}` : ''}\t${x.state}\t${x.width}×${x.height}\t${x.crsName ?? ''}\t${x.path}\t${demColumn(x.dem)}`;
type Sub = (typeof SUB)[number];

function formatInfo(i: ProjectInfo): string {
  const status = Object.entries(i.byStatus)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    `Project:     ${i.path} (format ${i.schemaVersion}${i.open.upgraded ? `, upgraded from ${i.open.fromVersion}; backup ${i.open.backupPath}` : ''})`,
    `CRS:         ${i.crs ? `${i.crs.name}${i.crs.epsg ? ` (EPSG:${i.crs.epsg})` : ''}` : 'not set (no scene yet)'}`,
    `Event:       ${i.event.name ?? '-'}${i.event.date ? `, ${i.event.date}` : ''}${i.event.trigger ? `, ${i.event.trigger}` : ''}`,
    `Scenes:      ${i.scenes}   Runs: ${i.runs}`,
    `Landslides:  ${i.features}${status ? ` (${status})` : ''}${i.byStatus.rejected ? `; the ${i.byStatus.rejected} rejected do not count` : ''}`,
    `Journal:     ${i.canUndo} edit(s) to undo, ${i.canRedo} to redo; author ${i.author}`,
    `Check:       ${i.open.check} in ${i.open.checkMs.toFixed(0)} ms`,
  ].join('\n');
}

function formatEdit(what: string, r: EditResult): string {
  return r.edit ? `${what}: #${r.edit.id} ${r.edit.label} (${r.edit.author}, ${r.edit.at}); ${r.canUndo} to undo, ${r.canRedo} to redo` : `Nothing to ${what.toLowerCase()}.`;
}

export async function runProject(service: ScarpApi, args: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(args, OPTIONS, true);
  const [sub, file] = positionals;
  if (!sub || !(SUB as readonly string[]).includes(sub)) throw new UsageError(`project needs one of: ${SUB.join(', ')}`);
  if (!file) throw new UsageError(`project ${sub} needs the project file (.gpkg)`);
  const json = v.json ?? false;
  const out = (value: unknown, text: string): void => {
    process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
  };
  if (sub === 'create') {
    const event = { name: v['event-name'], date: v['event-date'], trigger: v.trigger };
    const created = await service.createProject({
      path: file,
      overwrite: v.overwrite ?? false,
      author: v.author,
      crs: v.crs,
      event: Object.values(event).some((x) => x !== undefined) ? event : undefined,
    });
    await service.closeProject();
    out(created, `Created ${created.path}\n${formatInfo(created)}`);
    return 0;
  }
  const onlyCreate = (['crs', 'event-name', 'event-date', 'trigger', 'author', 'overwrite'] as const).find((k) => v[k] !== undefined);
  if (onlyCreate) throw new UsageError(`--${onlyCreate} is for project create`);
  // Reading commands on a project another Scarp holds (the desktop app): read a snapshot of what it saved.
  let snapshot: ProjectSnapshot | null = null;
  let info: ProjectInfo;
  try {
    info = await service.openProject({ path: file });
  } catch (e) {
    const holder = (READS as readonly string[]).includes(sub) ? heldElsewhere(e) : null;
    if (!holder) throw e;
    snapshot = await takeSnapshot(file, holder);
    info = { ...(await service.openProject({ path: snapshot.path })), path: resolve(file) };
    process.stderr.write(`warning: ${snapshot.note}\n`);
  }
  try {
    switch (sub as Sub) {
      case 'create':
        break;
      case 'info':
        out(info, formatInfo(info));
        break;
      case 'scenes': {
        const s = await service.listScenes();
        out(s, s.map(sceneLine).join('\n') || 'No scenes.');
        break;
      }
      case 'runs': {
        const r = await service.listRuns();
        out(r, r.map((x) => `${x.id}\t${x.status}\t${x.sceneId}\t${x.modelId}\trows ${x.rowsDone}/${x.rowsTotal}\ttiles ${x.tilesDone}/${x.tilesTotal}\t${x.featureCount ?? '-'} features`).join('\n') || 'No runs.');
        break;
      }
      case 'history': {
        const h = await service.history({ limit: v.limit ? Number(v.limit) : 50 });
        out(h, h.map((e) => `#${e.id}\t${e.state}\t${e.at}\t${e.author}\t${e.label}`).join('\n') || 'No edits.');
        break;
      }
      case 'undo': {
        const r = await service.undo();
        out(r, formatEdit('Undo', r));
        break;
      }
      case 'redo': {
        const r = await service.redo();
        out(r, formatEdit('Redo', r));
        break;
      }
      case 'add-scene': {
        if (!v.image) throw new UsageError('project add-scene needs --image <file.tif>');
        if (v.role !== undefined && !(SCENE_ROLES as readonly string[]).includes(v.role)) throw new UsageError(`--role must be one of ${SCENE_ROLES.join(', ')}`);
        if (v.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(v.date)) throw new UsageError(`--date must be YYYY-MM-DD, got '${v.date}'`);
        const s = await service.addScene({ path: v.image, role: v.role as SceneRole | undefined, date: v.date, dem: v.dem });
        out(s, `Scene ${sceneLine(s)}`);
        break;
      }
      case 'remove-scene': {
        if (!v.scene) throw new UsageError('project remove-scene needs --scene <id>');
        const r = await service.removeScene({ sceneId: v.scene });
        out(r, `Removed scene ${r.removed}`);
        break;
      }
      case 'relink': {
        if (v.search !== undefined || (!v.scene && !v.path)) {
          // Every scene whose imagery moved, found by content under the project's folder (and --search).
          const r = await service.findMovedImagery({ folder: v.search, relink: true });
          const what = (x: { kind: 'scene' | 'dem'; id: string; name: string }): string => (x.kind === 'dem' ? `DEM ${x.name}` : `Scene ${x.id} (${x.name})`);
          const lines = [...r.found.map((f) => `${what(f)} now at ${f.to} (was ${f.from})`), ...r.missing.map((m) => `${what(m)}: not found (was ${m.path})`)];
          out(r, lines.length ? lines.join('\n') : 'Every scene has its imagery where the project expects it.');
          break;
        }
        if (!v.scene || !v.path) throw new UsageError('project relink needs --scene <id> --path <new file>, or --search <folder>');
        const s = await service.relinkScene({ sceneId: v.scene, path: v.path });
        out(s, `Scene ${s.id} now at ${s.path} (${s.state})`);
        break;
      }
    }
  } finally {
    await service.closeProject();
    snapshot?.dispose();
  }
  return 0;
}
