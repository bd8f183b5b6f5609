/**
 * Opening files that are not (usable) Scarp projects: each a clear ScarpError with the right code,
 * the file byte-identical afterwards. Also: migration of an older project with a backup, moved
 * scenes, the lock against a second Scarp (another process) that still lets GDAL/QGIS read.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { Project, ProjectDb, SCHEMA_VERSION } from '../../src-main/core/store/project';
import { isScarpError, type ScarpErrorCode } from '../../src-shared/errors';
import { repoRoot } from '../../src-main/core/paths';
import { dataPath, tempDir } from '../helpers/data';
import { gdal, gdalPython } from '../helpers/gdal';
import { canRun, sceneFile, sha256File, square } from '../unit/store/_fixtures';
import { addFeatures, deleteFeatures, peek } from '../helpers/project';

const tmp = tempDir('store-bad');
afterAll(() => tmp.cleanup());

function expectCode(fn: () => unknown, code: ScarpErrorCode, message?: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(isScarpError(e), String(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    if (message) expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected ${code}`);
}

async function projectWithFeatures(name: string, n = 50): Promise<string> {
  const p = Project.create(join(tmp.dir, name));
  const { scene } = await p.addScene(sceneFile(tmp.dir));
  const x = scene.bounds.minX;
  const y = scene.bounds.minY;
  addFeatures(p, Array.from({ length: n }, (_, i) => ({ geometry: square(x + (i % 20) * 4, y + Math.floor(i / 20) * 4, 2), properties: { area_m2: 4, perimeter_m: 8, notes: 'x'.repeat(200) } })));
  const path = p.path;
  p.close();
  return path;
}

/** Run a shell command as root for a mount; false when not permitted here. */
function trySh(cmd: string): boolean {
  return spawnSync('sh', ['-c', cmd], { stdio: 'ignore' }).status === 0;
}

describe.skipIf(!canRun)('project files that cannot be opened', () => {
  it('a file that is not SQLite → NOT_A_PROJECT, untouched', () => {
    const f = join(tmp.dir, 'notes.gpkg');
    writeFileSync(f, 'this is a text file pretending to be a project\n'.repeat(10));
    const before = sha256File(f);
    expectCode(() => Project.open(f), 'NOT_A_PROJECT', /not an SQLite\/GeoPackage file/);
    expect(sha256File(f)).toBe(before);
    expect(existsSync(`${f}.lock`)).toBe(false);
    // an empty file too
    const e = join(tmp.dir, 'empty.gpkg');
    writeFileSync(e, '');
    expectCode(() => Project.open(e), 'NOT_A_PROJECT');
  });

  it('a GeoPackage from another tool → NOT_A_PROJECT naming its layers, untouched', () => {
    const f = join(tmp.dir, 'ogr.gpkg');
    gdal('ogr2ogr', ['-f', 'GPKG', f, dataPath('jinsha-uav/siteB_landslides.geojson'), '-nln', 'mapped']);
    const before = sha256File(f);
    expectCode(() => Project.open(f), 'NOT_A_PROJECT', /another tool \(layers: mapped\)/);
    expect(sha256File(f)).toBe(before);
    // a plain SQLite database
    const s = join(tmp.dir, 'plain.sqlite');
    const db = new Database(s);
    db.exec('CREATE TABLE t (a)');
    db.close();
    const b2 = sha256File(s);
    expectCode(() => Project.open(s), 'NOT_A_PROJECT', /not a GeoPackage or Scarp project/);
    expect(sha256File(s)).toBe(b2);
  });

  it('a project from a newer Scarp → PROJECT_TOO_NEW, untouched', async () => {
    const f = await projectWithFeatures('newer.gpkg', 3);
    const db = new Database(f);
    db.prepare("UPDATE scarp_meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION + 5));
    db.close();
    const before = sha256File(f);
    expectCode(() => Project.open(f), 'PROJECT_TOO_NEW', new RegExp(`format ${SCHEMA_VERSION + 5}`));
    expect(sha256File(f)).toBe(before);
  });

  it('a corrupt page → CORRUPT_FILE (integrity_check), untouched', async () => {
    const f = await projectWithFeatures('corrupt.gpkg', 400);
    const db = new Database(f, { readonly: true });
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const root = (db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'landslides'").get() as { rootpage: number }).rootpage;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.close();
    expect(pages).toBeGreaterThan(root + 2);
    // scribble over the middle of a b-tree page of the inventory (not the header page)
    const fd = openSync(f, 'r+');
    writeSync(fd, Buffer.alloc(64, 0xa5), 0, 64, (root - 1) * pageSize + 8);
    closeSync(fd);
    const before = sha256File(f);
    expectCode(() => Project.open(f), 'CORRUPT_FILE', /damaged/);
    expect(sha256File(f)).toBe(before);
    expect(existsSync(`${f}.lock`)).toBe(false);
  });

  it('a read-only file or disk → FILE_UNWRITABLE, untouched', async () => {
    const f = await projectWithFeatures('ro.gpkg', 3);
    const isRoot = process.getuid?.() === 0;
    if (!isRoot) {
      execFileSync('chmod', ['a-w', f]);
      const before = sha256File(f);
      expectCode(() => Project.open(f), 'FILE_UNWRITABLE', /read-only/);
      expect(sha256File(f)).toBe(before);
      execFileSync('chmod', ['u+w', f]);
      return;
    }
    // root ignores permissions: use a read-only mount when this machine allows mounting.
    const mnt = join(tmp.dir, 'ro-mnt');
    mkdirSync(mnt);
    if (!trySh(`mount -t tmpfs -o size=4m tmpfs ${mnt}`)) {
      console.warn('[store tests] cannot mount a tmpfs here: read-only case checked through the error mapping only');
      return;
    }
    try {
      copyFileSync(f, join(mnt, 'ro.gpkg'));
      expect(trySh(`mount -o remount,ro ${mnt}`)).toBe(true);
      const g = join(mnt, 'ro.gpkg');
      const before = sha256File(g);
      expectCode(() => Project.open(g), 'FILE_UNWRITABLE', /read-only/);
      expect(sha256File(g)).toBe(before);
    } finally {
      trySh(`umount ${mnt}`);
    }
  });

  it('a full disk → DISK_FULL: a failed upgrade backup or edit changes nothing committed', async () => {
    if (process.getuid?.() !== 0) return;
    const mnt = join(tmp.dir, 'full-mnt');
    mkdirSync(mnt);
    if (!trySh(`mount -t tmpfs -o size=1m tmpfs ${mnt}`)) {
      console.warn('[store tests] cannot mount a tmpfs here: full-disk case skipped');
      return;
    }
    try {
      // 1. an old project whose upgrade needs a backup copy that does not fit
      const old = join(mnt, 'old.gpkg');
      ProjectDb.createFile(old, { version: 1 });
      const filler = join(mnt, 'filler');
      const free = (): number => Number(execFileSync('df', ['--output=avail', '-B1', mnt], { encoding: 'utf8' }).split('\n')[1]);
      writeFileSync(filler, Buffer.alloc(Math.max(0, free() - 16 * 1024)));
      const before = sha256File(old);
      expectCode(() => Project.open(old), 'DISK_FULL', /disk .* is full/);
      expect(sha256File(old)).toBe(before);
      expect(existsSync(join(mnt, 'old.backup-v1.gpkg'))).toBe(false);
      expect(existsSync(`${old}.lock`)).toBe(false);
      // 2. an edit that does not fit: refused, the committed state is intact
      rmSync(filler);
      rmSync(old);
      const p = Project.create(join(mnt, 'p.gpkg'));
      const { scene } = await p.addScene(sceneFile(tmp.dir));
      const x = scene.bounds.minX;
      const y = scene.bounds.minY;
      addFeatures(p, [{ geometry: square(x, y, 2), properties: { area_m2: 4, perimeter_m: 8 } }]);
      writeFileSync(filler, Buffer.alloc(Math.max(0, free() - 8 * 1024)));
      const many = Array.from({ length: 3000 }, (_, i) => ({ geometry: square(x + (i % 50), y + Math.floor(i / 50), 0.5), properties: { area_m2: 0.25, perimeter_m: 2, notes: 'n'.repeat(300) } }));
      let code = '';
      try {
        addFeatures(p, many);
      } catch (e) {
        code = (e as { code: string }).code;
      }
      expect(code).toBe('DISK_FULL');
      expect(p.features.count()).toBe(1);
      p.close();
      rmSync(filler);
      const q = Project.open(join(mnt, 'p.gpkg'));
      expect(q.features.count()).toBe(1);
      expect(q.journal.history()).toHaveLength(1);
      q.close();
    } finally {
      trySh(`umount ${mnt}`);
    }
  });
});

describe.skipIf(!canRun)('project lifecycle', () => {
  it('an older project is upgraded in a transaction after a backup copy', async () => {
    const f = join(tmp.dir, 'v1.gpkg');
    ProjectDb.createFile(f, { version: 1 });
    const before = sha256File(f);
    const p = Project.open(f);
    expect(p.openReport).toMatchObject({ fromVersion: 1, upgraded: true });
    const backup = join(tmp.dir, 'v1.backup-v1.gpkg');
    expect(p.openReport.backupPath).toBe(resolve(backup));
    expect(sha256File(backup)).toBe(before);
    expect(p.summary().schemaVersion).toBe(SCHEMA_VERSION);
    expect(peek(p.path, (db) => db.prepare("SELECT COUNT(*) AS n FROM layer_styles WHERE f_table_name = 'landslides'").get())).toEqual({ n: 1 });
    p.close();
    expect(gdalPython('osgeo_utils.samples.validate_gpkg', [f]).status).toBe(0);
  });

  it('is a single complete file after close (rollback journal), with a categorized QGIS style', async () => {
    const f = await projectWithFeatures('closed.gpkg', 5);
    expect(existsSync(`${f}-wal`)).toBe(false);
    const db = new Database(f, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    const style = db.prepare('SELECT styleQML, useAsDefault FROM layer_styles').get() as { styleQML: string; useAsDefault: number };
    db.close();
    expect(style.useAsDefault).toBe(1);
    expect(style.styleQML).toContain('type="categorizedSymbol" attr="status"');
    for (const s of ['predicted', 'confirmed', 'rejected', 'edited', 'field_verified']) expect(style.styleQML).toContain(`value="${s}"`);
    const r = gdalPython('osgeo_utils.samples.validate_gpkg', [f]);
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it("opened and closed without an edit, a project's content is as it was (gpkg_contents' last_change not bumped); an edit bumps it", async () => {
    const f = await projectWithFeatures('look.gpkg', 3);
    const contents = (): { last_change: string; min_x: number } =>
      peek(f, (db) => db.prepare("SELECT last_change, min_x FROM gpkg_contents WHERE table_name = 'landslides'").get() as { last_change: string; min_x: number });
    const before = contents();
    await new Promise((r) => setTimeout(r, 20)); // last_change has millisecond resolution
    Project.open(f).close();
    expect(contents()).toEqual(before);
    const p = Project.open(f);
    const fid = p.listFeatures({ limit: 1 }).features[0]!.fid;
    deleteFeatures(p, [fid]);
    p.close();
    expect(contents().last_change > before.last_change).toBe(true);
  });

  it('scarp export while another Scarp holds the project reads a snapshot of what it saved, says so, and leaves it untouched', async () => {
    const f = await projectWithFeatures('held.gpkg', 6);
    const p = Project.open(f);
    try {
      // An edit saved by the holder before the export, one after it.
      deleteFeatures(p, [p.features.list({ limit: 1 }).features[0]!.fid]);
      const out = join(tmp.dir, 'held.geojson');
      const r = spawnSync(process.execPath, [join(repoRoot, 'bin/scarp.mjs'), 'export', '--project', f, '--format', 'geojson', '--out', out, '--json'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const res = JSON.parse(r.stdout) as { count: number; warnings: string[] };
      expect(res.count).toBe(5);
      expect(res.warnings[0]).toMatch(new RegExp(`^held\\.gpkg is open in another Scarp \\(\\S+@${hostname()} pid ${process.pid}\\): read as it was saved at \\d{4}-`));
      const text = readFileSync(out, 'utf8');
      expect((JSON.parse(text) as { features: unknown[] }).features).toHaveLength(5);
      // Its provenance names the project, not the snapshot.
      expect(text).toContain('"project":"held.gpkg"');
      expect(text).not.toContain('scarp-snapshot-');
      deleteFeatures(p, [p.features.list({ limit: 1 }).features[0]!.fid]);
      expect(p.features.count()).toBe(4);
      // A project-level command that writes is still refused while it is held.
      expect(spawnSync(process.execPath, [join(repoRoot, 'bin/scarp.mjs'), 'project', 'undo', f], { encoding: 'utf8' }).status).toBe(1);
    } finally {
      p.close();
    }
  });

  it('a moved scene is reported (missing), refused by a run, and relinked by content', async () => {
    const dir = join(tmp.dir, 'moved');
    mkdirSync(dir);
    const img = sceneFile(dir, 'a.tif');
    const other = sceneFile(dir, 'other.tif'); // same crop → same content; make it differ
    appendFileSync(other, Buffer.from('different'));
    const p = Project.create(join(dir, 'p.gpkg'));
    const { scene } = await p.addScene(img);
    p.close();
    renameSync(img, join(dir, 'b.tif'));
    const q = Project.open(join(dir, 'p.gpkg'));
    expect(q.listScenes()[0]!.state).toBe('missing');
    expectCode(() => q.requireScene(scene.id), 'SCENE_MOVED', /no longer at/);
    expectCode(() => q.relinkScene(scene.id, other), 'SCENE_MISMATCH');
    const s = q.relinkScene(scene.id, join(dir, 'b.tif'));
    expect(s.path).toBe(resolve(dir, 'b.tif'));
    expect(q.listScenes()[0]!.state).toBe('ok');
    q.close();
  });

  it('a second Scarp (another process) gets "already open by user@host pid since"; GDAL can still read', async () => {
    const f = await projectWithFeatures('locked.gpkg', 4);
    const p = Project.open(f);
    try {
      // A command that writes is refused, naming who holds it; one that only reads reads a snapshot, saying so.
      const r = spawnSync(process.execPath, [join(repoRoot, 'bin/scarp.mjs'), 'project', 'undo', f], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`already open by \\S+@${hostname()} pid ${process.pid} since \\d{4}-`));
      const read = spawnSync(process.execPath, [join(repoRoot, 'bin/scarp.mjs'), 'project', 'info', f, '--json'], { encoding: 'utf8' });
      expect(read.status, read.stderr).toBe(0);
      expect(read.stderr).toMatch(/^warning: locked\.gpkg is open in another Scarp \(\S+ pid \d+\): read as it was saved at /);
      expect(JSON.parse(read.stdout)).toMatchObject({ path: f, features: 4 });
      // QGIS/GDAL read the file while Scarp has it open (WAL)
      const info = gdal('ogrinfo', ['-ro', '-so', f, 'landslides']);
      expect(info).toMatch(/Feature Count: 4/);
      expectCode(() => Project.open(f), 'PROJECT_LOCKED', /already open in this Scarp/);
    } finally {
      p.close();
    }
    expect(existsSync(`${f}.lock`)).toBe(false);
    // a lock left by a dead process is taken over
    writeFileSync(`${f}.lock`, JSON.stringify({ user: 'ghost', host: hostname(), pid: 2 ** 22 + 1234, since: '2020-01-01T00:00:00Z' }));
    const q = Project.open(f);
    expect(statSync(`${f}.lock`).size).toBeGreaterThan(0);
    expect(readFileSync(`${f}.lock`, 'utf8')).toContain(`"pid":${process.pid}`);
    q.close();
  });
});
