/**
 * What a re-detection changed among a scene's unreviewed landslides: each new landslide is compared
 * with the ones it replaced. A new landslide overlapping none of the old ones was *added*; an old one
 * overlapping none of the new ones was *removed*; a new one overlapping old ones was *reshaped* from
 * them, unless it is the same outline (IoU ≥ SAME_IOU with a single old one: *unchanged*). An old
 * landslide overlapped by several new ones (a split) belongs to each of their reshapes.
 */
import type { AdaptChanges } from '../../../src-shared/api';
import type { Bounds } from '../../../src-shared/geo';
import { intersection, iou } from '../edit/polygon-ops';
import { multiPolygonArea, multiPolygonBounds, type FlatMultiPolygon } from '../vector/geometry';

/** Above this IoU two outlines are the same landslide drawn again (vertex noise of polygonisation). */
export const SAME_IOU = 0.98;

export interface Outline {
  fid: number;
  geometry: FlatMultiPolygon;
  /** m² (the stored attribute); else the geometry's area in map units. */
  areaM2?: number;
}

const overlaps = (a: Bounds, b: Bounds): boolean => a.minX < b.maxX && b.minX < a.maxX && a.minY < b.maxY && b.minY < a.maxY;

export function classifyChanges(before: readonly Outline[], after: readonly Outline[]): AdaptChanges {
  const area = (o: Outline): number => o.areaM2 ?? multiPolygonArea(o.geometry);
  const oldBoxes = before.map((o) => multiPolygonBounds(o.geometry));
  const touched = new Set<number>();
  const out: AdaptChanges = { added: [], removed: [], reshaped: [], unchanged: 0, areaM2: { added: 0, removed: 0, reshapedBefore: 0, reshapedAfter: 0 } };
  for (const n of after) {
    const box = multiPolygonBounds(n.geometry);
    const from: number[] = [];
    for (let i = 0; i < before.length; i++) {
      if (!overlaps(box, oldBoxes[i]!)) continue;
      if (multiPolygonArea(intersection(n.geometry, before[i]!.geometry)) > 0) from.push(i);
    }
    from.forEach((i) => touched.add(i));
    if (from.length === 0) {
      out.added.push(n.fid);
      out.areaM2.added += area(n);
    } else if (from.length === 1 && iou(n.geometry, before[from[0]!]!.geometry) >= SAME_IOU) {
      out.unchanged++;
    } else {
      out.reshaped.push({ after: n.fid, before: from.map((i) => before[i]!.fid) });
      out.areaM2.reshapedAfter += area(n);
    }
  }
  const reshapedFrom = new Set(out.reshaped.flatMap((r) => r.before));
  for (let i = 0; i < before.length; i++) {
    const o = before[i]!;
    if (!touched.has(i)) {
      out.removed.push(o.fid);
      out.areaM2.removed += area(o);
    } else if (reshapedFrom.has(o.fid)) out.areaM2.reshapedBefore += area(o);
  }
  return out;
}
