/**
 * `applyPlan`: the one write path for the landslides (see edit-plan.ts). In one transaction it
 * checks the plan, measures every new geometry (area, perimeter in the project CRS), stamps mapper
 * and time, applies the feature ops, rewrites the mask tiles under every change (mask.ts: stored
 * tile = rasterised landslides that are not rejected), and records everything as ONE journal edit.
 */
import type { Bounds, CrsInfo } from '../../../../src-shared/geo';
import { ScarpError } from '../../../../src-shared/errors';
import { inMask, type LandslideStatus } from '../../../../src-shared/vocabulary';
import type { FlatMultiPolygon } from '../../vector/geometry';
import { areaM2, perimeterM } from '../../vector/measure';
import type { ApplyResult, EditPlan, PlanAttrs, ReplayResult } from './edit-plan';
import type { EvidenceOp, EvidenceStore } from './evidence';
import type { FeatureStore } from './features';
import type { FeatureOp, Journal, JournalOp } from './journal';
import { boundsOf, MaskStore } from './mask';
import type { SceneRecord } from './scenes';

export interface PlanContext {
  features: FeatureStore;
  journal: Journal;
  mask: MaskStore;
  crs: CrsInfo | null;
  srsId: number;
  author: string;
  /** Scenes whose mask follows the inventory (those in the project CRS). */
  scenes: SceneRecord[];
  evidence: EvidenceStore;
}

function measured(crs: CrsInfo | null, mp: FlatMultiPolygon): { area_m2: number; perimeter_m: number } {
  if (!crs) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'The project has no CRS yet: add a scene first.' });
  return { area_m2: areaM2(mp, crs), perimeter_m: perimeterM(mp, crs) };
}

const noSuch = (fid: number): ScarpError => new ScarpError({ code: 'INVALID_ARGUMENT', message: `No landslide with fid ${fid} in this project.` });

/** Apply a plan; call inside a transaction (Project.apply opens it). */
export function applyPlan(ctx: PlanContext, plan: EditPlan): ApplyResult {
  const now = new Date().toISOString();
  const mapper = plan.mapper === undefined ? ctx.author : plan.mapper;
  const deletes = [...new Set(plan.deletes ?? [])];
  const deleted = new Set(deletes);

  // Updates and status changes, merged per feature (in first-mentioned order).
  const updates = new Map<number, { geometry?: FlatMultiPolygon; changes: PlanAttrs }>();
  for (const u of plan.updates ?? []) {
    const cur = updates.get(u.fid) ?? { changes: {} };
    if (u.geometry) cur.geometry = u.geometry;
    Object.assign(cur.changes, u.changes ?? {});
    updates.set(u.fid, cur);
  }
  for (const s of plan.statusChanges ?? []) {
    for (const fid of s.fids) {
      const cur = updates.get(fid) ?? { changes: {} };
      cur.changes.status = s.status;
      updates.set(fid, cur);
    }
  }
  for (const fid of updates.keys()) {
    if (deleted.has(fid)) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Landslide ${fid} cannot be both changed and deleted in one edit.` });
  }

  const dirty: Bounds[] = [];
  const addDirty = (mp: FlatMultiPolygon): void => {
    const b = boundsOf(mp);
    if (b) dirty.push(b);
  };
  const featureOps: FeatureOp[] = [];
  const updated: number[] = [];
  const reshaped: number[] = [];
  for (const [fid, u] of updates) {
    const old = ctx.features.get(fid);
    if (!old) throw noSuch(fid);
    const changes: PlanAttrs = { ...u.changes };
    if (u.geometry) {
      if (u.geometry.length === 0) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `The new geometry of landslide ${fid} is empty.` });
      Object.assign(changes, measured(ctx.crs, u.geometry));
      if (mapper !== null && changes.mapper === undefined) changes.mapper = mapper;
      addDirty(old.geometry);
      addDirty(u.geometry);
    }
    const newStatus = (changes.status ?? old.properties.status) as LandslideStatus;
    if (inMask(newStatus) !== inMask(old.properties.status)) addDirty(old.geometry);
    const ops = ctx.features.planUpdate([fid], changes, u.geometry ? { mp: u.geometry, srsId: ctx.srsId } : undefined, now);
    if (ops.length > 0) updated.push(fid);
    if (ops.some((o) => o.after?.geom !== undefined)) reshaped.push(fid);
    featureOps.push(...ops);
  }
  const inserts: FeatureOp[] = [];
  for (const a of plan.adds ?? []) {
    if (a.geometry.length === 0) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'A landslide to add has no geometry.' });
    const props = { ...a.properties, ...measured(ctx.crs, a.geometry), mapper: a.properties.mapper !== undefined ? a.properties.mapper : mapper };
    const ops = ctx.features.planInsert([{ geometry: a.geometry, properties: props }], ctx.srsId, now);
    if (a.fid !== undefined) for (const op of ops) op.fid = a.fid;
    inserts.push(...ops);
    addDirty(a.geometry);
  }
  featureOps.push(...inserts);
  for (const fid of deletes) {
    const old = ctx.features.get(fid);
    if (!old) throw noSuch(fid);
    addDirty(old.geometry);
  }
  featureOps.push(...ctx.features.planDelete(deletes));

  ctx.journal.apply(featureOps);
  const materialise = new Map<string, Set<string>>();
  for (const m of plan.materialise ?? []) {
    const scene = ctx.scenes.find((s) => s.id === m.scene);
    if (!scene) continue;
    const set = materialise.get(scene.id) ?? new Set<string>();
    for (const k of MaskStore.tileKeys(scene, m.window)) set.add(k);
    materialise.set(scene.id, set);
  }
  const maskOps = ctx.mask.writeBack(ctx.scenes, dirty, materialise);
  ctx.journal.apply(maskOps);
  const evidenceOps = plan.evidence ? evidenceChanges(ctx, plan.evidence, now, mapper ?? ctx.author) : [];
  ctx.journal.apply(evidenceOps);
  const ops: JournalOp[] = [...featureOps, ...maskOps, ...evidenceOps];
  const edit = ops.length === 0 ? null : (plan.amend !== undefined ? ctx.journal.append(plan.amend, ops) : null) ?? ctx.journal.record(plan.label, plan.kind, ops, plan.reason);
  const evidence = plan.evidence ? { added: evidenceOps.filter((o) => o.after).map((o) => o.uuid), removed: evidenceOps.filter((o) => !o.after).map((o) => o.uuid) } : undefined;
  const added = inserts.map((o) => o.fid ?? -1);
  return { edit, added, updated, removed: deletes, reshaped: [...reshaped, ...added], ...(evidence ? { evidence } : {}) };
}

/** The evidence ops of a plan, checked (after the feature ops: a landslide added by the same plan counts). */
function evidenceChanges(ctx: PlanContext, ev: NonNullable<EditPlan['evidence']>, now: string, author: string): EvidenceOp[] {
  const ops: EvidenceOp[] = [];
  const seen = new Set<string>();
  for (const uuid of ev.remove ?? []) {
    if (seen.has(uuid)) continue;
    seen.add(uuid);
    const old = ctx.evidence.get(uuid, true);
    if (!old) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `No photo or note with uuid ${uuid} in this project.`, hint: 'List the evidence of the landslide to see its uuids.' });
    ops.push({ kind: 'evidence', evidence: old.kind, uuid, before: { record: old.record, ...(old.data ? { data: old.data } : {}) }, after: null });
  }
  const adds = ev.add ?? [];
  const present = ev.orphans ? new Map<string, number>() : ctx.features.fidsByUuid([...new Set(adds.map((a) => a.record.landslide_uuid))]);
  for (const a of adds) {
    const uuid = a.record.uuid;
    if (seen.has(uuid) || ctx.evidence.get(uuid)) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `The project already has a photo or note with uuid ${uuid}.` });
    seen.add(uuid);
    if (!ev.orphans && !present.has(a.record.landslide_uuid)) {
      throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `No landslide with uuid ${a.record.landslide_uuid} in this project to attach evidence to.`, hint: 'Check the uuid (scarp export or the attribute table shows it).', options: ['uuid'] });
    }
    if (a.kind === 'photo' && !a.data) throw new ScarpError({ code: 'INTERNAL', message: `The photo ${uuid} to add has no bytes.` });
    if (a.kind === 'note' && !a.record.note) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'A field note needs its text.', options: ['note'] });
    const record = { ...a.record, id: 0, added_at: a.record.added_at ?? now, author: a.record.author ?? author };
    ops.push({ kind: 'evidence', evidence: a.kind, uuid, before: null, after: { record, ...(a.data ? { data: a.data } : {}) } });
  }
  return ops;
}

/** What an undo or redo changed: the features present afterwards and those gone. */
export function replayed(edit: ReplayResult['edit'], ops: JournalOp[], forward: boolean): ReplayResult {
  const changed = new Set<number>();
  const removed = new Set<number>();
  for (const op of ops) {
    if (op.kind !== 'feature' || op.fid === null) continue;
    const to = forward ? op.after : op.before;
    if (to) {
      changed.add(op.fid);
      removed.delete(op.fid);
    } else {
      removed.add(op.fid);
      changed.delete(op.fid);
    }
  }
  return { edit, changed: [...changed], removed: [...removed] };
}
