/**
 * The inventory's vocabularies, defined once: every other place (the API schemas, the SQL CHECK
 * constraints and queries of the project store, the renderer's filters and colours, the exporters)
 * derives from these lists. Plain constants: no runtime dependency, usable from every process.
 */

/** Where a landslide stands in review. */
export const LANDSLIDE_STATUSES = ['predicted', 'confirmed', 'rejected', 'edited', 'field_verified'] as const;
export type LandslideStatus = (typeof LANDSLIDE_STATUSES)[number];

/** The status a detection gives; what the review queue steps through. */
export const UNREVIEWED_STATUS: LandslideStatus = 'predicted';
/** A reviewer's "not a landslide": kept in the inventory for the record, but out of the mask. */
export const REJECTED_STATUS: LandslideStatus = 'rejected';
/** What a hand edit (brush, polygon tools) leaves. */
export const EDITED_STATUS: LandslideStatus = 'edited';
/**
 * `source` of the areas the brush's background mode marks as "not a landslide": stored as rejected
 * polygons, learnt from as reviewed background, but not reviewed landslides.
 */
export const BACKGROUND_SOURCE = 'background brush';
/** Statuses that count as reviewed (everything but the unreviewed one). */
export const REVIEWED_STATUSES: readonly LandslideStatus[] = LANDSLIDE_STATUSES.filter((s) => s !== UNREVIEWED_STATUS);

/**
 * The counting rule: whether a landslide of this status counts in the inventory — in totals (project
 * summary, panels, the HTML report) and in default exports (every format). Everything but rejected:
 * a rejected landslide is kept for the record, and exported only when asked for (include rejected).
 */
export function countsInInventory(status: LandslideStatus): boolean {
  return status !== REJECTED_STATUS;
}

/** The statuses that count (countsInInventory): what an export without a status filter writes. */
export const COUNTED_STATUSES: readonly LandslideStatus[] = LANDSLIDE_STATUSES.filter(countsInInventory);

/** How many landslides count, from counts by status (countsInInventory). */
export function countedTotal(byStatus: Partial<Record<LandslideStatus, number>>): number {
  let n = 0;
  for (const s of LANDSLIDE_STATUSES) if (countsInInventory(s)) n += byStatus[s] ?? 0;
  return n;
}

/**
 * Whether a landslide of this status is part of the mask (the raster twin of the inventory: what
 * the mask layer shows, exports and training labels use): exactly the landslides that count.
 */
export function inMask(status: LandslideStatus): boolean {
  return countsInInventory(status);
}

/** Movement type (Varnes, simplified). */
export const LANDSLIDE_TYPES = ['slide', 'fall', 'flow', 'complex', 'unknown'] as const;
export type LandslideType = (typeof LANDSLIDE_TYPES)[number];

/** What kind of change a journal edit is (shown in the history). */
export const EDIT_KINDS = ['insert', 'update', 'delete', 'detection', 'mask', 'mixed', 'import', 'review', 'merge', 'external', 'evidence'] as const;
export type EditKind = (typeof EDIT_KINDS)[number];

/** Review queue orders. */
export const REVIEW_ORDERS = ['area', 'probability'] as const;
export type ReviewOrder = (typeof REVIEW_ORDERS)[number];

/** What a scene of a project is to the event: imagery from before it or after it (more than one after is fine). */
export const SCENE_ROLES = ['pre-event', 'post-event'] as const;
export type SceneRole = (typeof SCENE_ROLES)[number];

/**
 * Run ids of the index methods (no model): change detection `change-<method>` and the single-date
 * method `bare-ground-<index>`. Their stored layer is a change strength, not a probability.
 */
export const INDEX_RUN_PREFIXES = { change: 'change-', bareGround: 'bare-ground-' } as const;

/**
 * What a run stores as its map layer: a model's calibrated landslide `probability`, or the index
 * methods' `change` strength (0–1, 0.5 at the method's threshold, 1 at twice it; not a probability).
 * The one rule for the export (`--format change`), its SCARP_LAYER tag and style, and the app's layer.
 */
export type RunLayerKind = 'probability' | 'change';
export function runLayerKind(modelId: string): RunLayerKind {
  return modelId.startsWith(INDEX_RUN_PREFIXES.change) || modelId.startsWith(INDEX_RUN_PREFIXES.bareGround) ? 'change' : 'probability';
}

/**
 * What the landslides' prob_mean / prob_max hold where they come from runs of these kinds: the model's
 * probability, a change or single-date run's strength (not a probability), or both ('mixed'). Names
 * the columns in QGIS styles and in the app.
 */
export type ValueKind = 'probability' | 'strength' | 'mixed';
export function valueKindOf(kinds: ReadonlySet<RunLayerKind>): ValueKind {
  if (!kinds.has('change')) return 'probability';
  return kinds.has('probability') ? 'mixed' : 'strength';
}
