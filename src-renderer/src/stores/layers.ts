/**
 * Map layers: rasters (imagery, DEM derivatives, probability, mask) shown as XYZ tiles from the
 * backend, and the inventory polygons as GeoJSON. Order: first in the list is drawn on top.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { TileLayerInfo, TileLayerKind, VectorLayer } from '@shared/api';
import type { Bounds } from '@shared/geo';
import { api } from '../api/client';
import { t } from '../i18n';
import { fileName } from '../paths';
import type { MapViewState } from './workspace';

export type MapLayerKind = TileLayerKind | 'inventory';

export interface MapLayer {
  key: string;
  /** A name beside the kind's title (the basemap's file name); the title itself is the UI language's (layerTitle). */
  name?: string;
  kind: MapLayerKind;
  visible: boolean;
  opacity: number;
  boundsWgs84: Bounds | null;
  tile?: TileLayerInfo;
  vector?: VectorLayer;
  /** Increments when the data changes (MapLibre source must be replaced). */
  version: number;
}

/** A layer's title in the UI language. */
export function layerTitle(l: Pick<MapLayer, 'kind' | 'name'>): string {
  if (l.kind === 'basemap' && l.name) return t('layers.basemapTitle', { name: l.name });
  return l.name ? `${t(`layers.kind.${l.kind}`)} · ${l.name}` : t(`layers.kind.${l.kind}`);
}

/** Default stacking (top first) when a layer is added. */
const RANK: Record<MapLayerKind, number> = { inventory: 0, mask: 1, change: 2, probability: 2, slope: 3, hillshade: 4, falsecolor: 5, imagery: 6, basemap: 7 };

/** Remembered between sessions: the offline basemap file last chosen. */
const BASEMAP_KEY = 'scarp:basemap';

export const useLayersStore = defineStore('layers', () => {
  const layers = ref<MapLayer[]>([]);
  /** Set to ask the map to fit these bounds (WGS 84); `ifHidden`: only when they are not all in view. */
  const fitRequest = shallowRef<{ bounds: Bounds; ifHidden: boolean; at: number } | null>(null);
  /** Set to ask the map to show this centre and zoom. */
  const viewRequest = shallowRef<(MapViewState & { at: number }) | null>(null);
  /** The map's view after its last move (MapView keeps it up to date). */
  const view = shallowRef<MapViewState | null>(null);

  const byKind = (kind: MapLayerKind): MapLayer | undefined => layers.value.find((l) => l.kind === kind);

  function upsert(layer: Omit<MapLayer, 'version'>): MapLayer {
    const i = layers.value.findIndex((l) => l.key === layer.key);
    if (i >= 0) {
      const old = layers.value[i]!;
      const next = { ...layer, visible: old.visible, opacity: old.opacity, version: old.version + 1 };
      layers.value.splice(i, 1, next);
      return next;
    }
    const next = { ...layer, version: 1 };
    const at = layers.value.findIndex((l) => RANK[l.kind] > RANK[layer.kind]);
    if (at < 0) layers.value.push(next);
    else layers.value.splice(at, 0, next);
    return next;
  }

  /**
   * A raster layer; its key is its kind unless `key` is given (a second layer of a kind, such as the
   * pre-event imagery beside the imagery), `name` says which beside the kind's title.
   */
  async function addRaster(path: string, kind: TileLayerKind, opts: { threshold?: number; opacity?: number; key?: string; name?: string } = {}): Promise<MapLayer> {
    const info = await api.openTileLayer({ path, kind, threshold: opts.threshold });
    const key = opts.key ?? kind;
    const prev = layers.value.find((l) => l.key === key);
    return upsert({
      key,
      ...(opts.name ? { name: opts.name } : {}),
      kind,
      visible: prev?.visible ?? true,
      opacity: prev?.opacity ?? opts.opacity ?? (kind === 'probability' ? 0.75 : kind === 'mask' ? 0.6 : kind === 'slope' ? 0.7 : 1),
      boundsWgs84: info.boundsWgs84,
      tile: info,
    });
  }

  /** An offline basemap from a local .pmtiles/.mbtiles file, drawn under everything else. */
  async function addBasemap(path: string): Promise<MapLayer> {
    const info = await api.openTileLayer({ path, kind: 'basemap' });
    localStorage.setItem(BASEMAP_KEY, path);
    const name = fileName(path);
    return upsert({ key: 'basemap', name, kind: 'basemap', visible: true, opacity: byKind('basemap')?.opacity ?? 1, boundsWgs84: info.boundsWgs84, tile: info });
  }

  /** Re-open the basemap of the last session, if its file is still there (quietly otherwise). */
  async function restoreBasemap(): Promise<void> {
    const path = localStorage.getItem(BASEMAP_KEY);
    if (path && !byKind('basemap')) await addBasemap(path).catch(() => localStorage.removeItem(BASEMAP_KEY));
  }

  function setInventory(vector: VectorLayer): MapLayer {
    return upsert({ key: 'inventory', kind: 'inventory', visible: true, opacity: 0.9, boundsWgs84: vector.bounds, vector });
  }

  function remove(key: string): void {
    layers.value = layers.value.filter((l) => l.key !== key);
    if (key === 'basemap') localStorage.removeItem(BASEMAP_KEY);
  }

  function setVisible(key: string, v: boolean): void {
    const l = layers.value.find((x) => x.key === key);
    if (l) l.visible = v;
  }

  function setOpacity(key: string, v: number): void {
    const l = layers.value.find((x) => x.key === key);
    if (l) l.opacity = v;
  }

  /** Move a layer up (towards the top of the drawing order) or down. */
  function move(key: string, delta: -1 | 1): void {
    const i = layers.value.findIndex((l) => l.key === key);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= layers.value.length) return;
    const arr = [...layers.value];
    [arr[i], arr[j]] = [arr[j]!, arr[i]!];
    layers.value = arr;
  }

  function setView(v: MapViewState): void {
    viewRequest.value = { ...v, at: Date.now() };
  }

  function zoomTo(bounds: Bounds | null, ifHidden = false): void {
    if (bounds) fitRequest.value = { bounds, ifHidden, at: Date.now() };
  }

  /** Remove the project's layers (the basemap is the user's, not the project's: it stays). */
  function clear(): void {
    layers.value = layers.value.filter((l) => l.kind === 'basemap');
  }

  const extent = computed<Bounds | null>(() => {
    let b: Bounds | null = null;
    for (const l of layers.value) {
      const x = l.boundsWgs84;
      // A basemap (often the whole world) does not define where the data is.
      if (!x || l.kind === 'basemap') continue;
      b = b ? { minX: Math.min(b.minX, x.minX), minY: Math.min(b.minY, x.minY), maxX: Math.max(b.maxX, x.maxX), maxY: Math.max(b.maxY, x.maxY) } : { ...x };
    }
    return b;
  });

  return { layers, fitRequest, viewRequest, view, setView, byKind, addRaster, addBasemap, restoreBasemap, setInventory, remove, setVisible, setOpacity, move, zoomTo, clear, extent };
});
