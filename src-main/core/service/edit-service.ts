/**
 * Correcting part of ScarpService (issue 7): the mask brush, the polygon tools and the review
 * queue, on the open project. Requests arrive validated (ScarpService validates them with the
 * api.ts schemas). Every edit is one journal edit, saved at once, by the project's author.
 */
import type { z } from 'zod';
import type { BrushStrokeRequest, CorrectionResult, PolygonEditRequest, ReviewQueue, ReviewQueueRequest } from '../../../src-shared/api';
import { ScarpError } from '../../../src-shared/errors';
import { EDITED_STATUS } from '../../../src-shared/vocabulary';
import type { EditPlan, Project } from '../store/project';
import { brushStroke } from '../edit/brush-stroke';
import { cutHole, fillHoles, makeValid, mergePolygons, splitByLine } from '../edit/polygon-ops';
import { fromPolygonCoords, multiPolygonArea, multiPolygonBounds, type FlatMultiPolygon } from '../vector/geometry';
import { mapCoords } from '../vector/geometry';
import { metresPerUnitAt } from '../vector/measure';
import { createTransformer, WGS84 } from '../geo';
import type { ProjectService } from './project-service';
import { fromMapKeeping, mapCrs } from './map-features';

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
/** A vertex edit's new coordinates in the project CRS; from WGS 84, untouched vertices keep their stored coordinates exactly. */
function reshaped(p: Project, old: FlatMultiPolygon, c: number[][][][], crs: 'project' | 'wgs84'): FlatMultiPolygon {
  return crs === 'project' ? coordsIn(c, null) : fromMapKeeping(old, c, mapCrs(p));
}

const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;

export class EditService {
  constructor(private readonly projects: ProjectService) {}

  async brush(req: BrushParsed): Promise<CorrectionResult> {
    const p = this.projects.current();
    const o = brushStroke(p, { scene: req.scene, points: pointsIn(req.points, toProject(p, req.crs)), radius: req.radius, unit: req.unit, mode: req.mode });
    return { ...(await this.projects.applied(o)), timings: o.timings };
  }

  edit(req: EditParsed): Promise<CorrectionResult> {
    const p = this.projects.current();
    return this.projects.applied(p.apply(this.plan(p, req)));
  }

  private feature(p: Project, fid: number): NonNullable<ReturnType<Project['features']['get']>> {
    const f = p.features.get(fid);
    if (!f) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `No landslide with fid ${fid} in this project.` });
    return f;
  }

  private plan(p: Project, req: EditParsed): EditPlan {
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
          adds: [{ geometry: g, properties: { scene: req.scene ?? null, type: props.type ?? 'unknown', status: props.status ?? EDITED_STATUS, confidence: props.confidence ?? null, notes: props.notes ?? null } }],
        };
      }
      case 'delete':
        for (const fid of req.fids) this.feature(p, fid);
        return { label: `Delete ${plural(req.fids.length, 'landslide')}`, kind: 'delete', deletes: [...new Set(req.fids)] };
      case 'merge': {
        const fs = [...new Set(req.fids)].map((fid) => this.feature(p, fid));
        // The largest keeps its uuid and attributes; the others are deleted.
        const keep = fs.reduce((a, b) => (multiPolygonArea(b.geometry) > multiPolygonArea(a.geometry) ? b : a));
        const g = mergePolygons(fs.map((f) => f.geometry));
        return {
          label: `Merge ${plural(fs.length, 'landslide')}`,
          kind: 'mixed',
          updates: [{ fid: keep.fid, geometry: g, changes: { status: EDITED_STATUS } }],
          deletes: fs.filter((f) => f.fid !== keep.fid).map((f) => f.fid),
        };
      }
      case 'split': {
        const f = this.feature(p, req.fid);
        const parts = splitByLine(f.geometry, pointsIn(req.line, xy));
        if (parts.length < 2) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'The line does not cut that landslide in two: draw it across the polygon.' });
        const { uuid: _u, created_at: _c, updated_at: _up, mapper: _m, ...attrs } = f.properties;
        return {
          label: `Split landslide ${f.fid} in ${parts.length}`,
          kind: 'mixed',
          // The largest part keeps the uuid; the others are new features with the same attributes.
          updates: [{ fid: f.fid, geometry: parts[0]!, changes: { status: EDITED_STATUS } }],
          adds: parts.slice(1).map((g) => ({ geometry: g, properties: { ...attrs, status: EDITED_STATUS } })),
        };
      }
      case 'reshape': {
        const f = this.feature(p, req.fid);
        const g = makeValid(reshaped(p, f.geometry, req.coordinates, req.crs));
        if (g.length === 0) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'That edit leaves the landslide without area.' });
        return { label: `Edit vertices of landslide ${f.fid}`, kind: 'update', updates: [{ fid: f.fid, geometry: g, changes: { status: EDITED_STATUS } }] };
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
          return { fid, geometry: fillHoles(f.geometry, maxArea), changes: { status: EDITED_STATUS } };
        });
        return { label: `Fill holes of ${plural(updates.length, 'landslide')}`, kind: 'update', updates };
      }
      case 'cutHole': {
        const f = this.feature(p, req.fid);
        return { label: `Cut a hole in landslide ${f.fid}`, kind: 'update', updates: [{ fid: f.fid, geometry: cutHole(f.geometry, makeValid(coords(req.coordinates))), changes: { status: EDITED_STATUS } }] };
      }
    }
  }

  reviewQueue(req: ReviewParsed): ReviewQueue {
    return this.projects.current().reviewQueue(req);
  }
}
