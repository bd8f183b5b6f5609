/** Models, detection parameters, a running detection (progress, ETA, cancel) and its result. */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { BareGroundResult, ChangeResult, DetectResult, ModelSummary, ProgressEvent, ProviderPreference } from '@shared/api';
import type { BandSource } from '@shared/model-card';
import { bandRolesOf } from '@shared/bands';
import { fmtM, fmtRange, gsdFit, isTerrainSource, pickModel, pickableFromSummary, resampleRange, routeScene, type PickableModel } from '@shared/model-pick';
import { api, describeError, errorDetail } from '../api/client';
import { t } from '../i18n';
import { fmtNumber } from '../format';
import { useProjectStore } from './project';
import { useLayersStore } from './layers';
import { useInventoryStore } from './inventory';
import { useUiStore } from './ui';
import { patchWorkspace, type ProjectWorkspace } from './workspace';

const STAGE_WEIGHT: Record<ProgressEvent['stage'], [number, number]> = {
  prepare: [0, 0.05],
  infer: [0.05, 0.85],
  vectorise: [0.85, 0.97],
  write: [0.97, 1],
};

/** The picker's view of a model summary. */
const pickable = (m: ModelSummary): PickableModel => pickableFromSummary(m);

/** Whether the model cannot run without a DEM (a non-optional input with terrain). */
function demRequired(m: ModelSummary): boolean {
  return m.inputs.some((sources, i) => !m.inputOptional[i] && sources.some(isTerrainSource));
}

export const useDetectStore = defineStore('detect', () => {
  const models = ref<ModelSummary[]>([]);
  const modelId = ref<string | null>(null);
  const threshold = ref(0.5);
  const minAreaM2 = ref(50);
  const provider = ref<ProviderPreference>('auto');
  /** Test-time flips (4× slower); follows the model card's default until the user sets it. */
  const tta = ref(false);
  const running = ref(false);
  const progress = ref<ProgressEvent | null>(null);
  const startedAt = ref(0);
  const result = ref<DetectResult | null>(null);
  const error = ref<string | null>(null);
  /** A pre-event image of the same area (path): scenes no model accepts are then mapped by change detection. */
  const changeResult = ref<ChangeResult | null>(null);
  const bareGroundResult = ref<BareGroundResult | null>(null);
  let abort: AbortController | null = null;

  const model = computed(() => models.value.find((m) => m.id === modelId.value) ?? null);

/** The scene as the picker sees it: GSD (geometric mean of x and y, as the core), DEM, optical bands. */
  function scene(): { gsdM: number | null; hasDem: boolean; opticalBands: BandSource[] } {
    const project = useProjectStore();
    const img = project.imagery;
    // The core's band roles (src-shared/bands.ts): an alpha band is not near-infrared.
    const roles = img ? bandRolesOf(img) : ['red', 'green', 'blue'];
    const opticalBands = (['red', 'green', 'blue', 'nir'] as const).filter((r) => roles.includes(r));
    return { gsdM: img ? Math.sqrt(Math.abs(img.gsd.x * img.gsd.y)) : null, hasDem: !!project.dem, opticalBands: [...opticalBands] };
  }

  /** The core's default for the current scene (src-shared/model-pick.ts, the same rule), with its reason. */
  const defaultPick = computed<{ id: string; reason: string } | null>(() => {
    const p = pickModel(models.value, pickable, scene());
    return p ? { id: p.model.id, reason: p.reason } : null;
  });

  /** Where the scene goes (the CLI's rule, routeScene): the picked model, change detection, or nothing; one sentence why. */
  const route = computed(() => {
    const project = useProjectStore();
    if (!project.imagery) return null;
    // A pre-event scene other than the one worked on (which may itself be the pre-event scene, shown on purpose).
    const hasPreEvent = !!project.preEventScene && project.preEventScene.path !== project.imagery.path;
    const r = routeScene(models.value, pickable, { ...scene(), hasPreEvent });
    return { kind: r.kind, reason: r.reason };
  });

  /** Whether the user picked the model (else the default follows the scene: with or without a DEM). */
  const userChose = ref(false);

  /** One line under the model choice: why this model. */
  const modelReason = computed<string | null>(() => {
    const m = model.value;
    if (!m) return null;
    const d = defaultPick.value;
    if (d && d.id === m.id) return d.reason;
    // No model fits and none was chosen: the list shows one, but Detect runs the method named above.
    if (!userChose.value && !d) return t('detect.noneFits');
    return d ? t('detect.chosenWouldPick', { id: d.id }) : t('detect.chosenNoFit');
  });

  /** Why the current scene does not suit the chosen model (bands, DEM, resolution). */
  const warnings = computed<string[]>(() => {
    const m = model.value;
    const project = useProjectStore();
    const img = project.imagery;
    const out: string[] = [];
    if (!m || !img) return out;
    const optical = m.inputs.flat().filter((b) => ['red', 'green', 'blue', 'nir'].includes(b));
    const needNir = optical.includes('nir');
    const roles = bandRolesOf(img);
    if (needNir && !roles.includes('nir')) out.push(t('detect.needsNir', { n: img.bandCount }));
    if (!(['red', 'green', 'blue'] as const).every((r) => roles.includes(r))) out.push(t('detect.needsRgb', { n: img.bandCount }));
    if (demRequired(m) && !project.dem) out.push(t('detect.needsDem'));
    const gsd = scene().gsdM!;
    const fit = gsdFit(gsd, m.gsd);
    const wide = resampleRange(m.gsd);
    if (fit.kind === 'resample')
      out.push(t('detect.willResample', { gsd: fmtNumber(gsd, 2), range: fmtRange(m.gsd.minM, m.gsd.maxM), target: fmtM(fit.targetGsd) }));
    else if (fit.kind === 'out')
      out.push(
        wide
          ? t('detect.cannotRunWide', { gsd: fmtNumber(gsd, 2), range: fmtRange(m.gsd.minM, m.gsd.maxM), wide: fmtRange(wide[0], wide[1]) })
          : t('detect.cannotRun', { gsd: fmtNumber(gsd, 2), range: fmtRange(m.gsd.minM, m.gsd.maxM) }),
      );
    return out;
  });

  const fraction = computed(() => {
    const p = progress.value;
    if (!p) return 0;
    const [a, b] = STAGE_WEIGHT[p.stage];
    return a + (b - a) * (p.total > 0 ? p.done / p.total : 0);
  });

  const etaSeconds = computed<number | null>(() => {
    const f = fraction.value;
    if (!running.value || f <= 0.02) return null;
    const elapsed = (performance.now() - startedAt.value) / 1000;
    return Math.max(0, (elapsed / f) * (1 - f));
  });

  /** Whether the threshold is the project's remembered one (a default model does not reset it). */
  let thresholdKept = false;

  /** Take up a project's remembered threshold and last run (workspace.ts); {} forgets them. */
  function restore(ws: Pick<ProjectWorkspace, 'threshold' | 'lastRun'>): void {
    result.value = ws.lastRun ?? null;
    error.value = null;
    const t = ws.threshold ?? ws.lastRun?.threshold;
    thresholdKept = t !== undefined;
    if (t !== undefined) threshold.value = t;
  }

  // Remembered for the project: the threshold previewed and the last run.
  watch([threshold, result], () => {
    const project = useProjectStore();
    if (project.path && !project.restoring) patchWorkspace(project.path, { threshold: threshold.value, lastRun: result.value ?? undefined });
  });

  /** The default for the current scene (defaultPick), else the first model by id. */
  function defaultModelId(): string | null {
    return defaultPick.value?.id ?? [...models.value].sort((a, b) => (a.id < b.id ? -1 : 1))[0]?.id ?? null;
  }

  /** Follow the default unless the user chose a model that still exists. */
  function pickDefault(): void {
    if (userChose.value && model.value) return;
    const id = defaultModelId();
    if (id !== modelId.value) {
      modelId.value = id;
      if (model.value) {
        if (!thresholdKept) threshold.value = model.value.threshold;
        tta.value = model.value.tta === 'flips';
      }
    }
  }

  async function loadModels(): Promise<void> {
    models.value = await api.listModels();
    pickDefault();
  }

  function selectModel(id: string): void {
    userChose.value = true;
    thresholdKept = false;
    modelId.value = id;
    if (model.value) {
      threshold.value = model.value.threshold;
      tta.value = model.value.tta === 'flips';
    }
  }

  /**
   * An index method into the project: change detection between the pre-event image (typed, else the
   * project's pre-event scene) and the project's imagery, or the single-date method on the imagery.
   */
  async function runIndexMethod(kind: 'change' | 'single-date'): Promise<void> {
    const project = useProjectStore();
    const ui = useUiStore();
    if (!project.imagery || !project.path) return;
    running.value = true;
    error.value = null;
    changeResult.value = null;
    bareGroundResult.value = null;
    progress.value = { stage: 'prepare', done: 0, total: 1 };
    startedAt.value = performance.now();
    abort = new AbortController();
    const onProgress = (e: ProgressEvent): void => void (progress.value = e);
    try {
      const base = { dem: project.dem?.path, project: project.path };
      const r =
        kind === 'change'
          ? (changeResult.value = await api.detectChange({ ...base, post: project.imagery.path }, onProgress, abort.signal))
          : (bareGroundResult.value = await api.detectBareGround({ ...base, image: project.imagery.path }, onProgress, abort.signal));
      if (r.project) await showChangeLayer(project.path, r.project.runId).catch((e) => ui.notifyError(e, 'warning'));
      await useInventoryStore().refresh();
      await project.refreshInfo();
      const clouds = r.maskedPixels > 0 ? ` ${t('detect.cloudMasked', { n: fmtNumber(r.maskedPixels, 0) })}` : '';
      ui.notify('success', t('detect.finishedChange', { reason: r.methodReason, n: r.features, ha: fmtNumber(r.totalAreaM2 / 10_000, 2) }) + clouds);
    } catch (e) {
      error.value = describeError(e);
      ui.notify((e as { code?: string }).code === 'CANCELLED' ? 'warning' : 'error', error.value, errorDetail(e));
    } finally {
      running.value = false;
      abort = null;
    }
  }
  const runChange = (): Promise<void> => runIndexMethod('change');

  /**
   * The change layer: the run's stored change strength (0–1, 0.5 at the method's threshold; not a
   * probability) written beside the project as a GeoTIFF by the export the CLI has
   * (`scarp export --format change --run`: tagged SCARP_LAYER=change, its own band description and
   * QGIS style), shown with the change ramp and remembered with the run it belongs to.
   */
  async function showChangeLayer(projectPath: string, runId: string): Promise<void> {
    const out = `${projectPath.replace(/\.gpkg$/i, '')}-change-${Date.now()}.tif`;
    await api.exportInventory({ project: projectPath, format: 'change', run: runId, out });
    await useLayersStore().addRaster(out, 'change');
    patchWorkspace(projectPath, { change: out, changeRun: runId });
  }

  async function run(): Promise<void> {
    const project = useProjectStore();
    const ui = useUiStore();
    // No model accepts the scene: change detection (a pre-event image is there) or the single-date method instead of a refusal.
    if (route.value?.kind === 'change' && !userChose.value) return runChange();
    if (route.value?.kind === 'single-date' && !userChose.value) return runIndexMethod('single-date');
    if (!project.imagery || !project.path || !model.value) return;
    running.value = true;
    error.value = null;
    result.value = null;
    progress.value = { stage: 'prepare', done: 0, total: 1 };
    startedAt.value = performance.now();
    abort = new AbortController();
    const probability = `${project.path.replace(/\.gpkg$/i, '')}-probability-${Date.now()}.tif`;
    try {
      const r = await api.detect(
        {
          image: project.imagery.path,
          // The DEM also when the model does not read it: the landslides' slope, elevation and aspect come from it.
          dem: project.dem?.path,
          model: model.value.id,
          threshold: threshold.value,
          tta: tta.value,
          minAreaM2: minAreaM2.value,
          provider: provider.value,
          project: project.path,
          probability,
        },
        (e) => (progress.value = e),
        abort.signal,
      );
      result.value = r;
      const prob = r.outputs.probability ?? probability;
      project.setProbability(prob);
      const layers = useLayersStore();
      await layers.addRaster(prob, 'probability').then((l) => layers.setVisible(l.key, false));
      await layers.addRaster(prob, 'mask', { threshold: threshold.value });
      await useInventoryStore().refresh();
      await project.refreshInfo();
      ui.notify('success', t('detect.finished', { n: r.features, ha: fmtNumber(r.totalAreaM2 / 10_000, 2) }));
    } catch (e) {
      error.value = describeError(e);
      ui.notify((e as { code?: string }).code === 'CANCELLED' ? 'warning' : 'error', error.value, errorDetail(e));
    } finally {
      running.value = false;
      abort = null;
    }
  }

  function cancel(): void {
    abort?.abort();
  }

  /** Live preview: re-render the mask at the current threshold. */
  async function previewThreshold(): Promise<void> {
    const p = useProjectStore().probabilityPath;
    if (p) await useLayersStore().addRaster(p, 'mask', { threshold: threshold.value });
  }

  return { route, changeResult, bareGroundResult, runChange, showChangeLayer, models, modelId, model, restore, pickDefault, defaultPick, modelReason, demRequired, threshold, minAreaM2, provider, tta, running, progress, fraction, etaSeconds, result, error, warnings, loadModels, selectModel, run, cancel, previewThreshold };
});
