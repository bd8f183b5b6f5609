import { describe, expect, it } from 'vitest';
import { cutUtf8 } from '../../../src-main/core/export/shapefile';
import { SHAPEFILE_FIELDS, SHAPEFILE_PROVENANCE_FIELDS } from '../../../src-main/core/store/landslides-schema';
import { LANDSLIDE_COLUMNS } from '../../../src-main/core/store/landslides-schema';
import { toEsriWkt } from '../../../src-main/core/geo';
import { crsFromEpsg } from '../../../src-main/core/geo';
import { parseCrsChoice, parseStatuses } from '../../../src-main/core/export/inventory';

describe('shapefile alias table', () => {
  it('maps every landslides column to a unique DBF name of at most 10 ASCII characters', () => {
    const all = [...SHAPEFILE_FIELDS, ...SHAPEFILE_PROVENANCE_FIELDS];
    for (const f of all) expect(f.name).toMatch(/^[a-z_][a-z0-9_]{0,9}$/);
    expect(new Set(all.map((f) => f.name)).size).toBe(all.length);
    for (const c of LANDSLIDE_COLUMNS) expect(all.some((f) => f.from === c.name)).toBe(true);
  });
});

describe('cutUtf8', () => {
  it('never splits a character and keeps short text', () => {
    expect(cutUtf8('abc', 254)).toEqual({ text: 'abc', cut: false });
    const s = '滑'.repeat(100); // 300 bytes
    const r = cutUtf8(s, 254);
    expect(r.cut).toBe(true);
    expect(Buffer.byteLength(r.text)).toBe(252);
    expect(r.text).toBe('滑'.repeat(84));
    const n = cutUtf8('पहिरो'.repeat(30), 254);
    expect(Buffer.byteLength(n.text)).toBeLessThanOrEqual(254);
    expect(n.text.includes('\ufffd')).toBe(false);
  });
});

describe('ESRI WKT', () => {
  it('writes ESRI names without AUTHORITY nodes', () => {
    const w = toEsriWkt(crsFromEpsg(32647).wkt);
    expect(w.startsWith('PROJCS["WGS_1984_UTM_Zone_47N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984"')).toBe(true);
    expect(w).not.toMatch(/AUTHORITY|AXIS/);
    expect(w).toContain('PARAMETER["Central_Meridian",99.0]');
    expect(w).toContain('UNIT["Meter",1.0]');
  });
});

describe('options', () => {
  it('parses CRS choices and statuses', () => {
    expect(parseCrsChoice(undefined)).toBe('project');
    expect(parseCrsChoice('WGS84')).toBe('wgs84');
    expect(parseCrsChoice('EPSG:32645')).toBe(32645);
    expect(() => parseCrsChoice('utm')).toThrow(/not understood/);
    expect(parseStatuses('confirmed,edited')).toEqual(['confirmed', 'edited']);
    expect(() => parseStatuses('maybe')).toThrow(/Unknown status/);
  });
});
