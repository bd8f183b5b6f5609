/**
 * One inventory from the inventories of overlapping scenes: a landslide in the overlap of two
 * scenes appears once.
 *
 * Polygons of different scenes that overlap (by area) form a group. Each scene's part of a group is
 * judged by how well the scene covers it: the distance from the part's bounding box to the nearest
 * edge of the scene's footprint (a model sees a landslide whole, with context, far from the edge).
 * The best-covered scene owns the group: when its part stays clear of its edge it is taken as it
 * is (the other scenes' copies and pieces are dropped); when every scene cuts the landslide at its
 * edge, the parts are merged across the scene edges into one polygon, its attributes from the
 * best-covered part and its area and perimeter measured again.
 */
import type { Bounds, CrsInfo } from '../../../../src-shared/geo';
import { overlapArea, unionAll } from '../../edit/polygon-ops';
import { areaM2, multiPolygonBounds, perimeterM, type InventoryPolygon } from '../../vector';

export type MosaicPolygon = Pick<InventoryPolygon, 'geometry' | 'attributes'>;

export interface MosaicScene {
  id: string;
  /** The scene's footprint in the mosaic's CRS. */
  footprint: Bounds;
  /** A part closer than this to the footprint's edge (map units) is cut by the edge. */
  edgeTolerance: number;
  polygons: MosaicPolygon[];
}

export interface MosaicResult {
  polygons: Array<MosaicPolygon & { scene: string }>;
  /** Groups of overlapping polygons from two or more scenes, and how they were resolved. */
  overlaps: number;
  mergedAcrossEdges: number;
  dropped: number;
}

interface Item {
  scene: number;
  polygon: MosaicPolygon;
  bbox: Bounds;
  edge: number;
}

const intersects = (a: Bounds, b: Bounds) => a.minX < b.maxX && b.minX < a.maxX && a.minY < b.maxY && b.minY < a.maxY;

function edgeDistance(b: Bounds, f: Bounds): number {
  return Math.min(b.minX - f.minX, f.maxX - b.maxX, b.minY - f.minY, f.maxY - b.maxY);
}

export function mosaicScenes(scenes: readonly MosaicScene[], crs: CrsInfo): MosaicResult {
  const items: Item[] = [];
  scenes.forEach((s, si) => {
    for (const p of s.polygons) {
      const bbox = multiPolygonBounds(p.geometry);
      items.push({ scene: si, polygon: p, bbox, edge: edgeDistance(bbox, s.footprint) });
    }
  });
  // Only polygons inside another scene's footprint can meet that scene's polygons.
  const candidates = items
    .map((it, i) => ({ it, i }))
    .filter(({ it }) => scenes.some((s, si) => si !== it.scene && intersects(it.bbox, s.footprint)))
    .sort((a, b) => a.it.bbox.minX - b.it.bbox.minX);
  const parent = items.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (let a = 0; a < candidates.length; a++) {
    const A = candidates[a]!;
    for (let b = a + 1; b < candidates.length && candidates[b]!.it.bbox.minX < A.it.bbox.maxX; b++) {
      const B = candidates[b]!;
      if (A.it.scene === B.it.scene || !intersects(A.it.bbox, B.it.bbox) || find(A.i) === find(B.i)) continue;
      // Pixel edges that only touch overlap by nothing; a shared pixel is far above this.
      const tiny = 1e-6 * Math.min(A.it.bbox.maxX - A.it.bbox.minX, A.it.bbox.maxY - A.it.bbox.minY) ** 2;
      if (overlapArea(A.it.polygon.geometry, B.it.polygon.geometry) > tiny) parent[find(A.i)] = find(B.i);
    }
  }
  const groups = new Map<number, number[]>();
  items.forEach((_, i) => {
    const r = find(i);
    groups.set(r, [...(groups.get(r) ?? []), i]);
  });

  const out: MosaicResult['polygons'] = [];
  let overlaps = 0;
  let mergedAcrossEdges = 0;
  let dropped = 0;
  for (const members of groups.values()) {
    const sceneIds = new Set(members.map((i) => items[i]!.scene));
    if (sceneIds.size === 1) {
      for (const i of members) out.push({ ...items[i]!.polygon, scene: scenes[items[i]!.scene]!.id });
      continue;
    }
    overlaps++;
    let owner = -1;
    let best = -Infinity;
    for (const si of sceneIds) {
      const cover = Math.min(...members.filter((i) => items[i]!.scene === si).map((i) => items[i]!.edge));
      if (cover > best) [owner, best] = [si, cover];
    }
    const own = members.filter((i) => items[i]!.scene === owner);
    if (best > scenes[owner]!.edgeTolerance) {
      for (const i of own) out.push({ ...items[i]!.polygon, scene: scenes[owner]!.id });
      dropped += members.length - own.length;
      continue;
    }
    // Cut in every scene: one polygon across the edges, attributes from the owner's largest part.
    const geometry = unionAll(members.map((i) => items[i]!.polygon.geometry));
    const main = own.map((i) => items[i]!.polygon).reduce((a, b) => (b.attributes.area_m2 > a.attributes.area_m2 ? b : a));
    out.push({ geometry, attributes: { ...main.attributes, area_m2: areaM2(geometry, crs), perimeter_m: perimeterM(geometry, crs) }, scene: scenes[owner]!.id });
    mergedAcrossEdges++;
    dropped += members.length - 1;
  }
  return { polygons: out, overlaps, mergedAcrossEdges, dropped };
}
