/**
 * A new run never overrules the operator: its polygons lying mostly (≥ half their area) on ground
 * the operator already decided (landslides confirmed, edited, drawn or rejected) do not come back as
 * they are, so a re-run neither duplicates a confirmed landslide nor brings a rejected one back.
 * What such a polygon holds off that ground is kept where it is a real piece of it: at least a
 * quarter of its area, and at least half as wide as it (mean width 2·area/perimeter). So a re-run
 * landslide that spills from a confirmed one onto undecided ground keeps the new ground (dropping it
 * whole lost a large true landslide on site B: F1 0.708 → 0.344 after four confirmations), while
 * the thin rim of a slightly larger outline is let go.
 * Areas are planar in the polygons' CRS (shares are ratios, so the unit does not matter).
 */
import { multiPolygonArea, multiPolygonBounds, polygonArea, ringLength, type FlatMultiPolygon, type FlatPolygon } from '../vector/geometry';
import { difference, intersection, unionAll } from './polygon-ops';

export const REVIEWED_GROUND_SHARE = 0.5;
/** A piece off decided ground is kept when it covers at least this share of its polygon… */
export const REMAINDER_SHARE = 0.25;
/** …and is at least this share of the polygon's mean width (2·area/perimeter). */
export const REMAINDER_WIDTH = 0.5;

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

/**
 * The polygons of `fresh` to keep, given the decided ones: those mostly off decided ground as they
 * are; of the others, their pieces off decided ground that are a real share of them, through
 * `trim` (the feature with the new geometry: its measures follow it). Without `trim` those are dropped.
 */
export function keepOffReviewedGround<T extends { geometry: FlatMultiPolygon }>(
  fresh: readonly T[],
  decided: readonly FlatMultiPolygon[],
  trim?: (feature: T, geometry: FlatMultiPolygon) => T,
): T[] {
  if (decided.length === 0) return [...fresh];
  const boxes = decided.map((geometry) => ({ geometry, box: multiPolygonBounds(geometry) }));
  const out: T[] = [];
  for (const f of fresh) {
    if (shareOnReviewedGround(f.geometry, boxes) < REVIEWED_GROUND_SHARE) {
      out.push(f);
      continue;
    }
    if (!trim) continue;
    const rest = remainderOff(f.geometry, boxes);
    if (rest.length > 0) out.push(trim(f, rest));
  }
  return out;
}

const perimeter = (polygons: readonly FlatPolygon[]): number => polygons.reduce((s, p) => s + p.reduce((t, r) => t + ringLength(r), 0), 0);

/** The real pieces of `mp` off the decided ground (REMAINDER_SHARE of its area, REMAINDER_WIDTH of its width). */
function remainderOff(mp: FlatMultiPolygon, decided: ReadonlyArray<{ geometry: FlatMultiPolygon; box: Box }>): FlatMultiPolygon {
  const box = multiPolygonBounds(mp);
  const near = decided.filter((d) => meets(box, d.box)).map((d) => d.geometry);
  const ground = near.length === 1 ? near[0]! : unionAll(near);
  const area = multiPolygonArea(mp);
  const width = (2 * area) / perimeter(mp);
  return difference(mp, ground).filter((p) => {
    const a = polygonArea(p);
    return a >= REMAINDER_SHARE * area && (2 * a) / perimeter([p]) >= REMAINDER_WIDTH * width;
  });
}
