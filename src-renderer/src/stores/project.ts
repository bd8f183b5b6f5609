/** The open project, its scenes, and the imagery/DEM the workflow uses. */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { AddSceneRequest, ProjectInfo, RunInfo, SceneInfo } from '@shared/api';
import { latestSceneFirst } from '@shared/scene-order';
import { runLayerKind } from '@shared/vocabulary';
import type { RasterInfo } from '@shared/geo';
import { bandRolesOf } from '@shared/bands';
import { api, shell } from '../api/client';
import { t } from '../i18n';
import { useLayersStore } from './layers';
import { useInventoryStore } from './inventory';
import { useDetectStore } from './detect';
import { useUiStore } from './ui';
import { dirOf, fileName } from '../paths';
import { clearLastProject, forgetRecent, patchWorkspace, readWorkspace, recentProjects, rememberOpened, type LayerState, type RecentProject } from './workspace';

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
  const name = computed(() => (path.value ? fileName(path.value).replace(/\.gpkg$/i, '') : null));

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
      // The imagery is a post-event scene (or one without a role), never the pre-event one when there is another.
      const first = scenes.value.find((s) => s.state === 'ok' && s.role !== 'pre-event') ?? scenes.value.find((s) => s.state === 'ok');
      const img = ws.imagery ?? first?.path;
      if (img) await setImagery(img, false).catch(() => undefined);
      // The scene's DEM as the project records it (a run's, or the one chosen here), else this
      // machine's memory of the session: a project made by the CLI or elsewhere keeps its terrain.
      const scene = scenes.value.find((s) => s.path === img);
      const demPath = scene?.dem?.state === 'ok' ? scene.dem.path : ws.dem;
      if (demPath) await setDem(demPath, false).catch(() => undefined);
      // The landslides first: the layers below may take a moment to write (a stored probability).
      await useInventoryStore().refresh();
      await showPreEvent().catch(() => undefined);
      await showChangeLayer(p.path, ws).catch((e) => useUiStore().notifyError(e, 'warning'));
      const probability = ws.probability ?? (scene ? await storedProbability(p.path, scene.id, ws.threshold === undefined && !ws.lastRun).catch((e) => void useUiStore().notifyError(e, 'warning')) : undefined);
      if (probability) {
        probabilityPath.value = probability;
        await layers
          .addRaster(probability, 'probability')
          .then((l) => layers.setVisible(l.key, false))
          .catch(() => undefined);
        await layers.addRaster(probability, 'mask', { threshold: detect.threshold }).catch(() => undefined);
      }
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

  /**
   * The change layer of the project's latest change or single-date run, whoever made it (this app,
   * or `scarp change --project` / `scarp bare-ground --project`): the run is in the project, so the
   * layer is found from it. The file this app exported for that run is shown when it is still there;
   * else the run's layer is exported again beside the project (detect store, showChangeLayer).
   */
  async function showChangeLayer(projectPath: string, ws: ReturnType<typeof readWorkspace>): Promise<void> {
    const layers = useLayersStore();
    const run = (await api.listRuns()).find((r) => r.status === 'done' && runLayerKind(r.modelId) === 'change');
    if (!run) return;
    if (ws.change && ws.changeRun === run.id) {
      const shown = await layers.addRaster(ws.change, 'change').then(
        () => true,
        () => false,
      );
      if (shown) return;
    }
    await useDetectStore().showChangeLayer(projectPath, run.id);
  }

  /**
   * The probability of the scene's latest model run when this app has not shown one for the project
   * (a project made by `scarp detect --project` or a batch, a colleague's, or one opened on another
   * machine): written beside the project from the run's stored tiles (`scarp export --format
   * probability --run`), as a run in this app writes it. With `useRunThreshold`, the mask previews
   * the run's own threshold.
   */
  async function storedProbability(projectPath: string, sceneId: string, useRunThreshold: boolean): Promise<string | undefined> {
    const run = await latestModelRun(sceneId);
    if (!run) return undefined;
    const out = `${projectPath.replace(/\.gpkg$/i, '')}-probability-${run.id.slice(0, 8)}.tif`;
    // A finished run's probability does not change: a file written for it before is shown again (the
    // export writes it whole or not at all), never rewritten while the map may hold it open.
    const written = await api.rasterInfo({ path: out }).then(
      () => true,
      () => false,
    );
    if (!written) await api.exportInventory({ project: projectPath, format: 'probability', run: run.id, out, overwrite: true });
    if (useRunThreshold) useDetectStore().restore({ threshold: run.threshold });
    patchWorkspace(projectPath, { probability: out });
    return out;
  }

  /** The scene's latest finished model detection (not a change or single-date run), or undefined. */
  async function latestModelRun(sceneId: string): Promise<RunInfo | undefined> {
    return (await api.listRuns()).find((r) => r.sceneId === sceneId && r.status === 'done' && runLayerKind(r.modelId) === 'probability');
  }

  /** No DEM on the map (and none for the next detection). */
  function hideDem(): void {
    dem.value = null;
    for (const k of ['hillshade', 'slope']) useLayersStore().remove(k);
  }

  /**
   * Work on another scene of the project: its imagery, the DEM the project records for it (none
   * shown when it has none) and its latest model run's probability and mask (none when it has no run).
   */
  async function showScene(s: SceneInfo): Promise<void> {
    if (!info.value) return;
    const layers = useLayersStore();
    await setImagery(s.path, false);
    if (s.dem?.state === 'ok') await setDem(s.dem.path, false);
    else hideDem();
    const probability = await storedProbability(info.value.path, s.id, true);
    probabilityPath.value = probability ?? null;
    if (probability) {
      await layers.addRaster(probability, 'probability').then((l) => layers.setVisible(l.key, false));
      await layers.addRaster(probability, 'mask', { threshold: useDetectStore().threshold });
    } else {
      for (const k of ['probability', 'mask']) layers.remove(k);
      // No run of this scene: the Detect panel shows no earlier scene's result or threshold.
      useDetectStore().restore({});
    }
    remember();
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
        const added = await api.addScene({ path: p });
        // A DEM loaded before the imagery is this scene's terrain; one that does not cover it leaves the map.
        if (dem.value && !added.dem) {
          const shown = dem.value.path;
          const covers = await api.setSceneDem({ sceneId: added.id, path: shown }).then(
            () => true,
            (e) => (e as { code?: string }).code !== 'NO_OVERLAP',
          );
          if (!covers) {
            hideDem();
            useUiStore().notify('warning', t('project.demNotCovering', { name: fileName(shown), image: fileName(p) }));
          }
        }
        scenes.value = await api.listScenes();
        info.value = await api.projectInfo();
      }
      const layers = useLayersStore();
      const l = await layers.addRaster(p, 'imagery');
      if (bandRolesOf(r).includes('nir')) await layers.addRaster(p, 'falsecolor').then((f) => layers.setVisible(f.key, false));
      else layers.remove('falsecolor');
      layers.zoomTo(l.boundsWgs84);
      imagery.value = r;
      remember();
    } finally {
      busy.value = false;
    }
  }

  /** Add a DEM: hillshade (visible) and slope (hidden) layers; used by models that need terrain; recorded for the imagery's scene unless `record` is false. */
  async function setDem(p: string, record = true): Promise<void> {
    busy.value = true;
    try {
      const info = await api.rasterInfo({ path: p });
      // Recorded in the project as the imagery scene's terrain, so that it opens with it anywhere.
      const scene = scenes.value.find((s) => s.path === imagery.value?.path);
      if (record && scene) {
        const updated = await api.setSceneDem({ sceneId: scene.id, path: p });
        scenes.value = scenes.value.map((s) => (s.id === updated.id ? updated : s));
      }
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

  /** The project scene on the map (its imagery is the one shown): what edits, adaptation and runs work on. */
  const shownScene = computed<SceneInfo | null>(() => scenes.value.find((s) => s.path === imagery.value?.path) ?? null);

  /** The pre-event scene the change run takes (the latest by date, as the core), or null. */
  const preEventScene = computed<SceneInfo | null>(() => scenes.value.filter((s) => s.role === 'pre-event' && s.state === 'ok').sort(latestSceneFirst)[0] ?? null);

  /**
   * The pre-event scene on the map as its own imagery layer (key 'pre-event'), under the imagery and
   * hidden until the operator compares it (swipe) or turns it on; removed when there is none.
   */
  async function showPreEvent(): Promise<void> {
    const layers = useLayersStore();
    const pre = preEventScene.value;
    const have = layers.layers.find((l) => l.key === 'pre-event');
    if (!pre || pre.path === imagery.value?.path) {
      if (have) layers.remove('pre-event');
      return;
    }
    if (have?.tile?.path === pre.path) return;
    const name = pre.date ? t('scenes.preEventLayerDated', { date: pre.date }) : t('scenes.preEventLayer');
    const l = await layers.addRaster(pre.path, 'imagery', { key: 'pre-event', name });
    if (!have) layers.setVisible(l.key, false);
  }

  async function afterScenesChanged(): Promise<void> {
    scenes.value = await api.listScenes();
    info.value = await api.projectInfo();
    await showPreEvent();
  }

  /** Add a scene with its role and date (the API the CLI's `project add-scene` uses). */
  async function addScene(req: AddSceneRequest): Promise<SceneInfo> {
    busy.value = true;
    try {
      const s = await api.addScene(req);
      await afterScenesChanged();
      return s;
    } finally {
      busy.value = false;
    }
  }

  /** Remove a scene no run or landslide comes from (the core refuses otherwise, saying how many). */
  async function removeScene(id: string): Promise<void> {
    busy.value = true;
    try {
      const gone = scenes.value.find((s) => s.id === id);
      await api.removeScene({ sceneId: id });
      // The imagery shown was that scene: it leaves the map too.
      if (gone && gone.path === imagery.value?.path) {
        imagery.value = null;
        for (const k of ['imagery', 'falsecolor']) useLayersStore().remove(k);
        remember();
      }
      await afterScenesChanged();
    } finally {
      busy.value = false;
    }
  }

  /** Point a scene whose file moved at its new place (same content). */
  async function relinkScene(id: string, p: string): Promise<SceneInfo> {
    busy.value = true;
    try {
      const s = await api.relinkScene({ sceneId: id, path: p });
      await afterScenesChanged();
      await showFound();
      return s;
    } finally {
      busy.value = false;
    }
  }

  /**
   * Find the imagery and DEMs that moved (same content, under `folder` and the project's own folder:
   * a project copied to another laptop, a disk under another drive letter) and relink every one found.
   */
  async function findMoved(folder: string): Promise<{ found: number; missing: number }> {
    busy.value = true;
    try {
      const r = await api.findMovedImagery({ folder, relink: true });
      await afterScenesChanged();
      await showFound();
      return { found: r.found.length, missing: r.missing.length };
    } finally {
      busy.value = false;
    }
  }

  /** After files were found again: the scene on the map, and its DEM, where they were missing. */
  async function showFound(): Promise<void> {
    if (!imagery.value) {
      const next = scenes.value.find((s) => s.state === 'ok' && s.role !== 'pre-event') ?? scenes.value.find((s) => s.state === 'ok');
      if (next) await showScene(next);
      return;
    }
    const d = shownScene.value?.dem;
    if (!dem.value && d?.state === 'ok') await setDem(d.path, false);
  }

  function setProbability(p: string | null): void {
    probabilityPath.value = p;
    remember();
  }

  return {
    info,
    scenes,
    imagery,
    dem,
    probabilityPath,
    busy,
    recent,
    restoring,
    preEventScene,
    shownScene,
    forget,
    path,
    folder,
    name,
    create,
    open,
    close,
    refreshInfo,
    setImagery,
    setDem,
    setProbability,
    showScene,
    latestModelRun,
    addScene,
    removeScene,
    relinkScene,
    findMoved,
    showPreEvent,
  };
});
