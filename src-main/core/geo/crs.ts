/** Coordinate reference systems: EPSG lookup, proj4 transformers, bounds, metres per degree, pixel areas. */
import proj4 from 'proj4';
import type { Bounds, CrsInfo, Grid } from '../../../src-shared/geo';
import { lookupEpsg } from './epsg';
import { unknownCrs } from './errors';

const crsCache = new Map<number, CrsInfo>();

/** Linear unit of a PROJ string in metres, or null for angular (longlat) CRSs. */
export function metresPerUnitOfProj4(def: string): number | null {
  if (/\+proj=(longlat|latlong|lonlat|latlon)\b/.test(def)) return null;
  const toMeter = /\+to_meter=([-+0-9.eE]+)/.exec(def);
  if (toMeter) return Number(toMeter[1]);
  const units = /\+units=([\w-]+)/.exec(def)?.[1] ?? 'm';
  const table: Record<string, number> = {
    m: 1, km: 1000, dm: 0.1, cm: 0.01, mm: 0.001, ft: 0.3048, 'us-ft': 1200 / 3937, yd: 0.9144, 'us-yd': 3600 / 3937,
    mi: 1609.344, 'us-mi': 1609.3472186944373, fath: 1.8288, ch: 20.1168, link: 0.201168, 'ind-ft': 0.30479841, 'ind-yd': 0.91439523,
  };
  return table[units] ?? 1;
}

/** proj4js wants traditional GIS (east, north) order; drop any axis swap so geotransforms stay x = easting/longitude. */
function cleanProj4(def: string): string {
  return def.replace(/\s*\+axis=\w+/g, '').replace(/\s*\+type=crs/g, '').trim();
}

/** The CRS with this EPSG code (cached); throws UNKNOWN_CRS when epsg-index does not have it. */
export function crsFromEpsg(code: number, file?: string): CrsInfo {
  const hit = crsCache.get(code);
  if (hit) return hit;
  const e = lookupEpsg(code);
  if (!e) throw unknownCrs(file, `EPSG:${code} is not in the EPSG database shipped with Scarp (epsg-index)`);
  const def = cleanProj4(e.proj4);
  try {
    proj4.Proj(def);
  } catch (err) {
    throw unknownCrs(file, `EPSG:${code} (${e.name}) cannot be used by proj4: ${(err as Error).message}`);
  }
  const isGeographic = /\+proj=(longlat|latlong)\b/.test(def);
  const crs: CrsInfo = { epsg: code, name: e.name, proj4: def, wkt: e.wkt, isGeographic, metresPerUnit: metresPerUnitOfProj4(def) };
  crsCache.set(code, crs);
  return crs;
}

/** A user-defined CRS from a PROJ string (validated by proj4); WKT is given by the caller. */
export function crsFromProj4(def: string, name: string, wkt: string, file?: string): CrsInfo {
  const clean = cleanProj4(def);
  try {
    proj4.Proj(clean);
  } catch (err) {
    throw unknownCrs(file, `proj4 cannot use "${clean}": ${(err as Error).message}`);
  }
  const isGeographic = /\+proj=(longlat|latlong)\b/.test(clean);
  return { epsg: null, name, proj4: clean, wkt, isGeographic, metresPerUnit: metresPerUnitOfProj4(clean) };
}

export const WGS84: CrsInfo = /* lazily valid: epsg-index always has 4326 */ crsFromEpsg(4326);

/** EPSG code of WGS 84 / UTM zone `zone` (1–60), north or south. */
export function utmEpsg(zone: number, north: boolean): number {
  return (north ? 32600 : 32700) + zone;
}

/** WGS 84 / UTM CRS of the zone holding longitude/latitude (lon, lat); null near the poles (|lat| > 84) or off the globe. */
export function utmCrsAt(lon: number, lat: number): CrsInfo | null {
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lat) > 84 || Math.abs(lon) > 180) return null;
  const zone = Math.min(60, Math.floor((lon + 180) / 6) + 1);
  return crsFromEpsg(utmEpsg(zone, lat >= 0));
}

/** Whether two CRSs are the same (same EPSG code, or the same PROJ definition). */
export function sameCrs(a: CrsInfo, b: CrsInfo): boolean {
  if (a.epsg !== null && b.epsg !== null) return a.epsg === b.epsg;
  return a.proj4.replace(/\s+/g, ' ').trim() === b.proj4.replace(/\s+/g, ' ').trim();
}

export interface Transformer {
  readonly identity: boolean;
  forward(x: number, y: number): [number, number];
  inverse(x: number, y: number): [number, number];
  /** Transform coordinate arrays in place (forward direction); non-finite results become NaN. */
  forwardArrays(xs: Float64Array, ys: Float64Array): void;
}

/** A point transformer from `from` to `to` (proj4; identity when the CRSs are the same). */
export function createTransformer(from: CrsInfo, to: CrsInfo): Transformer {
  if (sameCrs(from, to)) {
    return {
      identity: true,
      forward: (x, y) => [x, y],
      inverse: (x, y) => [x, y],
      forwardArrays: () => undefined,
    };
  }
  const conv = proj4(from.proj4, to.proj4);
  const fwd = (x: number, y: number): [number, number] => {
    try {
      const r = conv.forward([x, y]);
      const rx = r[0] ?? NaN;
      const ry = r[1] ?? NaN;
      return Number.isFinite(rx) && Number.isFinite(ry) ? [rx, ry] : [NaN, NaN];
    } catch {
      return [NaN, NaN];
    }
  };
  const inv = (x: number, y: number): [number, number] => {
    try {
      const r = conv.inverse([x, y]);
      const rx = r[0] ?? NaN;
      const ry = r[1] ?? NaN;
      return Number.isFinite(rx) && Number.isFinite(ry) ? [rx, ry] : [NaN, NaN];
    } catch {
      return [NaN, NaN];
    }
  };
  return {
    identity: false,
    forward: fwd,
    inverse: inv,
    forwardArrays(xs, ys) {
      for (let i = 0; i < xs.length; i++) {
        const r = fwd(xs[i] as number, ys[i] as number);
        xs[i] = r[0];
        ys[i] = r[1];
      }
    },
  };
}

/** Transform a bounding box, sampling `densify` points along each edge (so curved edges are enclosed). */
export function transformBounds(b: Bounds, from: CrsInfo, to: CrsInfo, densify = 21): Bounds {
  const t = createTransformer(from, to);
  if (t.identity) return { ...b };
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const add = (x: number, y: number): void => {
    const [px, py] = t.forward(x, y);
    if (!Number.isFinite(px) || !Number.isFinite(py)) return;
    if (px < minX) minX = px;
    if (px > maxX) maxX = px;
    if (py < minY) minY = py;
    if (py > maxY) maxY = py;
  };
  const n = Math.max(2, densify);
  for (let i = 0; i < n; i++) {
    const f = i / (n - 1);
    const x = b.minX + f * (b.maxX - b.minX);
    const y = b.minY + f * (b.maxY - b.minY);
    add(x, b.minY);
    add(x, b.maxY);
    add(b.minX, y);
    add(b.maxX, y);
  }
  if (!Number.isFinite(minX)) return { minX: NaN, minY: NaN, maxX: NaN, maxY: NaN };
  return { minX, minY, maxX, maxY };
}

export interface Ellipsoid {
  a: number;
  /** First eccentricity squared. */
  es: number;
}

export const WGS84_ELLIPSOID: Ellipsoid = { a: 6378137, es: 0.0066943799901413165 };

/** The ellipsoid of a CRS (WGS 84 when proj4 cannot tell). */
export function ellipsoidOf(crs: CrsInfo): Ellipsoid {
  try {
    const p = proj4.Proj(crs.proj4) as unknown as { a?: number; es?: number };
    if (typeof p.a === 'number' && typeof p.es === 'number' && p.a > 0) return { a: p.a, es: p.es };
  } catch {
    /* fall through */
  }
  return WGS84_ELLIPSOID;
}

/**
 * Metres per degree of longitude (x) and latitude (y) at a latitude, on the ellipsoid
 * (meridional and prime-vertical radii of curvature): exact for infinitesimal steps.
 */
export function metresPerDegree(latDeg: number, ell: Ellipsoid = WGS84_ELLIPSOID): { x: number; y: number } {
  const phi = (latDeg * Math.PI) / 180;
  const s = Math.sin(phi);
  const w = 1 - ell.es * s * s;
  const n = ell.a / Math.sqrt(w);
  const m = (ell.a * (1 - ell.es)) / (w * Math.sqrt(w));
  return { x: (n * Math.cos(phi) * Math.PI) / 180, y: (m * Math.PI) / 180 };
}

/** Size of one pixel in metres (x along rows, y along columns), at row `row` (default: the grid's centre) for geographic CRSs. */
export function pixelSizeMetres(g: Grid, row?: number): { x: number; y: number } {
  const [, a, b, , d, e] = g.geoTransform;
  const px = Math.hypot(a, d);
  const py = Math.hypot(b, e);
  if (g.crs.isGeographic) {
    const r = row ?? g.height / 2;
    const oy = g.geoTransform[3];
    const lat = oy + d * (g.width / 2) + e * (r + 0.5);
    const m = metresPerDegree(Math.max(-89.999, Math.min(89.999, lat)), ellipsoidOf(g.crs));
    // For north-up grids a moves along longitude and e along latitude.
    return { x: Math.hypot(a * m.x, d * m.y), y: Math.hypot(b * m.x, e * m.y) };
  }
  const k = g.crs.metresPerUnit ?? 1;
  return { x: px * k, y: py * k };
}

/** Ground sampling distance in metres at the grid centre. */
export function gsdOf(g: Grid): { x: number; y: number } {
  return pixelSizeMetres(g);
}

/** Area of one pixel in m² at row `row` (default: centre); map-projection scale distortion is not applied. */
export function pixelAreaM2(g: Grid, row?: number): number {
  const s = pixelSizeMetres(g, row);
  const [, a, b, , d, e] = g.geoTransform;
  // Account for rotation/shear: area of the parallelogram relative to |a||e| for north-up grids.
  const shear = Math.abs(a * e - b * d) / (Math.hypot(a, d) * Math.hypot(b, e) || 1);
  return s.x * s.y * shear;
}
