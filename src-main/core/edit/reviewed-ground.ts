/**
 * A new run never overrules the operator: its polygons lying mostly (≥ half their area) on ground
 * the operator already decided (landslides confirmed, edited, drawn or rejected) are dropped, so a
 * re-run neither duplicates a confirmed landslide nor brings a rejected one back. Areas are planar
 * in the polygons' CRS (the share is a ratio, so the unit does not matter).
 */
import { multiPolygonArea, multiPolygonBounds, type FlatMultiPolygon } from '../vector/geometry';
import { intersection, unionAll } from './polygon-ops';

export const REVIEWED_GROUND_SHARE = 0.5;

interface Box {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

const meets = (a: Box, b: Box): boolean => a.minX <= b.maxX && a.maxX >= b.minX && a.minY <= b.maxY && a.maxY >= b.minY;

/** Share of `mp`'s area inside the union of `decided` (overlaps between decided polygons counted once). */
export function shareOnReviewedGround(mp: FlatMultiPolygon, decided: ReadonlyArray<{ geometry: FlatMultiPolygon; box: Box }>): number {
  const area = multiPolygonArea(mp);
  if (!(area > 0)) return 0;
  const box = multiPolygonBounds(mp);
  const near = decided.filter((d) => meets(box, d.box)).map((d) => d.geometry);
  if (near.length === 0) return 0;
  const ground = near.length === 1 ? near[0]! : unionAll(near);
  return Math.min(1, multiPolygonArea(intersection(mp, ground)) / area);
}

/** The polygons of `fresh` to keep (indices), given the decided ones. */
export function keepOffReviewedGround<T extends { geometry: FlatMultiPolygon }>(fresh: readonly T[], decided: readonly FlatMultiPolygon[]): T[] {
  if (decided.length === 0) return [...fresh];
  const boxes = decided.map((geometry) => ({ geometry, box: multiPolygonBounds(geometry) }));
  return fresh.filter((f) => shareOnReviewedGround(f.geometry, boxes) < REVIEWED_GROUND_SHARE);
}
