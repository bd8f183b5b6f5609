/**
 * The landslide inventory of the open project: features for the map and the table, filters,
 * statistics, edits. Loaded once per project (paged `mapFeatures`, WGS 84); after that every edit,
 * review decision, undo and redo returns what it changed (`EditResult.changes`) and only that is
 * applied here — the project file is never re-read after an edit.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { EditResult, FeatureChanges, InventoryChanges, LandslideStatus, MapFeature, VectorLayer } from '@shared/api';
import type { Bounds } from '@shared/geo';
import { countsInInventory, LANDSLIDE_STATUSES, runLayerKind, UNREVIEWED_STATUS, valueKindOf, type RunLayerKind, type ValueKind } from '@shared/vocabulary';
import { api } from '../api/client';
import { useLayersStore } from './layers';
import { useProjectStore } from './project';

export interface InventoryRow {
  fid: number;
  uuid: string;
  status: LandslideStatus;
  type: string;
  area_m2: number;
  perimeter_m: number | null;
  prob_mean: number | null;
  prob_max: number | null;
  slope_mean: number | null;
  elev_min: number | null;
  elev_max: number | null;
  aspect_mean: number | null;
  /** Share (0..1) of the landslide's area where the DEM had a valid elevation. */
  dem_coverage: number | null;
  confidence: number | null;
  mapper: string | null;
  created_at: string | null;
  updated_at: string | null;
  source: string | null;
  notes: string | null;
  /** The run that detected it (none for drawn and imported landslides). */
  run: string | null;
  /** The project scene it was mapped on (none for drawn and imported landslides). */
  scene: string | null;
  bounds: Bounds;
}

export const STATUSES: readonly LandslideStatus[] = LANDSLIDE_STATUSES;
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

/** Up to this many landslides changed by an undo or redo become the selection. */
const FOCUS_MAX = 20;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

type LayerFeature = VectorLayer['geojson']['features'][number];

/** A map feature as the inventory layer holds it (attribute values only: no undefined). */
function layerFeature(f: MapFeature): LayerFeature {
  const properties: LayerFeature['properties'] = {};
  for (const [k, v] of Object.entries(f.properties)) properties[k] = v === undefined ? null : (v as string | number | null);
  return { type: 'Feature', id: f.id, geometry: f.geometry, properties };
}

export const useInventoryStore = defineStore('inventory', () => {
  const layer = shallowRef<VectorLayer | null>(null);
  /** fid → feature: what the map shows. */
  let byFid = new Map<number, LayerFeature>();
  const statusFilter = ref<LandslideStatus[]>([]);
  const minArea = ref(0);
  const maxArea = ref<number | null>(null);
  /**
   * The selected landslides: the ONE selection of the app. The map highlights these, the attribute
   * form edits these, the table marks these, and the review card shows the one selected landslide.
   */
  const selected = ref<number[]>([]);
  const loading = ref(false);
  /** Runs of a change or single-date method: their landslides' prob_mean is a change strength, not a probability. */
  const strengthRuns = ref<ReadonlySet<string>>(new Set());
  /** Whether a landslide's prob_mean / prob_max hold a change strength (labelled so, never "probability"). */
  const holdsStrength = (r: Pick<InventoryRow, 'run'>): boolean => r.run !== null && strengthRuns.value.has(r.run);
  /** What the value columns hold over the inventory: model probabilities, change strengths, or both. */
  const valueKind = computed<ValueKind>(() => {
    const kinds = new Set<RunLayerKind>();
    for (const r of rows.value) if (r.run !== null) kinds.add(holdsStrength(r) ? 'change' : 'probability');
    return valueKindOf(kinds);
  });

  const rows = computed<InventoryRow[]>(() =>
    (layer.value?.geojson.features ?? []).map((f) => {
      const p = f.properties;
      return {
        fid: f.id,
        uuid: String(p.uuid ?? ''),
        status: (p.status as LandslideStatus) ?? UNREVIEWED_STATUS,
        type: String(p.type ?? 'unknown'),
        area_m2: num(p.area_m2) ?? 0,
        perimeter_m: num(p.perimeter_m),
        prob_mean: num(p.prob_mean),
        prob_max: num(p.prob_max),
        slope_mean: num(p.slope_mean),
        elev_min: num(p.elev_min),
        elev_max: num(p.elev_max),
        aspect_mean: num(p.aspect_mean),
        dem_coverage: num(p.dem_coverage),
        confidence: num(p.confidence),
        mapper: str(p.mapper),
        created_at: str(p.created_at),
        updated_at: str(p.updated_at),
        source: str(p.source),
        notes: str(p.notes),
        run: str(p.run),
        scene: str(p.scene),
        bounds: boundsOf(f.geometry.coordinates),
      };
    }),
  );

  const rowByFid = computed(() => new Map(rows.value.map((r) => [r.fid, r])));

  const filtered = computed(() =>
    rows.value.filter(
      (r) =>
        (statusFilter.value.length === 0 || statusFilter.value.includes(r.status)) &&
        r.area_m2 >= minArea.value &&
        (maxArea.value === null || r.area_m2 <= maxArea.value),
    ),
  );

  /** Whether any filter is set (the map then shows only the filtered landslides too). */
  const filtering = computed(() => statusFilter.value.length > 0 || minArea.value > 0 || maxArea.value !== null);

  /** The filter as a MapLibre expression: the map shows what the table lists. */
  const mapFilter = computed<unknown[]>(() => {
    const all: unknown[] = ['all'];
    if (statusFilter.value.length > 0) all.push(['in', ['get', 'status'], ['literal', [...statusFilter.value]]]);
    if (minArea.value > 0) all.push(['>=', ['to-number', ['get', 'area_m2'], 0], minArea.value]);
    if (maxArea.value !== null) all.push(['<=', ['to-number', ['get', 'area_m2'], 0], maxArea.value]);
    return all;
  });

  // A landslide the filter hides leaves the selection (what is selected can always be seen).
  watch(filtered, (f) => {
    if (!filtering.value || selected.value.length === 0) return;
    const shown = new Set(f.map((r) => r.fid));
    if (selected.value.some((fid) => !shown.has(fid))) selected.value = selected.value.filter((fid) => shown.has(fid));
  });

  /** Totals of the filtered rows: count and area follow the counting rule (countsInInventory); byStatus lists every status. */
  const totals = computed(() => {
    const byStatus: Record<string, number> = {};
    let area = 0;
    let count = 0;
    for (const r of filtered.value) {
      byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      if (!countsInInventory(r.status)) continue;
      count++;
      area += r.area_m2;
    }
    return { count, uncounted: filtered.value.length - count, area, byStatus };
  });

  function publish(): void {
    const project = useProjectStore();
    const features = [...byFid.values()];
    let bounds: Bounds | null = null;
    for (const f of features) {
      const b = boundsOf(f.geometry.coordinates);
      bounds = bounds ? { minX: Math.min(bounds.minX, b.minX), minY: Math.min(bounds.minY, b.minY), maxX: Math.max(bounds.maxX, b.maxX), maxY: Math.max(bounds.maxY, b.maxY) } : b;
    }
    const v: VectorLayer = { path: project.path ?? '', layer: 'landslides', crs: project.info?.crs?.name ?? '', featureCount: features.length, bounds, geojson: { type: 'FeatureCollection', features } };
    layer.value = v;
    useLayersStore().setInventory(v);
  }

  /** Load the open project's landslides (page by page); done when a project opens or a detection ends. */
  async function refresh(): Promise<void> {
    const project = useProjectStore();
    if (!project.path) return;
    loading.value = true;
    try {
      const next = new Map<number, LayerFeature>();
      let after = 0;
      for (;;) {
        const page = await api.mapFeatures({ afterFid: after, limit: 5000 });
        for (const f of page.features) next.set(f.id, layerFeature(f));
        if (page.nextAfterFid === null) break;
        after = page.nextAfterFid;
      }
      byFid = next;
      strengthRuns.value = new Set((await api.listRuns()).filter((r) => runLayerKind(r.modelId) === 'change').map((r) => r.id));
      publish();
    } finally {
      loading.value = false;
    }
  }

  /** Apply what an edit, review decision, undo or redo changed: those features only. */
  function applyChanges(r: EditResult): void {
    const c: InventoryChanges = r.changes;
    for (const fid of c.removed) byFid.delete(fid);
    for (const f of c.changed) byFid.set(f.id, layerFeature(f));
    publish();
    const project = useProjectStore();
    if (project.info) project.info = { ...project.info, features: c.features, byStatus: c.byStatus, canUndo: r.canUndo, canRedo: r.canRedo };
  }

  function clear(): void {
    byFid = new Map();
    layer.value = null;
    selected.value = [];
  }

  /** The padded bounds of some landslides (WGS 84), null when none is in the inventory. */
  function boundsOfFids(fids: readonly number[]): Bounds | null {
    let b: Bounds | null = null;
    for (const fid of fids) {
      const r = rowByFid.value.get(fid);
      if (!r) continue;
      const x = r.bounds;
      b = b ? { minX: Math.min(b.minX, x.minX), minY: Math.min(b.minY, x.minY), maxX: Math.max(b.maxX, x.maxX), maxY: Math.max(b.maxY, x.maxY) } : { ...x };
    }
    if (!b) return null;
    const pad = Math.max(b.maxX - b.minX, b.maxY - b.minY) * 0.6 + 0.0002;
    return { minX: b.minX - pad, minY: b.minY - pad, maxX: b.maxX + pad, maxY: b.maxY + pad };
  }

  /**
   * Select landslides (the one selection: map highlight, form, table, review card). `view`: 'zoom'
   * fits the map to them, 'reveal' moves the map only when they are not all in view.
   */
  function select(fids: readonly number[], view: 'none' | 'zoom' | 'reveal' = 'none'): void {
    selected.value = [...fids];
    if (view === 'none') return;
    const b = boundsOfFids(fids);
    if (b) useLayersStore().zoomTo(b, view === 'reveal');
  }

  function zoomTo(fid: number): void {
    select([fid], 'zoom');
  }

  /** Change attributes of some features (one undoable edit); the map takes what changed. */
  async function update(fids: number[], changes: FeatureChanges): Promise<void> {
    applyChanges(await api.updateFeatures({ fids, changes }));
  }

  /**
   * Undo and redo bring the view to what they changed: the landslides they restored or changed become
   * the selection (so the review card, the highlight and the form show them) and the map moves to
   * them when they are out of view. A bulk step (a detection, an import) only drops what it removed.
   */
  function focusChanges(r: EditResult): void {
    const changed = r.changes.changed.map((f) => f.id);
    if (changed.length > 0 && changed.length <= FOCUS_MAX) select(changed, 'reveal');
    else select(selected.value.filter((f) => byFid.has(f)));
  }

  async function undo(): Promise<void> {
    const r = await api.undo();
    applyChanges(r);
    focusChanges(r);
  }

  async function redo(): Promise<void> {
    const r = await api.redo();
    applyChanges(r);
    focusChanges(r);
  }

  /** Edits saved into the project by another program (QGIS): taken in as one undoable edit; returns its label, or null. */
  async function takeExternalEdits(): Promise<string | null> {
    const r = await api.takeExternalEdits();
    if (!r.edit && r.changes.changed.length === 0 && r.changes.removed.length === 0) return null;
    applyChanges(r);
    return r.edit?.label ?? null;
  }

  return { layer, rows, rowByFid, filtered, filtering, mapFilter, totals, statusFilter, minArea, maxArea, selected, loading, holdsStrength, valueKind, refresh, applyChanges, clear, select, zoomTo, update, undo, redo, takeExternalEdits };
});
