/**
 * A Scarp project: one GeoPackage with the inventory, scenes, runs, predictions and the edit
 * journal. This facade composes the small stores; every change to the landslides goes through
 * `apply(plan)` (one journal edit, in one short transaction). The database handle is private to
 * store/.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { openRaster } from '../../raster/open';
import { assertOverlap } from '../../raster/overlap';
import type { Bounds, CrsInfo, Window } from '../../../../src-shared/geo';
import type { EventMetadata, ProjectInfo, ReviewQueue } from '../../../../src-shared/api';
import type { ReviewOrder } from '../../../../src-shared/vocabulary';
import { ScarpError } from '../../../../src-shared/errors';
import { createTransformer } from '../../geo';
import { mapCoords, type FlatMultiPolygon } from '../../vector/geometry';
import { ensureSrs, updateContentsExtent } from '../geopackage-schema';
import { LANDSLIDES_GEOMETRY_COLUMN, LANDSLIDES_TABLE } from '../landslides-schema';
import { applyPlan, replayed } from './apply-plan';
import type { ApplyResult, EditPlan, ReplayResult } from './edit-plan';
import { FeatureStore, type FeatureQuery, type StoredFeature } from './features';
import { EvidenceStore } from './evidence';
import { externalEditPlan, hasExternalEdits, takeExternalChanges } from './external-edits';
import { fileFingerprint } from './fingerprint';
import { Journal, type EditEntry } from './journal';
import { MaskStore } from './mask';
import { currentUser } from './lock';
import { ProjectDb, type CreateProjectOptions, type OpenProjectOptions, type OpenReport } from './project-db';
import { RunStore } from './runs';
import { describeSceneFile, SceneStore, type FileState, type MovedFile, type SceneMeta, type SceneRecord } from './scenes';
import { SCHEMA_VERSION } from './schema';
import { SyncStore } from './sync';

export type { EventMetadata };

/** What taking in other programs' edits did: the applied plan's changes, and rows left as written (no geometry to measure). */
export type ExternalEditsTaken = ApplyResult & { unmeasured: number[] };

/** What projectInfo reports (the API's shape; `open.check` narrows to the checks ProjectDb runs). */
export type ProjectSummary = Omit<ProjectInfo, 'open'> & { open: OpenReport };

export interface SceneWithState extends SceneRecord {
  state: FileState;
  /** The DEM last used with the scene (SceneStore.demOf), with its file's state; null when none was. */
  dem: { path: string; name: string; state: FileState } | null;
}

/**
 * `file` as a DEM the project can record: it exists, is a readable raster of one band and, when the
 * scene's `imagery` is given (and there), overlaps it. Its absolute path.
 */
export async function checkDemFile(file: string, imagery?: string): Promise<string> {
  const path = resolve(file);
  if (!existsSync(path)) throw new ScarpError({ code: 'FILE_NOT_FOUND', message: `The DEM ${path} does not exist.`, file: path, hint: 'Choose the DEM file again.' });
  // The reader's own errors name what is wrong with an unreadable file.
  const dem = await openRaster(path);
  try {
    const bands = dem.info.bandCount;
    if (bands !== 1)
      throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${path} has ${bands} bands; a DEM has one band of elevations.`, file: path, hint: 'Choose the elevation file (a DEM or DSM GeoTIFF), not the imagery.' });
    if (imagery && existsSync(imagery)) {
      const img = await openRaster(imagery);
      try {
        assertOverlap(dem.info, img.info, path, 'the imagery');
      } finally {
        await img.close();
      }
    }
  } finally {
    await dem.close();
  }
  return path;
}

export class Project {
  readonly scenes: SceneStore;
  readonly runs: RunStore;
  readonly features: FeatureStore;
  readonly journal: Journal;
  /** Sync states and aliases of field packages and merges (sync.ts). */
  readonly sync: SyncStore;
  /** Photos and field notes on landslides (evidence.ts); changed only through `apply`. */
  readonly evidence: EvidenceStore;
  private readonly mask: MaskStore;
  /** data_version when other programs' edits were last taken in (pollExternalEdits). */
  private seenDataVersion: number;
  /** Features other programs' edits changed or removed since a door last asked (drainExternalChanges). */
  private readonly externalChanged = new Set<number>();
  private readonly externalRemoved = new Set<number>();
  private lastExternalEdit: EditEntry | null = null;
  /** Features other programs gave a new geometry, by the journal edit that took them in (takeExternalReshaped). */
  private readonly externalReshaped = new Map<number, number | null>();

  /** The database handle stays in store/: everything else goes through these stores and `apply`. */
  private constructor(private readonly store: ProjectDb) {
    this.scenes = new SceneStore(store.db, dirname(store.path));
    this.runs = new RunStore(store.db);
    this.features = new FeatureStore(store.db);
    this.journal = new Journal(store.db, () => this.author());
    this.mask = new MaskStore(store.db, this.features);
    this.sync = new SyncStore(store.db);
    this.evidence = new EvidenceStore(store.db);
    this.seenDataVersion = store.dataVersion();
  }

  static create(path: string, opts: CreateProjectOptions = {}): Project {
    return new Project(ProjectDb.create(path, opts));
  }

  /** Open a project; edits other programs made to it since Scarp last had it are taken in (takeExternalEdits). */
  static open(path: string, opts: OpenProjectOptions = {}): Project {
    const p = new Project(ProjectDb.open(path, opts));
    try {
      p.store.tx(() => p.scenes.followProjectFolder(), 'following files moved with the project');
      p.takeExternalEdits();
    } catch (e) {
      p.close();
      throw e;
    }
    return p;
  }

  /** Open the project, creating it when the file does not exist. */
  static openOrCreate(path: string): { project: Project; created: boolean } {
    if (existsSync(resolve(path))) return { project: Project.open(path), created: false };
    return { project: Project.create(path), created: true };
  }

  get path(): string {
    return this.store.path;
  }

  /** The project's own id (scarp_meta project_id), set when it was created. */
  projectId(): string {
    return this.store.getMeta('project_id') ?? `file:${this.path}`;
  }

  close(): { journalMode: string } {
    if (!this.store.isOpen) return { journalMode: 'closed' };
    try {
      // Only after a change: gpkg_contents' last_change says when the layer last changed, and a
      // project opened and closed without an edit (a failed merge, a look) is left as it was.
      if (this.store.changedSinceOpen()) this.store.tx(() => updateContentsExtent(this.store.db, LANDSLIDES_TABLE, LANDSLIDES_GEOMETRY_COLUMN), 'updating the layer extent');
    } catch {
      /* a full disk must not keep the project from closing */
    }
    return this.store.close();
  }

  // ---- settings, event metadata -------------------------------------------------------------

  setting(key: string): string | null {
    const r = this.store.db.prepare('SELECT value FROM scarp_settings WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value ?? null;
  }

  setSettings(values: Record<string, string | null>): void {
    this.store.tx(() => {
      for (const [k, v] of Object.entries(values)) {
        if (v === null) this.store.db.prepare('DELETE FROM scarp_settings WHERE key = ?').run(k);
        else this.store.db.prepare('INSERT INTO scarp_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(k, v);
      }
    }, 'saving settings');
  }

  /** Who edits: the 'author' setting, else the OS user name. */
  author(): string {
    return this.setting('author') ?? currentUser();
  }

  event(): EventMetadata {
    const r = this.store.db.prepare('SELECT * FROM scarp_event WHERE id = 1').get() as Record<string, string | null> | undefined;
    return {
      name: r?.name ?? null,
      date: r?.event_date ?? null,
      trigger: r?.trigger ?? null,
      imagerySource: r?.imagery_source ?? null,
      imageryDate: r?.imagery_date ?? null,
      notes: r?.notes ?? null,
    };
  }

  setEvent(e: Partial<EventMetadata>): EventMetadata {
    const m = { ...this.event(), ...e };
    this.store.tx(
      () =>
        this.store.db
          .prepare('INSERT OR REPLACE INTO scarp_event (id, name, event_date, trigger, imagery_source, imagery_date, notes) VALUES (1, ?, ?, ?, ?, ?, ?)')
          .run(m.name, m.date, m.trigger, m.imagerySource, m.imageryDate, m.notes),
      'saving the event metadata',
    );
    return m;
  }

  // ---- CRS ---------------------------------------------------------------------------------

  /** The project CRS (the first scene's), or null before any scene. */
  crs(): CrsInfo | null {
    const s = this.store.getMeta('crs');
    return s ? (JSON.parse(s) as CrsInfo) : null;
  }

  srsId(): number {
    const s = this.store.getMeta('srs_id');
    return s === null ? -1 : Number(s);
  }

  /** Fix the project CRS (first scene); states it in gpkg_spatial_ref_sys and on the landslides layer. Inside a tx. */
  private adoptCrs(crs: CrsInfo): number {
    const db = this.store.db;
    const id = ensureSrs(db, crs);
    db.prepare('UPDATE gpkg_contents SET srs_id = ? WHERE table_name = ?').run(id, LANDSLIDES_TABLE);
    db.prepare('UPDATE gpkg_geometry_columns SET srs_id = ? WHERE table_name = ?').run(id, LANDSLIDES_TABLE);
    this.store.setMeta('crs', JSON.stringify(crs));
    this.store.setMeta('srs_id', String(id));
    return id;
  }

  /**
   * Give a project that has no CRS yet (no scene, nothing in the inventory) the CRS `crs`: what an
   * import into an empty project does. Runs in its own transaction, or in the caller's (nested).
   * Returns false, changing nothing, when the project already has a CRS. Not a journal edit: undoing
   * the import keeps the CRS, as removing a scene would.
   */
  adoptCrsIfUnset(crs: CrsInfo): boolean {
    return this.store.tx(() => {
      if (this.crs()) return false;
      if (this.features.count() > 0) {
        throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${this.path} has landslides but no CRS; its CRS cannot be set now.`, file: this.path });
      }
      this.adoptCrs(crs);
      return true;
    }, 'setting the project CRS');
  }

  /** Geometry from `from` into the project CRS. */
  toProjectCrs(mp: FlatMultiPolygon, from: CrsInfo): FlatMultiPolygon {
    const to = this.crs();
    if (!to) return mp;
    const t = createTransformer(from, to);
    return t.identity ? mp : mapCoords(mp, t.forward);
  }

  // ---- scenes ------------------------------------------------------------------------------

  listScenes(): SceneWithState[] {
    return this.scenes.list().map((s) => this.withState(s));
  }

  /** A scene with its file's state and the DEM last used with it. */
  withState(s: SceneRecord): SceneWithState {
    const dem = this.scenes.demOf(s.id);
    return { ...s, state: this.scenes.state(s), dem: dem && { path: dem.path, name: dem.name, state: dem.state } };
  }

  /**
   * Record `file` as the scene's DEM (the app's choice before any run; a run records the DEM it used
   * itself), so that the project reopened elsewhere, or by another program, has it.
   */
  async chooseDem(sceneId: string, file: string): Promise<SceneWithState> {
    const scene = this.scenes.get(sceneId);
    if (!scene) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `No scene '${sceneId}' in this project.`, hint: 'List the scenes (scarp project scenes) and pass one of their ids.' });
    const path = await checkDemFile(file, scene.path);
    this.store.tx(() => this.scenes.recordDem(sceneId, path), 'recording the DEM');
    return this.withState(scene);
  }

  /** A run of the scene given no DEM while the project records one for it: a sentence saying so and how to use it; else null. */
  demNotGiven(sceneId: string): string | null {
    const d = this.scenes.demOf(sceneId);
    if (!d || d.state !== 'ok') return null;
    return `This run was given no DEM, though the project records ${d.name} for scene '${sceneId}': it ran without terrain (no terrain input or slope mask, no slope or elevation attributes). Give --dem ${d.path} to use it (the app does).`;
  }

  /** Add an imagery file as a scene (the first one fixes the project CRS). An already known file (same content) is returned as is, its path updated. */
  async addScene(file: string, meta: SceneMeta = {}): Promise<{ scene: SceneRecord; added: boolean; crs: CrsInfo }> {
    const path = resolve(file);
    if (!existsSync(path)) throw new ScarpError({ code: 'FILE_NOT_FOUND', message: `${path} does not exist.`, file: path });
    const fp = fileFingerprint(path);
    const known = this.scenes.byFingerprint(fp);
    if (known) {
      if (known.path !== path) this.store.tx(() => this.scenes.updateLocation(known.id, path), 'updating the scene location');
      if (meta.role !== undefined || meta.date !== undefined) this.store.tx(() => this.scenes.setMeta(known.id, meta), 'recording the scene role and date');
      // Only the CRS is wanted here: the header, not describeSceneFile's statistics read (which
      // would block the thread that serves the UI when a detection starts).
      const src = await openRaster(path);
      const crs = src.info.crs;
      await src.close();
      return { scene: this.scenes.get(known.id)!, added: false, crs };
    }
    const d = await describeSceneFile(path);
    const scene = this.store.tx(() => {
      const srs = this.crs() ? ensureSrs(this.store.db, d.crs) : this.adoptCrs(d.crs);
      const s = this.scenes.insert(d, srs);
      this.scenes.setMeta(s.id, meta);
      return this.scenes.get(s.id)!;
    }, 'adding a scene');
    return { scene, added: true, crs: d.crs };
  }

  /** The scene, checked to be where it was; SCENE_MOVED / SCENE_MISMATCH otherwise. */
  requireScene(id: string): SceneRecord {
    const s = this.scenes.get(id);
    if (!s) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `No scene '${id}' in this project.` });
    const state = this.scenes.state(s);
    if (state !== 'ok') throw this.scenes.movedError(s, state);
    return s;
  }

  /** Remove a scene no run or landslide comes from (scenes.ts `remove`). */
  removeScene(id: string): void {
    this.store.tx(() => this.scenes.remove(id), 'removing the scene');
  }

  relinkScene(id: string, path: string): SceneRecord {
    return this.store.tx(() => this.scenes.relink(id, path), 'relinking the scene');
  }

  /**
   * Find the imagery of scenes that moved (a project on a removable disk, a copied folder): files of
   * the same content under the project's own folder and under `folder`. With `relink`, every scene
   * found is pointed at its new place in one transaction (the one question to the user is whether
   * to relink what was found).
   */
  findMovedImagery(folder?: string, relink = false): { found: MovedFile[]; missing: Array<{ id: string; name: string; path: string; kind: 'scene' | 'dem' }>; relinked: boolean } {
    const dirs = [dirname(this.path), ...(folder ? [resolve(folder)] : [])];
    if (folder && !existsSync(resolve(folder))) throw new ScarpError({ code: 'FILE_NOT_FOUND', message: `The folder ${resolve(folder)} to search does not exist.`, file: resolve(folder), hint: 'Choose the folder (or disk) that holds the imagery.' });
    const r = this.scenes.findMoved(dirs);
    if (relink && r.found.length > 0) this.store.tx(() => r.found.forEach((f) => (f.kind === 'dem' ? this.scenes.relinkLayer(f.id, f.to) : this.scenes.relink(f.id, f.to))), 'relinking moved imagery');
    return { ...r, relinked: relink && r.found.length > 0 };
  }

  // ---- the inventory: one write path ------------------------------------------------------------

  /** The areas of the scenes in the project CRS (their bounds), to tell what lies on the imagery. */
  sceneAreas(): Bounds[] {
    return this.maskScenes().map((s) => s.bounds);
  }

  /** Scenes whose mask follows the inventory (those in the project CRS). */
  private maskScenes(): SceneRecord[] {
    const srsId = this.srsId();
    return this.scenes.list().filter((s) => s.srsId === null || s.srsId === srsId);
  }

  /**
   * Apply an edit plan (edit-plan.ts): the ONE way the landslides change. Measures, stamps mapper
   * and time, writes the mask back and commits one journal edit, in one transaction (or in the
   * caller's, nested). Returns what changed.
   */
  apply(plan: EditPlan): ApplyResult {
    return this.store.tx(() => {
      this.takeExternalInTx();
      return this.applyInTx(plan);
    }, plan.label);
  }

  private applyInTx(plan: EditPlan): ApplyResult {
    const r = applyPlan({ features: this.features, journal: this.journal, mask: this.mask, crs: this.crs(), srsId: this.srsId(), author: this.author(), scenes: this.maskScenes(), evidence: this.evidence }, plan);
    if (plan.updateExtent) updateContentsExtent(this.store.db, LANDSLIDES_TABLE, LANDSLIDES_GEOMETRY_COLUMN);
    return r;
  }

  // ---- edits made by other programs (external-edits.ts) ---------------------------------------

  /** Inside a transaction: other programs' pending edits applied as one 'external' journal edit. */
  private takeExternalInTx(): ExternalEditsTaken | null {
    const db = this.store.db;
    if (!hasExternalEdits(db)) return null;
    const { changes, unmeasured } = takeExternalChanges(db);
    const plan = externalEditPlan(changes);
    const r = plan ? this.applyInTx(plan) : { edit: null, added: [], updated: [], removed: [], reshaped: [] };
    for (const fid of [...r.added, ...r.updated, ...unmeasured]) {
      this.externalChanged.add(fid);
      this.externalRemoved.delete(fid);
    }
    for (const fid of r.reshaped) this.externalReshaped.set(fid, r.edit?.id ?? null);
    for (const fid of r.removed) {
      this.externalRemoved.add(fid);
      this.externalChanged.delete(fid);
      this.externalReshaped.delete(fid);
    }
    if (r.edit) this.lastExternalEdit = r.edit;
    return { ...r, unmeasured };
  }

  /**
   * The features other programs' edits changed or removed since the last call, whichever path took
   * them in (open, an edit, undo, redo, a poll), and the latest such journal edit: what a door adds to
   * the changes it sends the map, so that no taken-in edit is missed.
   */
  drainExternalChanges(): { changed: number[]; removed: number[]; edit: EditEntry | null } {
    const out = { changed: [...this.externalChanged], removed: [...this.externalRemoved], edit: this.lastExternalEdit };
    this.externalChanged.clear();
    this.externalRemoved.clear();
    this.lastExternalEdit = null;
    return out;
  }

  /**
   * The features other programs' edits gave a new geometry since the last call, with the journal edit
   * that took each in: what still needs its raster attributes measured (detect/feature-attributes.ts).
   */
  takeExternalReshaped(): Map<number, number | null> {
    const out = new Map(this.externalReshaped);
    this.externalReshaped.clear();
    return out;
  }

  /**
   * Take in the edits other programs (QGIS, ArcGIS, ogr2ogr) made to the landslides: measured again,
   * the mask written back, one undoable journal edit of kind 'external'. Done on open, before every
   * edit, undo and redo, and by pollExternalEdits. Null when there were none.
   */
  takeExternalEdits(): ExternalEditsTaken | null {
    const r = this.store.tx(() => this.takeExternalInTx(), 'taking in edits made by another program');
    this.seenDataVersion = this.store.dataVersion();
    return r;
  }

  /**
   * Whether another program committed to the file since the last look (SQLite's data_version: one
   * pragma, no read of the tables); if so, its landslides edits are taken in (takeExternalEdits).
   * What a door calls while the project is open (on focus, on idle), with the checkpoint retry.
   */
  pollExternalEdits(): ExternalEditsTaken | null {
    this.store.retryCheckpoint();
    if (this.store.dataVersion() === this.seenDataVersion) return null;
    return this.takeExternalEdits();
  }

  /** Whether committed changes still wait in the WAL for a reader to let go (ProjectDb.checkpoint). */
  get walPending(): boolean {
    return this.store.walPending;
  }

  /** Checkpoints after commits so far: count, total wall ms, blocked by a reader. */
  get checkpointStats(): { count: number; ms: number; blocked: number } {
    return { ...this.store.checkpoints };
  }

  listFeatures(q: FeatureQuery): { features: StoredFeature[]; nextAfterFid: number | null } {
    return this.features.list(q);
  }

  /** The landslides in the mask (not rejected) meeting map bounds. */
  maskFeaturesIn(bbox: Bounds): StoredFeature[] {
    return this.mask.maskFeaturesIn(bbox);
  }

  /** The mask of a scene in a pixel window (mask.ts says what it holds). */
  readMask(scene: SceneRecord, win: Window, features?: StoredFeature[]): Uint8Array {
    return this.mask.read(scene, win, features);
  }

  /** What is left to review, in review order. */
  reviewQueue(req: { order: ReviewOrder; scene?: string; limit: number }): ReviewQueue {
    return this.features.reviewQueue(req);
  }

  undo(): ReplayResult {
    return this.store.tx(() => {
      this.takeExternalInTx();
      const r = this.journal.undo();
      return r ? replayed(r.entry, r.ops, false) : { edit: null, changed: [], removed: [] };
    }, 'undo');
  }

  redo(): ReplayResult {
    return this.store.tx(() => {
      this.takeExternalInTx();
      const r = this.journal.redo();
      return r ? replayed(r.entry, r.ops, true) : { edit: null, changed: [], removed: [] };
    }, 'redo');
  }

  /** Run `fn` in one transaction (nested in the caller's when there is one); store failures become ScarpErrors. */
  tx<T>(fn: () => T, doing: string): T {
    return this.store.tx(fn, doing);
  }

  get isOpen(): boolean {
    return this.store.isOpen;
  }

  /** What opening the file did (upgrade, integrity check). */
  get openReport(): OpenReport {
    return this.store.openReport;
  }

  /** Refresh the landslides layer's extent in gpkg_contents. */
  updateExtent(): void {
    this.store.tx(() => updateContentsExtent(this.store.db, LANDSLIDES_TABLE, LANDSLIDES_GEOMETRY_COLUMN), 'updating the layer extent');
  }

  // ---- summary -----------------------------------------------------------------------------

  extent(): Bounds | null {
    const r = this.store.db.prepare('SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = ?').get(LANDSLIDES_TABLE) as
      | { min_x: number | null; min_y: number | null; max_x: number | null; max_y: number | null }
      | undefined;
    return r && r.min_x !== null ? { minX: r.min_x, minY: r.min_y!, maxX: r.max_x!, maxY: r.max_y! } : null;
  }

  summary(): ProjectSummary {
    const db = this.store.db;
    const crs = this.crs();
    const count = (t: string): number => (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
    return {
      path: this.path,
      projectId: this.store.getMeta('project_id'),
      schemaVersion: SCHEMA_VERSION,
      createdAt: this.store.getMeta('created_at'),
      crs: crs ? { srsId: this.srsId(), name: crs.name, epsg: crs.epsg, proj4: crs.proj4 } : null,
      author: this.author(),
      event: this.event(),
      scenes: count('scarp_scenes'),
      runs: count('scarp_runs'),
      ...this.features.totals(),
      ...this.journal.stacks(),
      open: this.store.openReport,
    };
  }
}
