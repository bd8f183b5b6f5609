/**
 * `scarp batch`: a detection over many scenes, each cut into shards, joined into one inventory.
 *
 * The batch folder holds the plan (`batch.json`: scenes, shards per scene, detection options), one
 * folder per scene with its shard files (`scenes/<id>/shard_K.gpkg`, written whole or not at all)
 * and failure records (`shard_K.failed.json`), the report (`batch-report.json`) and the merged
 * inventory. Task K (1-based) of the plan is shard ((K−1) mod N) + 1 of scene ⌈K/N⌉: a batch engine
 * runs the tasks anywhere (a Slurm job array, a Kubernetes Indexed Job), a laptop runs them in turn.
 * A shard file that exists is a finished task: it is never run again, so a killed batch continues
 * where it stopped. A failed task is recorded and the other scenes go on; the merge joins the
 * scenes that are done (merge-shards.ts), resolves their overlaps (mosaic.ts) and lists the rest.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BatchRequestParsed, BatchResult, BatchSceneStatus, DetectRequestParsed, ProgressSink } from '../../../../src-shared/api';
import { ScarpError, errorInfoOf } from '../../../../src-shared/errors';
import { createTransformer, gridBounds, sameCrs, transformBounds } from '../../geo';
import { ShardFileReader } from '../../store/shard-file';
import { planOutput, discardOutputs } from '../../util/atomic-output';
import { exportInventory } from '../../export/export-inventory';
import { completeRecord } from '../../store/geopackage-writer';
import { polygonConfidence } from '../../vector/confidence';
import type { FlatMultiPolygon } from '../../vector';
import { runShard } from '../shard/run-shard';
import type { ShardDescription } from '../shard/shard-format';
import { joinShards, shardRunMeta } from '../shard/merge-shards';
import type { InventoryMeta } from '../../export/inventory';
import { mosaicScenes, type MosaicScene } from './mosaic';
import { readSceneList, type BatchScene } from './scene-list';

export const BATCH_FORMAT = 'scarp-batch/1';

type DetectOptions = Pick<DetectRequestParsed, 'model' | 'tta' | 'threshold' | 'seedThreshold' | 'minAreaM2' | 'simplifyM' | 'aoi' | 'provider' | 'batchSize' | 'layout'> & { separate?: false };

export interface BatchPlan {
  format: typeof BATCH_FORMAT;
  shards: number;
  scenes: BatchScene[];
  options: DetectOptions;
}

const planPath = (dir: string) => join(dir, 'batch.json');
const sceneDir = (dir: string, s: BatchScene) => join(dir, 'scenes', s.id);
const shardPath = (dir: string, s: BatchScene, k: number) => join(sceneDir(dir, s), `shard_${k}.gpkg`);
const failurePath = (dir: string, s: BatchScene, k: number) => join(sceneDir(dir, s), `shard_${k}.failed.json`);

function bad(message: string, hint: string, file?: string): ScarpError {
  return new ScarpError({ code: 'INVALID_ARGUMENT', message, hint, file });
}

/** Write a small file whole or not at all (tasks on many nodes may write the same plan at once). */
function writeWhole(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function optionsOf(req: BatchRequestParsed): DetectOptions {
  const o: DetectOptions = { model: req.model, tta: req.tta, threshold: req.threshold, seedThreshold: req.seedThreshold, minAreaM2: req.minAreaM2, simplifyM: req.simplifyM, aoi: req.aoi ? resolve(req.aoi) : undefined, provider: req.provider, batchSize: req.batchSize, layout: req.layout };
  // Only when off, so plans written before touching landslides were separated still match.
  if (!req.separate) o.separate = false;
  return JSON.parse(JSON.stringify(o)) as DetectOptions;
}

function readPlan(dir: string): BatchPlan | null {
  const path = planPath(dir);
  if (!existsSync(path)) return null;
  let plan: Partial<BatchPlan>;
  try {
    plan = JSON.parse(readFileSync(path, 'utf8')) as Partial<BatchPlan>;
  } catch (e) {
    throw bad(`The batch plan ${path} is not readable JSON (${(e as Error).message}).`, 'Remove it to plan the batch again (finished shard files are kept and reused).', path);
  }
  if (plan.format !== BATCH_FORMAT || !Array.isArray(plan.scenes) || typeof plan.shards !== 'number') {
    throw bad(`${path} is not a batch plan of this Scarp (${String(plan.format ?? 'no format')}; this Scarp writes ${BATCH_FORMAT}).`, 'Use a new folder for the batch.', path);
  }
  return plan as BatchPlan;
}

/** The plan of the request: the folder's plan, or a new one; a different batch in the folder is refused. */
function planOf(req: BatchRequestParsed, dir: string): BatchPlan {
  const existing = readPlan(dir);
  if (!req.scenes) {
    if (!existing) throw bad(`The batch folder ${dir} holds no plan (batch.json).`, 'Give the scenes (a folder, a list file or a manifest) to plan the batch.', dir);
    if (req.shards !== undefined && req.shards !== existing.shards) throw bad(`The batch in ${dir} was planned with ${existing.shards} shards per scene, not ${req.shards}.`, 'Leave out the shard count, or use a new folder.', planPath(dir));
    return existing;
  }
  const plan: BatchPlan = { format: BATCH_FORMAT, shards: req.shards ?? existing?.shards ?? 1, scenes: readSceneList(req.scenes, req.dem), options: optionsOf(req) };
  if (existing) {
    const differ = (['shards', 'scenes', 'options'] as const).filter((k) => JSON.stringify(existing[k]) !== JSON.stringify(plan[k]));
    if (differ.length > 0) {
      throw bad(
        `The batch folder ${dir} holds another batch: its plan differs in ${differ.join(', ')}.`,
        'Continue it with the same scenes and options, use a new folder, or remove its batch.json to plan again (finished shard files of unchanged scenes are checked and reused).',
        planPath(dir),
      );
    }
    return existing;
  }
  mkdirSync(dir, { recursive: true });
  writeWhole(planPath(dir), `${JSON.stringify(plan, null, 2)}\n`);
  return plan;
}

/** The shard file of a finished task, or null (absent, or not this task's: then it is run again). */
function finishedShard(dir: string, s: BatchScene, k: number, n: number): ShardDescription | null {
  const path = shardPath(dir, s, k);
  if (!existsSync(path)) return null;
  try {
    const r = ShardFileReader.open(path);
    const d = r.description as ShardDescription;
    r.close();
    if (d.part?.index === k && d.part.count === n && d.run?.image === resolve(s.image) && d.run.dem === (s.dem ? resolve(s.dem) : null)) return d;
  } catch {
    /* unreadable: run it again */
  }
  return null;
}

type TaskOutcome = 'ran' | 'skipped' | 'failed';

async function runTask(plan: BatchPlan, dir: string, k1: number, onProgress: ProgressSink | undefined, signal: AbortSignal | undefined): Promise<TaskOutcome> {
  const scene = plan.scenes[Math.floor((k1 - 1) / plan.shards)]!;
  const k = ((k1 - 1) % plan.shards) + 1;
  if (finishedShard(dir, scene, k, plan.shards)) return 'skipped';
  mkdirSync(sceneDir(dir, scene), { recursive: true });
  try {
    await runShard({ ...plan.options, separate: plan.options.separate ?? true, image: scene.image, dem: scene.dem ?? undefined, out: shardPath(dir, scene, k), overwrite: true, resume: false, shard: { index: k, count: plan.shards } }, onProgress, signal);
    rmSync(failurePath(dir, scene, k), { force: true });
    return 'ran';
  } catch (e) {
    const info = errorInfoOf(e);
    if (info.code === 'CANCELLED') throw e;
    writeWhole(failurePath(dir, scene, k), `${JSON.stringify({ scene: scene.id, image: scene.image, shard: k, of: plan.shards, at: new Date().toISOString(), error: info }, null, 2)}\n`);
    return 'failed';
  }
}

function sceneStatus(plan: BatchPlan, dir: string, s: BatchScene): BatchSceneStatus {
  let done = 0;
  let error: BatchSceneStatus['error'];
  for (let k = 1; k <= plan.shards; k++) {
    if (finishedShard(dir, s, k, plan.shards)) done++;
    else if (!error && existsSync(failurePath(dir, s, k))) {
      try {
        const f = JSON.parse(readFileSync(failurePath(dir, s, k), 'utf8')) as { error: { code: string; message: string; hint: string; file?: string } };
        error = { shard: k, code: f.error.code, message: f.error.message, hint: f.error.hint, file: f.error.file };
      } catch {
        error = { shard: k, code: 'INTERNAL', message: `The failure record ${failurePath(dir, s, k)} is unreadable.`, hint: 'Run the batch again.' };
      }
    }
  }
  return { id: s.id, image: s.image, state: done === plan.shards ? 'done' : error ? 'failed' : 'pending', shardsDone: done, error };
}

function reproject(mp: FlatMultiPolygon, forward: (x: number, y: number) => [number, number]): FlatMultiPolygon {
  return mp.map((p) =>
    p.map((r) => {
      const o = new Float64Array(r.length);
      for (let i = 0; i < r.length; i += 2) [o[i], o[i + 1]] = forward(r[i]!, r[i + 1]!);
      return o;
    }),
  );
}

/** One run's provenance where every scene's run agrees (the model, its threshold); the scenes of all. */
function batchMeta(metas: readonly InventoryMeta[]): InventoryMeta {
  const same = <K extends keyof InventoryMeta>(k: K): InventoryMeta[K] | null => (metas.every((m) => m[k] === metas[0]![k]) ? metas[0]![k] : null);
  return {
    modelId: same('modelId'),
    modelName: same('modelName'),
    modelSha256: same('modelSha256'),
    threshold: same('threshold'),
    runId: metas.length === 1 ? metas[0]!.runId : null,
    scenes: metas.flatMap((m) => m.scenes ?? []),
    provider: same('provider'),
  };
}

async function mergeBatch(plan: BatchPlan, dir: string, statuses: BatchSceneStatus[], outPath: string): Promise<NonNullable<BatchResult['merged']>> {
  const out = planOutput(outPath, ['.gpkg', '.geojson', '.json'], true, 'inventory');
  try {
    const done = plan.scenes.filter((_, i) => statuses[i]!.state === 'done');
    if (done.length === 0) throw bad(`No scene of the batch in ${dir} is finished: nothing to merge.`, 'Run the batch tasks first; the report lists each scene\'s state and error.', dir);
    const mosaic: MosaicScene[] = [];
    let crs = null as ShardDescription['run']['grid']['crs'] | null;
    const runs = new Map<string, string>();
    const metas: InventoryMeta[] = [];
    for (const s of done) {
      const m = joinShards(Array.from({ length: plan.shards }, (_, i) => shardPath(dir, s, i + 1)));
      const grid = m.description.run.grid;
      crs ??= grid.crs;
      runs.set(s.id, m.description.runId);
      const st = statuses[plan.scenes.indexOf(s)]!;
      if (m.warnings.length > 0) st.warnings = m.warnings;
      metas.push(shardRunMeta(m.description));
      const pixel = Math.max(Math.abs(grid.geoTransform[1]), Math.abs(grid.geoTransform[5]));
      if (sameCrs(grid.crs, crs)) {
        mosaic.push({ id: s.id, footprint: gridBounds(grid), edgeTolerance: 1.5 * pixel, polygons: m.polygons });
      } else {
        const t = createTransformer(grid.crs, crs);
        const footprint = transformBounds(gridBounds(grid), grid.crs, crs);
        const scale = (footprint.maxX - footprint.minX) / (grid.width * Math.abs(grid.geoTransform[1]));
        mosaic.push({ id: s.id, footprint, edgeTolerance: 1.5 * pixel * scale, polygons: m.polygons.map((p) => ({ ...p, geometry: reproject(p.geometry, t.forward) })) });
      }
    }
    const r = mosaicScenes(mosaic, crs!);
    const now = new Date().toISOString();
    const features = r.polygons.map((p, i) => ({
      fid: i + 1,
      geometry: p.geometry,
      record: completeRecord({ ...p.attributes, scene: p.scene, run: runs.get(p.scene)!, confidence: polygonConfidence(p.attributes.prob_mean) }, now),
    }));
    const format = extname(out.finalPath).toLowerCase() === '.gpkg' ? 'gpkg' : 'geojson';
    await exportInventory({ crs: crs!, features, meta: batchMeta(metas) }, { format, out: out.finalPath, overwrite: true });
    for (const st of statuses) if (st.state === 'done') st.features = r.polygons.filter((p) => p.scene === st.id).length;
    return { out: out.finalPath, scenes: done.length, features: features.length, totalAreaM2: r.polygons.reduce((a, p) => a + p.attributes.area_m2, 0), overlaps: r.overlaps, mergedAcrossEdges: r.mergedAcrossEdges, dropped: r.dropped };
  } catch (e) {
    discardOutputs([out]);
    throw e;
  }
}

/** The task K (1-based) the request names, checked against the plan. */
function taskOf(req: BatchRequestParsed, tasks: number): number {
  if (req.task === undefined) throw bad('A batch task step needs the task number.', 'Give the task (1-based), or let the batch engine give it.');
  if (req.taskCount !== undefined && req.taskCount !== tasks) {
    throw bad(`The batch engine runs ${req.taskCount} tasks, but the plan has ${tasks} (scenes × shards per scene).`, `Submit an array of ${tasks} tasks (the plan step prints the count).`);
  }
  if (req.task > tasks) throw bad(`Task ${req.task} does not exist: the plan has ${tasks} tasks.`, `Tasks are 1 to ${tasks}.`);
  return req.task;
}

export async function runBatch(req: BatchRequestParsed, onProgress?: ProgressSink, signal?: AbortSignal): Promise<BatchResult> {
  const t0 = performance.now();
  const dir = resolve(req.outDir);
  const plan = planOf(req, dir);
  const tasks = plan.scenes.length * plan.shards;
  let ran = 0;
  let skipped = 0;
  let failedNow = 0;
  const count = (o: TaskOutcome) => (o === 'ran' ? ran++ : o === 'skipped' ? skipped++ : failedNow++);

  if (req.step === 'task') {
    count(await runTask(plan, dir, taskOf(req, tasks), onProgress, signal));
  } else if (req.step === 'all') {
    let done = 0;
    for (let si = 0; si < plan.scenes.length; si++) {
      const s = plan.scenes[si]!;
      for (let k = 1; k <= plan.shards; k++) {
        if (signal?.aborted) throw new ScarpError({ code: 'CANCELLED', message: 'Batch cancelled: finished shards are kept; run the batch again to continue.' });
        onProgress?.({ stage: 'infer', done: done++, total: tasks, message: `scene ${s.id}, shard ${k}/${plan.shards}` });
        const o = await runTask(plan, dir, si * plan.shards + k, undefined, signal);
        count(o);
        // A failed shard usually fails for the whole scene (unreadable image, DEM off the scene): go on with the next scene.
        if (o === 'failed') {
          done += plan.shards - k;
          break;
        }
      }
    }
    onProgress?.({ stage: 'infer', done: tasks, total: tasks });
  }

  const scenes = plan.scenes.map((s) => sceneStatus(plan, dir, s));
  let merged: BatchResult['merged'];
  if (req.step === 'all' || req.step === 'merge') {
    onProgress?.({ stage: 'write', done: 0, total: 1, message: 'merging the scenes' });
    merged = await mergeBatch(plan, dir, scenes, req.out ?? join(dir, 'landslides.gpkg'));
    onProgress?.({ stage: 'write', done: 1, total: 1 });
  }
  // One task of many (a job array) leaves its shard file or its failure record; the report is the batch's.
  const report = req.step === 'task' ? undefined : join(dir, 'batch-report.json');
  const result: BatchResult = { outDir: dir, plan: planPath(dir), scenes, shardsPerScene: plan.shards, tasks, ran, skipped, failedNow, merged, report, seconds: (performance.now() - t0) / 1000 };
  if (report) writeWhole(report, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
