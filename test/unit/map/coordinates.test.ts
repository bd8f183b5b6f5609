/**
 * Go to (issue 16): the coordinate notations an operator types — decimal degrees, DMS, UTM, MGRS —
 * land on the same place as GDAL/PROJ puts them (gdaltransform), and text that is none of them is a
 * BAD_COORDINATES error that names what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { crsLabel, parseCoordinates, toDms, toMgrs, toProjectCrs, toUtm } from '../../../src-renderer/src/map/coordinates';
import { crsFromEpsg } from '../../../src-main/core/geo';
import { ScarpError } from '../../../src-shared/errors';
import { execFileSync } from 'node:child_process';
import { hasGdal } from '../../helpers/gdal';

/** Metres between two nearby points (equirectangular: plenty for "within a few metres"). */
function metres(a: { lng: number; lat: number }, b: { lng: number; lat: number }): number {
  const k = Math.PI / 180;
  const x = (b.lng - a.lng) * k * Math.cos(((a.lat + b.lat) / 2) * k);
  const y = (b.lat - a.lat) * k;
  return 6_371_000 * Math.hypot(x, y);
}

/** PROJ (through gdaltransform): lon/lat → easting, northing in EPSG:`epsg`. */
function utmByGdal(points: Array<[number, number]>, epsg: number): Array<[number, number]> {
  const out = execFileSync('gdaltransform', ['-output_xy', '-s_srs', '+proj=longlat +datum=WGS84', '-t_srs', `EPSG:${epsg}`], { input: points.map((p) => `${p[0]} ${p[1]}`).join('\n'), encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
}

describe('parseCoordinates', () => {
  it('reads decimal degrees, latitude first, with commas, signs or hemisphere letters in any order', () => {
    const want = { lat: 31.52, lng: 103.47 };
    for (const s of ['31.52, 103.47', '31.52 103.47', '31.52,103.47', '31,52 103,47', '31.52N 103.47E', 'N31.52 E103.47', '103.47E 31.52N', '31.52; 103.47']) {
      const p = parseCoordinates(s);
      expect(p.kind, s).toBe('decimal');
      expect(p.lat, s).toBeCloseTo(want.lat, 9);
      expect(p.lng, s).toBeCloseTo(want.lng, 9);
    }
    const sw = parseCoordinates('-33.45, -70.66');
    expect([sw.lat, sw.lng]).toEqual([-33.45, -70.66]);
    const o = parseCoordinates('33.45 S 70.66 O');
    expect([o.lat, o.lng]).toEqual([-33.45, -70.66]);
  });

  it('reads degrees, minutes and seconds with symbols or spaces', () => {
    const lat = 31 + 31 / 60 + 12.5 / 3600;
    const lng = 103 + 28 / 60 + 12 / 3600;
    for (const s of [`31°31'12.5"N 103°28'12"E`, '31°31′12.5″N, 103°28′12″E', '31 31 12.5 N 103 28 12 E', `N 31°31'12.5" E 103°28'12"`, `103°28'12"E 31°31'12.5"N`]) {
      const p = parseCoordinates(s);
      expect(p.kind, s).toBe('dms');
      expect(p.lat, s).toBeCloseTo(lat, 9);
      expect(p.lng, s).toBeCloseTo(lng, 9);
    }
    const s = parseCoordinates(`33°27'S 70°39'W`);
    expect(s.lat).toBeCloseTo(-33.45, 9);
    expect(s.lng).toBeCloseTo(-70.65, 9);
  });

  it.skipIf(!hasGdal)('reads UTM as PROJ writes it (zone with hemisphere or latitude band)', () => {
    const places: Array<[number, number]> = [
      [103.47, 31.52], // Wenchuan, zone 48N
      [85.32, 27.7], // Kathmandu, 45N
      [-70.66, -33.45], // Santiago, 19S
      [73.05, 33.7], // Islamabad, 43N
    ];
    for (const [lng, lat] of places) {
      const zone = Math.floor((lng + 180) / 6) + 1;
      const south = lat < 0;
      const [[e, n]] = utmByGdal([[lng, lat]], (south ? 32700 : 32600) + zone) as [[number, number]];
      for (const s of [`${zone}${south ? 'S' : 'N'} ${e.toFixed(2)} ${n.toFixed(2)}`, `UTM ${zone} ${south ? 's' : 'n'} ${e.toFixed(2)}mE ${n.toFixed(2)}mN`]) {
        const p = parseCoordinates(s);
        expect(p.kind, s).toBe('utm');
        expect(metres(p, { lng, lat }), s).toBeLessThan(0.01);
      }
      // Our UTM text reads back to the same place (rounded to the metre).
      expect(metres(parseCoordinates(toUtm(lng, lat)), { lng, lat })).toBeLessThan(1);
    }
    // Latitude band H is southern (Santiago), band R northern.
    const [[e, n]] = utmByGdal([[-70.66, -33.45]], 32719) as [[number, number]];
    expect(metres(parseCoordinates(`19H ${e} ${n}`), { lng: -70.66, lat: -33.45 })).toBeLessThan(0.01);
  });

  it.skipIf(!hasGdal)('reads MGRS: its grid digits are PROJ’s UTM metres within the 100 km square', () => {
    // Spaces or none, upper or lower case: the same square.
    expect(metres(parseCoordinates('18SUJ2339007393'), parseCoordinates('18s uj 23390 07393'))).toBeLessThan(0.001);
    // Places of our events: the reference we write has PROJ's easting and northing (mod 100 km), and reads back to the place.
    const places: Array<[number, number]> = [
      [103.47, 31.52],
      [85.32, 27.7],
      [-70.66, -33.45],
      [139.69, 35.69],
      [-75.57, 6.24],
      [-77.036547, 38.897676],
    ];
    for (const [lng, lat] of places) {
      const zone = Math.floor((lng + 180) / 6) + 1;
      const [[e, n]] = utmByGdal([[lng, lat]], (lat < 0 ? 32700 : 32600) + zone) as [[number, number]];
      const ref = toMgrs(lng, lat)!;
      const m = /^(\d+)([A-Z]) ([A-Z]{2}) (\d{5}) (\d{5})$/.exec(ref)!;
      expect(m, ref).not.toBeNull();
      expect(Number(m[1])).toBe(zone);
      expect(Number(m[4])).toBe(Math.floor(e) % 100_000);
      expect(Number(m[5])).toBe(Math.floor(n) % 100_000);
      const back = parseCoordinates(ref);
      expect(metres(back, { lng, lat }), ref).toBeLessThan(1.5);
      // A 1 km reference names its square: its centre is within the square's half-diagonal.
      const km = parseCoordinates(toMgrs(lng, lat, 2)!);
      expect(metres(km, { lng, lat })).toBeLessThan(710);
      expect(km.cell).toHaveLength(4);
    }
  });

  it('refuses what is not a coordinate with BAD_COORDINATES saying why, and moves nothing', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /empty/],
      ['hello', /not an angle|two values/],
      ['95, 103', /latitude 95 is outside/],
      ['31.5, 200', /longitude 200 is outside/],
      ['31 75 00 N 103 28 12 E', /minutes and seconds/],
      ['47N 50000 3487000', /easting 50000/],
      ['61N 500000 3487000', /zone 61/],
      ['18SUJ233830845', /as many easting as northing digits/],
      ['31.5E 103.2E', /one latitude \(N\/S\) and one longitude/],
      ['18SUJ 23383 08450 12', /./],
    ];
    for (const [s, why] of cases) {
      let err: unknown = null;
      try {
        parseCoordinates(s);
      } catch (e) {
        err = e;
      }
      expect(err, s).toBeInstanceOf(ScarpError);
      expect((err as ScarpError).code, s).toBe('BAD_COORDINATES');
      expect((err as ScarpError).message, s).toMatch(why);
      expect((err as ScarpError).params?.text, s).toBe(s);
    }
  });
});

describe('writing coordinates', () => {
  it('DMS rounds up through 60 seconds and minutes', () => {
    expect(toDms(103.5, 31.999999999)).toBe('32°00′00.0″N 103°30′00.0″E');
    expect(toDms(-70.65, -33.45)).toBe('33°27′00.0″S 70°39′00.0″W');
  });
  it('MGRS is grouped as printed maps write it, and absent in the polar (UPS) caps', () => {
    expect(toMgrs(-77.036547, 38.897676)).toMatch(/^18S UJ \d{5} \d{5}$/);
    expect(toMgrs(-77.036547, 38.897676, 2)).toMatch(/^18S UJ \d{2} \d{2}$/);
    expect(toMgrs(0, 85)).toBeNull();
  });
  it.skipIf(!hasGdal)('the project CRS (as the core defines it) agrees with PROJ to the centimetre', () => {
    const pts: Array<[number, number]> = [
      [103.47, 31.52],
      [85.324, 27.7172],
      [-70.66, -33.45],
    ];
    // UTM 47N, Nepal 1981 (geographic, Everest 1830 with a datum shift), SIRGAS-Chile 2002 / UTM 18S, web Mercator.
    for (const epsg of [32647, 6207, 5362, 3857]) {
      const crs = crsFromEpsg(epsg);
      const want = utmByGdal(pts, epsg);
      // A centimetre, or its angle (1e-7 degrees) in a geographic CRS.
      const tol = crs.isGeographic ? 1e-7 : 0.01;
      pts.forEach(([lng, lat], i) => {
        const got = toProjectCrs(lng, lat, crs)!.split(' ').map(Number);
        expect(Math.abs(got[0]! - want[i]![0]), `EPSG:${epsg} ${lng},${lat}`).toBeLessThan(tol);
        expect(Math.abs(got[1]! - want[i]![1]), `EPSG:${epsg} ${lng},${lat}`).toBeLessThan(tol);
      });
      expect(crsLabel(crs)).toBe(`EPSG:${epsg}`);
    }
    expect(toProjectCrs(103.47, 31.52, crsFromEpsg(4326))).toBe('103.4700000 31.5200000');
  });
});
