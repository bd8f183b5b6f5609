/** The landslide inventory of the open project: features for the map and the table, filters, statistics, edits. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { FeatureChanges, LandslideStatus, VectorLayer } from '@shared/api';
import type { Bounds } from '@shared/geo';
import { api } from '../api/client';
import { useLayersStore } from './layers';
import { useProjectStore } from './project';

export interface InventoryRow {
  fid: number;
  uuid: string;
  status: LandslideStatus;
  type: string;
  area_m2: number;
  prob_mean: number | null;
  prob_max: number | null;
  slope_mean: number | null;
  confidence: number | null;
  notes: string | null;
  bounds: Bounds;
}

export const STATUSES: LandslideStatus[] = ['predicted', 'confirmed', 'rejected', 'edited', 'field_verified'];
export const STATUS_COLOURS: Record<LandslideStatus, string> = {
  predicted: '#ff7a1a',
  confirmed: '#e0245e',
  rejected: '#8a94a6',
  edited: '#b15cff',
  field_verified: '#17bf63',
};

function boundsOf(coords: number[][][][]): Bounds {
  const b = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const poly of coords)
    for (const ring of poly)
      for (const [x, y] of ring) {
        if (x! < b.minX) b.minX = x!;
        if (x! > b.maxX) b.maxX = x!;
        if (y! < b.minY) b.minY = y!;
        if (y! > b.maxY) b.maxY = y!;
      }
  return b;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export const useInventoryStore = defineStore('inventory', () => {
  const layer = ref<VectorLayer | null>(null);
  const statusFilter = ref<LandslideStatus[]>([]);
  const minArea = ref(0);
  const maxArea = ref<number | null>(null);
  const selected = ref<number[]>([]);
  const loading = ref(false);

  const rows = computed<InventoryRow[]>(() =>
    (layer.value?.geojson.features ?? []).map((f) => {
      const p = f.properties;
      return {
        fid: f.id,
        uuid: String(p.uuid ?? ''),
        status: (p.status as LandslideStatus) ?? 'predicted',
        type: String(p.type ?? 'unknown'),
        area_m2: num(p.area_m2) ?? 0,
        prob_mean: num(p.prob_mean),
        prob_max: num(p.prob_max),
        slope_mean: num(p.slope_mean),
        confidence: num(p.confidence),
        notes: (p.notes as string | null) ?? null,
        bounds: boundsOf(f.geometry.coordinates),
      };
    }),
  );

  const filtered = computed(() =>
    rows.value.filter(
      (r) =>
        (statusFilter.value.length === 0 || statusFilter.value.includes(r.status)) &&
        r.area_m2 >= minArea.value &&
        (maxArea.value === null || r.area_m2 <= maxArea.value),
    ),
  );

  const totals = computed(() => {
    const byStatus: Record<string, number> = {};
    let area = 0;
    for (const r of filtered.value) {
      byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      area += r.area_m2;
    }
    return { count: filtered.value.length, area, byStatus };
  });

  /** Reload the inventory layer from the project file (WGS 84 for the map). */
  async function refresh(): Promise<void> {
    const project = useProjectStore();
    if (!project.path) return;
    // A project without a CRS has no features yet (its layer's SRS is set by the first scene).
    const info = await api.projectInfo();
    if (!info.crs || info.features === 0) {
      const empty: VectorLayer = { path: project.path, layer: 'landslides', crs: info.crs?.name ?? '', featureCount: 0, bounds: null, geojson: { type: 'FeatureCollection', features: [] } };
      layer.value = empty;
      useLayersStore().setInventory(empty);
      return;
    }
    loading.value = true;
    try {
      const v = await api.readVectorLayer({ path: project.path, layer: 'landslides' });
      layer.value = v;
      useLayersStore().setInventory(v);
    } finally {
      loading.value = false;
    }
  }

  function clear(): void {
    layer.value = null;
    selected.value = [];
  }

  function zoomTo(fid: number): void {
    const r = rows.value.find((x) => x.fid === fid);
    if (!r) return;
    const layers = useLayersStore();
    const pad = Math.max(r.bounds.maxX - r.bounds.minX, r.bounds.maxY - r.bounds.minY) * 0.6 + 0.0002;
    layers.zoomTo({ minX: r.bounds.minX - pad, minY: r.bounds.minY - pad, maxX: r.bounds.maxX + pad, maxY: r.bounds.maxY + pad });
    layers.highlight = fid;
  }

  /** Change attributes of some features (one undoable edit), then reload. */
  async function update(fids: number[], changes: FeatureChanges): Promise<void> {
    await api.updateFeatures({ fids, changes });
    await refresh();
    await useProjectStore().refreshInfo();
  }

  async function undo(): Promise<void> {
    await api.undo();
    await refresh();
    await useProjectStore().refreshInfo();
  }

  async function redo(): Promise<void> {
    await api.redo();
    await refresh();
    await useProjectStore().refreshInfo();
  }

  return { layer, rows, filtered, totals, statusFilter, minArea, maxArea, selected, loading, refresh, clear, zoomTo, update, undo, redo };
});
