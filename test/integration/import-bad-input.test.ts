/**
 * Imports compare what they read with what the file declares, on the real Balakot shapefile (3,820
 * polygons) and Jinsha GeoJSON cut and altered: a truncated .shp/.shx/.dbf is refused (never a
 * silent partial import), a missing .dbf is a warning, projected GeoJSON without `crs` needs the
 * CRS given, KML/KMZ are bounded (no entity expansion, no zip bomb).
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInventoryFile } from '../../src-main/core/import/import-inventory';
import { isScarpError, type ScarpErrorCode } from '../../src-shared/errors';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { scarp } from '../helpers/cli';
import { zip, zipOfZeros } from '../fuzz/corpus';

describe.skipIf(!hasData)('import: bad input is refused, never half-read', () => {
  let dir: string;
  let cleanup: () => void;
  const shp = (): string => join(dir, 'l.shp');
  const resetShp = (): void => {
    for (const e of ['shp', 'shx', 'dbf', 'prj', 'cpg']) copyFileSync(dataPath(`balakot/landslides.${e}`), join(dir, `l.${e}`));
  };
  const code = async (p: Promise<unknown>): Promise<{ code: ScarpErrorCode | 'none'; file?: string; message: string }> =>
    p.then(
      () => ({ code: 'none' as const, message: '' }),
      (e: unknown) => (isScarpError(e) ? { code: e.code, file: e.file, message: e.message } : { code: 'INTERNAL' as const, message: String(e) }),
    );

  beforeAll(() => {
    ({ dir, cleanup } = tempDir('import-bad'));
  });
  afterAll(() => cleanup());

  it('reads the whole shapefile when it is intact', async () => {
    resetShp();
    const r = await readInventoryFile(shp());
    expect(r.features).toHaveLength(3820);
    expect(r.warnings).toEqual([]);
  });

  it('refuses a truncated .shp, .shx or .dbf, naming the part', async () => {
    for (const [part, frac] of [['shp', 0.1], ['shp', 0.999], ['shx', 0.5], ['dbf', 0.5]] as const) {
      resetShp();
      const p = join(dir, `l.${part}`);
      truncateSync(p, Math.floor(readFileSync(p).length * frac));
      const e = await code(readInventoryFile(shp()));
      expect(e.code, `${part} ${frac}`).toBe('CORRUPT_FILE');
      expect(e.file).toBe(part === 'shp' ? shp() : p);
    }
  });

  it('imports shapes without a .dbf, with a warning', async () => {
    resetShp();
    rmSync(join(dir, 'l.dbf'));
    const r = await readInventoryFile(shp());
    expect(r.features).toHaveLength(3820);
    expect(r.warnings.join(' ')).toMatch(/no \.dbf/);
  });

  it('needs the CRS of a projected GeoJSON that states none, and takes it when given', async () => {
    const doc = JSON.parse(readFileSync(dataPath('jinsha-uav/siteB_landslides.geojson'), 'utf8')) as Record<string, unknown>;
    delete doc.crs;
    const p = join(dir, 'utm.geojson');
    writeFileSync(p, JSON.stringify(doc));
    const e = await code(readInventoryFile(p));
    expect(e.code).toBe('UNKNOWN_CRS');
    expect(e.message).toMatch(/not longitude\/latitude/);
    const r = await readInventoryFile(p, undefined, { crs: 'EPSG:32647' });
    expect(r.sourceCrs.epsg).toBe(32647);
    expect(r.features.length).toBeGreaterThan(0);
  });

  it('refuses a KMZ that inflates past the limit, a KML with entities, and broken KML', async () => {
    const bomb = join(dir, 'bomb.kmz');
    writeFileSync(bomb, zipOfZeros('doc.kml', 1 << 30));
    expect((await code(readInventoryFile(bomb))).code).toBe('TOO_LARGE');
    const ent = join(dir, 'ent.kml');
    writeFileSync(ent, '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><kml><Document><name>&b;</name></Document></kml>');
    expect((await code(readInventoryFile(ent))).code).toBe('CORRUPT_FILE');
    const broken = join(dir, 'broken.kmz');
    writeFileSync(broken, zip([['doc.kml', Buffer.from('<kml><Document><Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>1,2 3,4')]]).subarray(0, 40));
    expect((await code(readInventoryFile(broken))).code).toBe('CORRUPT_FILE');
  });

  it('a feature with a coordinate off the Earth (a flipped exponent byte) is refused by number, not passed to the polygon tools', async () => {
    // Fuzz case import-1077: this ring made polyclip-ts throw "Unable to complete output ring".
    const flipped = [[500100.82, 3000000.97], [500076.81, 3000065.09], [500017.77, 3000099.31], [499950.21, 499950.21], [499906.36, 3000034.38], [499906.94, 2999966.71], [9.222453153568957e24, 2998890.25], [500017.48, 2999902.19], [500100.82, 3000000.97]];
    const square = [[500000, 3000000], [500100, 3000000], [500100, 3000100], [500000, 3000100], [500000, 3000000]];
    const fc = (rings: number[][][]): string =>
      JSON.stringify({
        type: 'FeatureCollection',
        crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32645' } },
        features: rings.map((r, i) => ({ type: 'Feature', properties: { i }, geometry: { type: 'Polygon', coordinates: [r] } })),
      });
    const bad = join(dir, 'flipped.geojson');
    writeFileSync(bad, fc([square, flipped]));
    const r = await code(readInventoryFile(bad));
    expect(r.code).toBe('CORRUPT_FILE');
    expect(r.file).toBe(bad);
    expect(r.message).toMatch(/^Feature 2 of .*not numbers on the Earth/);
    const good = join(dir, 'square.geojson');
    writeFileSync(good, fc([square]));
    expect((await readInventoryFile(good)).features).toHaveLength(1);
  });

  it('a failed import into a new project leaves no project behind (CLI, --json error complete)', () => {
    resetShp();
    truncateSync(join(dir, 'l.shp'), 100_000);
    const before = readdirSync(dir);
    const r = scarp(['import', '--project', join(dir, 'new.gpkg'), '--file', shp(), '--json']);
    expect(r.status).toBe(1);
    const err = (JSON.parse(r.stdout) as { error: Record<string, string> }).error;
    expect(err.code).toBe('CORRUPT_FILE');
    expect(err.file).toBe(shp());
    expect(err.hint.length).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'new.gpkg'))).toBe(false);
    expect(readdirSync(dir)).toEqual(before);
  });
});
