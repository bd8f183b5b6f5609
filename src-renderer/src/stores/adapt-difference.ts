/**
 * The difference an adaptation made to the map: the unreviewed landslides of the scene before the
 * re-detection (kept from the inventory before the call: the run deletes them) against the
 * landslides the new run added (read back by map window and filtered by run id, not the whole
 * project). Plain functions: the adapt store orchestrates, the map draws the collection.
 */
import type { AdaptChanges, MapFeature, VectorLayer } from '@shared/api';
import type { Bounds } from '@shared/geo';
import { UNREVIEWED_STATUS } from '@shared/vocabulary';
import { api } from '../api/client';
import { fmtUnit } from '../format';
import { t } from '../i18n';

type LayerFeature = VectorLayer['geojson']['features'][number];

/** A landslide's outline on the map (WGS 84), what the difference layer is drawn from. */
export interface Outline {
  fid: number;
  scene: string | null;
  areaM2: number;
  geometry: LayerFeature['geometry'];
}

export function outlineOf(f: LayerFeature | MapFeature): Outline {
  const p = f.properties as Record<string, unknown>;
  return { fid: f.id, scene: typeof p.scene === 'string' ? p.scene : null, areaM2: typeof p.area_m2 === 'number' ? p.area_m2 : 0, geometry: f.geometry };
}

/** `reshaped`: a new outline drawn over old ones; `reshaped-before`: the old outlines it replaced. */
export type DifferenceKind = 'added' | 'removed' | 'reshaped' | 'reshaped-before';

/** The difference layer's colours (map and legend). */
export const DIFF_COLOURS: Record<DifferenceKind, string> = { added: '#35d0ff', removed: '#ff5c5c', reshaped: '#ffc14d', 'reshaped-before': '#ffc14d' };

export interface DifferenceFeature {
  type: 'Feature';
  id: number;
  geometry: LayerFeature['geometry'];
  properties: { change: DifferenceKind; fid: number; area_m2: number };
}

export interface Difference {
  added: DifferenceFeature[];
  removed: DifferenceFeature[];
  /** New outlines over old ones, and the old outlines they replaced. */
  reshaped: DifferenceFeature[];
  reshapedBefore: DifferenceFeature[];
  addedAreaM2: number;
  removedAreaM2: number;
  reshapedAreaM2: { before: number; after: number };
  /** New landslides that are an old outline again (not drawn). */
  unchanged: number;
}

/** The unreviewed landslides the map shows now, all scenes (the scene is known only from the result). */
export function unreviewedOutlines(features: readonly LayerFeature[]): Outline[] {
  return features.filter((f) => f.properties.status === UNREVIEWED_STATUS).map(outlineOf);
}

/** A little margin: the WGS 84 envelope of a projected scene is computed from its outline. */
function padded(b: Bounds, fraction = 0.01): Bounds {
  const dx = (b.maxX - b.minX) * fraction;
  const dy = (b.maxY - b.minY) * fraction;
  return { minX: b.minX - dx, minY: b.minY - dy, maxX: b.maxX + dx, maxY: b.maxY + dy };
}

/** The landslides of one run inside a map window (WGS 84), page by page. */
export async function runFeatures(runId: string, boundsWgs84: Bounds): Promise<MapFeature[]> {
  const out: MapFeature[] = [];
  const bbox = padded(boundsWgs84);
  let after = 0;
  for (;;) {
    const page = await api.mapFeatures({ bbox, afterFid: after, limit: 5000 });
    for (const f of page.features) if (f.properties.run === runId) out.push(f);
    if (page.nextAfterFid === null) return out;
    after = page.nextAfterFid;
  }
}

/**
 * New outlines keep their fid as map id, old ones are negated (the two sets stay apart). With the
 * core's classification (`changes`), new outlines over old ones are reshapes and outlines drawn again
 * are left out; without it every new outline counts as added and every old one as removed.
 */
export function differenceOf(removed: readonly Outline[], added: readonly Outline[], changes?: AdaptChanges): Difference {
  const feature = (o: Outline, change: DifferenceKind): DifferenceFeature => ({
    type: 'Feature',
    id: change === 'added' || change === 'reshaped' ? o.fid : -o.fid,
    geometry: o.geometry,
    properties: { change, fid: o.fid, area_m2: o.areaM2 },
  });
  const newKind = new Map<number, DifferenceKind | null>();
  const oldKind = new Map<number, DifferenceKind | null>();
  if (changes) {
    for (const o of added) newKind.set(o.fid, null);
    for (const o of removed) oldKind.set(o.fid, null);
    for (const f of changes.added) newKind.set(f, 'added');
    for (const f of changes.removed) oldKind.set(f, 'removed');
    for (const r of changes.reshaped) {
      newKind.set(r.after, 'reshaped');
      for (const f of r.before) oldKind.set(f, 'reshaped-before');
    }
  }
  const fresh = added.map((o) => [o, changes ? newKind.get(o.fid) : 'added'] as const);
  const old = removed.map((o) => [o, changes ? oldKind.get(o.fid) : 'removed'] as const);
  const pick = (list: ReadonlyArray<readonly [Outline, DifferenceKind | null | undefined]>, kind: DifferenceKind): DifferenceFeature[] =>
    list.filter(([, k]) => k === kind).map(([o]) => feature(o, kind));
  const sum = (fs: DifferenceFeature[]): number => fs.reduce((s, f) => s + f.properties.area_m2, 0);
  const a = pick(fresh, 'added');
  const r = pick(old, 'removed');
  const reshaped = pick(fresh, 'reshaped');
  const reshapedBefore = pick(old, 'reshaped-before');
  return {
    added: a,
    removed: r,
    reshaped,
    reshapedBefore,
    addedAreaM2: sum(a),
    removedAreaM2: sum(r),
    reshapedAreaM2: { before: sum(reshapedBefore), after: sum(reshaped) },
    unchanged: changes?.unchanged ?? 0,
  };
}

/** Where the changes are (WGS 84), a little padded; null when nothing changed. */
export function differenceBounds(d: Difference): Bounds | null {
  let b: Bounds | null = null;
  for (const f of [...d.added, ...d.removed, ...d.reshaped, ...d.reshapedBefore])
    for (const poly of f.geometry.coordinates)
      for (const [x, y] of poly[0] ?? []) {
        if (x === undefined || y === undefined) continue;
        b = b ? { minX: Math.min(b.minX, x), minY: Math.min(b.minY, y), maxX: Math.max(b.maxX, x), maxY: Math.max(b.maxY, y) } : { minX: x, minY: y, maxX: x, maxY: y };
      }
  return b ? padded(b, 0.1) : null;
}

/** An area for people: m² below a hectare, hectares above. */
export function formatArea(m2: number): string {
  return m2 < 10_000 ? fmtUnit(m2, 'm²') : fmtUnit(m2 / 10_000, t('units.ha'), 2);
}
