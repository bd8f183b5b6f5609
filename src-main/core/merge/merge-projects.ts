/**
 * `mergeProjects`: bring a colleague's project or a field package back into a project (issue 17).
 *
 * The other file is only read (store/project/sync.ts PeerProject). The common state is the latest
 * sync state both know: one recorded when the package was made, or when one of them last merged
 * the other. With it the merge is three-way, else two-way (reconcile.ts says what each does). The
 * changes go through the one write path, `Project.apply`: ONE journal edit of kind 'merge', which
 * undo takes back whole. In the same transaction the merge records a new sync state (from's
 * inventory as merged, so the next merge of the two is three-way against it), tied to that edit, its
 * report (what came from where and when), and the aliases of the landslides matched by geometry.
 */
import { randomUUID } from 'node:crypto';
import { basename, resolve } from 'node:path';
import type { EditInfo, MergeConflict, MergeRequest, MergeResponse, MergeValue } from '../../../src-shared/api';
import type { CrsInfo } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { createTransformer } from '../geo';
import { PeerProject, withProject, type PlannedEvidence, type PlanAttrs, type PlannedAdd, type PlannedUpdate, type Project, type SyncState } from '../store/project';
import type { LandslideRecord } from '../store/landslides-schema';
import { decodeGpkgPolygons, encodeGpkgMultiPolygon } from '../vector/geopackage-geometry';
import { mapCoords, toPolygonCoords } from '../vector/geometry';
import { conflictKey, reconcile, reconcileEvidence, type MergePrefer, type RawConflict, type SideRow } from './reconcile';

function sameCrs(a: CrsInfo, b: CrsInfo): boolean {
  return (a.epsg !== null && a.epsg === b.epsg) || a.proj4 === b.proj4;
}

/** Rows by uuid, uuids translated (aliases) and geometries brought into `crs` (re-encoded with `srsId`). */
function keyed(rows: Iterable<SideRow>, alias: Map<string, string>, reproject: ((g: Buffer) => Buffer) | null): Map<string, SideRow> {
  const out = new Map<string, SideRow>();
  for (const r of rows) {
    const uuid = alias.get(r.record.uuid) ?? r.record.uuid;
    out.set(uuid, { ...(r.fid !== undefined ? { fid: r.fid } : {}), record: uuid === r.record.uuid ? r.record : { ...r.record, uuid }, geom: reproject ? reproject(r.geom) : r.geom });
  }
  return out;
}

function geometryValue(geom: Buffer): MergeValue {
  return { type: 'MultiPolygon', coordinates: decodeGpkgPolygons(geom).map((p) => toPolygonCoords(p)) };
}

function rowValue(r: SideRow | null): MergeValue {
  return r ? { ...(r.record as unknown as Record<string, string | number | null>) } : null;
}

function conflictValue(c: RawConflict, side: SideRow | null): MergeValue {
  if (c.field === 'deleted') return rowValue(side);
  if (!side) return null;
  if (c.field === 'geometry') return geometryValue(side.geom);
  return side.record[c.field] ?? null;
}

function toConflict(c: RawConflict): MergeConflict {
  return {
    uuid: c.uuid,
    ...(c.fromUuid ? { fromUuid: c.fromUuid } : {}),
    field: c.field,
    into: conflictValue(c, c.into),
    from: conflictValue(c, c.from),
    ...(c.base ? { base: conflictValue(c, c.base) } : {}),
    resolved: c.resolved,
  };
}

/** Record values of a landslide added from the other side (area and perimeter are measured again). */
function addProperties(rec: LandslideRecord, scenes: Set<string>, runs: Set<string>): PlanAttrs {
  const { area_m2: _a, perimeter_m: _p, ...rest } = rec;
  return { ...rest, scene: rec.scene !== null && scenes.has(rec.scene) ? rec.scene : null, run: rec.run !== null && runs.has(rec.run) ? rec.run : null };
}

/**
 * Merge the project at `fromPath` into the open `project`. Everything happens in one transaction:
 * on any failure nothing changes.
 */
export function mergeIntoProject(project: Project, fromPath: string, opts: { dryRun?: boolean; prefer?: MergePrefer; resolutions?: ReadonlyArray<{ uuid: string; field: string; take: 'into' | 'from' }> } = {}): MergeResponse {
  const prefer = opts.prefer ?? 'into';
  const from = resolve(fromPath);
  if (from === project.path) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${from} cannot be merged into itself.`, hint: "Choose the colleague's project or field package to merge.", file: from });
  }
  const peer = PeerProject.open(from);
  try {
    return mergePeer(project, peer, from, prefer, opts);
  } catch (e) {
    // A landslide of the colleague's file that cannot be read: say which file, and that nothing changed.
    if (e instanceof ScarpError && e.code === 'CORRUPT_FILE' && !e.file) {
      throw new ScarpError({ code: 'CORRUPT_FILE', message: `${from}: ${e.message}`, hint: `${project.path} was not changed. Ask for the package again, or open it in QGIS to repair the geometry.`, file: from }, { cause: e });
    }
    throw e;
  } finally {
    peer.close();
  }
}

function mergePeer(project: Project, peer: PeerProject, from: string, prefer: MergePrefer, opts: { dryRun?: boolean; resolutions?: ReadonlyArray<{ uuid: string; field: string; take: 'into' | 'from' }> }): MergeResponse {
  const intoId = project.projectId();

  // CRS: from's geometries into the project's (an empty project takes from's).
  let crs = project.crs();
  const peerCrs = peer.crs;
  const crsToSet = !crs && peerCrs && project.features.count() === 0 ? peerCrs : null;
  if (crsToSet) crs = crsToSet;
  let srsId = project.srsId();
  const reproject = (src: CrsInfo | null): ((g: Buffer) => Buffer) | null => {
    if (!crs || !src || sameCrs(crs, src)) return null;
    const t = createTransformer(src, crs);
    if (t.identity) return null;
    return (g) => encodeGpkgMultiPolygon(mapCoords(decodeGpkgPolygons(g), t.forward), srsId);
  };
  if (crs && peerCrs === null && peer.rows().length > 0 && !crsToSet) {
    // A peer with landslides but no CRS: its coordinates cannot be placed.
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${from} has landslides but no coordinate system; it cannot be merged.`, file: from, hint: 'Open it in Scarp and add a scene, or import its layer instead.', options: ['import'] });
  }
  const fromReproject = reproject(peerCrs);

  // Peer uuid → ours: aliases we recorded, and the peer's (inverted) for us.
  const alias = new Map<string, string>(project.sync.aliases(peer.projectId));
  for (const [ours, theirs] of peer.aliases(intoId)) if (!alias.has(theirs)) alias.set(theirs, ours);

  // The common state: the latest that counts on the side that holds it.
  const mine = project.sync.states().filter((s) => s.peerProjectId === peer.projectId);
  const theirs = peer.states().filter((s) => s.peerProjectId === intoId);
  const candidates = [...mine.map((s) => ({ s, heldBy: 'into' as const })), ...theirs.map((s) => ({ s, heldBy: 'from' as const }))].sort((a, b) => (a.s.at < b.s.at ? 1 : a.s.at > b.s.at ? -1 : 0));
  const base = candidates[0] ?? null;
  let baseRows: Map<string, SideRow> | null = null;
  if (base) {
    // A state held by us is in our uuids and CRS already; one held by the peer is in its own.
    baseRows = base.heldBy === 'into' ? keyed(project.sync.snapshot(base.s.id), new Map(), null) : keyed(peer.snapshot(base.s.id), alias, fromReproject);
  }

  const intoRows = keyed(project.sync.rows(), new Map(), null);
  const fromRows = keyed(peer.rows(), alias, fromReproject);
  const chosen = new Map((opts.resolutions ?? []).map((r) => [conflictKey(r.uuid, r.field), r.take] as const));
  const rec = reconcile(intoRows, fromRows, baseRows, prefer, chosen);
  // A choice naming no conflict of this merge: one of the files changed since the choices were made.
  const found = new Set(rec.conflicts.map((c) => conflictKey(c.uuid, c.field)));
  const stale = (opts.resolutions ?? []).find((r) => !found.has(conflictKey(r.uuid, r.field)));
  if (stale) {
    throw new ScarpError({
      code: 'INVALID_ARGUMENT',
      message: `The merge of ${from} has no conflict on ${stale.field} of landslide ${stale.uuid} any more: one of the projects changed since the conflicts were listed; nothing was merged.`,
      hint: 'Preview the merge again and choose again.',
      file: from,
      params: { uuid: stale.uuid, field: stale.field },
    });
  }

  // Field evidence, by its uuid; its landslide in our uuids (aliases and this merge's geometry matches).
  const landslideOf = new Map<string, string>([...alias, ...rec.matches.map((m) => [m.from, m.into] as [string, string])]);
  const fromEvidence = peer.evidence(!opts.dryRun).map((e) => ({ ...e, uuid: e.record.uuid, landslideUuid: landslideOf.get(e.record.landslide_uuid) ?? e.record.landslide_uuid }));
  const intoEvidence = new Set(project.evidence.list().map((e) => e.record.uuid));
  const baseEvidence = base?.s.evidence ? new Set(base.s.evidence) : null;
  const ev = reconcileEvidence(intoEvidence, fromEvidence, baseEvidence);
  const evidenceAdds: PlannedEvidence[] = ev.adds.map((e) => {
    const { id: _id, ...record } = e.record;
    return { kind: e.kind, record: { ...record, landslide_uuid: e.landslideUuid }, ...(e.data ? { data: e.data } : {}) };
  });

  // The plan: from's new landslides, its changes, its deletions.
  const scenes = new Set(project.scenes.list().map((s) => s.id));
  const runs = new Set(project.runs.list().map((r) => r.id));
  const adds: PlannedAdd[] = rec.adds.map((b) => ({ geometry: decodeGpkgPolygons(b.geom), properties: addProperties(b.record, scenes, runs) }));
  const updates: PlannedUpdate[] = rec.updates.map((u) => {
    const changes: PlanAttrs = { ...u.changes };
    if (changes.scene !== undefined && changes.scene !== null && !scenes.has(changes.scene)) changes.scene = null;
    if (changes.run !== undefined && changes.run !== null && !runs.has(changes.run)) changes.run = null;
    return { fid: u.fid, ...(u.geom ? { geometry: decodeGpkgPolygons(u.geom) } : {}), changes };
  });
  const deletes = rec.deletes.map((d) => d.fid);
  const fields: Record<string, number> = {};
  for (const u of rec.updates) for (const f of u.fields) fields[f] = (fields[f] ?? 0) + 1;
  const applied = {
    added: adds.length,
    deleted: deletes.length,
    updated: updates.length,
    reshaped: rec.updates.filter((u) => u.geom).length,
    fields,
    evidence: { added: ev.adds.length, removed: ev.removes.length },
  };
  const conflicts = rec.conflicts.map(toConflict);
  const mode = base ? ('three-way' as const) : ('two-way' as const);
  const baseInfo = base ? { id: base.s.id, kind: base.s.kind, at: base.s.at, heldBy: base.heldBy } : null;

  let edit: EditInfo | null = null;
  if (!opts.dryRun) {
    const parts = [`${applied.added} new`, `${applied.deleted} deleted`, `${applied.updated} changed`];
    if (ev.adds.length || ev.removes.length) parts.push(`evidence +${ev.adds.length} −${ev.removes.length}`);
    if (conflicts.length) parts.push(`${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'} (${chosen.size ? `${chosen.size} chosen, else ${prefer}` : prefer})`);
    const label = `Merge ${basename(from)}: ${parts.join(', ')}`;
    edit = project.tx(() => {
      if (crsToSet) {
        project.adoptCrsIfUnset(crsToSet);
        srsId = project.srsId();
      }
      const evidence = evidenceAdds.length || ev.removes.length ? { add: evidenceAdds, remove: ev.removes, orphans: true } : undefined;
      const r = project.apply({ label, kind: 'merge', reason: 'merge', adds, updates, deletes, ...(evidence ? { evidence } : {}), updateExtent: true });
      const at = new Date().toISOString();
      project.sync.addAliases(peer.projectId, rec.matches.map((m) => ({ peerUuid: m.from, uuid: m.into })), at, r.edit?.id ?? null);
      const state: SyncState = {
        id: randomUUID(),
        kind: 'merge',
        peerProjectId: peer.projectId,
        peerPath: from,
        at,
        author: project.author(),
        editId: r.edit?.id ?? null,
        report: JSON.stringify({
          from,
          fromProjectId: peer.projectId,
          at,
          mode,
          base: baseInfo,
          prefer,
          applied,
          added: rec.adds.map((b) => b.record.uuid),
          deleted: rec.deletes.map((d) => d.uuid),
          updated: rec.updates.map((u) => ({ uuid: u.uuid, fields: u.fields })),
          conflicts: rec.conflicts.map((c) => ({ uuid: c.uuid, field: c.field, resolved: c.resolved, ...(chosen.has(conflictKey(c.uuid, c.field)) ? { chosen: true } : {}) })),
          matches: rec.matches,
          evidence: { added: ev.adds.map((e) => e.uuid), removed: ev.removes },
        }),
        evidence: fromEvidence.map((e) => e.uuid),
      };
      // The state both now hold: from's inventory as it was merged (our uuids, our CRS).
      const matchedAlias = new Map(rec.matches.map((m) => [m.from, m.into]));
      const snapshot = [...fromRows.values()].map((r) => {
        const uuid = matchedAlias.get(r.record.uuid) ?? r.record.uuid;
        return { record: uuid === r.record.uuid ? r.record : { ...r.record, uuid }, geom: r.geom };
      });
      project.sync.record(state, snapshot);
      return r.edit;
    }, label);
  }
  return {
    into: project.path,
    from,
    mode,
    base: baseInfo,
    dryRun: opts.dryRun === true,
    prefer,
    applied,
    conflicts,
    matchedByGeometry: rec.matches.length,
    matches: rec.matches,
    edit,
    features: project.features.totals().features,
  };
}

/** The merge request of the service API: through the open project when it is `req.into`. */
export async function mergeProjects(req: MergeRequest, open?: Project | null): Promise<MergeResponse> {
  return withProject(req.into, open, async (p) => mergeIntoProject(p, req.from, { dryRun: req.dryRun, prefer: req.prefer, resolutions: req.resolutions }));
}
