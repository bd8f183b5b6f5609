/**
 * The project GeoPackage edited by other programs — GDAL/OGR (what ogr2ogr, ArcGIS or a script does)
 * and a real QGIS edit session — while Scarp has it closed and while it has it open: the edits are
 * taken in through the one write path (measured again, one undoable journal edit of kind 'external'),
 * uuids kept or given, and the file stays valid. Also what a GIS user sees of the file: the layers
 * listed, the stored style and form, and a copy of the `.gpkg` alone taken while the project is open.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crsFromEpsg } from '../../src-main/core/geo';
import { Project, ProjectDb } from '../../src-main/core/store/project';
import { ScarpService } from '../../src-main/core/service/scarp-service';
import { openGpkgDatabase } from '../../src-main/core/store/geopackage-writer';
import { encodeGpkgMultiPolygon } from '../../src-main/core/vector/geopackage-geometry';
import { LANDSLIDE_STATUSES, LANDSLIDE_TYPES } from '../../src-shared/vocabulary';
import { tempDir } from '../helpers/data';
import { gdalPython, hasGdal, hasQgis, pythonFixture } from '../helpers/gdal';
import { addFeatures, peek, updateFeatures } from '../helpers/project';
import { square } from '../unit/store/_fixtures';

const X0 = 470_000;
const Y0 = 3_444_000;
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Ops {
  add?: string;
  reshape?: { fid: number; wkt: string };
  status?: { fid: number; value: string };
  delete?: number;
}

const wktSquare = (x: number, y: number, s: number): string => `MULTIPOLYGON(((${x} ${y},${x + s} ${y},${x + s} ${y + s},${x} ${y + s},${x} ${y})))`;

/** A project in EPSG:32647 with three predicted squares of 10, 20 and 30 m (fids 1, 2, 3). */
function makeProject(path: string): void {
  const p = Project.create(path);
  p.adoptCrsIfUnset(crsFromEpsg(32647));
  addFeatures(p, [10, 20, 30].map((s, i) => ({ geometry: square(X0 + i * 100, Y0, s), properties: { status: 'predicted' } })));
  p.close();
}

function ogrEdit(dir: string, gpkg: string, ops: Ops): { added: number | null } {
  const f = join(dir, `ops-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(f, JSON.stringify(ops));
  return pythonFixture('ogr_edit.py', [gpkg, f]);
}

function row(path: string, fid: number): Record<string, unknown> | undefined {
  return peek(path, (db) => db.prepare('SELECT fid, uuid, status, area_m2, perimeter_m, mapper FROM landslides WHERE fid = ?').get(fid) as Record<string, unknown> | undefined);
}

function ogrCount(path: string): number {
  const r = spawnSync('ogrinfo', ['-ro', '-so', path, 'landslides'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return Number(/Feature Count: (\d+)/.exec(r.stdout)![1]);
}

const run = hasGdal ? describe : describe.skip;

run('edits made by another program (GDAL/OGR) while Scarp has the project closed', () => {
  let tmp: ReturnType<typeof tempDir>;
  let path: string;
  beforeAll(() => {
    tmp = tempDir('external-closed');
    path = join(tmp.dir, 'p.gpkg');
    makeProject(path);
  });
  afterAll(() => tmp.cleanup());

  it('an OGR writer adds a polygon without a uuid, reshapes one and deletes one: all saved (no NOT NULL failure)', () => {
    const r = ogrEdit(tmp.dir, path, { add: wktSquare(X0 + 500, Y0, 40), reshape: { fid: 1, wkt: wktSquare(X0, Y0, 50) }, delete: 3 });
    expect(r.added).toBe(4);
    // The trigger gave the new row a uuid in the same statement, before Scarp ever saw it.
    expect(String(row(path, 4)!.uuid)).toMatch(UUID4);
    // Until Scarp takes the edit in, the measured attributes are the other program's (stale).
    expect(row(path, 1)!.area_m2).toBeCloseTo(100, 6);
  });

  it('opening the project takes the edits in as ONE journal edit of kind external: measured again, uuid kept, outline change makes a prediction edited', () => {
    const uuid4 = String(row(path, 4)!.uuid);
    const uuid1 = String(row(path, 1)!.uuid);
    const p = Project.open(path);
    try {
      const [top] = p.journal.history(1);
      expect(top).toMatchObject({ kind: 'external', label: 'Edits made in another program: 1 added, 1 changed, 1 deleted', opCount: 3 });
      const f4 = p.features.get(4)!;
      expect(f4.properties.uuid).toBe(uuid4);
      expect(f4.properties.area_m2).toBeCloseTo(1600, 6);
      expect(f4.properties.perimeter_m).toBeCloseTo(160, 6);
      expect(f4.properties.status).toBe('predicted'); // the table's default: OGR set no status
      const f1 = p.features.get(1)!;
      expect(f1.properties.uuid).toBe(uuid1);
      expect(f1.properties.area_m2).toBeCloseTo(2500, 6);
      expect(f1.properties.status).toBe('edited');
      expect(p.features.get(3)).toBeNull();
      expect(p.summary().features).toBe(3);

      // Undo takes back exactly the other program's edit.
      const u = p.undo();
      expect(u.edit?.kind).toBe('external');
      expect(p.features.get(4)).toBeNull();
      expect(p.features.get(3)?.properties.area_m2).toBeCloseTo(900, 6);
      expect(p.features.get(1)?.properties).toMatchObject({ status: 'predicted', uuid: uuid1 });
      expect(p.features.get(1)!.properties.area_m2).toBeCloseTo(100, 6);
      // Scarp's own undo was not logged as an external edit.
      expect(p.pollExternalEdits()).toBeNull();
      p.redo();
      expect(p.features.get(4)?.properties.uuid).toBe(uuid4);
    } finally {
      p.close();
    }
    expect(peek(path, (db) => (db.prepare('SELECT COUNT(*) AS n FROM scarp_landslides_log').get() as { n: number }).n)).toBe(0);
    expect(peek(path, (db) => db.pragma('integrity_check', { simple: true }))).toBe('ok');
    const v = gdalPython('osgeo_utils.samples.validate_gpkg', [path]);
    expect(v.status, v.stdout + v.stderr).toBe(0);
  });

  it('a second open finds nothing new (no empty external edits)', () => {
    const p = Project.open(path);
    try {
      expect(p.journal.history(1)[0]!.kind).toBe('external');
      expect(p.journal.stacks().canUndo).toBe(2);
    } finally {
      p.close();
    }
  });
});

run('edits made by another program while Scarp has the project open', () => {
  let tmp: ReturnType<typeof tempDir>;
  let path: string;
  let p: Project;
  beforeAll(() => {
    tmp = tempDir('external-open');
    path = join(tmp.dir, 'p.gpkg');
    makeProject(path);
    p = Project.open(path);
  });
  afterAll(() => {
    p.close();
    tmp.cleanup();
  });

  it('data_version shows the other program\'s commit; pollExternalEdits takes it in once; Scarp\'s own edits are never external', () => {
    expect(p.pollExternalEdits()).toBeNull();
    updateFeatures(p, [2], { notes: 'checked in the field' });
    expect(p.pollExternalEdits()).toBeNull();
    ogrEdit(tmp.dir, path, { status: { fid: 2, value: 'confirmed' } });
    const r = p.pollExternalEdits();
    expect(r).toMatchObject({ added: [], updated: [2], removed: [], unmeasured: [] });
    expect(r?.edit?.kind).toBe('external');
    expect(p.features.get(2)?.properties).toMatchObject({ status: 'confirmed', notes: 'checked in the field' });
    expect(p.pollExternalEdits()).toBeNull();
  });

  it('an edit Scarp makes after an unpolled external edit keeps both, in order; undo takes back Scarp\'s, then the other program\'s', () => {
    ogrEdit(tmp.dir, path, { reshape: { fid: 3, wkt: wktSquare(X0 + 200, Y0, 35) } });
    updateFeatures(p, [1], { type: 'slide' });
    const h = p.journal.history(3).map((e) => e.kind);
    expect(h.slice(0, 2)).toEqual(['update', 'external']);
    expect(p.features.get(3)!.properties.area_m2).toBeCloseTo(1225, 6);
    p.undo();
    expect(p.features.get(1)!.properties.type).toBe('unknown');
    expect(p.features.get(3)!.properties.area_m2).toBeCloseTo(1225, 6);
    p.undo();
    expect(p.features.get(3)!.properties.area_m2).toBeCloseTo(900, 6);
  });
});

run('through ScarpService (what the app calls when its window gets the focus back)', () => {
  it('takeExternalEdits sends the map what another program changed, once; an edit made before the poll carries it too', async () => {
    const tmp = tempDir('external-service');
    const svc = new ScarpService();
    try {
      const path = join(tmp.dir, 'p.gpkg');
      makeProject(path);
      await svc.openProject({ path });
      const none = await svc.takeExternalEdits();
      expect(none.edit).toBeNull();
      expect(none.changes).toMatchObject({ changed: [], removed: [], features: 3 });

      const { added } = ogrEdit(tmp.dir, path, { add: wktSquare(X0 + 600, Y0, 20), delete: 1 });
      const r = await svc.takeExternalEdits();
      expect(r.edit).toMatchObject({ kind: 'external', label: 'Edits made in another program: 1 added, 1 deleted' });
      expect(r.changes.changed.map((f) => f.id)).toEqual([added]);
      expect(r.changes.changed[0]!.properties.area_m2).toBeCloseTo(400, 6);
      expect(r.changes.changed[0]!.geometry.coordinates[0]![0]![0]![0]).toBeGreaterThan(98); // WGS 84 longitude
      expect(r.changes.removed).toEqual([1]);
      expect(r.changes.features).toBe(3);
      expect((await svc.takeExternalEdits()).edit).toBeNull();

      // Not polled: the next edit takes it in first, and its result carries both.
      ogrEdit(tmp.dir, path, { delete: 2 });
      const e = await svc.updateFeatures({ fids: [3], changes: { status: 'confirmed' } });
      expect(e.changes.removed).toEqual([2]);
      expect(e.changes.changed.map((f) => f.id)).toEqual([3]);
      expect((await svc.history({})).slice(0, 2).map((h) => h.kind)).toEqual(['review', 'external']);
    } finally {
      await svc.closeProject();
      tmp.cleanup();
    }
  });
});

run('a copy of the .gpkg alone, taken while the project is open, holds every committed edit', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir('wal-copy');
  });
  afterAll(() => tmp.cleanup());

  it('after each commit the WAL is checkpointed into the main file', () => {
    const path = join(tmp.dir, 'open.gpkg');
    makeProject(path);
    const p = Project.open(path);
    try {
      addFeatures(p, [{ geometry: square(X0, Y0 + 500, 12), properties: {} }]);
      expect(p.walPending).toBe(false);
      const copy = join(tmp.dir, 'copy.gpkg');
      copyFileSync(path, copy); // no -wal beside it
      expect(ogrCount(copy)).toBe(4);
    } finally {
      p.close();
    }
  });

  it('when a reader (QGIS) blocks the checkpoint it is pending, and retried on idle once the reader lets go', () => {
    const path = join(tmp.dir, 'reader.gpkg');
    makeProject(path);
    const p = Project.open(path);
    const reader = new Database(path, { readonly: true });
    try {
      reader.exec('BEGIN');
      expect((reader.prepare('SELECT COUNT(*) AS n FROM landslides').get() as { n: number }).n).toBe(3);
      addFeatures(p, [{ geometry: square(X0, Y0 + 500, 12), properties: {} }]);
      expect(p.walPending).toBe(true);
      const early = join(tmp.dir, 'early.gpkg');
      copyFileSync(path, early);
      expect(ogrCount(early)).toBe(3); // honest: the edit is still only in the WAL
      reader.exec('COMMIT');
      p.pollExternalEdits(); // the idle call retries the checkpoint
      expect(p.walPending).toBe(false);
      const late = join(tmp.dir, 'late.gpkg');
      copyFileSync(path, late);
      expect(ogrCount(late)).toBe(4);
    } finally {
      reader.close();
      p.close();
    }
  });
});

run('a v3 project (uuid NOT NULL) is upgraded to take other programs\' edits', () => {
  it('rebuilds landslides with a nullable uuid: rows, fids, the R-tree and the AUTOINCREMENT counter kept', () => {
    const tmp = tempDir('v3');
    try {
      const path = join(tmp.dir, 'old.gpkg');
      ProjectDb.createFile(path, { version: 3 });
      const db = openGpkgDatabase(path);
      const enc = (s: number, x: number): Buffer => encodeGpkgMultiPolygon(square(x, Y0, s), -1);
      const ins = db.prepare("INSERT INTO landslides (geom, uuid, area_m2, status, type) VALUES (?, ?, ?, 'confirmed', 'slide')");
      ins.run(enc(10, X0), 'a0000000-0000-4000-8000-000000000001', 100);
      ins.run(enc(20, X0 + 100), 'a0000000-0000-4000-8000-000000000002', 400);
      ins.run(enc(30, X0 + 200), 'a0000000-0000-4000-8000-000000000003', 900);
      db.prepare('DELETE FROM landslides WHERE fid = 3').run();
      expect((db.prepare("SELECT \"notnull\" AS nn FROM pragma_table_info('landslides') WHERE name = 'uuid'").get() as { nn: number }).nn).toBe(1);
      db.close();

      const p = Project.open(path);
      try {
        expect(p.openReport).toMatchObject({ fromVersion: 3, upgraded: true });
        expect(p.features.get(2)!.properties).toMatchObject({ uuid: 'a0000000-0000-4000-8000-000000000002', status: 'confirmed', type: 'slide' });
        expect(p.features.allIn({ minX: X0 + 90, minY: Y0 - 1, maxX: X0 + 130, maxY: Y0 + 30 }).map((f) => f.fid)).toEqual([2]);
      } finally {
        p.close();
      }
      peek(path, (r) => {
        expect((r.prepare("SELECT \"notnull\" AS nn FROM pragma_table_info('landslides') WHERE name = 'uuid'").get() as { nn: number }).nn).toBe(0);
        expect((r.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'landslides'").get() as { seq: number }).seq).toBe(3);
        expect(r.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'landslides' ORDER BY name").all().map((t) => (t as { name: string }).name)).toEqual([
          'landslides_uuid',
          'rtree_landslides_geom_delete',
          'rtree_landslides_geom_insert',
          'rtree_landslides_geom_update1',
          'rtree_landslides_geom_update2',
          'rtree_landslides_geom_update3',
          'rtree_landslides_geom_update4',
          'scarp_landslides_log_delete',
          'scarp_landslides_log_insert',
          'scarp_landslides_log_update',
          // The field-evidence mapping tables follow the landslides (schema v8).
          'scarp_landslides_notes_ls_delete',
          'scarp_landslides_notes_ls_insert',
          'scarp_landslides_notes_ls_uuid',
          'scarp_landslides_photos_ls_delete',
          'scarp_landslides_photos_ls_insert',
          'scarp_landslides_photos_ls_uuid',
        ]);
      });
      // An OGR writer adds without a uuid; the deleted fid 3 is not reused.
      expect(ogrEdit(tmp.dir, path, { add: wktSquare(X0 + 400, Y0, 5) }).added).toBe(4);
      const v = gdalPython('osgeo_utils.samples.validate_gpkg', [path]);
      expect(v.status, v.stdout + v.stderr).toBe(0);
    } finally {
      tmp.cleanup();
    }
  });
});

run('what GDAL and ArcGIS-like readers list', () => {
  it('ogrinfo lists the inventory, the style table and the field-evidence tables of the related-tables extension, never a scarp_* table', () => {
    const tmp = tempDir('layers');
    try {
      const path = join(tmp.dir, 'p.gpkg');
      makeProject(path);
      const r = spawnSync('ogrinfo', ['-ro', '-q', path], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const layers = [...r.stdout.matchAll(/^\d+: (\S+)/gm)].map((m) => m[1]);
      expect(layers).toEqual(['landslides', 'layer_styles', 'landslide_photos', 'landslides_photos', 'landslide_notes', 'landslides_notes']);
    } finally {
      tmp.cleanup();
    }
  });
});

interface QgisInspect {
  sublayers: string[];
  connectionTables: string[];
  featureCount: number;
  crs: string;
  renderer: string | null;
  rendererAttribute: string | null;
  fields: Record<string, { type: string; widget: string; values: string[] | null; default: string | null; readOnly: boolean; alias: string | null }>;
}

interface QgisEdit {
  addOk?: boolean;
  addedValues?: Record<string, string | null>;
  committed: boolean;
  errors: string[];
}

(hasGdal && hasQgis ? describe : describe.skip)('a real QGIS (3.22, headless) on the project file', () => {
  let tmp: ReturnType<typeof tempDir>;
  let path: string;
  beforeAll(() => {
    tmp = tempDir('qgis');
    path = join(tmp.dir, 'p.gpkg');
    makeProject(path);
  });
  afterAll(() => tmp.cleanup());

  it('loads the stored style: categorized by status, value lists for status and type, defaults for a new landslide, measured fields read-only', () => {
    const q = pythonFixture<QgisInspect>('qgis_edit.py', ['inspect', path]);
    expect(q.crs).toBe('EPSG:32647');
    expect(q.featureCount).toBe(3);
    expect(q.renderer).toBe('categorizedSymbol');
    expect(q.rendererAttribute).toBe('status');
    expect(q.fields.status).toMatchObject({ widget: 'ValueMap', values: [...LANDSLIDE_STATUSES], default: "'edited'" });
    expect(q.fields.type).toMatchObject({ widget: 'ValueMap', values: [...LANDSLIDE_TYPES], default: "'unknown'" });
    expect(q.fields.uuid).toMatchObject({ default: "uuid('WithoutBraces')", readOnly: true });
    expect(q.fields.area_m2).toMatchObject({ readOnly: true, alias: 'Area (m²)' });
    expect(q.fields.notes!.readOnly).toBe(false);
    // The GeoPackage connection (Browser → GeoPackage) lists gpkg_contents: the inventory and its field-evidence
    // tables (photos, notes and their related-tables mappings); QGIS hides layer_styles.
    expect(q.connectionTables.filter((t) => t !== 'layer_styles')).toEqual(['landslides', 'landslide_photos', 'landslides_photos', 'landslide_notes', 'landslides_notes']);
    // Known limit: QGIS 3.22 opens a .gpkg file with LIST_ALL_TABLES=YES, and GDAL 3.6 marks no GeoPackage
    // table private, so its file sublayer list shows every table not named by a reserved prefix.
    expect(q.sublayers[0]).toBe('landslides');
  });

  it('a polygon added and one reshaped in a QGIS edit session save; Scarp then shows them measured, with an undoable external edit', () => {
    const ops = join(tmp.dir, 'qgis-ops.json');
    writeFileSync(ops, JSON.stringify({ add: wktSquare(X0 + 700, Y0, 25), reshape: { fid: 2, wkt: wktSquare(X0 + 100, Y0, 45) }, status: { fid: 1, value: 'field_verified' } }));
    const e = pythonFixture<QgisEdit>('qgis_edit.py', ['edit', path, ops]);
    expect(e.committed, e.errors.join('; ')).toBe(true);
    expect(e.addOk).toBe(true);
    expect(e.addedValues).toMatchObject({ status: 'edited', type: 'unknown' });
    expect(e.addedValues!.uuid).toMatch(UUID4);

    const p = Project.open(path);
    try {
      const [top] = p.journal.history(1);
      expect(top).toMatchObject({ kind: 'external', label: 'Edits made in another program: 1 added, 2 changed' });
      const added = p.features.list({ afterFid: 3 }).features;
      expect(added).toHaveLength(1);
      expect(added[0]!.properties).toMatchObject({ uuid: e.addedValues!.uuid, status: 'edited', type: 'unknown' });
      expect(added[0]!.properties.area_m2).toBeCloseTo(625, 6);
      expect(added[0]!.properties.created_at).toMatch(/Z$/);
      expect(p.features.get(2)!.properties).toMatchObject({ status: 'edited' });
      expect(p.features.get(2)!.properties.area_m2).toBeCloseTo(2025, 6);
      expect(p.features.get(1)!.properties.status).toBe('field_verified');
      p.undo();
      expect(p.features.count()).toBe(3);
      expect(p.features.get(2)!.properties.area_m2).toBeCloseTo(400, 6);
      expect(p.features.get(1)!.properties.status).toBe('predicted');
    } finally {
      p.close();
    }
    const v = gdalPython('osgeo_utils.samples.validate_gpkg', [path]);
    expect(v.status, v.stdout + v.stderr).toBe(0);
  });

  it('QGIS saves into the project while Scarp has it open; the next poll takes the edit in', () => {
    const p = Project.open(path);
    try {
      const ops = join(tmp.dir, 'qgis-ops2.json');
      writeFileSync(ops, JSON.stringify({ add: wktSquare(X0 + 900, Y0, 10) }));
      const e = pythonFixture<QgisEdit>('qgis_edit.py', ['edit', path, ops]);
      expect(e.committed, e.errors.join('; ')).toBe(true);
      const r = p.pollExternalEdits();
      expect(r?.added).toHaveLength(1);
      expect(p.features.get(r!.added[0]!)!.properties.area_m2).toBeCloseTo(100, 6);
      expect(p.summary().features).toBe(4);
    } finally {
      p.close();
    }
  });
});
