/**
 * `scarp batch --scenes <folder|list.txt|manifest.json> --out-dir <dir> [--shards N] [detect options]`
 * (docs/cluster.md "Many scenes"): every scene in N shards, one inventory; run again to continue.
 * `--plan` only writes the plan and prints the task count, `--task K|auto` runs one task (a job
 * array's), `--merge` only merges what is finished.
 */
import type { BatchRequest, BatchResult, ScarpApi } from '../../../src-shared/api';
import { ProviderPreference } from '../../../src-shared/api';
import { numberOption, parseCommandArgs } from '../args';
import { UsageError } from '../errors';
import { BAND_OPTIONS, layoutOption } from '../bands';
import { createProgressReporter } from '../progress';
import { cancelOnSigint } from '../cancel';
import { shardOption } from '../shard-option';
import { seedOption } from './detect';

const OPTIONS = {
  scenes: { type: 'string' },
  'out-dir': { type: 'string' },
  out: { type: 'string' },
  shards: { type: 'string' },
  dem: { type: 'string' },
  model: { type: 'string' },
  threshold: { type: 'string' },
  'seed-threshold': { type: 'string' },
  'no-seed': { type: 'boolean' },
  'min-area': { type: 'string' },
  simplify: { type: 'string' },
  aoi: { type: 'string' },
  provider: { type: 'string' },
  'batch-size': { type: 'string' },
  tta: { type: 'boolean' },
  'no-tta': { type: 'boolean' },
  'no-separate': { type: 'boolean' },
  ...BAND_OPTIONS,
  plan: { type: 'boolean' },
  task: { type: 'string' },
  'task-count': { type: 'string' },
  merge: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export function batchRequestFromArgs(args: string[], env: NodeJS.ProcessEnv): { request: BatchRequest; json: boolean } {
  const { values: v } = parseCommandArgs(args, OPTIONS);
  if (!v['out-dir']) throw new UsageError('batch needs --out-dir <folder> (the plan, shard files and report go there)');
  const steps = [v.plan && '--plan', v.task !== undefined && '--task', v.merge && '--merge'].filter(Boolean);
  if (steps.length > 1) throw new UsageError(`give one of --plan, --task and --merge, not ${steps.join(' and ')}`);
  if (v.tta && v['no-tta']) throw new UsageError('give --tta or --no-tta, not both');
  const provider = v.provider === undefined ? undefined : ProviderPreference.safeParse(v.provider);
  if (provider && !provider.success) throw new UsageError(`--provider must be one of ${ProviderPreference.options.join(', ')}`);
  const shards = numberOption('shards', v.shards);
  if (shards !== undefined && (!Number.isInteger(shards) || shards < 1)) throw new UsageError(`--shards must be a whole number of at least 1, got '${v.shards}'`);
  let task: number | undefined;
  let taskCount: number | undefined;
  if (v.task !== undefined) {
    // The same engine variables as detect --shard auto: K from the array or completion index.
    const t = /^\d+$/.test(v.task) ? { index: Number(v.task), count: undefined } : shardOption(v.task === 'auto' ? 'auto' : v.task, v['task-count'], env);
    if (!t || t.index < 1) throw new UsageError(`--task must be K (1-based), K/T or auto, got '${v.task}'`);
    task = t.index;
    taskCount = t.count;
  } else if (v['task-count'] !== undefined) {
    throw new UsageError('--task-count goes with --task auto');
  }
  const request: BatchRequest = {
    outDir: v['out-dir'],
    scenes: v.scenes,
    shards,
    step: v.plan ? 'plan' : task !== undefined ? 'task' : v.merge ? 'merge' : 'all',
    task,
    taskCount,
    out: v.out,
    dem: v.dem,
    model: v.model,
    threshold: numberOption('threshold', v.threshold),
    seedThreshold: seedOption(v),
    minAreaM2: numberOption('min-area', v['min-area']),
    simplifyM: numberOption('simplify', v.simplify),
    aoi: v.aoi,
    provider: provider?.data,
    batchSize: numberOption('batch-size', v['batch-size']),
    tta: v.tta ? true : v['no-tta'] ? false : undefined,
    separate: !v['no-separate'],
    layout: layoutOption(v),
  };
  return { request, json: v.json ?? false };
}

function summary(r: BatchResult): string {
  const lines = [`Batch:       ${r.scenes.length} scene${r.scenes.length === 1 ? '' : 's'} × ${r.shardsPerScene} shard${r.shardsPerScene === 1 ? '' : 's'} = ${r.tasks} tasks (plan ${r.plan})`];
  if (r.ran + r.skipped + r.failedNow > 0) lines.push(`Tasks:       ${r.ran} run now, ${r.skipped} already finished (not run again), ${r.failedNow} failed`);
  // One task of a job array: its log names only a failed scene, not every scene of the batch.
  for (const s of r.report ? r.scenes : r.scenes.filter((x) => r.failedNow > 0 && x.error)) {
    const head = `  ${s.id.padEnd(20)} ${s.state.padEnd(8)} ${s.shardsDone}/${r.shardsPerScene} shards`;
    lines.push(s.error ? `${head}; shard ${s.error.shard} failed: ${s.error.code}: ${s.error.message} (${s.error.hint})` : s.features !== undefined ? `${head}, ${s.features} landslides` : head);
    for (const w of s.warnings ?? []) lines.push(`    Warning: ${w}`);
  }
  if (r.merged) {
    const m = r.merged;
    lines.push(`Landslides:  ${m.features} polygons, ${(m.totalAreaM2 / 10_000).toFixed(2)} ha from ${m.scenes} scene${m.scenes === 1 ? '' : 's'} (${m.overlaps} overlaps between scenes resolved: ${m.dropped} copies dropped, ${m.mergedAcrossEdges} merged across scene edges)`);
    lines.push(`Inventory:   ${m.out}`);
  }
  const missing = r.scenes.filter((s) => s.state !== 'done');
  if (r.merged && missing.length > 0) lines.push(`Not in it:   ${missing.map((s) => s.id).join(', ')} (${missing.length} scene${missing.length === 1 ? '' : 's'} not finished: fix and run the batch again; finished shards are kept)`);
  if (r.report) lines.push(`Report:      ${r.report}`);
  return lines.join('\n');
}

/** Exit 1 when a task failed now or the merged inventory lacks a scene; 0 otherwise. */
export async function runBatchCommand(service: ScarpApi, args: string[]): Promise<number> {
  const { request, json } = batchRequestFromArgs(args, process.env);
  const progress = createProgressReporter();
  const cancel = cancelOnSigint(progress.sink);
  let r: BatchResult;
  try {
    r = await service.batchDetect(request, cancel.sink, cancel.signal);
  } finally {
    progress.finish();
    cancel.dispose();
  }
  process.stdout.write(json ? `${JSON.stringify(r, null, 2)}\n` : `${summary(r)}\n`);
  const incomplete = r.merged !== undefined && r.scenes.some((s) => s.state !== 'done');
  return r.failedNow > 0 || incomplete ? 1 : 0;
}
