/**
 * Correcting part of ScarpService (issue 7): the mask brush, the polygon tools and the review
 * queue, on the open project. Requests arrive validated (ScarpService validates them with the
 * api.ts schemas). Every edit is one journal edit, saved at once, by the project's author.
 */
import type { z } from 'zod';
import type { BrushStrokeRequest, CorrectionResult, PolygonEditRequest, ReviewQueue, ReviewQueueRequest } from '../../../src-shared/api';
import { ScarpError } from '../../../src-shared/errors';
import type { Project } from '../store/project';
import { applyPolygonPlan, brushStroke, type EditOutcome, type PolygonPlan } from '../edit/project-edits';
import { cutHole, fillHoles, makeValid, mergePolygons, splitByLine } from '../edit/polygon-ops';
import { fromPolygonCoords, multiPolygonArea, multiPolygonBounds, type FlatMultiPolygon } from '../vector/geometry';
import { mapCoords } from '../vector/geometry';
import { metresPerUnitAt } from '../vector/measure';
import { createTransformer, WGS84 } from '../raster/crs';
import type { ProjectService } from './project-service';

type BrushParsed = z.output<typeof BrushStrokeRequest>;
type EditParsed = z.output<typeof PolygonEditRequest>;
type ReviewParsed = z.output<typeof ReviewQueueRequest>;

type Xy = (x: number, y: number) => [number, number];

/** Point transform from the request's CRS into the project's. */
function toProject(p: Project, crs: 'project' | 'wgs84'): Xy | null {
  const to = p.crs();
  if (crs === 'project' || !to) return null;
  const t = createTransformer(WGS84, to);
  return t.identity ? null : (x, y) => t.forward(x, y);
}

function coordsIn(c: number[][][][], f: Xy | null): FlatMultiPolygon {
  const mp = c.map((poly) => fromPolygonCoords(poly));
  return f ? mapCoords(mp, f) : mp;
}

function pointsIn(pts: number[], f: Xy | null): number[] {
  if (!f) return pts;
  const out = pts.slice();
  for (let k = 0; k < out.length; k += 2) [out[k], out[k + 1]] = f(out[k]!, out[k + 1]!);
  return out;
}
const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;

export class EditService {
  constructor(private readonly projects: ProjectService) {}

  private result(p: Project, o: EditOutcome): CorrectionResult {
    return { edit: o.edit ? { ...o.edit } : null, fids: o.fids, deleted: o.deleted, ...(o.timings ? { timings: o.timings } : {}), ...p.journal.stacks() };
  }

  brush(req: BrushParsed): CorrectionResult {
    const p = this.projects.current();
    return this.result(p, brushStroke(p, { scene: req.scene, points: pointsIn(req.points, toProject(p, req.crs)), radius: req.radius, unit: req.unit, mode: req.mode }));
  }

  edit(req: EditParsed): CorrectionResult {
    const p = this.projects.current();
    return this.result(p, applyPolygonPlan(p, this.plan(p, req)));
  }

  private feature(p: Project, fid: number): NonNullable<ReturnType<Project['features']['get']>> {
    const f = p.features.get(fid);
    if (!f) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `No landslide with fid ${fid} in this project.` });
    return f;
  }

  private plan(p: Project, req: EditParsed): PolygonPlan {
    const xy = 'crs' in req ? toProject(p, req.crs) : null;
    const coords = (c: number[][][][]): FlatMultiPolygon => coordsIn(c, xy);
    switch (req.op) {
      case 'draw': {
        const g = makeValid(coords(req.coordinates));
        if (g.length === 0) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'The drawn polygon has no area.' });
        const props = req.properties ?? {};
        return {
          label: 'Draw a landslide',
          kind: 'insert',
          updates: [],
          inserts: [{ geometry: g, properties: { scene: req.scene ?? null, type: props.type ?? 'unknown', status: props.status ?? 'edited', confidence: props.confidence ?? null, notes: props.notes ?? null } }],
          deletes: [],
        };
      }
      case 'delete':
        for (const fid of req.fids) this.feature(p, fid);
        return { label: `Delete ${plural(req.fids.length, 'landslide')}`, kind: 'delete', updates: [], inserts: [], deletes: [...new Set(req.fids)] };
      case 'merge': {
        const fs = [...new Set(req.fids)].map((fid) => this.feature(p, fid));
        // The largest keeps its uuid and attributes; the others are deleted.
        const keep = fs.reduce((a, b) => (multiPolygonArea(b.geometry) > multiPolygonArea(a.geometry) ? b : a));
        const g = mergePolygons(fs.map((f) => f.geometry));
        return {
          label: `Merge ${plural(fs.length, 'landslide')}`,
          kind: 'mixed',
          updates: [{ fid: keep.fid, geometry: g, changes: { status: 'edited' } }],
          inserts: [],
          deletes: fs.filter((f) => f.fid !== keep.fid).map((f) => f.fid),
        };
      }
      case 'split': {
        const f = this.feature(p, req.fid);
        const parts = splitByLine(f.geometry, pointsIn(req.line, xy));
        if (parts.length < 2) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'The line does not cut that landslide in two: draw it across the polygon.' });
        const { uuid: _u, created_at: _c, updated_at: _up, ...attrs } = f.properties;
        return {
          label: `Split landslide ${f.fid} in ${parts.length}`,
          kind: 'mixed',
          // The largest part keeps the uuid; the others are new features with the same attributes.
          updates: [{ fid: f.fid, geometry: parts[0]!, changes: { status: 'edited' } }],
          inserts: parts.slice(1).map((g) => ({ geometry: g, properties: { ...attrs, status: 'edited' as const } })),
          deletes: [],
        };
      }
      case 'reshape': {
        const f = this.feature(p, req.fid);
        const g = makeValid(coords(req.coordinates));
        if (g.length === 0) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'That edit leaves the landslide without area.' });
        return { label: `Edit vertices of landslide ${f.fid}`, kind: 'update', updates: [{ fid: f.fid, geometry: g, changes: { status: 'edited' } }], inserts: [], deletes: [] };
      }
      case 'fillHoles': {
        const crs = p.crs();
        const updates = [...new Set(req.fids)].map((fid) => {
          const f = this.feature(p, fid);
          let maxArea = Infinity;
          if (req.maxAreaM2 !== undefined && crs) {
            const b = multiPolygonBounds(f.geometry);
            const mpu = crs.isGeographic ? metresPerUnitAt(crs, (b.minY + b.maxY) / 2) : crs.metresPerUnit ?? 1;
            maxArea = req.maxAreaM2 / (mpu * mpu);
          }
          return { fid, geometry: fillHoles(f.geometry, maxArea), changes: { status: 'edited' as const } };
        });
        return { label: `Fill holes of ${plural(updates.length, 'landslide')}`, kind: 'update', updates, inserts: [], deletes: [] };
      }
      case 'cutHole': {
        const f = this.feature(p, req.fid);
        return { label: `Cut a hole in landslide ${f.fid}`, kind: 'update', updates: [{ fid: f.fid, geometry: cutHole(f.geometry, makeValid(coords(req.coordinates))), changes: { status: 'edited' } }], inserts: [], deletes: [] };
      }
    }
  }

  reviewQueue(req: ReviewParsed): ReviewQueue {
    const p = this.projects.current();
    const db = p.store.db;
    const where = ["l.status = 'predicted'", ...(req.scene ? ['l.scene = ?'] : [])];
    const args: unknown[] = req.scene ? [req.scene] : [];
    const order = req.order === 'probability' ? 'l.prob_mean IS NULL, l.prob_mean DESC, l.area_m2 DESC' : 'l.area_m2 DESC, l.fid';
    const rows = db
      .prepare(
        `SELECT l.fid, l.uuid, l.area_m2, l.prob_mean, r.minx, r.miny, r.maxx, r.maxy FROM landslides l JOIN rtree_landslides_geom r ON r.id = l.fid WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`,
      )
      .all(...args, req.limit) as Array<{ fid: number; uuid: string; area_m2: number; prob_mean: number | null; minx: number; miny: number; maxx: number; maxy: number }>;
    const count = (w: string): number => (db.prepare(`SELECT COUNT(*) AS n FROM landslides l WHERE ${w}`).get(...args) as { n: number }).n;
    const remaining = count(where.join(' AND '));
    const reviewed = count(["l.status IN ('confirmed', 'rejected', 'edited', 'field_verified')", ...(req.scene ? ['l.scene = ?'] : [])].join(' AND '));
    return {
      items: rows.map((r) => ({ fid: r.fid, uuid: r.uuid, area_m2: r.area_m2, prob_mean: r.prob_mean, bounds: { minX: r.minx, minY: r.miny, maxX: r.maxx, maxY: r.maxy } })),
      remaining,
      reviewed,
    };
  }
}
