/**
 * "Adapt to this event" (issue 14): learn from the reviewed landslides, detect the scene again with
 * the adapted model (one journal edit that replaces only the unreviewed landslides), show what
 * changed, then keep it (Accept) or undo it (Discard). The map takes only what changed: the new
 * run's landslides (read back by the scene's window) replace the scene's previous unreviewed ones;
 * a discard applies what the undo returns.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { AdaptModelResult, ProgressEvent } from '@shared/api';
import type { Bounds } from '@shared/geo';
import { ADAPT_MIN_DECISIONS, adaptBlocker } from '@shared/adapt';
import { BACKGROUND_SOURCE, REJECTED_STATUS, UNREVIEWED_STATUS } from '@shared/vocabulary';
import { api, describeError, errorDetail } from '../api/client';
import { t } from '../i18n';
import { differenceBounds, differenceOf, outlineOf, runFeatures, unreviewedOutlines, type Difference, type Outline } from './adapt-difference';
import { useDetectStore } from './detect';
import { useInventoryStore } from './inventory';
import { useLayersStore } from './layers';
import { useProjectStore } from './project';
import { useUiStore } from './ui';

/** Adapting (features, fit) then mapping the scene again: shares of the bar. */
const ADAPT_SHARE = 0.4;
const DETECT_WEIGHT: Record<ProgressEvent['stage'], [number, number]> = {
  prepare: [0, 0.05],
  infer: [0.05, 0.85],
  vectorise: [0.85, 0.97],
  write: [0.97, 1],
};

/** The adaptation's own events are 'prepare' events whose message says so (the service's convention). */
function isAdaptEvent(e: ProgressEvent): boolean {
  return e.stage === 'prepare' && !!e.message?.startsWith('Adapting');
}

/** Layers drawn from the previous detection's probability raster: stale once the scene is mapped again. */
const STALE_KINDS = ['mask', 'probability'] as const;

export const useAdaptStore = defineStore('adapt', () => {
  const project = useProjectStore();
  const inventory = useInventoryStore();
  const layers = useLayersStore();
  const ui = useUiStore();

  const running = ref(false);
  const deciding = ref(false);
  const phase = ref<'adapt' | 'detect'>('adapt');
  const progress = ref<ProgressEvent | null>(null);
  const result = shallowRef<AdaptModelResult | null>(null);
  const difference = shallowRef<Difference | null>(null);
  const showDifference = ref(true);
  const error = ref<string | null>(null);
  /** Increments when the inventory changed through an adaptation or its discard (the review queue reloads). */
  const revision = ref(0);
  let abort: AbortController | null = null;
  /** The undo stack right after the adaptation: below it, the adaptation was undone elsewhere. */
  let canUndoAfter: number | null = null;
  /** Stale layers this store hid, shown again on discard. */
  const hidden = ref<string[]>([]);

  /** Reviewed landslides of the scene on the map (what the core counts for its run): not the areas the background brush marked. */
  const reviewed = computed(() => {
    const c = { landslides: 0, rejected: 0 };
    const scene = project.shownScene?.id;
    for (const f of inventory.layer?.geojson.features ?? []) {
      if (scene && f.properties.scene !== scene) continue;
      const status = f.properties.status;
      if (status === UNREVIEWED_STATUS || f.properties.source === BACKGROUND_SOURCE) continue;
      if (status === REJECTED_STATUS) c.rejected++;
      else c.landslides++;
    }
    return c;
  });
  const reviewedCount = computed(() => reviewed.value.landslides + reviewed.value.rejected);
  /** Why "Adapt to this event" is not offered yet (null: it is). */
  const blocker = computed(() => adaptBlocker(reviewed.value));
  /** Waiting for the operator's Accept or Discard. */
  const pending = computed(() => result.value !== null);
  const enoughLabels = computed(() => blocker.value === null);
  const canAdapt = computed(() => !!project.path && enoughLabels.value && !running.value && !pending.value && !deciding.value);

  const fraction = computed(() => {
    const p = progress.value;
    if (!p) return 0;
    const f = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
    if (phase.value === 'adapt') return ADAPT_SHARE * f;
    const [a, b] = DETECT_WEIGHT[p.stage];
    return ADAPT_SHARE + (1 - ADAPT_SHARE) * (a + (b - a) * f);
  });

  const stageLabel = computed(() => {
    const p = progress.value;
    if (!p) return '';
    const count = p.total > 1 ? ` (${p.done}/${p.total})` : '';
    if (phase.value === 'adapt') return `${p.message ?? t('adapt.adapting')}${count}`;
    return `${t('adapt.again', { stage: t(`adapt.stage.${p.stage}`) })}${count}`;
  });

  function onProgress(e: ProgressEvent): void {
    if (phase.value === 'adapt' && !isAdaptEvent(e)) phase.value = 'detect';
    progress.value = e;
  }

  function hideStaleLayers(): void {
    const keys: string[] = [];
    for (const kind of STALE_KINDS) {
      const l = layers.byKind(kind);
      if (l?.visible) {
        layers.setVisible(l.key, false);
        keys.push(l.key);
      }
    }
    hidden.value = keys;
  }

  function showHidden(): void {
    for (const key of hidden.value) layers.setVisible(key, true);
    hidden.value = [];
  }

  function reset(): void {
    result.value = null;
    difference.value = null;
    canUndoAfter = null;
    showDifference.value = true;
  }

  /** The scene's WGS 84 window: the imagery on screen when it is that scene, else the scene's file. */
  async function sceneWindow(sceneId: string): Promise<Bounds | null> {
    const scene = project.scenes.find((s) => s.id === sceneId);
    if (!scene) return null;
    if (project.imagery?.path === scene.path) return project.imagery.boundsWgs84;
    return (await api.rasterInfo({ path: scene.path })).boundsWgs84;
  }

  /**
   * Put the new run on the map: the scene's previous unreviewed landslides out, the run's in. Only
   * when the run's landslides cannot be read back by window does the inventory load again.
   */
  async function applyRun(r: AdaptModelResult, before: readonly Outline[]): Promise<Difference> {
    const run = r.run.project;
    const info = await api.projectInfo();
    // Still unreviewed now (a decision made while it ran kept its landslide out of the replacement).
    const unreviewed = new Set(unreviewedOutlines(inventory.layer?.geojson.features ?? []).map((f) => f.fid));
    const removed = run ? before.filter((f) => f.scene === run.sceneId && unreviewed.has(f.fid)) : [];
    const bounds = run ? await sceneWindow(run.sceneId) : null;
    const fresh = run && bounds ? await runFeatures(run.runId, bounds) : null;
    let added: Outline[];
    if (run && fresh && fresh.length === r.changes.after) {
      inventory.applyChanges({
        edit: null,
        canUndo: info.canUndo,
        canRedo: info.canRedo,
        changes: { changed: fresh, removed: removed.map((f) => f.fid), features: info.features, byStatus: info.byStatus },
      });
      added = fresh.map(outlineOf);
    } else {
      await inventory.refresh();
      added = (inventory.layer?.geojson.features ?? []).filter((f) => run !== undefined && f.properties.run === run.runId).map(outlineOf);
    }
    project.info = info;
    canUndoAfter = info.canUndo;
    return differenceOf(removed, added, r.difference);
  }

  async function run(): Promise<void> {
    if (!canAdapt.value) return;
    const detect = useDetectStore();
    running.value = true;
    error.value = null;
    reset();
    phase.value = 'adapt';
    progress.value = { stage: 'prepare', done: 0, total: 1, message: t('adapt.preparing') };
    abort = new AbortController();
    const before = unreviewedOutlines(inventory.layer?.geojson.features ?? []);
    try {
      // The latest model run of the scene on the map (its model, its reviewed landslides), not of another scene.
      const scene = project.shownScene;
      const base = scene ? await project.latestModelRun(scene.id) : undefined;
      if (scene && !base) throw new Error(t('adapt.noRun', { name: scene.name }));
      const r = await api.adaptModel({ provider: detect.provider, run: base?.id }, onProgress, abort.signal);
      difference.value = await applyRun(r, before);
      result.value = r;
      hideStaleLayers();
      zoomToDifference();
      revision.value++;
      ui.notify('success', t('adapt.done', { base: r.baseModel, n: r.decisions.confirmed + r.decisions.rejected, before: r.changes.before, after: r.changes.after }));
    } catch (e) {
      error.value = describeError(e);
      ui.notify((e as { code?: string }).code === 'CANCELLED' ? 'warning' : 'error', error.value, errorDetail(e));
    } finally {
      running.value = false;
      progress.value = null;
      abort = null;
    }
  }

  /** Show where the adaptation changed the inventory. */
  function zoomToDifference(): void {
    if (difference.value) layers.zoomTo(differenceBounds(difference.value));
  }

  function cancel(): void {
    abort?.abort();
  }

  /** Keep the adapted run: the difference layer goes, the inventory stays as it is. */
  function accept(): void {
    reset();
    hidden.value = [];
  }

  /** Undo the adaptation (one journal edit) and apply what the undo returns. */
  async function discard(): Promise<void> {
    const r = result.value;
    if (!r || deciding.value) return;
    deciding.value = true;
    const after = canUndoAfter;
    try {
      const editId = r.run.project?.editId ?? null;
      if (editId !== null) {
        const latest = (await api.history({ limit: 50 })).find((e) => e.state === 'done');
        if (latest?.id !== editId) {
          ui.notify('warning', t('adapt.otherEdits'));
          return;
        }
        canUndoAfter = null;
        await inventory.undo();
      }
      showHidden();
      reset();
      revision.value++;
      ui.notify('info', t('adapt.discarded'));
    } catch (e) {
      if (result.value) canUndoAfter = after;
      ui.notifyError(e);
    } finally {
      deciding.value = false;
    }
  }

  // Undone elsewhere (Ctrl+Z, the history): the difference no longer describes the inventory.
  watch(
    () => project.info?.canUndo,
    (n) => {
      if (canUndoAfter !== null && n !== undefined && n < canUndoAfter) {
        showHidden();
        reset();
        revision.value++;
      }
    },
  );
  // Another project: nothing of this one applies.
  watch(
    () => project.path,
    () => {
      abort?.abort();
      hidden.value = [];
      reset();
      error.value = null;
    },
  );

  return {
    running,
    deciding,
    phase,
    progress,
    fraction,
    stageLabel,
    result,
    difference,
    showDifference,
    hidden,
    error,
    revision,
    reviewedCount,
    blocker,
    enoughLabels,
    pending,
    canAdapt,
    minDecisions: ADAPT_MIN_DECISIONS,
    run,
    cancel,
    zoomToDifference,
    accept,
    discard,
  };
});
