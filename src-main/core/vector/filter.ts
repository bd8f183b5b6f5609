/** Small-area removal: keep polygons whose area (m², shells minus holes) is at least a minimum. */
import type { CrsInfo } from '../../../src-shared/geo';
import type { FlatMultiPolygon } from './geometry';
import { areaM2 } from './measure';

/** Whether a polygon reaches the minimum area in m² (a non-positive minimum keeps everything). */
export function meetsMinArea(geometry: FlatMultiPolygon, crs: CrsInfo, minAreaM2: number): boolean {
  if (!(minAreaM2 > 0)) return true;
  return areaM2(geometry, crs) >= minAreaM2;
}

/** Filter a list of items carrying a geometry by minimum area in m². */
export function filterByMinArea<T extends { geometry: FlatMultiPolygon }>(items: Iterable<T>, crs: CrsInfo, minAreaM2: number): T[] {
  const out: T[] = [];
  for (const it of items) if (meetsMinArea(it.geometry, crs, minAreaM2)) out.push(it);
  return out;
}
