/**
 * A field photo's time, position and direction from its EXIF (issue 17). The photos are JPEGs that
 * GDAL writes with known EXIF tags (its JPEG driver writes EXIF_* metadata into an APP1 segment), and
 * GDAL's own EXIF reader is the second witness. Without EXIF, or with a damaged one, a photo still
 * attaches (nothing read, no error). Through the service: the EXIF fills what the request leaves
 * out, recorded with source 'exif'; what the request gives wins ('given').
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readExif } from '../../src-main/core/field/exif';
import { ScarpService } from '../../src-main/core/service/scarp-service';
import { Project } from '../../src-main/core/store/project';
import { crsFromEpsg } from '../../src-main/core/raster';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, gdalinfoJson, hasGdal } from '../helpers/gdal';

const tmp = tempDir('photo-exif');
afterAll(() => tmp.cleanup());

/** A small JPEG of the UAV scene with these EXIF_* metadata items (no .aux.xml left beside it). */
function jpeg(name: string, tags: Record<string, string>): string {
  const out = join(tmp.dir, name);
  gdal('gdal_translate', ['-q', '-of', 'JPEG', '-srcwin', '1000', '800', '64', '48', ...Object.entries(tags).flatMap(([k, v]) => ['-mo', `EXIF_${k}=${v}`]), dataPath('jinsha-uav/siteB_rgb.tif'), out]);
  rmSync(`${out}.aux.xml`, { force: true });
  return out;
}

describe.skipIf(!hasData || !hasGdal)('photo EXIF', () => {
  it('reads time with its offset, position and direction as GDAL writes and reads them', () => {
    const f = jpeg('ne.jpg', {
      DateTimeOriginal: '2026:07:01 10:20:00',
      OffsetTimeOriginal: '+08:00',
      GPSLatitudeRef: 'N',
      GPSLatitude: '(31) (7) (49.44)',
      GPSLongitudeRef: 'E',
      GPSLongitude: '(98) (42) (4.32)',
      GPSImgDirectionRef: 'T',
      GPSImgDirection: '(123.5)',
    });
    // GDAL reads the tags back from the file itself (no sidecar).
    const md = (gdalinfoJson(f) as { metadata: Record<string, Record<string, string>> }).metadata[''] ?? {};
    expect(md.EXIF_GPSLatitude).toBe('(31) (7) (49.44)');
    const e = readExif(readFileSync(f));
    expect(e.time).toBe('2026-07-01T10:20:00+08:00');
    expect(e.lat).toBeCloseTo(31 + 7 / 60 + 49.44 / 3600, 9);
    expect(e.lon).toBeCloseTo(98 + 42 / 60 + 4.32 / 3600, 9);
    expect(e.direction).toBeCloseTo(123.5, 5); // GDAL writes it as a rational of its own choosing
    expect(e.directionRef).toBe('T');
  });

  it('south and west are negative; a time without offset stays local (no zone)', () => {
    const e = readExif(readFileSync(jpeg('sw.jpg', { DateTimeOriginal: '2025:12:31 23:59:58', GPSLatitudeRef: 'S', GPSLatitude: '(12) (30) (0)', GPSLongitudeRef: 'W', GPSLongitude: '(77) (1) (30)' })));
    expect(e).toEqual({ time: '2025-12-31T23:59:58', lat: -12.5, lon: -(77 + 1 / 60 + 30 / 3600) });
  });

  it('no EXIF, half a position, or a damaged block: nothing read, no error', () => {
    const plain = jpeg('plain.jpg', {});
    expect(readExif(readFileSync(plain))).toEqual({});
    // A latitude without its longitude is no position.
    expect(readExif(readFileSync(jpeg('half.jpg', { GPSLatitudeRef: 'N', GPSLatitude: '(31) (0) (0)' })))).toEqual({});
    const good = readFileSync(jpeg('bad.jpg', { DateTimeOriginal: '2026:07:01 10:20:00', GPSLatitudeRef: 'N', GPSLatitude: '(31) (7) (49.44)', GPSLongitudeRef: 'E', GPSLongitude: '(98) (42) (4.32)' }));
    const tiff = good.indexOf('Exif\0\0', 0, 'latin1') + 6;
    // IFD0's offset pointing past the end; then every byte of the block flipped; then the block cut short.
    const far = Buffer.from(good);
    far.fill(0xff, tiff + 4, tiff + 8);
    expect(readExif(far)).toEqual({});
    const flipped = Buffer.from(good);
    for (let i = tiff + 8; i < tiff + 400 && i < flipped.length; i++) flipped[i] = flipped[i]! ^ 0xa5;
    expect(() => readExif(flipped)).not.toThrow();
    expect(readExif(good.subarray(0, tiff + 20))).toEqual({});
    expect(readExif(Buffer.from('not a jpeg'))).toEqual({});
  });

  it('through the service: EXIF fills what the request leaves out (source exif); the request wins', async () => {
    const path = join(tmp.dir, 'p.gpkg');
    const p = Project.create(path);
    p.adoptCrsIfUnset(crsFromEpsg(32647));
    const { added } = p.apply({ label: 'one', kind: 'insert', adds: [{ geometry: [[Float64Array.from([500000, 3400000, 500050, 3400000, 500050, 3400050, 500000, 3400050, 500000, 3400000])]], properties: {} }] });
    const uuid = p.features.get(added[0]!)!.properties.uuid;
    p.close();
    const photo = jpeg('field.jpg', { DateTimeOriginal: '2026:07:01 10:20:00', OffsetTimeOriginal: '+08:00', GPSLatitudeRef: 'N', GPSLatitude: '(31) (7) (49.44)', GPSLongitudeRef: 'E', GPSLongitude: '(98) (42) (4.32)' });
    const s = new ScarpService();
    await s.openProject({ path });
    try {
      const a = (await s.addEvidence({ uuid, photo })).evidence;
      expect(a).toMatchObject({ time: '2026-07-01T10:20:00+08:00', timeSource: 'exif', positionSource: 'exif' });
      expect(a.lat).toBeCloseTo(31.13040, 5);
      expect(a.lon).toBeCloseTo(98.70120, 5);
      const b = (await s.addEvidence({ uuid, photo, lon: 98.7, lat: 31.1, time: '2026-07-02T08:00:00+08:00' })).evidence;
      expect(b).toMatchObject({ lon: 98.7, lat: 31.1, positionSource: 'given', time: '2026-07-02T08:00:00+08:00', timeSource: 'given' });
      // A PNG has no EXIF to read: nothing recorded.
      const png = join(tmp.dir, 'x.png');
      gdal('gdal_translate', ['-q', '-of', 'PNG', '-srcwin', '1000', '800', '32', '32', dataPath('jinsha-uav/siteB_rgb.tif'), png]);
      const c = (await s.addEvidence({ uuid, photo: png })).evidence;
      expect(c).toMatchObject({ time: null, timeSource: null, lon: null, positionSource: null });
    } finally {
      await s.closeProject();
    }
  });
});
