/**
 * Correcting edits applied to a project through its journal: each is ONE journal edit holding the
 * feature ops and the mask-tile ops (with their inverses), committed in one transaction, so that
 * undo/redo (surviving a restart) restores polygons and mask together. The author is the project's
 * ('author' setting), recorded by the journal.
 *
 * The mask (issue 7): per scene, on the scene's native grid, in RASTER_TILE_SIZE tiles. A tile that
 * was never brushed is not stored: it is the rasterization (by pixel centre) of the inventory
 * polygons. A brushed tile is stored. Invariant: stored tile = rasterization of the polygons; a
 * brush stroke keeps it by re-deriving the polygons from the mask (exact pixel outlines), and every
 * polygon edit re-rasterizes the stored tiles it touches. All features count, whatever their status
 * (a rejected polygon stays in the inventory, and so in its raster twin).
 */
import { randomUUID } from 'node:crypto';
import type { Bounds, GeoTransform, Window } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import type { Project } from '../store/project';
import type { EditEntry, FeatureAttrs, JournalOp, MaskOp } from '../store/project/journal';
import type { SceneRecord } from '../store/project/scenes';
import type { StoredFeature } from '../store/project/features';
import { blitTile, compressTile, decompressTile, tileSize, tilesOf } from '../store/project/raster-tiles';
import { RASTER_TILE_SIZE } from '../store/project/schema';
import { multiPolygonBounds, pixelPartsToMap, type FlatMultiPolygon } from '../vector/geometry';
import { areaM2, perimeterM } from '../vector/measure';
import { invertGeoTransform, PolygonRasterizer } from '../vector/rasterize';
import type { LandslideRecord } from '../store/landslides-schema';
import { applyStroke, rederive, type BrushMode, type FeatureRaster } from './mask-brush';

const T = RASTER_TILE_SIZE;

export function windowGeoTransform(gt: GeoTransform, win: { x: number; y: number }): GeoTransform {
  const [ox, a, b, oy, d, e] = gt;
  return [ox + win.x * a + win.y * b, a, b, oy + win.x * d + win.y * e, d, e];
}

/** Pixel box (grid coords, half-open) covering map bounds, unclamped. */
export function pixelBox(gt: GeoTransform, b: Bounds): { x0: number; y0: number; x1: number; y1: number } {
  const inv = invertGeoTransform(gt);
  const pts = [inv(b.minX, b.minY), inv(b.maxX, b.minY), inv(b.minX, b.maxY), inv(b.maxX, b.maxY)];
  return {
    x0: Math.floor(Math.min(...pts.map((p) => p[0]))),
    y0: Math.floor(Math.min(...pts.map((p) => p[1]))),
    x1: Math.ceil(Math.max(...pts.map((p) => p[0]))),
    y1: Math.ceil(Math.max(...pts.map((p) => p[1]))),
  };
}

function mapBounds(gt: GeoTransform, win: Window): Bounds {
  const [ox, a, b, oy, d, e] = gt;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [px, py] of [
    [win.x, win.y],
    [win.x + win.width, win.y],
    [win.x, win.y + win.height],
    [win.x + win.width, win.y + win.height],
  ] as Array<[number, number]>) {
    xs.push(ox + px * a + py * b);
    ys.push(oy + px * d + py * e);
  }
  return { minX: Math.min(...xs), minY: Math.min(...ys), maxX: Math.max(...xs), maxY: Math.max(...ys) };
}

/** Every feature meeting map bounds (all pages). */
export function featuresIn(p: Project, bbox: Bounds): StoredFeature[] {
  const out: StoredFeature[] = [];
  let after = 0;
  for (;;) {
    const page = p.features.list({ bbox, afterFid: after, limit: 10_000 });
    out.push(...page.features);
    if (page.nextAfterFid === null) return out;
    after = page.nextAfterFid;
  }
}

/** Tile-aligned window (clamped to the grid) covering a pixel box. */
function tileAligned(scene: SceneRecord, x0: number, y0: number, x1: number, y1: number): Window {
  const tx0 = Math.max(0, Math.floor(x0 / T) * T);
  const ty0 = Math.max(0, Math.floor(y0 / T) * T);
  const tx1 = Math.min(scene.width, Math.ceil(x1 / T) * T);
  const ty1 = Math.min(scene.height, Math.ceil(y1 / T) * T);
  return { x: tx0, y: ty0, width: Math.max(0, tx1 - tx0), height: Math.max(0, ty1 - ty0) };
}

function storedTile(p: Project, sceneId: string, r: number, c: number): { width: number; height: number; data: Buffer } | undefined {
  return p.store.db.prepare('SELECT width, height, data FROM scarp_mask_tiles WHERE scene_id = ? AND tile_row = ? AND tile_col = ?').get(sceneId, r, c) as
    | { width: number; height: number; data: Buffer }
    | undefined;
}

/** The edited mask of a scene in a window: stored tiles, else the polygons rasterized by pixel centre. */
export function readMask(p: Project, scene: SceneRecord, win: Window, features?: StoredFeature[]): Uint8Array {
  const feats = features ?? featuresIn(p, mapBounds(scene.geoTransform, win));
  const out = new PolygonRasterizer(
    feats.map((f) => f.geometry),
    { width: win.width, height: win.height, geoTransform: windowGeoTransform(scene.geoTransform, win) },
  ).rasterizeRows(0, win.height);
  for (const [r, c] of tilesOf(win)) {
    const t = storedTile(p, scene.id, r, c);
    if (t) blitTile(decompressTile(t.data, t.width, t.height), t.width, t.height, r, c, win, out);
  }
  return out;
}

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

/** Mask ops for the tiles of `win` whose content differs from what is there now. */
function maskOps(p: Project, scene: SceneRecord, win: Window, before: Uint8Array, after: Uint8Array): MaskOp[] {
  const ops: MaskOp[] = [];
  for (const [r, c] of tilesOf(win)) {
    const s = tileSize(scene.width, scene.height, r, c);
    const tile = new Uint8Array(s.width * s.height);
    let differs = false;
    for (let y = 0; y < s.height; y++) {
      const src = (r * T + y - win.y) * win.width + (c * T - win.x);
      tile.set(after.subarray(src, src + s.width), y * s.width);
      for (let x = 0; x < s.width && !differs; x++) if (before[src + x] !== after[src + x]) differs = true;
    }
    const old = storedTile(p, scene.id, r, c);
    if (!differs && old) continue;
    if (!differs && !old) continue;
    ops.push({
      kind: 'mask',
      scene: scene.id,
      tileRow: r,
      tileCol: c,
      before: old ? { width: old.width, height: old.height, data: old.data } : null,
      after: { width: s.width, height: s.height, data: compressTile(tile) },
    });
  }
  return ops;
}

function requireSameCrs(p: Project, scene: SceneRecord): void {
  if (scene.srsId !== null && scene.srsId !== p.srsId()) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Scene '${scene.name}' is not in the project CRS; the mask brush works on scenes in the project CRS only.` });
  }
}

function sceneOf(p: Project, id: string): SceneRecord {
  const s = p.scenes.get(id);
  if (!s) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `No scene '${id}' in this project.` });
  return s;
}

function measured(p: Project, mp: FlatMultiPolygon): { area_m2: number; perimeter_m: number } {
  const crs = p.crs();
  if (!crs) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'The project has no CRS yet: add a scene first.' });
  return { area_m2: areaM2(mp, crs), perimeter_m: perimeterM(mp, crs) };
}

/** Attributes a new feature copies from another (identity, provenance and timestamps left out). */
function copyAttrs(rec: LandslideRecord): Partial<LandslideRecord> {
  const { uuid: _u, created_at: _c, updated_at: _up, ...rest } = rec;
  return rest;
}

export interface BrushRequest {
  scene: string;
  /** Stroke dab centres in the project CRS, flat [x0, y0, x1, y1, ...]. */
  points: ArrayLike<number>;
  radius: number;
  unit: 'px' | 'm';
  mode: BrushMode;
}

export interface EditOutcome {
  edit: EditEntry | null;
  /** Features inserted or re-derived (after the edit). */
  fids: number[];
  deleted: number[];
  timings?: { dabMs: number; vectorMs: number; totalMs: number };
}

/**
 * One brush stroke: paint or erase on the scene's mask, re-derive the touched polygons, commit
 * mask tiles + feature changes as one journal edit (kind 'mask').
 */
export function brushStroke(p: Project, req: BrushRequest): EditOutcome {
  const t0 = performance.now();
  const scene = sceneOf(p, req.scene);
  requireSameCrs(p, scene);
  const inv = invertGeoTransform(scene.geoTransform);
  const pts = new Float64Array(req.points.length);
  for (let k = 0; k < req.points.length; k += 2) {
    const [x, y] = inv(req.points[k] as number, req.points[k + 1] as number);
    pts[k] = x;
    pts[k + 1] = y;
  }
  const radius = req.unit === 'px' ? req.radius : req.radius / Math.max(1e-12, Math.abs(scene.gsd.x));
  if (!(radius > 0)) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'The brush size must be positive.' });
  const stroke = { points: pts, radius };
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
  return p.store.tx(() => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const win = tileAligned(scene, box.x0, box.y0, box.x1, box.y1);
      if (win.width === 0 || win.height === 0) return { edit: null, fids: [], deleted: [] };
      const feats = featuresIn(p, mapBounds(scene.geoTransform, win));
      const before = readMask(p, scene, win, feats);
      const after = before.slice();
      const td = performance.now();
      const changed = applyStroke(after, win, stroke, req.mode);
      dabMs += performance.now() - td;
      if (changed.length === 0) return { edit: null, fids: [], deleted: [] };
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
      const tv2 = performance.now();
      const gt = windowGeoTransform(scene.geoTransform, win);
      const byFid = new Map(feats.map((f) => [f.fid, f]));
      const srsId = p.srsId();
      const ops: JournalOp[] = [...maskOps(p, scene, win, before, after)];
      const now = new Date().toISOString();
      const inserted: JournalOp[] = [];
      const kept: number[] = [];
      for (const np of res.polygons) {
        const geometry = pixelPartsToMap(np.parts, gt);
        const m = measured(p, geometry);
        if (np.keeps !== null) {
          kept.push(np.keeps);
          ops.push(...p.features.planUpdate([np.keeps], { status: 'edited', ...m }, { mp: geometry, srsId }, now));
        } else {
          const from = np.copiesFrom !== null ? byFid.get(np.copiesFrom)?.properties : undefined;
          const props: Partial<LandslideRecord> = from ? copyAttrs(from) : { scene: scene.id, type: 'unknown' };
          const ins = p.features.planInsert([{ geometry, properties: { ...props, ...m, uuid: randomUUID(), status: 'edited', mapper: p.author() } }], srsId, now);
          inserted.push(...ins);
          ops.push(...ins);
        }
      }
      ops.push(...p.features.planDelete(res.deleted));
      vectorMs += performance.now() - tv2;
      const verb = req.mode === 'paint' ? 'Brush' : 'Erase';
      const edit = ops.length > 0 ? p.journal.commit(`${verb} on the mask (${res.touched.length} landslide${res.touched.length === 1 ? '' : 's'} touched)`, 'mask', ops) : null;
      const fids = [...kept, ...inserted.map((o) => (o.kind === 'feature' ? o.fid ?? -1 : -1))];
      return { edit, fids, deleted: res.deleted, timings: { dabMs, vectorMs, totalMs: performance.now() - t0 } };
    }
    throw new ScarpError({ code: 'INTERNAL', message: 'The brushed area kept growing; try a smaller stroke.' });
  }, 'brushing the mask');
}

// ---- polygon edits, written back to the mask ----------------------------------------------------

export interface PolygonPlan {
  label: string;
  kind: 'insert' | 'update' | 'delete' | 'mixed';
  /** New geometries (and attribute changes) of existing features. */
  updates: Array<{ fid: number; geometry?: FlatMultiPolygon; changes?: FeatureAttrs }>;
  inserts: Array<{ geometry: FlatMultiPolygon; properties: Partial<LandslideRecord> }>;
  deletes: number[];
}

/**
 * Apply a polygon edit plan as one journal edit, re-rasterizing every stored mask tile it touches
 * (any scene in the project CRS) from the polygons as they will be after the edit.
 */
export function applyPolygonPlan(p: Project, plan: PolygonPlan): EditOutcome {
  return p.store.tx(() => {
    const srsId = p.srsId();
    const now = new Date().toISOString();
    const ops: JournalOp[] = [];
    const changedGeoms: FlatMultiPolygon[] = [];
    const newGeom = new Map<number, FlatMultiPolygon | null>();
    for (const u of plan.updates) {
      const old = p.features.get(u.fid);
      if (!old) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `No landslide with fid ${u.fid} in this project.` });
      const changes: FeatureAttrs = { ...(u.changes ?? {}) };
      if (u.geometry) {
        Object.assign(changes, measured(p, u.geometry));
        changedGeoms.push(old.geometry, u.geometry);
        newGeom.set(u.fid, u.geometry);
      }
      ops.push(...p.features.planUpdate([u.fid], changes, u.geometry ? { mp: u.geometry, srsId } : undefined, now));
    }
    const insOps: JournalOp[] = [];
    for (const ins of plan.inserts) {
      changedGeoms.push(ins.geometry);
      const o = p.features.planInsert(
        [{ geometry: ins.geometry, properties: { mapper: p.author(), ...ins.properties, ...measured(p, ins.geometry), uuid: ins.properties.uuid ?? randomUUID() } }],
        srsId,
        now,
      );
      insOps.push(...o);
    }
    ops.push(...insOps);
    for (const fid of plan.deletes) {
      const old = p.features.get(fid);
      if (old) changedGeoms.push(old.geometry);
      newGeom.set(fid, null);
    }
    ops.push(...p.features.planDelete(plan.deletes));
    ops.push(...maskWriteBack(p, changedGeoms, newGeom, plan.inserts.map((i) => i.geometry)));
    const edit = ops.length > 0 ? p.journal.commit(plan.label, plan.kind, ops) : null;
    const fids = [...plan.updates.filter((u) => !plan.deletes.includes(u.fid)).map((u) => u.fid), ...insOps.map((o) => (o.kind === 'feature' ? o.fid ?? -1 : -1))];
    return { edit, fids, deleted: [...plan.deletes] };
  }, plan.label);
}

/** Stored mask tiles under the changed geometries, re-rasterized from the polygons after the edit. */
function maskWriteBack(p: Project, changed: FlatMultiPolygon[], newGeom: Map<number, FlatMultiPolygon | null>, inserted: FlatMultiPolygon[]): MaskOp[] {
  if (changed.length === 0) return [];
  const hasTiles = p.store.db.prepare('SELECT 1 FROM scarp_mask_tiles LIMIT 1').get();
  if (!hasTiles) return [];
  const ops: MaskOp[] = [];
  const srsId = p.srsId();
  for (const scene of p.scenes.list()) {
    if (scene.srsId !== null && scene.srsId !== srsId) continue;
    const seen = new Set<string>();
    for (const g of changed) {
      if (g.length === 0) continue;
      const pb = pixelBox(scene.geoTransform, multiPolygonBounds(g));
      const win = tileAligned(scene, pb.x0, pb.y0, pb.x1, pb.y1);
      if (win.width === 0 || win.height === 0) continue;
      for (const [r, c] of tilesOf(win)) {
        const key = `${r}/${c}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const old = storedTile(p, scene.id, r, c);
        if (!old) continue;
        const s = tileSize(scene.width, scene.height, r, c);
        const tw = { x: c * T, y: r * T, width: s.width, height: s.height };
        const geoms: FlatMultiPolygon[] = [];
        for (const f of featuresIn(p, mapBounds(scene.geoTransform, tw))) if (!newGeom.has(f.fid)) geoms.push(f.geometry);
        for (const g2 of newGeom.values()) if (g2) geoms.push(g2);
        geoms.push(...inserted);
        const data = new PolygonRasterizer(geoms, { width: s.width, height: s.height, geoTransform: windowGeoTransform(scene.geoTransform, tw) }).rasterizeRows(0, s.height);
        const blob = compressTile(data);
        if (blob.equals(old.data)) continue;
        ops.push({ kind: 'mask', scene: scene.id, tileRow: r, tileCol: c, before: { width: old.width, height: old.height, data: old.data }, after: { width: s.width, height: s.height, data: blob } });
      }
    }
  }
  return ops;
}
