/**
 * "Adapt to this event" on a project: the reviewed landslides of a run's scene become labels, the
 * run's model is adapted (adapt-model.ts) and written beside the project, and the scene is detected
 * again with it as a new run. The new run replaces only the still-unreviewed landslides, never on
 * ground the operator decided (edit/reviewed-ground.ts), as one journal edit: undo discards it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { AdaptModelResult, ProgressSink } from '../../../src-shared/api';
import { DetectRequest } from '../../../src-shared/api';
import { ScarpError } from '../../../src-shared/errors';
import { REJECTED_STATUS, REVIEWED_STATUSES, UNREVIEWED_STATUS } from '../../../src-shared/vocabulary';
import type { ProviderPreference } from '../inference';
import type { Project, RunRecord, StoredFeature } from '../store/project';
import { multiPolygonArea } from '../vector/geometry';
import { runDemPath, runProjectDetection } from '../detect/project-run';
import { ANY_STORED_PATH, checkStoredPaths, modelFileOf, type StoredPathCheck } from '../util/stored-paths';
import type { runDetection } from '../detect/run-detection';
import { adaptedCard, fitAdaptation, writeAdaptedModel, type AdaptProgress } from './adapt-model';
import type { LabelDecision } from './labels';
import { BACKGROUND_SOURCE } from '../edit/brush-stroke';
import { classifyChanges, type Outline } from './difference';

export interface AdaptProjectRequest {
  /** The run whose scene and model are adapted; default the latest finished run. */
  run?: string;
  /** Where to write the adapted model (.onnx; its card beside it). Default: `<project>.models/`. */
  outModel?: string;
  lambda?: number;
  provider?: ProviderPreference;
  /** Which files the project names may be read (browser mode: the allowed folders). */
  storedPaths?: StoredPathCheck;
}

/** The API's result (src-shared/api.ts). */
export type AdaptProjectResult = AdaptModelResult;

function scenePage(project: Project, scene: string, status: readonly (typeof REVIEWED_STATUSES)[number][]): StoredFeature[] {
  const out: StoredFeature[] = [];
  let after = 0;
  for (;;) {
    const page = project.listFeatures({ scene, status, afterFid: after, limit: 10_000 });
    out.push(...page.features);
    if (page.nextAfterFid === null) return out;
    after = page.nextAfterFid;
  }
}

function pickRun(project: Project, id: string | undefined): RunRecord {
  if (id) {
    const r = project.runs.get(id) ?? project.runs.list().find((x) => x.id.startsWith(id));
    if (!r) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${project.path} has no run '${id}'.`, file: project.path, hint: 'List the runs of the project and name one of them.' });
    return r;
  }
  const done = project.runs.list().filter((r) => r.status === 'done');
  const last = done[done.length - 1];
  if (!last) throw new ScarpError({ code: 'NOT_ENOUGH_LABELS', message: `${project.path} has no finished detection run to adapt.`, file: project.path, hint: 'Run a detection into the project and review some of its landslides first.' });
  return last;
}

/** A free file name for the n-th adaptation of a model beside the project. */
function defaultModelPath(project: Project, baseId: string): string {
  const dir = join(dirname(project.path), `${basename(project.path, extname(project.path))}.models`);
  mkdirSync(dir, { recursive: true });
  for (let n = 1; ; n++) {
    const p = join(dir, `${baseId}-adapted-${n}.onnx`);
    if (!existsSync(p)) return p;
  }
}

const outline = (f: StoredFeature): Outline => ({ fid: f.fid, geometry: f.geometry, areaM2: f.properties.area_m2 ?? undefined });
const areaOf = (fs: readonly StoredFeature[]): number => fs.reduce((s, f) => s + (f.properties.area_m2 ?? multiPolygonArea(f.geometry)), 0);

export async function adaptProject(
  project: Project,
  req: AdaptProjectRequest,
  onProgress?: (e: AdaptProgress) => void,
  onDetectProgress?: ProgressSink,
  signal?: AbortSignal,
  detect?: typeof runDetection,
): Promise<AdaptProjectResult> {
  if (project.setting('field_package') === 'true') {
    // Its imagery is 8-bit tiles for viewing (maybe resampled), not a scene a model can read.
    throw new ScarpError({
      code: 'INVALID_ARGUMENT',
      message: `${project.path} is a field package: its imagery is for viewing and review (8-bit, possibly resampled), so the model cannot learn from it here.`,
      hint: 'Merge the field work back into the original project and adapt the model there, where the original imagery is.',
      file: project.path,
    });
  }
  const run = pickRun(project, req.run);
  const scene = project.requireScene(run.sceneId);
  const params = run.params as Record<string, unknown>;
  const dem = runDemPath(project, run);
  const baseModel = typeof params.model === 'string' ? params.model : run.modelId;
  checkStoredPaths(req.storedPaths ?? ANY_STORED_PATH, [scene.path, dem, modelFileOf(baseModel)]);
  const crs = project.crs();

  const reviewed = scenePage(project, scene.id, REVIEWED_STATUSES);
  const unreviewed = scenePage(project, scene.id, [UNREVIEWED_STATUS]);
  // A reviewed landslide with no detection run was drawn (or imported): the base model missed it.
  const kindOf = (f: StoredFeature): LabelDecision['kind'] =>
    f.properties.status !== REJECTED_STATUS
      ? f.properties.run
        ? 'confirmed'
        : 'drawn'
      : f.properties.source === BACKGROUND_SOURCE
        ? 'background'
        : 'rejected';
  const decisions: LabelDecision[] = reviewed.map((f) => ({ kind: kindOf(f), geometry: f.geometry }));
  const counts = { confirmed: decisions.filter((d) => d.kind === 'confirmed' || d.kind === 'drawn').length, rejected: decisions.filter((d) => d.kind === 'rejected' || d.kind === 'background').length };

  const fit = await fitAdaptation({
    image: scene.path,
    dem,
    model: baseModel,
    decisions,
    decisionsCrs: crs ?? undefined,
    otherLandslides: unreviewed.map((f) => f.geometry),
    lambda: req.lambda,
    provider: req.provider,
    signal,
    onProgress,
  });
  const modelPath = resolve(req.outModel ?? defaultModelPath(project, fit.model.id));
  const id = basename(modelPath, extname(modelPath));
  const event = project.event();
  const card = adaptedCard(fit.model.card, fit.model.sha256, fit, { id, event: event.name || basename(project.path) });
  const written = await writeAdaptedModel(fit.model, card, modelPath);

  const result = await runProjectDetection(
    DetectRequest.parse({
      image: scene.path,
      dem,
      model: written.onnx,
      project: project.path,
      threshold: typeof params.threshold === 'number' && params.threshold !== fit.model.card.threshold ? params.threshold : undefined,
      seedThreshold: seedOverride(params.seedThreshold, fit.model.card.seedThreshold),
      minAreaM2: typeof params.minAreaM2 === 'number' ? params.minAreaM2 : undefined,
      simplifyM: typeof params.simplifyM === 'number' ? params.simplifyM : undefined,
      aoi: typeof params.aoi === 'string' ? params.aoi : undefined,
      provider: req.provider,
    }),
    onDetectProgress,
    signal,
    project,
    detect,
  );
  const after = scenePage(project, scene.id, [UNREVIEWED_STATUS]);
  return {
    baseModel: fit.model.id,
    model: { id, path: written.onnx, card: written.card },
    decisions: counts,
    labelPixels: { positive: fit.counts.positivePixels, negative: fit.counts.negativePixels },
    keptBase: fit.keptBase,
    run: result,
    changes: { before: unreviewed.length, after: after.length, areaBeforeM2: areaOf(unreviewed), areaAfterM2: areaOf(after) },
    difference: classifyChanges(unreviewed.map(outline), after.map(outline)),
    featureSeconds: fit.featureSeconds,
    fitSeconds: fit.fitSeconds,
  };
}

/** The reviewed run's seed threshold when the operator chose one other than the card's (null: none), else undefined (the card's). */
function seedOverride(recorded: unknown, card: number | undefined): number | null | undefined {
  if (recorded === undefined) return undefined;
  const r = typeof recorded === 'number' ? recorded : null;
  return r === (card ?? null) ? undefined : r;
}
