/**
 * Landslides as the map gets them: RFC 7946 features in WGS 84 longitude/latitude at full double
 * precision (JSON carries a double exactly), and the way back. A vertex the map sends back
 * unchanged is recognised and given its stored project-CRS coordinates again, so an edit never
 * moves a vertex the user did not touch (no round trip through WGS 84).
 */
import type { MapFeature } from '../../../src-shared/api';
import { createTransformer, WGS84 } from '../geo';
import { fromPolygonCoords, toPolygonCoords, type FlatMultiPolygon } from '../vector/geometry';
import type { Project, StoredFeature } from '../store/project';

type Xy = (x: number, y: number) => [number, number];

export interface MapCrs {
  /** project CRS → WGS 84 */
  toMap: Xy;
  /** WGS 84 → project CRS */
  fromMap: Xy;
}

export function mapCrs(p: Project): MapCrs {
  const crs = p.crs();
  const id: Xy = (x, y) => [x, y];
  if (!crs) return { toMap: id, fromMap: id };
  const t = createTransformer(crs, WGS84);
  return t.identity ? { toMap: id, fromMap: id } : { toMap: (x, y) => t.forward(x, y), fromMap: (x, y) => t.inverse(x, y) };
}

export function mapFeature(f: StoredFeature, c: MapCrs): MapFeature {
  return {
    type: 'Feature',
    id: f.fid,
    properties: { ...f.properties, fid: f.fid },
    geometry: { type: 'MultiPolygon', coordinates: f.geometry.map((poly) => toPolygonCoords(poly).map((ring) => ring.map(([x, y]) => c.toMap(x!, y!)))) },
  };
}

/**
 * Coordinates from the map (WGS 84) into the project CRS; every vertex equal to the map position
 * of a vertex of `old` gets that vertex's stored coordinates back exactly.
 */
export function fromMapKeeping(old: FlatMultiPolygon, coords: number[][][][], c: MapCrs): FlatMultiPolygon {
  const known = new Map<string, [number, number]>();
  for (const poly of old)
    for (const ring of poly)
      for (let k = 0; k < ring.length; k += 2) {
        const [lon, lat] = c.toMap(ring[k]!, ring[k + 1]!);
        known.set(`${lon},${lat}`, [ring[k]!, ring[k + 1]!]);
      }
  return coords.map((poly) => fromPolygonCoords(poly.map((ring) => ring.map(([lon, lat]) => known.get(`${lon},${lat}`) ?? c.fromMap(lon!, lat!)))));
}
