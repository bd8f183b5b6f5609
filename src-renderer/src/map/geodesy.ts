/**
 * Geodesic measurement on the WGS 84 ellipsoid (GeographicLib, Karney's algorithms): the length of a
 * path, the area and perimeter of a polygon, the geodesic between two points drawn as a curve, and
 * lengths and areas in the units an operator reads (m / km, m² / ha / km²).
 */
import * as geodesicModule from 'geographiclib-geodesic';
import { fmtNumber } from '../format';
import { t } from '../i18n';

type GeodesicModule = typeof geodesicModule;
// The browser build and Node (unit tests) both see this UMD file as CommonJS: its exports may sit under `default`.
const { Geodesic, PolygonArea } = (geodesicModule as GeodesicModule & { default?: GeodesicModule }).default ?? geodesicModule;
const WGS84 = Geodesic.WGS84;

export type LngLat = [number, number];

/** Length in metres of the geodesic path through the points. */
export function pathLength(points: readonly LngLat[]): number {
  let s = 0;
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1]!;
    const [x1, y1] = points[i]!;
    s += WGS84.Inverse(y0, x0, y1, x1, Geodesic.DISTANCE).s12 ?? 0;
  }
  return s;
}

/** Area (m², always positive) and perimeter (m) of the polygon through the points (closed implicitly). */
export function polygonArea(points: readonly LngLat[]): { area: number; perimeter: number } {
  if (points.length < 3) return { area: 0, perimeter: pathLength(points) * (points.length === 2 ? 2 : 0) };
  const p = new PolygonArea.PolygonArea(WGS84, false);
  for (const [x, y] of points) p.AddPoint(y, x);
  // sign=true: a clockwise ring gives a negative area (sign=false would give the rest of the earth's).
  const r = p.Compute(false, true);
  return { area: Math.abs(r.area ?? 0), perimeter: r.perimeter };
}

/** The geodesic from a to b as points `stepM` apart or closer (a straight line on the map is not the shortest path over long distances). */
export function geodesicLine(a: LngLat, b: LngLat, stepM = 1000): LngLat[] {
  const line = WGS84.InverseLine(a[1], a[0], b[1], b[0]);
  const n = Math.min(256, Math.ceil(line.s13 / stepM));
  if (n <= 1) return [a, b];
  const out: LngLat[] = [a];
  for (let i = 1; i < n; i++) {
    const p = line.Position((line.s13 * i) / n, Geodesic.LATITUDE | Geodesic.LONGITUDE | Geodesic.LONG_UNROLL);
    out.push([p.lon2!, p.lat2!]);
  }
  out.push(b);
  return out;
}

/** A length: "850 m", "12.35 km". */
export function fmtLength(m: number): string {
  return m < 1000 ? `${fmtNumber(m, m < 10 ? 2 : 1)} ${t('units.m')}` : `${fmtNumber(m / 1000, m < 100_000 ? 3 : 1)} ${t('units.km')}`;
}

/** An area: "640 m²", "3.25 ha", "12.4 km²". */
export function fmtArea(m2: number): string {
  if (m2 < 10_000) return `${fmtNumber(m2, 0)} ${t('units.m2')}`;
  if (m2 < 100_000_000) return `${fmtNumber(m2 / 10_000, 2)} ${t('units.ha')}`;
  return `${fmtNumber(m2 / 1_000_000, 2)} ${t('units.km2')}`;
}
