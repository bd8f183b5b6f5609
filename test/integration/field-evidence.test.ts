/**
 * Field evidence (issue 17): photos and notes on landslides through the real `scarp evidence`
 * command, stored in the GeoPackage related tables. The photos are real JPEG and PNG files written
 * by GDAL from the Jinsha imagery. GDAL is the reference for the format (validate_gpkg passes, the
 * two relationships are listed, the media table reads) and real QGIS 3.22 loads the layers. Bad
 * files are refused by name with nothing recorded; undo and redo restore a photo byte for byte;
 * a deleted landslide keeps its evidence; evidence travels in a field package and merges both ways
 * (added, removed, never duplicated), undo taking the merge's evidence back too.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../src-main/core/store/project';
import { crsFromEpsg } from '../../src-main/core/geo';
import { readPhoto } from '../../src-main/core/field/photo';
import { packageProject } from '../../src-main/core/field/field-package';
import { mergeIntoProject } from '../../src-main/core/merge/merge-projects';
import { ScarpError, type ScarpErrorJson } from '../../src-shared/errors';
import type { EvidenceEditResult, EvidenceInfo, ScarpApi } from '../../src-shared/api';
import { createScarpService } from '../../src-main/core/service/scarp-service';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdalPython, hasGdal, hasQgis } from '../helpers/gdal';
import { scarp } from '../helpers/cli';
import { addFeatures, deleteFeatures, peek } from '../helpers/project';
import { sha256File, square } from '../unit/store/_fixtures';

const tmp = tempDir('field-evidence');
afterAll(() => (process.env.SCARP_KEEP_TMP ? undefined : tmp.cleanup()));

const json = <T>(args: string[]): T => {
  const r = scarp([...args, '--json']);
  if (r.status !== 0) throw new Error(`scarp ${args.join(' ')}: ${r.status} ${r.stdout} ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
};
const errorOf = (args: string[]): { status: number | null; error: { code: string; message: string; hint: string; file?: string } } => {
  const r = scarp([...args, '--json']);
  return { status: r.status, error: (JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string; file?: string } }).error };
};
/** The service the CLI and the app call, in this process (the CLI is a thin door over it: fewer node start-ups on a loaded machine). */
async function withService<T>(path: string, fn: (s: ScarpApi) => Promise<T>): Promise<T> {
  const s = createScarpService();
  await s.openProject({ path });
  try {
    return await fn(s);
  } finally {
    await s.closeProject();
  }
}
async function codeOf(p: Promise<unknown>): Promise<ScarpErrorJson> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ScarpError) return e.toJSON();
    throw e;
  }
  throw new Error('expected an error');
}
const rows = (path: string, sql: string): Array<Record<string, unknown>> => peek(path, (db) => db.prepare(sql).all() as Array<Record<string, unknown>>);
const editCount = (path: string): number => Number(rows(path, 'SELECT COUNT(*) AS n FROM scarp_edits')[0]!.n);
const evidenceOf = (path: string): string[] =>
  rows(path, "SELECT uuid || ' ' || landslide_uuid AS k FROM landslide_photos UNION ALL SELECT uuid || ' ' || landslide_uuid FROM landslide_notes ORDER BY 1").map((r) => String(r.k));

describe.skipIf(!hasData || !hasGdal)('field evidence: photos and notes on landslides', () => {
  let dir = '';
  let project = '';
  let jpg = '';
  let png = '';
  let uuids: string[] = [];
  let fids: number[] = [];

  beforeAll(() => {
    dir = join(tmp.dir, 'in');
    mkdirSync(dir);
    jpg = join(dir, 'scarp crown.jpg');
    png = join(dir, 'toe.png');
    const src = dataPath('jinsha-uav/siteA_rgb.tif');
    execFileSync('gdal_translate', ['-q', '-of', 'JPEG', '-srcwin', '1000', '1000', '400', '300', src, jpg]);
    execFileSync('gdal_translate', ['-q', '-of', 'PNG', '-srcwin', '1400', '1000', '120', '90', src, png]);
    project = join(tmp.dir, 'event.gpkg');
    const p = Project.create(project);
    try {
      p.adoptCrsIfUnset(crsFromEpsg(32647));
      const r = addFeatures(p, [0, 1, 2].map((i) => ({ geometry: square(310_000 + i * 100, 3_445_000, 40), properties: {} })));
      fids = r.fids;
      uuids = fids.map((f) => p.features.get(f)!.properties.uuid);
    } finally {
      p.close();
    }
  });

  it('attaches a photo with its caption, time and position, and a note; lists them; exports the photo byte for byte', { timeout: 600_000 }, () => {
    const a = json<EvidenceEditResult>(['evidence', 'add', '--project', project, '--uuid', uuids[0]!, '--photo', jpg, '--note', 'main scarp, fresh', '--lon', '98.7012', '--lat', '31.1304', '--time', '2026-07-01T10:20:00+08:00']);
    expect(a.evidence).toMatchObject({ kind: 'photo', landslideUuid: uuids[0], note: 'main scarp, fresh', fileName: 'scarp crown.jpg', contentType: 'image/jpeg', width: 400, height: 300, lon: 98.7012, lat: 31.1304, time: '2026-07-01T10:20:00+08:00', timeSource: 'given', positionSource: 'given' });
    expect(a.edit).toMatchObject({ kind: 'evidence' });
    const n = json<EvidenceEditResult>(['evidence', 'add', '--project', project, '--uuid', uuids[0]!, '--note', 'tension cracks 20 m upslope']);
    expect(n.evidence).toMatchObject({ kind: 'note', note: 'tension cracks 20 m upslope', time: null, lon: null, fileName: null });
    expect(n.landslide.map((e) => e.kind)).toEqual(['photo', 'note']);
    json(['evidence', 'add', '--project', project, '--uuid', uuids[1]!, '--photo', png]);
    expect(json<EvidenceInfo[]>(['evidence', 'list', '--project', project])).toHaveLength(3);
    expect(json<EvidenceInfo[]>(['evidence', 'list', '--project', project, '--uuid', uuids[1]!]).map((e) => e.contentType)).toEqual(['image/png']);
    const out = join(tmp.dir, 'out.jpg');
    expect(json<{ bytes: number }>(['evidence', 'export', '--project', project, '--evidence', a.evidence.uuid, '--out', out]).bytes).toBe(readFileSync(jpg).length);
    expect(sha256File(out)).toBe(sha256File(jpg));
    // The mapping rows follow the landslides' fids.
    expect(rows(project, 'SELECT base_id, related_id FROM landslides_photos ORDER BY related_id').map((r) => r.base_id)).toEqual([fids[0], fids[1]]);
    expect(rows(project, 'SELECT base_id FROM landslides_notes').map((r) => r.base_id)).toEqual([fids[0]]);
  });

  it('is a GeoPackage GDAL validates, with the two relationships GDAL lists, and layers QGIS loads', { timeout: 600_000 }, () => {
    const v = gdalPython('osgeo_utils.samples.validate_gpkg', [project]);
    expect(v.status, v.stdout + v.stderr).toBe(0);
    const py = `
import json, sys
from osgeo import gdal, ogr
ds = gdal.OpenEx(sys.argv[1], gdal.OF_VECTOR)
rels = []
for n in ds.GetRelationshipNames():
    r = ds.GetRelationship(n)
    rels.append([r.GetLeftTableName(), r.GetRightTableName(), r.GetMappingTableName(), r.GetRelatedTableType()])
lyr = ds.GetLayerByName('landslide_photos')
f = lyr.GetNextFeature()
print(json.dumps({'rels': sorted(rels), 'photos': lyr.GetFeatureCount(), 'type': f.GetField('content_type'), 'bytes': len(f.GetFieldAsBinary('data'))}))`;
    const r = spawnSync('/usr/bin/python3', ['-c', py, project], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      rels: [
        ['landslides', 'landslide_notes', 'landslides_notes', 'attributes'],
        ['landslides', 'landslide_photos', 'landslides_photos', 'media'],
      ],
      photos: 2,
      type: 'image/jpeg',
      bytes: readFileSync(jpg).length,
    });
    if (!hasQgis) return;
    const q = `
import json, sys
from qgis.core import QgsApplication, QgsVectorLayer
app = QgsApplication([], False); app.initQgis()
out = {}
for t in ['landslides', 'landslide_photos', 'landslide_notes', 'landslides_photos']:
    l = QgsVectorLayer(sys.argv[1] + '|layername=' + t, t, 'ogr')
    out[t] = [l.isValid(), l.featureCount()]
print(json.dumps(out))`;
    const qr = spawnSync('/usr/bin/python3', ['-c', q, project], { encoding: 'utf8', env: { ...process.env, QT_QPA_PLATFORM: 'offscreen', XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' } });
    expect(qr.status, qr.stderr).toBe(0);
    expect(JSON.parse(qr.stdout.trim().split('\n').pop()!)).toEqual({ landslides: [true, 3], landslide_photos: [true, 2], landslide_notes: [true, 1], landslides_photos: [true, 2] });
  });

  it('refuses bad files by name, with a specific error, and records nothing', { timeout: 600_000 }, async () => {
    const before = editCount(project);
    const text = join(dir, 'notes.jpg');
    writeFileSync(text, 'field notes typed on the laptop, saved with the wrong name\n');
    const truncated = join(dir, 'cut.jpg');
    writeFileSync(truncated, readFileSync(jpg).subarray(0, 20));
    const heic = join(dir, 'IMG_0001.HEIC');
    writeFileSync(heic, Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic'), Buffer.alloc(64)]));
    const huge = join(dir, 'huge.jpg');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, 26 * 2 ** 20);
    closeSync(fd);
    // Through the real command once: exit 1, the JSON error naming the file.
    expect(errorOf(['evidence', 'add', '--project', project, '--uuid', uuids[2]!, '--photo', text])).toMatchObject({ status: 1, error: { code: 'UNSUPPORTED_FORMAT', file: text, message: expect.stringMatching(/not a picture/) } });
    expect(scarp(['evidence', 'add', '--project', project, '--uuid', uuids[2]!]).status).toBe(2);
    await withService(project, async (s) => {
      const add = (photo: string, uuid = uuids[2]!) => codeOf(s.addEvidence({ uuid, photo }));
      expect(await add(truncated)).toMatchObject({ code: 'CORRUPT_FILE', file: truncated });
      expect(await add(heic)).toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringMatching(/HEIC/), hint: expect.stringMatching(/JPEG/) });
      expect(await add(huge)).toMatchObject({ code: 'TOO_LARGE', file: huge, message: expect.stringMatching(/26\.0 MB.*at most 25 MB/) });
      expect((await add(join(dir, 'missing.jpg'))).code).toBe('FILE_NOT_FOUND');
      expect((await add(dir)).code).toBe('FILE_UNREADABLE');
      expect(await add(jpg, '00000000-0000-4000-8000-000000000000')).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/No landslide with uuid/) });
      expect((await codeOf(s.addEvidence({ uuid: uuids[2]!, note: 'x', time: 'yesterday' }))).code).toBe('INVALID_ARGUMENT');
      expect((await codeOf(s.addEvidence({ uuid: uuids[2]! }))).code).toBe('INVALID_ARGUMENT');
    });
    expect(editCount(project)).toBe(before);
    expect(readPhoto(png)).toMatchObject({ contentType: 'image/png', width: 120, height: 90 });
    expect(() => readPhoto(text)).toThrow(ScarpError);
  });

  it('undo and redo restore a removed photo exactly; a deleted landslide keeps its evidence, mapped again on undo', { timeout: 600_000 }, async () => {
    const list = await withService(project, (s) => s.listEvidence({ uuid: uuids[0]! }));
    const photo = list.find((e) => e.kind === 'photo')!;
    const stored = (): Array<Record<string, unknown>> => rows(project, "SELECT id, hex(data) AS d, note, observed_at, lon FROM landslide_photos WHERE uuid = '" + photo.uuid + "'");
    const was = stored();
    expect(json<EvidenceEditResult>(['evidence', 'remove', '--project', project, '--evidence', photo.uuid]).landslide.map((e) => e.kind)).toEqual(['note']);
    expect(stored()).toEqual([]);
    expect(rows(project, 'SELECT COUNT(*) AS n FROM landslides_photos')[0]!.n).toBe(1);
    expect(scarp(['project', 'undo', project]).status).toBe(0);
    expect(stored()).toEqual(was);
    expect(rows(project, `SELECT base_id FROM landslides_photos WHERE related_id = ${Number(was[0]!.id)}`)).toEqual([{ base_id: fids[0] }]);
    await withService(project, async (s) => {
      await s.redo();
      expect(stored()).toEqual([]);
      await s.undo();
    });

    const p = Project.open(project);
    try {
      deleteFeatures(p, [fids[0]!]);
      expect(p.evidence.list({ landslideUuids: [uuids[0]!] })).toHaveLength(2);
      expect(rows(project, `SELECT COUNT(*) AS n FROM landslides_photos WHERE base_id = ${fids[0]}`)[0]!.n).toBe(0);
      p.undo();
      expect(rows(project, `SELECT COUNT(*) AS n FROM landslides_photos WHERE base_id = ${fids[0]}`)[0]!.n).toBe(1);
      expect(rows(project, `SELECT COUNT(*) AS n FROM landslides_notes WHERE base_id = ${fids[0]}`)[0]!.n).toBe(1);
    } finally {
      p.close();
    }
  });

  it('travels in a field package and merges back both ways: added, removed, never duplicated; undo takes it back', { timeout: 600_000 }, async () => {
    const pkg = join(tmp.dir, 'field.gpkg');
    const o = Project.open(project);
    try {
      const r = await packageProject(o, pkg);
      expect(r.evidence).toBe(3);
    } finally {
      o.close();
    }
    const v = gdalPython('osgeo_utils.samples.validate_gpkg', [pkg]);
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(evidenceOf(pkg)).toEqual(evidenceOf(project));
    expect(rows(pkg, 'SELECT hex(data) AS d FROM landslide_photos ORDER BY uuid')).toEqual(rows(project, 'SELECT hex(data) AS d FROM landslide_photos ORDER BY uuid'));

    // In the field: a photo of the third landslide, the note of the first removed. At the centre: a note on the second.
    const { fieldPhoto, note } = await withService(pkg, async (s) => {
      const added = (await s.addEvidence({ uuid: uuids[2]!, photo: png, note: 'toe bulging', time: '2026-07-02' })).evidence;
      const n = (await s.listEvidence({ uuid: uuids[0]! })).find((e) => e.kind === 'note')!;
      await s.removeEvidence({ evidence: n.uuid });
      return { fieldPhoto: added, note: n };
    });
    const centreNote = (await withService(project, (s) => s.addEvidence({ uuid: uuids[1]!, note: 'road blocked below' }))).evidence;
    const pkgAfter = evidenceOf(pkg);
    const before = evidenceOf(project);

    const o2 = Project.open(project);
    try {
      const dry = mergeIntoProject(o2, pkg, { dryRun: true });
      expect(dry.applied.evidence).toEqual({ added: 1, removed: 1 });
      expect(evidenceOf(project)).toEqual(before);
      const m = mergeIntoProject(o2, pkg);
      expect(m.mode).toBe('three-way');
      expect(m.applied.evidence).toEqual({ added: 1, removed: 1 });
      const merged = evidenceOf(project);
      expect(merged).toContain(`${fieldPhoto.uuid} ${uuids[2]}`);
      expect(merged).toContain(`${centreNote.uuid} ${uuids[1]}`);
      expect(merged).not.toContain(`${note.uuid} ${uuids[0]}`);
      expect(merged).toHaveLength(before.length);
      expect(rows(project, `SELECT hex(data) AS d FROM landslide_photos WHERE uuid = '${fieldPhoto.uuid}'`)).toEqual(rows(pkg, `SELECT hex(data) AS d FROM landslide_photos WHERE uuid = '${fieldPhoto.uuid}'`));
      // The merge's provenance names the evidence.
      const report = JSON.parse(o2.sync.states()[0]!.report!) as { evidence: { added: string[]; removed: string[] } };
      expect(report.evidence).toEqual({ added: [fieldPhoto.uuid], removed: [note.uuid] });
      // Merging again changes nothing.
      expect(mergeIntoProject(o2, pkg).applied.evidence).toEqual({ added: 0, removed: 0 });
      o2.undo(); // the second merge changed nothing: no edit of its own
      expect(evidenceOf(project)).toEqual(before);
      o2.redo();
      expect(evidenceOf(project)).toEqual(merged);
    } finally {
      o2.close();
    }
    // And the centre's work into the package: both now hold the same evidence.
    const p = Project.open(pkg);
    try {
      expect(mergeIntoProject(p, project).applied.evidence).toEqual({ added: 1, removed: 0 });
    } finally {
      p.close();
    }
    expect(evidenceOf(pkg)).toEqual(evidenceOf(project));
    expect(evidenceOf(pkg)).not.toEqual(pkgAfter);
  });
});
