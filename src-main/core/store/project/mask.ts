/**
 * The mask of a project: per scene, on the scene's native grid, in RASTER_TILE_SIZE tiles.
 *
 * What it holds (issue 11): the rasterisation, by pixel centre, of the landslides that are not
 * rejected (`inMask` in src-shared/vocabulary.ts) — the same set that exports, totals and training
 * labels use. A tile nobody edited is not stored: it IS that rasterisation, computed on read. A
 * tile the brush painted on is stored, and every later change to the landslides under it (any
 * geometry, add, delete, or a status change into or out of 'rejected') rewrites it from the
 * polygons in the same journal edit (`Project.apply`), so that stored tile = rasterised polygons
 * at all times and undo restores both.
 */
import type Database from 'better-sqlite3';
import type { Bounds, Window } from '../../../../src-shared/geo';
import { inMask, LANDSLIDE_STATUSES } from '../../../../src-shared/vocabulary';
import { pixelBox, windowBounds, windowGeoTransform } from '../../geo';
import type { FlatMultiPolygon } from '../../vector/geometry';
import { multiPolygonBounds } from '../../vector/geometry';
import { PolygonRasterizer } from '../../vector/rasterize';
import type { FeatureStore, StoredFeature } from './features';
import type { MaskOp } from './journal';
import { blitTile, compressTile, decompressTile, tileSize, tilesOf } from './raster-tiles';
import { RASTER_TILE_SIZE } from './schema';
import type { SceneRecord } from './scenes';

type Db = Database.Database;
const T = RASTER_TILE_SIZE;

/** Statuses whose landslides are in the mask. */
export const MASK_STATUSES = LANDSLIDE_STATUSES.filter(inMask);

export interface StoredTile {
  width: number;
  height: number;
  data: Buffer;
}

/** Tile-aligned window (clamped to the scene grid) covering a pixel box. */
export function tileAligned(scene: { width: number; height: number }, x0: number, y0: number, x1: number, y1: number): Window {
  const tx0 = Math.max(0, Math.floor(x0 / T) * T);
  const ty0 = Math.max(0, Math.floor(y0 / T) * T);
  const tx1 = Math.min(scene.width, Math.ceil(x1 / T) * T);
  const ty1 = Math.min(scene.height, Math.ceil(y1 / T) * T);
  return { x: tx0, y: ty0, width: Math.max(0, tx1 - tx0), height: Math.max(0, ty1 - ty0) };
}

export class MaskStore {
  private readonly getTile: Database.Statement;
  private readonly tileKeys: Database.Statement;

  constructor(
    db: Db,
    private readonly features: FeatureStore,
  ) {
    this.getTile = db.prepare('SELECT width, height, data FROM scarp_mask_tiles WHERE scene_id = ? AND tile_row = ? AND tile_col = ?');
    this.tileKeys = db.prepare('SELECT tile_row AS r, tile_col AS c FROM scarp_mask_tiles WHERE scene_id = ?');
  }

  /** A stored tile, or undefined when the tile is the polygons' rasterisation. */
  tile(sceneId: string, row: number, col: number): StoredTile | undefined {
    return this.getTile.get(sceneId, row, col) as StoredTile | undefined;
  }

  /** The landslides in the mask (not rejected) meeting map bounds. */
  maskFeaturesIn(bbox: Bounds): StoredFeature[] {
    return this.features.allIn(bbox, MASK_STATUSES);
  }

  /** The mask of a scene in a window: stored tiles, else the landslides in the mask rasterised by pixel centre. */
  read(scene: SceneRecord, win: Window, features?: StoredFeature[]): Uint8Array {
    const feats = features ?? this.maskFeaturesIn(windowBounds(scene.geoTransform, win));
    const out = new PolygonRasterizer(
      feats.map((f) => f.geometry),
      { width: win.width, height: win.height, geoTransform: windowGeoTransform(scene.geoTransform, win) },
    ).rasterizeRows(0, win.height);
    for (const [r, c] of tilesOf(win)) {
      const t = this.tile(scene.id, r, c);
      if (t) blitTile(decompressTile(t.data, t.width, t.height), t.width, t.height, r, c, win, out);
    }
    return out;
  }

  /**
   * Mask ops that make the tiles under `dirty` (map bounds, in the project CRS) the rasterisation of
   * the landslides as they are now (call after the feature ops were applied): stored tiles there,
   * plus the tiles `materialise` asks to store. Only tiles whose content changes get an op.
   */
  writeBack(scenes: SceneRecord[], dirty: Bounds[], materialise: Map<string, Set<string>>): MaskOp[] {
    const ops: MaskOp[] = [];
    for (const scene of scenes) {
      const stored = new Set((this.tileKeys.all(scene.id) as Array<{ r: number; c: number }>).map((k) => `${k.r}/${k.c}`));
      const wanted = materialise.get(scene.id) ?? new Set<string>();
      if (stored.size === 0 && wanted.size === 0) continue;
      const todo = new Set<string>(wanted);
      for (const b of dirty) {
        const pb = pixelBox(scene.geoTransform, b);
        const win = tileAligned(scene, pb.x0, pb.y0, pb.x1, pb.y1);
        if (win.width === 0 || win.height === 0) continue;
        for (const [r, c] of tilesOf(win)) if (stored.has(`${r}/${c}`)) todo.add(`${r}/${c}`);
      }
      for (const key of todo) {
        const [r, c] = key.split('/').map(Number) as [number, number];
        const s = tileSize(scene.width, scene.height, r, c);
        if (s.width <= 0 || s.height <= 0) continue;
        const tw = { x: c * T, y: r * T, width: s.width, height: s.height };
        const geoms: FlatMultiPolygon[] = this.maskFeaturesIn(windowBounds(scene.geoTransform, tw)).map((f) => f.geometry);
        const data = new PolygonRasterizer(geoms, { width: s.width, height: s.height, geoTransform: windowGeoTransform(scene.geoTransform, tw) }).rasterizeRows(0, s.height);
        const blob = compressTile(data);
        const old = this.tile(scene.id, r, c);
        if (old && blob.equals(old.data)) continue;
        ops.push({ kind: 'mask', scene: scene.id, tileRow: r, tileCol: c, before: old ? { ...old } : null, after: { width: s.width, height: s.height, data: blob } });
      }
    }
    return ops;
  }

  /** Tile keys ('row/col') of a scene touched by a pixel window. */
  static tileKeys(scene: { width: number; height: number }, win: Window): string[] {
    const w = tileAligned(scene, win.x, win.y, win.x + win.width, win.y + win.height);
    if (w.width === 0 || w.height === 0) return [];
    return tilesOf(w).map(([r, c]) => `${r}/${c}`);
  }
}

/** Map bounds of a geometry, or null when it is empty. */
export function boundsOf(mp: FlatMultiPolygon): Bounds | null {
  return mp.length === 0 ? null : multiPolygonBounds(mp);
}
