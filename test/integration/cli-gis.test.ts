/**
 * The CLI as a GIS user scripts it, through the real `scarp` command: `scarp project create` (an empty
 * project, CRS and event set, that imports then fill), `scarp <command> --help`, a repeated value
 * option refused, and `scarp review` for scripted quality control (one journal edit, undone by
 * `scarp project undo`).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { hasGdal } from '../helpers/gdal';
import { scarp } from '../helpers/cli';
import { peek } from '../helpers/project';
import { COMMAND_NAMES } from '../../src-main/cli/main';
import { commandUsage, COMMAND_USAGE, USAGE } from '../../src-main/cli/usage';
import type { EditInfo, ImportResponse, ProjectInfo } from '../../src-shared/api';

describe('scarp <command> --help', () => {
  it('every command has its own usage block, and the full usage lists them all', () => {
    expect(Object.keys(COMMAND_USAGE).sort()).toEqual([...COMMAND_NAMES].sort());
    for (const name of COMMAND_NAMES) {
      const u = commandUsage(name);
      expect(u).toContain(`scarp ${name}`);
      // Every synopsis line of the block is this command's.
      expect(new Set([...u.matchAll(/^ {2}scarp ([\w-]+)/gm)].map((m) => m[1]))).toEqual(new Set([name]));
      expect(USAGE).toContain(COMMAND_USAGE[name]);
    }
  });

  it('`scarp export --help` prints the export usage (exit 0), `scarp review -h` the review usage', () => {
    const r = scarp(['export', '--help']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('scarp export --project <gpkg> --format');
    expect(r.stdout).toContain('--include-rejected');
    expect(r.stdout).not.toContain('scarp detect');
    expect(r.stderr).not.toMatch(/Unknown option/);
    const v = scarp(['review', '-h']);
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/scarp review --project <file.gpkg> --uuid <uuid>/);
  });

  it('a value option given twice is a usage error (two --image), not the last one silently', () => {
    const r = scarp(['detect', '--image', 'a.tif', '--image', 'b.tif', '--out', 'x.gpkg']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--image was given more than once/);
    expect(r.stderr).toContain('scarp detect --image <tif>');
    expect(r.stderr).not.toContain('scarp eval');
  });
});

const run = hasData && hasGdal ? describe : describe.skip;

run('scarp project create, import into it, scarp review and undo', () => {
  let tmp: ReturnType<typeof tempDir>;
  let project: string;
  beforeAll(() => {
    tmp = tempDir('cli-gis');
    project = join(tmp.dir, 'jinsha.gpkg');
  });
  afterAll(() => tmp.cleanup());
  const info = (): ProjectInfo => {
    const r = scarp(['project', 'info', project, '--json']);
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as ProjectInfo;
  };
  const statusOf = (uuids: string[]): Record<string, { status: string; type: string; notes: string | null }> =>
    peek(project, (db) =>
      Object.fromEntries((db.prepare(`SELECT uuid, status, type, notes FROM landslides WHERE uuid IN (${uuids.map(() => '?').join(',')})`).all(...uuids) as Array<{ uuid: string; status: string; type: string; notes: string | null }>).map((r) => [r.uuid, r])),
    );

  it('creates an empty project with its CRS and event; GDAL reads an empty landslides layer in that CRS; an import fills it', () => {
    const c = scarp(['project', 'create', project, '--crs', 'EPSG:32647', '--event-name', 'Jinsha 2018 Baige', '--event-date', '2018-11-03', '--trigger', 'rainfall', '--json']);
    expect(c.status, c.stderr).toBe(0);
    const created = JSON.parse(c.stdout) as ProjectInfo;
    expect(created.crs?.epsg).toBe(32647);
    expect(created.features).toBe(0);
    expect(created.event).toMatchObject({ name: 'Jinsha 2018 Baige', date: '2018-11-03', trigger: 'rainfall' });
    const o = spawnSync('ogrinfo', ['-ro', '-so', project, 'landslides'], { encoding: 'utf8' });
    expect(o.status, o.stderr).toBe(0);
    expect(o.stdout).toContain('Feature Count: 0');
    expect(o.stdout).toMatch(/ID\["EPSG",32647\]\]/);

    const again = scarp(['project', 'create', project]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/exists/);
    expect(scarp(['project', 'create', join(tmp.dir, 'bad.gpkg'), '--crs', 'UTM 47']).status).toBe(1);
    expect(scarp(['project', 'info', project, '--crs', 'EPSG:4326']).status).toBe(2);

    const imp = scarp(['import', '--project', project, '--file', dataPath('jinsha-uav/siteB_landslides.geojson'), '--json']);
    expect(imp.status, imp.stderr).toBe(0);
    const r = JSON.parse(imp.stdout) as ImportResponse;
    expect(r.count).toBe(15);
    expect(r.crsSet).toBe(false);
    expect(info().features).toBe(15);
  });

  it('scarp review sets status, type and notes of landslides by uuid in ONE edit; scarp project undo takes it back', () => {
    const uuids = peek(project, (db) => (db.prepare('SELECT uuid FROM landslides ORDER BY fid LIMIT 3').all() as Array<{ uuid: string }>).map((x) => x.uuid));
    const before = info();
    const r = scarp(['review', '--project', project, '--uuid', uuids.join(','), '--status', 'rejected', '--type', 'flow', '--notes', 'QC: river bank', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { edit: EditInfo; fids: number[]; features: number; byStatus: Record<string, number> };
    expect(out.fids).toHaveLength(3);
    expect(out.features).toBe(12);
    expect(out.byStatus.rejected).toBe(3);
    for (const s of Object.values(statusOf(uuids))) expect(s).toMatchObject({ status: 'rejected', type: 'flow', notes: 'QC: river bank' });
    const after = info();
    expect(after.canUndo).toBe(before.canUndo + 1);
    const hist = JSON.parse(scarp(['project', 'history', project, '--json']).stdout) as EditInfo[];
    expect(hist[0]!.id).toBe(out.edit.id);

    // Unknown uuid or status: refused, nothing changed.
    const bad = scarp(['review', '--project', project, '--uuid', `${uuids[0]},not-a-uuid`, '--status', 'confirmed']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/not-a-uuid/);
    expect(scarp(['review', '--project', project, '--uuid', uuids[0]!, '--status', 'maybe']).status).toBe(2);
    expect(info().canUndo).toBe(after.canUndo);

    const u = scarp(['project', 'undo', project]);
    expect(u.status, u.stderr).toBe(0);
    for (const s of Object.values(statusOf(uuids))) expect(s).toMatchObject({ status: 'predicted', type: 'unknown', notes: null });
    expect(info().features).toBe(15);
  });
});
