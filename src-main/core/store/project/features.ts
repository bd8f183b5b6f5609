/**
 * The inventory in a project: reading features by map window (R-tree) page by page, and turning
 * inventory changes into journal ops (inserts, attribute updates, deletes, replacing a scene's
 * predicted features by a new run's).
 */
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { Bounds } from '../../../../src-shared/geo';
import type { ReviewQueue } from '../../../../src-shared/api';
import { countedTotal, REVIEWED_STATUSES, UNREVIEWED_STATUS, type LandslideStatus, type ReviewOrder } from '../../../../src-shared/vocabulary';
import { ScarpError } from '../../../../src-shared/errors';
import type { FlatMultiPolygon } from '../../vector/geometry';
import { decodeGpkgPolygons, encodeGpkgMultiPolygon } from '../../vector/geopackage-geometry';
import { q, rtreeName } from '../geopackage-schema';
import { completeRecord, type LandslideFeature } from '../geopackage-writer';
import { LANDSLIDE_COLUMNS, LANDSLIDES_GEOMETRY_COLUMN, LANDSLIDES_TABLE, type LandslideRecord } from '../landslides-schema';
import type { FeatureAttrs, FeatureOp } from './journal';

type Db = Database.Database;

export interface StoredFeature {
  fid: number;
  properties: LandslideRecord;
  geometry: FlatMultiPolygon;
}

export interface FeatureQuery {
  bbox?: Bounds;
  scene?: string;
  status?: readonly LandslideStatus[];
  /** Page: features with fid > afterFid, in fid order. */
  afterFid?: number;
  limit?: number;
}

const RTREE = q(rtreeName(LANDSLIDES_TABLE, LANDSLIDES_GEOMETRY_COLUMN));
const T = q(LANDSLIDES_TABLE);

type Row = Record<string, unknown> & { fid: number };

function toRecord(r: Row): LandslideRecord {
  const rec = {} as Record<string, unknown>;
  for (const c of LANDSLIDE_COLUMNS) rec[c.name] = r[c.name] ?? null;
  return rec as unknown as LandslideRecord;
}

export function encodeGeometry(mp: FlatMultiPolygon, srsId: number): Buffer {
  return encodeGpkgMultiPolygon(mp, srsId);
}

/** Attributes as stored (the full record, every column) for a journal insert op. */
function recordAttrs(rec: LandslideRecord): FeatureAttrs {
  return { ...rec };
}

export class FeatureStore {
  constructor(private readonly db: Db) {}

  /** One page of features, optionally inside a map window (R-tree), in fid order. */
  list(query: FeatureQuery): { features: StoredFeature[]; nextAfterFid: number | null } {
    const limit = Math.max(1, Math.min(10_000, query.limit ?? 500));
    const where: string[] = ['l.fid > ?'];
    const args: unknown[] = [query.afterFid ?? 0];
    let from = `${T} l`;
    if (query.bbox) {
      from = `${RTREE} r JOIN ${T} l ON l.fid = r.id`;
      where.push('r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?');
      args.push(query.bbox.maxX, query.bbox.minX, query.bbox.maxY, query.bbox.minY);
    }
    if (query.scene !== undefined) {
      where.push('l.scene = ?');
      args.push(query.scene);
    }
    if (query.status && query.status.length > 0) {
      where.push(`l.status IN (${query.status.map(() => '?').join(', ')})`);
      args.push(...query.status);
    }
    const rows = this.db.prepare(`SELECT l.* FROM ${from} WHERE ${where.join(' AND ')} ORDER BY l.fid LIMIT ?`).all(...args, limit + 1) as Row[];
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return {
      features: page.map((r) => ({ fid: r.fid, properties: toRecord(r), geometry: r[LANDSLIDES_GEOMETRY_COLUMN] ? decodeGpkgPolygons(r[LANDSLIDES_GEOMETRY_COLUMN] as Buffer) : [] })),
      nextAfterFid: more ? page[page.length - 1]!.fid : null,
    };
  }

  /** Every feature meeting map bounds (all pages), optionally of some statuses only. */
  allIn(bbox: Bounds, status?: readonly LandslideStatus[]): StoredFeature[] {
    const out: StoredFeature[] = [];
    let after = 0;
    for (;;) {
      const page = this.list({ bbox, status, afterFid: after, limit: 10_000 });
      out.push(...page.features);
      if (page.nextAfterFid === null) return out;
      after = page.nextAfterFid;
    }
  }

  /** Features by fid (missing ones left out), in the order asked. */
  many(fids: Iterable<number>): StoredFeature[] {
    const out: StoredFeature[] = [];
    for (const fid of fids) {
      const f = this.get(fid);
      if (f) out.push(f);
    }
    return out;
  }

  /** What is left to review (unreviewed landslides) in review order, and how many were reviewed. */
  reviewQueue(req: { order: ReviewOrder; scene?: string; limit: number }): ReviewQueue {
    const scene = req.scene !== undefined ? ' AND l.scene = ?' : '';
    const sceneArgs = req.scene !== undefined ? [req.scene] : [];
    const order = req.order === 'probability' ? 'l.prob_mean IS NULL, l.prob_mean DESC, l.area_m2 DESC' : 'l.area_m2 DESC, l.fid';
    const rows = this.db
      .prepare(`SELECT l.fid, l.uuid, l.area_m2, l.prob_mean, r.minx, r.miny, r.maxx, r.maxy FROM ${T} l JOIN ${RTREE} r ON r.id = l.fid WHERE l.status = ?${scene} ORDER BY ${order} LIMIT ?`)
      .all(UNREVIEWED_STATUS, ...sceneArgs, req.limit) as Array<{ fid: number; uuid: string; area_m2: number; prob_mean: number | null; minx: number; miny: number; maxx: number; maxy: number }>;
    const count = (statuses: readonly string[]): number =>
      (this.db.prepare(`SELECT COUNT(*) AS n FROM ${T} l WHERE l.status IN (${statuses.map(() => '?').join(', ')})${scene}`).get(...statuses, ...sceneArgs) as { n: number }).n;
    return {
      items: rows.map((r) => ({ fid: r.fid, uuid: r.uuid, area_m2: r.area_m2, prob_mean: r.prob_mean, bounds: { minX: r.minx, minY: r.miny, maxX: r.maxx, maxY: r.maxy } })),
      remaining: count([UNREVIEWED_STATUS]),
      reviewed: count(REVIEWED_STATUSES),
    };
  }

  /** Feature counts by status. */
  countByStatus(): Partial<Record<LandslideStatus, number>> {
    const out: Partial<Record<LandslideStatus, number>> = {};
    for (const r of this.db.prepare(`SELECT status, COUNT(*) AS n FROM ${T} GROUP BY status`).all() as Array<{ status: LandslideStatus; n: number }>) out[r.status] = r.n;
    return out;
  }

  /** The totals every door shows: the landslides that count (countsInInventory) and the counts by status (rejected included). */
  totals(): { features: number; byStatus: Partial<Record<LandslideStatus, number>> } {
    const byStatus = this.countByStatus();
    return { features: countedTotal(byStatus), byStatus };
  }

  count(scene?: string): number {
    const r = (scene === undefined ? this.db.prepare(`SELECT COUNT(*) AS n FROM ${T}`).get() : this.db.prepare(`SELECT COUNT(*) AS n FROM ${T} WHERE scene = ?`).get(scene)) as { n: number };
    return r.n;
  }

  /** uuid → fid of those of these uuids that are in the project. */
  fidsByUuid(uuids: readonly string[]): Map<string, number> {
    const found = new Map<string, number>();
    const CHUNK = 500;
    for (let i = 0; i < uuids.length; i += CHUNK) {
      const part = uuids.slice(i, i + CHUNK);
      const rows = this.db.prepare(`SELECT fid, uuid FROM ${T} WHERE uuid IN (${part.map(() => '?').join(', ')})`).all(...part) as Array<{ fid: number; uuid: string }>;
      for (const r of rows) found.set(r.uuid, r.fid);
    }
    return found;
  }

  /** The fids of these uuids, in the order given; INVALID_ARGUMENT naming the uuids not in the project. */
  fidsOfUuids(uuids: readonly string[]): number[] {
    const found = this.fidsByUuid(uuids);
    const missing = uuids.filter((u) => !found.has(u));
    if (missing.length > 0) {
      const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, … (${missing.length} in all)` : '');
      throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `No landslide with uuid ${shown} in this project.`, hint: 'Check the uuids against the project (an export lists them); nothing was changed.', params: { missing: missing.length } });
    }
    return uuids.map((u) => found.get(u)!);
  }

  get(fid: number): StoredFeature | null {
    const r = this.db.prepare(`SELECT * FROM ${T} WHERE fid = ?`).get(fid) as Row | undefined;
    return r ? { fid: r.fid, properties: toRecord(r), geometry: r[LANDSLIDES_GEOMETRY_COLUMN] ? decodeGpkgPolygons(r[LANDSLIDES_GEOMETRY_COLUMN] as Buffer) : [] } : null;
  }

  private raw(fid: number): { rec: LandslideRecord; geom: Buffer } {
    const r = this.db.prepare(`SELECT * FROM ${T} WHERE fid = ?`).get(fid) as Row | undefined;
    if (!r) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `No landslide with fid ${fid} in this project.` });
    return { rec: toRecord(r), geom: r[LANDSLIDES_GEOMETRY_COLUMN] as Buffer };
  }

  /** Ops inserting new features (fresh uuids and timestamps unless given). */
  planInsert(features: Iterable<LandslideFeature>, srsId: number, now = new Date().toISOString()): FeatureOp[] {
    const ops: FeatureOp[] = [];
    for (const f of features) {
      const rec = completeRecord({ ...f.properties, uuid: f.properties.uuid ?? randomUUID() }, now);
      ops.push({ kind: 'feature', fid: null, before: null, after: { attrs: recordAttrs(rec), geom: encodeGeometry(f.geometry, srsId) } });
    }
    return ops;
  }

  planDelete(fids: Iterable<number>): FeatureOp[] {
    const ops: FeatureOp[] = [];
    for (const fid of fids) {
      const { rec, geom } = this.raw(fid);
      ops.push({ kind: 'feature', fid, before: { attrs: recordAttrs(rec), geom }, after: null });
    }
    return ops;
  }

  /** Attribute (and optionally geometry) changes; unchanged values are left out; updated_at set. */
  planUpdate(fids: Iterable<number>, changes: FeatureAttrs, geometry?: { mp: FlatMultiPolygon; srsId: number }, now = new Date().toISOString()): FeatureOp[] {
    const ops: FeatureOp[] = [];
    for (const fid of fids) {
      const { rec, geom } = this.raw(fid);
      const before: FeatureAttrs = {};
      const after: FeatureAttrs = {};
      for (const [k, v] of Object.entries(changes) as Array<[keyof LandslideRecord, unknown]>) {
        if (v === undefined || rec[k] === v) continue;
        (before as Record<string, unknown>)[k] = rec[k];
        (after as Record<string, unknown>)[k] = v;
      }
      const newGeom = geometry ? encodeGeometry(geometry.mp, geometry.srsId) : undefined;
      const geomChanged = newGeom !== undefined && !newGeom.equals(geom);
      if (Object.keys(after).length === 0 && !geomChanged) continue;
      before.updated_at = rec.updated_at;
      after.updated_at = now;
      ops.push({
        kind: 'feature',
        fid,
        before: geomChanged ? { attrs: before, geom } : { attrs: before },
        after: geomChanged ? { attrs: after, geom: newGeom } : { attrs: after },
      });
    }
    return ops;
  }

  /** fids of a scene's features still unreviewed (what a new run replaces). */
  predictedFids(scene: string): number[] {
    return (this.db.prepare(`SELECT fid FROM ${T} WHERE scene = ? AND status = ? ORDER BY fid`).all(scene, UNREVIEWED_STATUS) as Array<{ fid: number }>).map((r) => r.fid);
  }
}
