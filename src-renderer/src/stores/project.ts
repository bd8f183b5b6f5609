/** The open project, its scenes, and the imagery/DEM the workflow uses. */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { ProjectInfo, SceneInfo } from '@shared/api';
import type { RasterInfo } from '@shared/geo';
import { api, shell } from '../api/client';
import { useLayersStore } from './layers';
import { useInventoryStore } from './inventory';
import { useDetectStore } from './detect';
import { clearLastProject, forgetRecent, patchWorkspace, readWorkspace, recentProjects, rememberOpened, type LayerState, type RecentProject } from './workspace';

function dirOf(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i > 0 ? p.slice(0, i) : p;
}

export const useProjectStore = defineStore('project', () => {
  const info = ref<ProjectInfo | null>(null);
  const scenes = ref<SceneInfo[]>([]);
  const imagery = ref<RasterInfo | null>(null);
  const dem = ref<RasterInfo | null>(null);
  const probabilityPath = ref<string | null>(null);
  const busy = ref(false);
  /** Recently opened projects, newest first (workspace.ts). */
  const recent = ref<RecentProject[]>(recentProjects());
  /** True while a project's work context is being restored: nothing is remembered meanwhile. */
  const restoring = ref(false);

  const path = computed(() => info.value?.path ?? null);
  const folder = computed(() => (path.value ? dirOf(path.value) : null));
  const name = computed(() => (path.value ? path.value.split(/[\\/]/).pop()!.replace(/\.gpkg$/i, '') : null));

  /**
   * Open a project's session where it was left (workspace.ts): its imagery and DEM, the probability
   * and mask layers at the threshold last previewed, the last run's summary, the layers' visibility
   * and opacity, and the map view.
   */
  async function afterOpen(p: ProjectInfo): Promise<void> {
    info.value = p;
    const ws = readWorkspace(p.path);
    recent.value = rememberOpened(p.path);
    const layers = useLayersStore();
    const detect = useDetectStore();
    restoring.value = true;
    try {
      layers.clear();
      useInventoryStore().clear();
      imagery.value = null;
      dem.value = null;
      probabilityPath.value = null;
      detect.restore(ws);
      scenes.value = await api.listScenes();
      const first = scenes.value.find((s) => s.state === 'ok');
      const img = ws.imagery ?? first?.path;
      if (img) await setImagery(img, false).catch(() => undefined);
      if (ws.dem) await setDem(ws.dem).catch(() => undefined);
      if (ws.probability) {
        probabilityPath.value = ws.probability;
        await layers
          .addRaster(ws.probability, 'probability')
          .then((l) => layers.setVisible(l.key, false))
          .catch(() => undefined);
        await layers.addRaster(ws.probability, 'mask', { threshold: detect.threshold }).catch(() => undefined);
      }
      await useInventoryStore().refresh();
      for (const [key, st] of Object.entries(ws.layers ?? {})) {
        layers.setVisible(key, st.visible);
        layers.setOpacity(key, st.opacity);
      }
      if (ws.view) layers.setView(ws.view);
    } finally {
      restoring.value = false;
    }
    remember();
    rememberLayers();
    await shell?.projectOpened(p.path);
  }

  function remember(): void {
    if (!info.value || restoring.value) return;
    patchWorkspace(info.value.path, { imagery: imagery.value?.path, dem: dem.value?.path, probability: probabilityPath.value ?? undefined });
  }

  function rememberLayers(): void {
    if (!info.value || restoring.value) return;
    const states: Record<string, LayerState> = {};
    for (const l of useLayersStore().layers) if (l.kind !== 'basemap') states[l.key] = { visible: l.visible, opacity: l.opacity };
    patchWorkspace(info.value.path, { layers: states });
  }

  // The layers' visibility and opacity, and the map view, are remembered as the operator changes them.
  watch(
    () =>
      useLayersStore()
        .layers.map((l) => `${l.key}:${l.visible}:${l.opacity}`)
        .join('|'),
    rememberLayers,
  );
  watch(
    () => useLayersStore().view,
    (v) => {
      if (info.value && v && !restoring.value) patchWorkspace(info.value.path, { view: v });
    },
  );

  /** Forget a project in the recent list (the file stays). */
  function forget(p: string): void {
    recent.value = forgetRecent(p);
  }

  async function create(p: string): Promise<void> {
    busy.value = true;
    try {
      await afterOpen(await api.createProject({ path: p }));
    } finally {
      busy.value = false;
    }
  }

  async function open(p: string): Promise<void> {
    busy.value = true;
    try {
      await afterOpen(await api.openProject({ path: p }));
    } finally {
      busy.value = false;
    }
  }

  async function close(): Promise<void> {
    clearLastProject();
    await api.closeProject();
    useDetectStore().restore({});
    info.value = null;
    scenes.value = [];
    imagery.value = null;
    dem.value = null;
    useLayersStore().clear();
    useInventoryStore().clear();
  }

  async function refreshInfo(): Promise<void> {
    if (info.value) info.value = await api.projectInfo();
  }

  /** Add imagery: recorded as a scene in the project, shown true colour (and false colour with NIR). */
  async function setImagery(p: string, addScene = true): Promise<void> {
    busy.value = true;
    try {
      const r = await api.rasterInfo({ path: p });
      if (addScene && info.value && !scenes.value.some((s) => s.path === p)) {
        await api.addScene({ path: p });
        scenes.value = await api.listScenes();
        info.value = await api.projectInfo();
      }
      const layers = useLayersStore();
      const l = await layers.addRaster(p, 'imagery');
      if (r.bandCount >= 4) await layers.addRaster(p, 'falsecolor').then((f) => layers.setVisible(f.key, false));
      layers.zoomTo(l.boundsWgs84);
      imagery.value = r;
      remember();
    } finally {
      busy.value = false;
    }
  }

  /** Add a DEM: hillshade (visible) and slope (hidden) layers; used by models that need terrain. */
  async function setDem(p: string): Promise<void> {
    busy.value = true;
    try {
      const info = await api.rasterInfo({ path: p });
      const layers = useLayersStore();
      const h = await layers.addRaster(p, 'hillshade', { opacity: 0.35 });
      // Over imagery the hillshade starts hidden: the operator turns it on to read the relief.
      if (imagery.value) layers.setVisible(h.key, false);
      const s = await layers.addRaster(p, 'slope');
      layers.setVisible(s.key, false);
      if (!imagery.value) layers.zoomTo(h.boundsWgs84);
      dem.value = info;
      remember();
    } finally {
      busy.value = false;
    }
  }

  function setProbability(p: string | null): void {
    probabilityPath.value = p;
    remember();
  }

  return { info, scenes, imagery, dem, probabilityPath, busy, recent, restoring, forget, path, folder, name, create, open, close, refreshInfo, setImagery, setDem, setProbability };
});
