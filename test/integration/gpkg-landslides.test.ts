/** The landslides GeoPackage and GeoJSON outputs, checked with validate_gpkg and ogrinfo. */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { crsFromEpsg } from '../../src-main/core/geo';
import { polygonizeMask, vectorizePolygon, type InventoryPolygon } from '../../src-main/core/vector';
import { LandslideGpkgWriter, openGpkgDatabase, writeLandslidesGpkg } from '../../src-main/core/store/geopackage-writer';
import { decodeGpkgPolygons } from '../../src-main/core/vector/geopackage-geometry';
import { LANDSLIDE_COLUMNS } from '../../src-main/core/store/landslides-schema';
import { writeGeoJson } from '../../src-main/core/export/geojson';
import { tempDir } from '../helpers/data';
import { gdalPython, hasGdal } from '../helpers/gdal';
import { ogrLayer } from '../unit/vector/_gdal-summary';
import { execFileSync } from 'node:child_process';
import type { GeoTransform } from '../../src-shared/geo';

const tmp = tempDir('gpkg');
afterAll(() => tmp.cleanup());

const crs = crsFromEpsg(32647);
const gt: GeoTransform = [500000, 0.5, 0, 3450000, 0, -0.5];

function sample(): InventoryPolygon[] {
  // Three shapes: a block with a hole, an L, two diagonal pixels (a 2-part multipolygon).
  const w = 20;
  const h = 12;
  const rows = [
    '....................',
    '.######......##.....',
    '.######......##.....',
    '.##..##......######.',
    '.##..##......######.',
    '.######.............',
    '.######.............',
    '....................',
    '..#.................',
    '...#................',
    '....................',
    '....................',
  ];
  const mask = new Uint8Array(w * h);
  const probability = new Float32Array(w * h);
  rows.forEach((r, y) => [...r].forEach((c, x) => {
    mask[y * w + x] = c === '#' ? 1 : 0;
    probability[y * w + x] = c === '#' ? 0.5 + x / 100 : 0;
  }));
  return polygonizeMask(mask, w, h, { values: { probability } }).map((p) => vectorizePolygon(p, { grid: { geoTransform: gt, crs } })!);
}

describe.skipIf(!hasGdal)('landslides GeoPackage', () => {
  it('passes validate_gpkg; ogrinfo lists every field, the features and their areas', async () => {
    const polys = sample();
    const path = join(tmp.dir, 'inv.gpkg');
    const res = await writeLandslidesGpkg(
      path,
      polys.map((p) => ({ geometry: p.geometry, properties: { ...p.attributes, scene: 'siteX', run: 'run-1', confidence: 0.8 } })),
      { crs },
    );
    expect(res.count).toBe(3);
    const v = gdalPython('osgeo_utils.samples.validate_gpkg', [path]);
    expect(v.stderr + v.stdout).not.toMatch(/error/i);
    expect(v.status).toBe(0);

    const layer = ogrLayer(path, 'landslides');
    expect(layer.featureCount).toBe(3);
    expect(layer.geomType).toBe('Multi Polygon');
    expect(layer.epsg).toBe(32647);
    expect(layer.fields).toEqual(LANDSLIDE_COLUMNS.map((c) => c.name));
    expect(layer.fieldTypes.slice(0, 4)).toEqual(['String', 'String', 'String', 'Real']);
    expect(layer.fieldTypes[LANDSLIDE_COLUMNS.findIndex((c) => c.name === 'created_at')]).toBe('DateTime');
    const byFid = new Map(layer.features.map((f) => [f.fid, f]));
    polys.forEach((p, i) => {
      const f = byFid.get(i + 1)!;
      const props = f.properties;
      expect(props.area_m2).toBeCloseTo(p.attributes.area_m2, 9);
      // GDAL's own area of the stored geometry equals our attribute; GEOS says valid.
      expect(f.area).toBeCloseTo(p.attributes.area_m2, 6);
      expect(f.valid).toBe(true);
      expect(props.prob_mean).toBeCloseTo(p.attributes.prob_mean!, 6);
      expect(props.status).toBe('predicted');
      expect(props.type).toBe('unknown');
      expect(props.scene).toBe('siteX');
      expect(props.elev_min).toBeNull();
      expect(String(props.uuid)).toMatch(/^[0-9a-f-]{36}$/);
    });
    const sql = ogrLayer(path, '', { sql: 'SELECT fid, ST_Area(geom) AS a, area_m2 FROM landslides WHERE ST_IsValid(geom)' });
    expect(sql.features).toHaveLength(3);
    expect(polys.map((p) => p.attributes.area_m2).sort((a, b) => a - b)).toEqual([0.5, 4, 8]) // 2, 16 and 32 px of 0.25 m²;
    // The spatial index answers a window query (R-tree filled and consistent).
    const win = ogrLayer(path, 'landslides', { rect: [500000, 3449997, 500004, 3450000] });
    expect(win.features).toHaveLength(1);
    // Only the final file is left.
    expect(readdirSync(tmp.dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('round-trips geometry and keeps the R-tree current through the triggers (project-store use)', async () => {
    const path = join(tmp.dir, 'rt.gpkg');
    const polys = sample();
    await writeLandslidesGpkg(path, polys.map((p) => ({ geometry: p.geometry, properties: p.attributes })), { crs });
    const db = openGpkgDatabase(path);
    const rows = db.prepare('SELECT fid, geom FROM landslides ORDER BY fid').all() as Array<{ fid: number; geom: Buffer }>;
    rows.forEach((r, i) => {
      const mp = decodeGpkgPolygons(r.geom);
      expect(mp.map((p) => p.map((ring) => Array.from(ring)))).toEqual(polys[i]!.geometry.map((p) => p.map((ring) => Array.from(ring))));
    });
    // Update a geometry through SQL: the trigger must move the R-tree entry.
    db.prepare('UPDATE landslides SET geom = (SELECT geom FROM landslides WHERE fid = 3) WHERE fid = 1').run();
    const r1 = db.prepare('SELECT minx, maxx FROM rtree_landslides_geom WHERE id = 1').get() as { minx: number; maxx: number };
    const r3 = db.prepare('SELECT minx, maxx FROM rtree_landslides_geom WHERE id = 3').get() as { minx: number; maxx: number };
    expect(r1).toEqual(r3);
    db.prepare('DELETE FROM landslides WHERE fid = 2').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM rtree_landslides_geom').get()).toEqual({ n: 2 });
    db.close();
    const v = gdalPython('osgeo_utils.samples.validate_gpkg', [path]);
    expect(v.status).toBe(0);
  });

  it('a custom (non-EPSG) CRS gets its own srs row and still validates', async () => {
    const custom = { ...crs, epsg: null, name: 'Custom TM' };
    const path = join(tmp.dir, 'custom.gpkg');
    await writeLandslidesGpkg(path, sample().map((p) => ({ geometry: p.geometry, properties: p.attributes })), { crs: custom });
    const db = new Database(path, { readonly: true });
    const srs = db.prepare('SELECT srs_id, organization FROM gpkg_spatial_ref_sys ORDER BY srs_id').all();
    expect(srs).toEqual([
      { srs_id: -1, organization: 'NONE' },
      { srs_id: 0, organization: 'NONE' },
      { srs_id: 4326, organization: 'EPSG' },
      { srs_id: 100000, organization: 'NONE' },
    ]);
    expect(db.pragma('application_id', { simple: true })).toBe(0x47504b47);
    db.close();
    expect(gdalPython('osgeo_utils.samples.validate_gpkg', [path]).status).toBe(0);
  });

  it('refuses to replace an existing file without overwrite, and leaves nothing behind on failure', async () => {
    const path = join(tmp.dir, 'exists.gpkg');
    writeFileSync(path, 'keep me');
    await expect(writeLandslidesGpkg(path, [], { crs })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    expect(readFileSync(path, 'utf8')).toBe('keep me');
    // A failure midway (a feature with a bad status breaks the CHECK constraint) removes the temp file.
    const bad = join(tmp.dir, 'bad.gpkg');
    const polys = sample();
    async function* feats() {
      yield { geometry: polys[0]!.geometry, properties: polys[0]!.attributes };
      yield { geometry: polys[1]!.geometry, properties: { ...polys[1]!.attributes, status: 'nonsense' as never } };
    }
    await expect(writeLandslidesGpkg(bad, feats(), { crs })).rejects.toMatchObject({ code: 'FILE_UNWRITABLE' });
    expect(existsSync(bad)).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    expect(() => LandslideGpkgWriter.create(join(tmp.dir, 'no/such/dir/x.gpkg'), { crs })).toThrow(expect.objectContaining({ code: 'FILE_UNWRITABLE' }));
  });
});

describe.skipIf(!hasGdal)('GeoJSON export (RFC 7946)', () => {
  it('writes lon/lat with 7 decimals, CCW shells / CW holes, ids, no crs member; ogrinfo reads it', async () => {
    const polys = sample();
    const path = join(tmp.dir, 'inv.geojson');
    await writeGeoJson(path, polys.map((p, i) => ({ id: i + 1, geometry: p.geometry, properties: { area_m2: p.attributes.area_m2, status: 'predicted' } })), { crs });
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { type: string; crs?: unknown; features: Array<{ id: number; geometry: { type: string; coordinates: number[][][][] }; properties: Record<string, unknown> }> };
    expect(doc.type).toBe('FeatureCollection');
    expect(doc.crs).toBeUndefined();
    expect(doc.features.map((f) => f.id)).toEqual([1, 2, 3]);
    const shoelace = (r: number[][]): number => r.slice(0, -1).reduce((s, p, k) => s + p[0]! * r[k + 1]![1]! - r[k + 1]![0]! * p[1]!, 0);
    for (const f of doc.features) {
      for (const poly of f.geometry.coordinates) {
        expect(shoelace(poly[0]!)).toBeGreaterThan(0);
        for (const hole of poly.slice(1)) expect(shoelace(hole)).toBeLessThan(0);
        for (const ring of poly) for (const [x, y] of ring) {
          expect(x!.toString().split('.')[1]?.length ?? 0).toBeLessThanOrEqual(7);
          expect(y!.toString().split('.')[1]?.length ?? 0).toBeLessThanOrEqual(7);
        }
      }
    }
    const holeFeature = doc.features.find((f) => f.geometry.coordinates[0]!.length === 2)!;
    expect(holeFeature).toBeDefined();
    // Expected coordinates: every source vertex reprojected by GDAL (gdaltransform), same order.
    const src = polys.flatMap((p) => p.geometry.flatMap((part) => part.flatMap((r) => Array.from({ length: r.length / 2 }, (_, k) => `${r[2 * k]} ${r[2 * k + 1]}`))));
    const out = execFileSync('gdaltransform', ['-s_srs', 'EPSG:32647', '-t_srs', 'OGC:CRS84', '-output_xy'], { input: src.join('\n') + '\n', encoding: 'utf8' });
    const expected = out.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
    const ours = doc.features.flatMap((f) => f.geometry.coordinates.flat(2));
    expect(ours.length).toBe(expected.length);
    ours.forEach((p, k) => {
      expect(Math.abs(p[0]! - expected[k]![0]!)).toBeLessThan(1.5e-7);
      expect(Math.abs(p[1]! - expected[k]![1]!)).toBeLessThan(1.5e-7);
    });
    expect(ours[0]![0]).toBeGreaterThan(98);
    expect(ours[0]![0]).toBeLessThan(100);
    const info = ogrLayer(path, 'inv');
    expect(info.featureCount).toBe(3);
    expect(info.geomType).toBe('Multi Polygon');
    expect(info.epsg).toBe(4326);
    expect(info.features.map((f) => f.fid)).toEqual([1, 2, 3]);
    expect(info.features.every((f) => f.valid)).toBe(true);
  });
});
