/**
 * One brush stroke on a project (issue 7): paint or erase on the scene's mask (mask.ts in the store
 * says what the mask holds), re-derive the touched polygons from the painted mask (mask-brush.ts),
 * and hand the result to the store as one edit plan (Project.apply), which measures, stamps, stores
 * the painted tiles and journals it as one undoable edit. Nothing here writes to the project.
 */
import { randomUUID } from 'node:crypto';
import type { Window } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { BACKGROUND_SOURCE, EDITED_STATUS, REJECTED_STATUS } from '../../../src-shared/vocabulary';
import { invertGeoTransform, pixelBox, windowBounds, windowGeoTransform, worldToPixel } from '../geo';
import type { Project } from '../store/project';
import type { ApplyResult, EditPlan, PlanAttrs, SceneRecord, StoredFeature } from '../store/project';
import { tileAligned } from '../store/project';
import { RASTER_TILE_SIZE } from '../store/project/schema';
import { multiPolygonBounds, pixelPartsToMap } from '../vector/geometry';
import { PolygonRasterizer } from '../vector/rasterize';
import type { LandslideRecord } from '../store/landslides-schema';
import { applyStroke, rederive, type BrushMode, type FeatureRaster, type PixelStroke } from './mask-brush';
import { Polygonizer, type PixelPolygon } from '../vector/polygonize';

const T = RASTER_TILE_SIZE;

function rasterOf(f: StoredFeature, scene: SceneRecord, win: Window): FeatureRaster | null {
  const pb = pixelBox(scene.geoTransform, multiPolygonBounds(f.geometry));
  const x0 = Math.max(pb.x0, win.x);
  const y0 = Math.max(pb.y0, win.y);
  const x1 = Math.min(pb.x1, win.x + win.width);
  const y1 = Math.min(pb.y1, win.y + win.height);
  if (x1 <= x0 || y1 <= y0) return null;
  const w = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  const data = new PolygonRasterizer([f.geometry], { width: w.width, height: w.height, geoTransform: windowGeoTransform(scene.geoTransform, w) }).rasterizeRows(0, w.height);
  // Inside when the polygon's pixel box lies within the window or is cut only by the grid's edges.
  const inside =
    (pb.x0 >= win.x || win.x === 0) && (pb.y0 >= win.y || win.y === 0) && (pb.x1 <= win.x + win.width || win.x + win.width >= scene.width) && (pb.y1 <= win.y + win.height || win.y + win.height >= scene.height);
  return { id: f.fid, x: x0 - win.x, y: y0 - win.y, width: w.width, height: w.height, data, inside };
}

/** Attributes a new feature copies from another (identity, provenance and timestamps left out). */
function copyAttrs(rec: LandslideRecord): PlanAttrs {
  const { uuid: _u, created_at: _c, updated_at: _up, mapper: _m, ...rest } = rec;
  return rest;
}

export interface BrushRequest {
  scene: string;
  /** Stroke dab centres in the project CRS, flat [x0, y0, x1, y1, ...]. */
  points: ArrayLike<number>;
  radius: number;
  unit: 'px' | 'm';
  /**
   * 'background': "not a landslide here" — erases landslide pixels under the stroke and records the
   * stroke's footprint as a rejected polygon (source 'background brush'): out of the mask, totals and
   * default exports, and a negative label for learning from corrections (adapt/labels.ts).
   */
  mode: BrushMode | 'background';
}

export interface BrushOutcome extends ApplyResult {
  timings: { dabMs: number; vectorMs: number; totalMs: number };
}

/** One brush stroke: paint or erase on the scene's mask, re-derive the touched polygons, apply as one edit (kind 'mask'). */
export function brushStroke(p: Project, req: BrushRequest): BrushOutcome {
  const t0 = performance.now();
  const scene = p.scenes.get(req.scene);
  if (!scene) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `No scene '${req.scene}' in this project.` });
  if (scene.srsId !== null && scene.srsId !== p.srsId()) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Scene '${scene.name}' is not in the project CRS; the mask brush works on scenes in the project CRS only.` });
  }
  const inv = invertGeoTransform(scene.geoTransform);
  const pts = new Float64Array(req.points.length);
  for (let k = 0; k < req.points.length; k += 2) {
    const [x, y] = worldToPixel(inv, req.points[k] as number, req.points[k + 1] as number);
    pts[k] = x;
    pts[k + 1] = y;
  }
  const radius = req.unit === 'px' ? req.radius : req.radius / Math.max(1e-12, Math.abs(scene.gsd.x));
  if (!(radius > 0)) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'The brush size must be positive.' });
  const stroke = { points: pts, radius };
  const maskMode: BrushMode = req.mode === 'background' ? 'erase' : req.mode;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let k = 0; k < pts.length; k += 2) {
    minX = Math.min(minX, pts[k]!);
    maxX = Math.max(maxX, pts[k]!);
    minY = Math.min(minY, pts[k + 1]!);
    maxY = Math.max(maxY, pts[k + 1]!);
  }
  let box = { x0: Math.floor(minX - radius - 2), y0: Math.floor(minY - radius - 2), x1: Math.ceil(maxX + radius + 2), y1: Math.ceil(maxY + radius + 2) };
  let dabMs = 0;
  let vectorMs = 0;
  const nothing = (): BrushOutcome => ({ edit: null, added: [], updated: [], removed: [], reshaped: [], timings: { dabMs, vectorMs, totalMs: performance.now() - t0 } });
  return p.tx(() => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const win = tileAligned(scene, box.x0, box.y0, box.x1, box.y1);
      if (win.width === 0 || win.height === 0) return nothing();
      const feats = p.maskFeaturesIn(windowBounds(scene.geoTransform, win));
      const before = p.readMask(scene, win, feats);
      const after = before.slice();
      const td = performance.now();
      const changed = applyStroke(after, win, stroke, maskMode);
      dabMs += performance.now() - td;
      const background = req.mode === 'background' ? backgroundArea(win, stroke) : null;
      if (changed.length === 0 && !background) return nothing();
      const tv = performance.now();
      const olds = feats.map((f) => rasterOf(f, scene, win)).filter((r): r is FeatureRaster => r !== null);
      const res = rederive(after, win, changed, olds, {
        left: win.x === 0,
        top: win.y === 0,
        right: win.x + win.width >= scene.width,
        bottom: win.y + win.height >= scene.height,
      });
      vectorMs += performance.now() - tv;
      if (res.grow) {
        const g = res.grow;
        box = {
          x0: Math.min(box.x0, win.x + g.minX - T),
          y0: Math.min(box.y0, win.y + g.minY - T),
          x1: Math.max(box.x1, win.x + g.maxX + 1 + T),
          y1: Math.max(box.y1, win.y + g.maxY + 1 + T),
        };
        continue;
      }
      const gt = windowGeoTransform(scene.geoTransform, win);
      const byFid = new Map(feats.map((f) => [f.fid, f]));
      const plan: EditPlan = {
        label:
          req.mode === 'background'
            ? `Mark "not a landslide" (${res.touched.length} landslide${res.touched.length === 1 ? '' : 's'} touched)`
            : `${req.mode === 'paint' ? 'Brush' : 'Erase'} on the mask (${res.touched.length} landslide${res.touched.length === 1 ? '' : 's'} touched)`,
        kind: 'mask',
        reason: 'brush',
        updates: [],
        adds: [],
        deletes: res.deleted,
        // The tiles painted on are stored from now on (mask.ts).
        materialise: changed.length > 0 ? [{ scene: scene.id, window: strokeTiles(win, changed) }] : [],
      };
      if (background) {
        for (const part of background) {
          plan.adds!.push({ geometry: pixelPartsToMap(part, gt), properties: { scene: scene.id, type: 'unknown', status: REJECTED_STATUS, source: BACKGROUND_SOURCE, uuid: randomUUID() } });
        }
      }
      for (const np of res.polygons) {
        const geometry = pixelPartsToMap(np.parts, gt);
        if (np.keeps !== null) plan.updates!.push({ fid: np.keeps, geometry, changes: { status: EDITED_STATUS } });
        else {
          const from = np.copiesFrom !== null ? byFid.get(np.copiesFrom)?.properties : undefined;
          plan.adds!.push({ geometry, properties: { ...(from ? copyAttrs(from) : { scene: scene.id, type: 'unknown' }), uuid: randomUUID(), status: EDITED_STATUS } });
        }
      }
      const r = p.apply(plan);
      return { ...r, timings: { dabMs, vectorMs, totalMs: performance.now() - t0 } };
    }
    throw new ScarpError({ code: 'INTERNAL', message: 'The brushed area kept growing; try a smaller stroke.' });
  }, 'brushing the mask');
}

/** `source` of the areas the background brush marks as "not a landslide" (src-shared/vocabulary.ts). */
export { BACKGROUND_SOURCE };

/** The stroke's footprint in the window as pixel polygons (null when it misses the window). */
function backgroundArea(win: Window, stroke: PixelStroke): ReturnType<typeof pixelParts> | null {
  const footprint = new Uint8Array(win.width * win.height);
  const hit = applyStroke(footprint, win, stroke, 'paint');
  if (hit.length === 0) return null;
  return pixelParts(footprint, win.width, win.height);
}

function pixelParts(mask: Uint8Array, width: number, height: number): PixelPolygon['parts'][] {
  const pz = new Polygonizer({ width, height, connectivity: 8 });
  return [...pz.push(0, mask), ...pz.finish()].map((p) => p.parts);
}

/** The pixel window (grid coordinates) of the changed pixels of a stroke. */
function strokeTiles(win: Window, changed: Int32Array): Window {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < changed.length; i++) {
    const k = changed[i]!;
    const x = k % win.width;
    const y = (k - x) / win.width;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return { x: win.x + x0, y: win.y + y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}
