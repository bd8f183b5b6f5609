/**
 * `--shard K/N` or `--shard auto` (with `--shard-count N` on Kubernetes): which part of a detection
 * this process runs. `auto` reads the batch engine's variables:
 * - Slurm job arrays: K = SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN + 1, N = SLURM_ARRAY_TASK_COUNT
 *   (so `--array=0-7` and `--array=1-8` both give 1..8 of 8);
 * - Kubernetes Indexed Jobs: K = JOB_COMPLETION_INDEX + 1, N from --shard-count (Kubernetes sets no
 *   variable for the completion count).
 */
import { UsageError } from './errors';

export interface ShardChoice {
  index: number;
  count: number;
}

function whole(name: string, value: string | undefined, min: number): number {
  if (value === undefined || !/^\d+$/.test(value.trim())) throw new UsageError(`--shard auto: ${name} is '${value ?? '(not set)'}', not a whole number`);
  const n = Number(value.trim());
  if (n < min) throw new UsageError(`--shard auto: ${name} is ${n}, below ${min}`);
  return n;
}

export function shardOption(value: string | undefined, shardCount: string | undefined, env: NodeJS.ProcessEnv): ShardChoice | undefined {
  if (value === undefined) {
    if (shardCount !== undefined) throw new UsageError('--shard-count goes with --shard auto');
    return undefined;
  }
  let choice: ShardChoice;
  if (value === 'auto') {
    if (env.SLURM_ARRAY_TASK_ID !== undefined) {
      const id = whole('SLURM_ARRAY_TASK_ID', env.SLURM_ARRAY_TASK_ID, 0);
      const min = whole('SLURM_ARRAY_TASK_MIN', env.SLURM_ARRAY_TASK_MIN, 0);
      const count = shardCount !== undefined ? whole('--shard-count', shardCount, 1) : whole('SLURM_ARRAY_TASK_COUNT', env.SLURM_ARRAY_TASK_COUNT, 1);
      choice = { index: id - min + 1, count };
      if (shardCount === undefined && env.SLURM_ARRAY_TASK_STEP !== undefined && env.SLURM_ARRAY_TASK_STEP !== '1') {
        throw new UsageError(`--shard auto needs a job array without a step (SLURM_ARRAY_TASK_STEP is ${env.SLURM_ARRAY_TASK_STEP}): use --array=0-${count - 1}`);
      }
    } else if (env.JOB_COMPLETION_INDEX !== undefined) {
      if (shardCount === undefined) throw new UsageError('--shard auto on Kubernetes needs --shard-count N (the Job\'s completions): Kubernetes sets no variable for it');
      choice = { index: whole('JOB_COMPLETION_INDEX', env.JOB_COMPLETION_INDEX, 0) + 1, count: whole('--shard-count', shardCount, 1) };
    } else {
      throw new UsageError('--shard auto found neither a Slurm job array (SLURM_ARRAY_TASK_ID) nor a Kubernetes Indexed Job (JOB_COMPLETION_INDEX); give --shard K/N');
    }
  } else {
    const m = /^(\d+)\/(\d+)$/.exec(value.trim());
    if (!m) throw new UsageError(`--shard must be K/N (e.g. 2/8) or auto, got '${value}'`);
    if (shardCount !== undefined) throw new UsageError('--shard-count goes with --shard auto; --shard K/N already gives N');
    choice = { index: Number(m[1]), count: Number(m[2]) };
  }
  if (choice.count < 1 || choice.index < 1 || choice.index > choice.count) {
    throw new UsageError(`shard ${choice.index}/${choice.count} does not exist: K must be between 1 and N`);
  }
  return choice;
}
