/**
 * Review mode (issue 7, issue 16): the queue of unreviewed (predicted) landslides and the decisions
 * on them. The landslide under review is not kept here: it IS the one selected landslide of the
 * inventory store — the one the map highlights and the attribute form edits — so the card, the
 * highlight and the form cannot disagree, whatever moved the selection (a map click, a table row,
 * Ctrl+Z / Ctrl+Shift+Z, which select what they changed). A decision always lands on it.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { ReviewItem } from '@shared/api';
import { UNREVIEWED_STATUS } from '@shared/vocabulary';
import { api } from '../api/client';
import { t } from '../i18n';
import { useInventoryStore, type InventoryRow } from './inventory';
import { useProjectStore } from './project';
import { useUiStore } from './ui';
import { useAdaptStore } from './adapt';

export type ReviewDecision = 'confirmed' | 'rejected';

export const useReviewStore = defineStore('review', () => {
  const inventory = useInventoryStore();
  const project = useProjectStore();
  const ui = useUiStore();

  const order = ref<'area' | 'probability'>('area');
  /** Unreviewed landslides in review order (decided ones leave at once, before the backend answers). */
  const items = ref<ReviewItem[]>([]);
  const remaining = ref(0);
  const reviewed = ref(0);
  const active = ref(false);

  /** The landslide under review: the one selected landslide (null with none or several selected). */
  const currentFid = computed<number | null>(() => (inventory.selected.length === 1 ? inventory.selected[0]! : null));
  const current = computed<InventoryRow | null>(() => (currentFid.value === null ? null : (inventory.rowByFid.get(currentFid.value) ?? null)));
  /** Its place in the queue (0-based), -1 when it is not waiting for review. */
  const position = computed(() => (currentFid.value === null ? -1 : items.value.findIndex((x) => x.fid === currentFid.value)));
  const percentDone = computed(() => (reviewed.value + remaining.value === 0 ? 0 : Math.round((100 * reviewed.value) / (reviewed.value + remaining.value))));

  /** With several scenes, the queue holds the landslides of the scene on the map (reviewed over their own imagery). */
  const queueScene = computed(() => (project.scenes.length > 1 ? (project.shownScene?.id ?? undefined) : undefined));

  async function load(): Promise<void> {
    const q = await api.reviewQueue({ order: order.value, scene: queueScene.value });
    items.value = q.items;
    remaining.value = q.remaining;
    reviewed.value = q.reviewed;
  }

  /** Show a landslide: select it (highlight, form, card) and zoom the map to it. */
  function focus(fid: number): void {
    inventory.select([fid], 'zoom');
  }

  async function start(): Promise<void> {
    try {
      await load();
      active.value = items.value.length > 0;
      if (!active.value) ui.notify('info', t('review.nothingLeft'));
      else focus(items.value[0]!.fid);
    } catch (e) {
      ui.notifyError(e);
    }
  }

  function stop(): void {
    active.value = false;
  }

  /** Decisions on their way to the backend, in key-press order (each key counts, none waits for the last). */
  let pending: Promise<void> = Promise.resolve();
  let inFlight = 0;

  /**
   * Decide on the landslide under review: the queue moves on at once to the next one (the next key
   * decides on it); the requests go out one after the other and the map takes what each changed.
   */
  function decide(status: ReviewDecision): Promise<void> {
    const fid = currentFid.value;
    if (fid === null) return Promise.resolve();
    const at = items.value.findIndex((x) => x.fid === fid);
    const wasUnreviewed = (current.value?.status ?? UNREVIEWED_STATUS) === UNREVIEWED_STATUS;
    if (at >= 0) items.value = items.value.filter((x) => x.fid !== fid);
    if (wasUnreviewed) {
      remaining.value = Math.max(0, remaining.value - 1);
      reviewed.value += 1;
    }
    const next = items.value[at >= 0 && at < items.value.length ? at : 0];
    if (!next) {
      if (active.value) ui.notify('success', t('review.finished'));
      active.value = false;
    } else if (active.value) focus(next.fid);
    inFlight++;
    pending = pending
      .then(() => inventory.update([fid], { status }))
      .catch(async (e) => {
        ui.notifyError(e);
        await load().catch(() => undefined);
      })
      .finally(() => {
        inFlight--;
      });
    return pending;
  }

  /** Next (+1) or previous (-1) in the queue, from the landslide under review. */
  function step(d: 1 | -1): void {
    const n = items.value.length;
    if (n === 0) return;
    const at = position.value;
    focus(items.value[at < 0 ? (d > 0 ? 0 : n - 1) : (at + d + n) % n]!.fid);
  }

  watch(order, () => active.value && start());
  // Another scene on the map: its own queue (review goes on there when it was on).
  watch(queueScene, () => {
    if (!project.path) return;
    if (active.value) void start();
    else if (ui.panel === 'review') load().catch(() => undefined);
  });
  // Undo/redo change what is left to review (the queue's own decisions are already counted); the
  // queue is read again only while it is shown (the Review panel reads it when it opens).
  watch(
    () => [project.info?.canUndo, project.info?.canRedo],
    () => {
      if (project.path && inFlight === 0 && (active.value || ui.panel === 'review')) load().catch(() => undefined);
    },
  );
  // An adaptation (or its discard) replaced the unreviewed landslides: the queue starts again.
  watch(
    () => useAdaptStore().revision,
    () =>
      load()
        .then(() => {
          if (items.value.length === 0) active.value = false;
        })
        .catch(() => undefined),
  );
  watch(
    () => project.path,
    () => {
      active.value = false;
      items.value = [];
      remaining.value = 0;
      reviewed.value = 0;
    },
  );

  return { order, items, remaining, reviewed, active, currentFid, current, position, percentDone, load, start, stop, focus, decide, step };
});
