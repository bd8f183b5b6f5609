/**
 * GeoKeys for a CRS, as GDAL writes them: the EPSG code when there is one; for a user-defined CRS the projection
 * parameters as keys (TM, Mercator, LCC 1SP/2SP, Albers, LAEA, geographic), on EPSG:4326 or a user ellipsoid.
 * Anything else falls back to the WKT in an "ESRI PE String" citation, which openRaster reads but GDAL may not.
 */
import type { CrsInfo } from '../../../src-shared/geo';

export interface GeoKeyTags {
  directory: number[];
  ascii: string | null;
  doubles: number[] | null;
}

const GEO_DOUBLE_PARAMS = 34736;
const GEO_ASCII_PARAMS = 34737;
const USER = 32767;

class KeyBuilder {
  keys: Array<[number, number, number, number]> = [];
  ascii = '';
  doubles: number[] = [];
  short(key: number, v: number): void {
    this.keys.push([key, 0, 1, v]);
  }
  double(key: number, v: number): void {
    this.keys.push([key, GEO_DOUBLE_PARAMS, 1, this.doubles.length]);
    this.doubles.push(v);
  }
  text(key: number, s: string): void {
    const t = `${s.replace(/\|/g, '/')}|`;
    this.keys.push([key, GEO_ASCII_PARAMS, t.length, this.ascii.length]);
    this.ascii += t;
  }
  build(): GeoKeyTags {
    this.keys.sort((a, b) => a[0] - b[0]);
    return {
      directory: [1, 1, 0, this.keys.length, ...this.keys.flat()],
      ascii: this.ascii.length ? this.ascii : null,
      doubles: this.doubles.length ? this.doubles : null,
    };
  }
}

function parseProj4(def: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const tok of def.split(/\s+/)) {
    const r = /^\+([\w]+)(?:=(.*))?$/.exec(tok);
    if (r) m.set(r[1] as string, r[2] ?? '');
  }
  return m;
}

const ELLPS: Record<string, [number, number]> = {
  WGS84: [6378137, 298.257223563],
  GRS80: [6378137, 298.257222101],
  WGS72: [6378135, 298.26],
  intl: [6378388, 297],
  clrk66: [6378206.4, 294.978698213898],
  bessel: [6377397.155, 299.1528128],
  krass: [6378245, 298.3],
};

/** Geographic part: true when it could be encoded. */
function geog(k: KeyBuilder, p: Map<string, string>): boolean {
  if (p.get('datum') === 'WGS84' || (p.get('ellps') === 'WGS84' && !p.has('towgs84'))) {
    k.short(2048, 4326);
    return true;
  }
  let a: number | undefined;
  let rf: number | undefined;
  const e = p.get('ellps');
  if (e && ELLPS[e]) [a, rf] = ELLPS[e] as [number, number];
  else if (p.has('a') && (p.has('rf') || p.has('b'))) {
    a = Number(p.get('a'));
    rf = p.has('rf') ? Number(p.get('rf')) : a / (a - Number(p.get('b')));
  }
  if (a === undefined || rf === undefined || !Number.isFinite(a) || !Number.isFinite(rf)) return false;
  k.short(2048, USER);
  k.text(2049, 'unknown');
  k.short(2050, USER);
  k.short(2051, 8901);
  k.short(2054, 9102);
  k.short(2056, USER);
  k.double(2057, a);
  k.double(2059, rf);
  return true;
}

function userDefined(crs: CrsInfo): GeoKeyTags | null {
  const p = parseProj4(crs.proj4);
  const k = new KeyBuilder();
  const n = (key: string, d = 0): number => (p.has(key) ? Number(p.get(key)) : d);
  const proj = p.get('proj');
  k.short(1025, 1);
  k.text(1026, crs.name);
  if (proj === 'longlat' || proj === 'latlong') {
    k.short(1024, 2);
    return geog(k, p) ? k.build() : null;
  }
  k.short(1024, 1);
  if (!geog(k, p)) return null;
  const toMeter = crs.metresPerUnit ?? 1;
  k.short(3072, USER);
  k.short(3074, USER);
  if (toMeter === 1) k.short(3076, 9001);
  else {
    k.short(3076, USER);
    k.double(3077, toMeter);
  }
  const fe = n('x_0') / toMeter;
  const fn = n('y_0') / toMeter;
  switch (proj) {
    case 'utm': {
      const zone = n('zone');
      const south = p.has('south');
      k.short(3075, 1);
      k.double(3080, zone * 6 - 183);
      k.double(3081, 0);
      k.double(3082, 500000 / toMeter);
      k.double(3083, (south ? 10000000 : 0) / toMeter);
      k.double(3092, 0.9996);
      break;
    }
    case 'tmerc':
      k.short(3075, 1);
      k.double(3080, n('lon_0'));
      k.double(3081, n('lat_0'));
      k.double(3082, fe);
      k.double(3083, fn);
      k.double(3092, n('k', n('k_0', 1)));
      break;
    case 'merc':
      k.short(3075, 7);
      k.double(3080, n('lon_0'));
      if (p.has('lat_ts')) k.double(3078, n('lat_ts'));
      else k.double(3092, n('k', n('k_0', 1)));
      k.double(3082, fe);
      k.double(3083, fn);
      break;
    case 'lcc':
      if (p.has('lat_2') && n('lat_2') !== n('lat_1')) {
        k.short(3075, 8);
        k.double(3078, n('lat_1'));
        k.double(3079, n('lat_2'));
        k.double(3084, n('lon_0'));
        k.double(3085, n('lat_0'));
        k.double(3086, fe);
        k.double(3087, fn);
      } else {
        k.short(3075, 9);
        k.double(3080, n('lon_0'));
        k.double(3081, n('lat_0', n('lat_1')));
        k.double(3092, n('k_0', n('k', 1)));
        k.double(3082, fe);
        k.double(3083, fn);
      }
      break;
    case 'aea':
      k.short(3075, 11);
      k.double(3078, n('lat_1'));
      k.double(3079, n('lat_2'));
      k.double(3081, n('lat_0'));
      k.double(3080, n('lon_0'));
      k.double(3082, fe);
      k.double(3083, fn);
      break;
    case 'laea':
      k.short(3075, 10);
      k.double(3089, n('lat_0'));
      k.double(3088, n('lon_0'));
      k.double(3082, fe);
      k.double(3083, fn);
      break;
    default:
      return null;
  }
  return k.build();
}

export function geoKeysForCrs(crs: CrsInfo): GeoKeyTags {
  if (crs.epsg !== null) {
    const k = new KeyBuilder();
    k.short(1024, crs.isGeographic ? 2 : 1);
    k.short(1025, 1);
    k.text(1026, crs.name);
    k.short(crs.isGeographic ? 2048 : 3072, crs.epsg);
    return k.build();
  }
  const u = userDefined(crs);
  if (u) return u;
  const k = new KeyBuilder();
  k.short(1024, crs.isGeographic ? 2 : 1);
  k.short(1025, 1);
  k.text(1026, `ESRI PE String = ${crs.wkt}`);
  k.short(crs.isGeographic ? 2048 : 3072, USER);
  return k.build();
}
