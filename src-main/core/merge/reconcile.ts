/**
 * Reconciling two versions of an inventory (issue 17), as a pure function over stored rows: what
 * `into` must take from `from`, and where the two disagree.
 *
 * Three-way (a common state `base` is known): landslides are matched by uuid; for each field a side
 * changed since the base, that side's value wins; a field both sides changed to different values is
 * a conflict, and so is a landslide one side deleted while the other changed it. A landslide only
 * `from` has (not in the base) is new there and is added; one only the base and `from` have (and
 * `from` did not change) was deleted in `into` and stays deleted; one `from` deleted (and `into`
 * did not change) is deleted.
 *
 * Two-way (no common state): every field that differs between the versions of a uuid is a conflict
 * (there is no telling who changed it), nothing is deleted, and what only `from` has is added.
 *
 * In both, the landslides new on each side (not in the base, no counterpart of that uuid on the other
 * side) are also matched by geometry: a pair whose overlap IoU is at least MATCH_IOU is one landslide
 * mapped twice (each taken once, best IoU first); it keeps `into`'s uuid and its differing fields
 * are conflicts (but for created_at: into's stays). Every such match is reported.
 *
 * Conflicts are resolved one by one where the caller chose (`chosen`, by conflictKey), else by a rule: 'into' keeps into's version, 'from' takes from's, 'newest' the
 * version with the later updated_at (ties: into's; a deletion carries no date, so against a change
 * the changed version is kept).
 */
import type { Bounds } from '../../../src-shared/geo';
import type { LandslideRecord } from '../store/landslides-schema';
import { readGpkgHeader, decodeGpkgPolygons } from '../vector/geopackage-geometry';
import type { FlatMultiPolygon } from '../vector/geometry';
import { iou } from '../edit/polygon-ops';

/** A landslide as stored on one side (fid only on the `into` side). */
export interface SideRow {
  fid?: number;
  record: LandslideRecord;
  geom: Buffer;
}

export type MergePrefer = 'into' | 'from' | 'newest';

/** Overlap (intersection over union) from which two new landslides are taken for the same one. */
export const MATCH_IOU = 0.5;

/**
 * Fields reconciled one by one. Area and perimeter are measured again; updated_at is stamped by the
 * edit; mapper follows the geometry (whoever drew the geometry kept is its mapper).
 */
export const MERGE_FIELDS = ['geometry', 'status', 'type', 'notes', 'confidence', 'scene', 'run', 'prob_mean', 'prob_max', 'slope_mean', 'elev_min', 'elev_max', 'aspect_mean', 'dem_coverage', 'created_at', 'source', 'attrs'] as const;
export type MergeField = (typeof MERGE_FIELDS)[number] | 'deleted';
type AttrField = Exclude<(typeof MERGE_FIELDS)[number], 'geometry'>;

export interface RawConflict {
  /** into's uuid (for a geometry match, `fromUuid` is from's). */
  uuid: string;
  fromUuid?: string;
  field: MergeField;
  /** The rows as they are on each side (null: deleted / not there), and in the base. */
  into: SideRow | null;
  from: SideRow | null;
  base: SideRow | null;
  resolved: 'into' | 'from';
}

export interface GeometryMatch {
  into: string;
  from: string;
  iou: number;
}

export interface PlannedChange {
  fid: number;
  uuid: string;
  /** New geometry blob (from's), when from's geometry wins. */
  geom?: Buffer;
  changes: Partial<LandslideRecord>;
  fields: MergeField[];
}

export interface Reconciliation {
  adds: SideRow[];
  /** fids of `into` to delete, with their uuids. */
  deletes: Array<{ fid: number; uuid: string }>;
  updates: PlannedChange[];
  conflicts: RawConflict[];
  matches: GeometryMatch[];
}

/** The key of a conflict chosen one by one (into's uuid and the field). */
export function conflictKey(uuid: string, field: string): string {
  return `${uuid}\u0000${field}`;
}

/** The WKB part of a GeoPackage blob: equal WKB is equal geometry, whatever srs id or envelope the header holds. */
export function wkbOf(geom: Buffer): Buffer {
  return geom.subarray(readGpkgHeader(geom).wkbOffset);
}

function sameGeom(a: Buffer, b: Buffer): boolean {
  return wkbOf(a).equals(wkbOf(b));
}

function sameField(f: (typeof MERGE_FIELDS)[number], a: SideRow, b: SideRow): boolean {
  if (f === 'geometry') return sameGeom(a.geom, b.geom);
  return (a.record[f] ?? null) === (b.record[f] ?? null);
}

function sameRow(a: SideRow, b: SideRow): boolean {
  return MERGE_FIELDS.every((f) => sameField(f, a, b));
}

function newer(a: SideRow, b: SideRow): 'into' | 'from' {
  return (b.record.updated_at ?? '') > (a.record.updated_at ?? '') ? 'from' : 'into';
}

function envelope(geom: Buffer): Bounds | null {
  return readGpkgHeader(geom).envelope;
}

/** Pairs of new landslides that are the same one mapped twice: IoU ≥ MATCH_IOU, each taken once, best first. */
export function matchByGeometry(intoNew: SideRow[], fromNew: SideRow[]): Array<{ into: SideRow; from: SideRow; iou: number }> {
  if (intoNew.length === 0 || fromNew.length === 0) return [];
  const boxes = intoNew.map((r) => envelope(r.geom));
  const decoded = new Map<SideRow, FlatMultiPolygon>();
  const geomOf = (r: SideRow): FlatMultiPolygon => {
    let g = decoded.get(r);
    if (!g) {
      g = decodeGpkgPolygons(r.geom);
      decoded.set(r, g);
    }
    return g;
  };
  // Sort `into`'s boxes by minX so each `from` box scans only those that can overlap it.
  const order = intoNew.map((_, i) => i).filter((i) => boxes[i] !== null).sort((i, j) => boxes[i]!.minX - boxes[j]!.minX);
  const minXs = order.map((i) => boxes[i]!.minX);
  let widest = 0;
  for (const i of order) widest = Math.max(widest, boxes[i]!.maxX - boxes[i]!.minX);
  const candidates: Array<{ i: number; j: number; iou: number }> = [];
  fromNew.forEach((f, j) => {
    const fb = envelope(f.geom);
    if (!fb) return;
    // First into box with minX ≥ fb.minX - widest (binary search), then scan while minX ≤ fb.maxX.
    let lo = 0;
    let hi = minXs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (minXs[mid]! < fb.minX - widest) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < order.length && minXs[k]! <= fb.maxX; k++) {
      const i = order[k]!;
      const b = boxes[i]!;
      if (b.maxX < fb.minX || b.minY > fb.maxY || b.maxY < fb.minY) continue;
      const v = iou(geomOf(intoNew[i]!), geomOf(f));
      if (v >= MATCH_IOU) candidates.push({ i, j, iou: v });
    }
  });
  candidates.sort((a, b) => b.iou - a.iou || a.i - b.i || a.j - b.j);
  const usedI = new Set<number>();
  const usedJ = new Set<number>();
  const out: Array<{ into: SideRow; from: SideRow; iou: number }> = [];
  for (const c of candidates) {
    if (usedI.has(c.i) || usedJ.has(c.j)) continue;
    usedI.add(c.i);
    usedJ.add(c.j);
    out.push({ into: intoNew[c.i]!, from: fromNew[c.j]!, iou: c.iou });
  }
  return out;
}

/**
 * Reconcile `from` into `into` against `base` (null: two-way). Maps are by uuid, `from`'s and the
 * base's already in `into`'s uuids (aliases applied) and in `into`'s CRS.
 */
export function reconcile(into: Map<string, SideRow>, from: Map<string, SideRow>, base: Map<string, SideRow> | null, prefer: MergePrefer, chosen?: ReadonlyMap<string, 'into' | 'from'>): Reconciliation {
  const out: Reconciliation = { adds: [], deletes: [], updates: [], conflicts: [], matches: [] };
  const resolve = (a: SideRow | null, b: SideRow | null, uuid: string, field: MergeField): 'into' | 'from' => {
    const c = chosen?.get(conflictKey(uuid, field));
    if (c) return c;
    if (prefer === 'into' || prefer === 'from') return prefer;
    if (!a) return 'from';
    if (!b) return 'into';
    return newer(a, b);
  };

  /** Field-by-field reconciliation of two versions of one landslide (s: the base's, or null). */
  const pair = (a: SideRow, b: SideRow, s: SideRow | null, fromUuid?: string): void => {
    const uuid = a.record.uuid;
    const change: PlannedChange = { fid: a.fid!, uuid, changes: {}, fields: [] };
    for (const f of MERGE_FIELDS) {
      // Two mappings of one landslide were made at different times: into's date stays.
      if (fromUuid !== undefined && f === 'created_at') continue;
      if (sameField(f, a, b)) continue;
      let take: boolean;
      if (s && sameField(f, a, s)) take = true; // only from changed it
      else if (s && sameField(f, b, s)) take = false; // only into changed it
      else {
        const winner = resolve(a, b, uuid, f);
        out.conflicts.push({ uuid, ...(fromUuid ? { fromUuid } : {}), field: f, into: a, from: b, base: s, resolved: winner });
        take = winner === 'from';
      }
      if (!take) continue;
      change.fields.push(f);
      if (f === 'geometry') {
        change.geom = b.geom;
        change.changes.mapper = b.record.mapper;
      } else {
        (change.changes as Record<AttrField, unknown>)[f] = b.record[f] ?? null;
      }
    }
    if (change.fields.length > 0) out.updates.push(change);
  };

  const intoNew: SideRow[] = [];
  const fromNew: SideRow[] = [];
  for (const [uuid, a] of into) {
    const b = from.get(uuid);
    const s = base?.get(uuid) ?? null;
    if (b) pair(a, b, s);
    else if (s) {
      // from deleted it: follow unless into changed it since.
      if (sameRow(a, s)) out.deletes.push({ fid: a.fid!, uuid });
      else {
        const winner = resolve(a, null, uuid, 'deleted');
        out.conflicts.push({ uuid, field: 'deleted', into: a, from: null, base: s, resolved: winner });
        if (winner === 'from') out.deletes.push({ fid: a.fid!, uuid });
      }
    } else intoNew.push(a);
  }
  for (const [uuid, b] of from) {
    if (into.has(uuid)) continue;
    const s = base?.get(uuid) ?? null;
    if (!s) {
      fromNew.push(b);
      continue;
    }
    // into deleted it: it stays deleted unless from changed it since.
    if (sameRow(b, s)) continue;
    const winner = resolve(null, b, uuid, 'deleted');
    out.conflicts.push({ uuid, field: 'deleted', into: null, from: b, base: s, resolved: winner });
    if (winner === 'from') out.adds.push(b);
  }
  const matched = matchByGeometry(intoNew, fromNew);
  const matchedFrom = new Set<SideRow>();
  for (const m of matched) {
    matchedFrom.add(m.from);
    out.matches.push({ into: m.into.record.uuid, from: m.from.record.uuid, iou: m.iou });
    pair(m.into, m.from, null, m.from.record.uuid);
  }
  for (const b of fromNew) if (!matchedFrom.has(b)) out.adds.push(b);
  return out;
}

/** Field evidence as a merge sees it: its uuid and the landslide it belongs to. */
export interface EvidenceKey {
  uuid: string;
  landslideUuid: string;
}

/**
 * Field evidence is added and removed, never changed, so reconciling it is by uuid alone: what only
 * `from` has is added, unless the common state had it (then `into` removed it, and it stays
 * removed); what only `into` has is removed when the common state had it (`from` removed it).
 * Without a recorded common state (`base` null) nothing is removed.
 */
export function reconcileEvidence<T extends EvidenceKey>(into: ReadonlySet<string>, from: readonly T[], base: ReadonlySet<string> | null): { adds: T[]; removes: string[] } {
  const fromIds = new Set(from.map((e) => e.uuid));
  const adds = from.filter((e) => !into.has(e.uuid) && !(base?.has(e.uuid) ?? false));
  const removes = base ? [...into].filter((u) => !fromIds.has(u) && base.has(u)) : [];
  return { adds, removes };
}
