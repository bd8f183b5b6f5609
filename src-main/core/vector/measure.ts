/**
 * Area (m²) and perimeter (m) of map geometry.
 * - Projected CRSs: planar area/length in the CRS times its unit (grid measures, as QGIS/GDAL report
 *   them for projected layers without ellipsoidal settings).
 * - Geographic CRSs: vertices are mapped to the ellipsoidal sinusoidal (equal-area) projection around
 *   the ring, using metres per degree at each latitude (raster/crs.metresPerDegree); exact area for
 *   polygon-sized extents, perimeter from per-segment metres per degree at mid-latitude.
 */
import type { CrsInfo } from '../../../src-shared/geo';
import { ellipsoidOf, metresPerDegree, type Ellipsoid } from '../geo';
import { ringLength, ringSignedArea2, type FlatMultiPolygon, type FlatRing } from './geometry';

function geoRingArea(r: FlatRing, ell: Ellipsoid): number {
  const lon0 = r[0] as number;
  const lat0 = r[1] as number;
  let s = 0;
  let px = 0;
  let py = 0;
  const n = r.length >> 1;
  for (let k = 0; k < n; k++) {
    const lon = r[2 * k] as number;
    const lat = r[2 * k + 1] as number;
    const x = (lon - lon0) * metresPerDegree(lat, ell).x;
    const y = (lat - lat0) * metresPerDegree((lat + lat0) / 2, ell).y;
    if (k > 0) s += px * y - x * py;
    px = x;
    py = y;
  }
  return Math.abs(s) / 2;
}

function geoRingLength(r: FlatRing, ell: Ellipsoid): number {
  let s = 0;
  for (let k = 0; k + 3 < r.length; k += 2) {
    const m = metresPerDegree(((r[k + 1] as number) + (r[k + 3] as number)) / 2, ell);
    s += Math.hypot(((r[k + 2] as number) - (r[k] as number)) * m.x, ((r[k + 3] as number) - (r[k + 1] as number)) * m.y);
  }
  return s;
}

/** Area in m² (shells minus holes). */
export function areaM2(mp: FlatMultiPolygon, crs: CrsInfo): number {
  let a = 0;
  if (crs.isGeographic) {
    const ell = ellipsoidOf(crs);
    for (const p of mp) p.forEach((r, i) => (a += (i === 0 ? 1 : -1) * geoRingArea(r, ell)));
    return a;
  }
  const u = crs.metresPerUnit ?? 1;
  for (const p of mp) p.forEach((r, i) => (a += ((i === 0 ? 1 : -1) * Math.abs(ringSignedArea2(r))) / 2));
  return a * u * u;
}

/** Perimeter in m: total length of all rings (shells and holes). */
export function perimeterM(mp: FlatMultiPolygon, crs: CrsInfo): number {
  let s = 0;
  if (crs.isGeographic) {
    const ell = ellipsoidOf(crs);
    for (const p of mp) for (const r of p) s += geoRingLength(r, ell);
    return s;
  }
  for (const p of mp) for (const r of p) s += ringLength(r);
  return s * (crs.metresPerUnit ?? 1);
}

/** Metres per CRS unit around a point (for tolerances): geographic → the mean of the x/y degree lengths. */
export function metresPerUnitAt(crs: CrsInfo, lat: number): number {
  if (!crs.isGeographic) return crs.metresPerUnit ?? 1;
  const m = metresPerDegree(Math.max(-89.9, Math.min(89.9, lat)), ellipsoidOf(crs));
  return Math.sqrt(m.x * m.y);
}
