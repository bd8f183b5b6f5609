/**
 * deploy/k8s: the Indexed Job and the merge Job validated against the batch/v1 Job schema subset in
 * deploy/k8s/schema (strict: unknown fields rejected), plus the points Scarp depends on: --shard auto
 * with --shard-count equal to the Job's completions, shard files named 1..N, the merge over them.
 * The manifests were not run on a cluster (docs/cluster.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../src-main/core/paths';
import { pythonFixture } from '../helpers/gdal';
import { tempDir } from '../helpers/data';

const k8s = (f: string) => resolve(repoRoot, 'deploy/k8s', f);
const schema = k8s('schema/job-batch-v1.subset.json');

describe('deploy/k8s manifests', () => {
  const manifests = ['shards-job.yaml', 'merge-job.yaml', 'batch-job.yaml', 'batch-merge-job.yaml'].map(k8s);

  it('validate against the batch/v1 Job schema', () => {
    const r = pythonFixture<Record<string, string[]>>('validate_k8s.py', [schema, ...manifests]);
    expect(r).toEqual(Object.fromEntries(manifests.map((m) => [m, []])));
  });

  it('the schema rejects what the API server would (unknown field, Indexed without completions, restartPolicy Always)', () => {
    const { dir, cleanup } = tempDir('k8s');
    try {
      const good = readFileSync(k8s('shards-job.yaml'), 'utf8');
      const bad = {
        unknown: good.replace('  parallelism: 16\n', '  parallelism: 16\n  paralellism: 16\n'),
        noCompletions: good.replace('  completions: 16\n', ''),
        always: good.replace('restartPolicy: Never', 'restartPolicy: Always'),
      };
      const files = Object.entries(bad).map(([k, text]) => {
        const p = join(dir, `${k}.yaml`);
        writeFileSync(p, text);
        return p;
      });
      const r = pythonFixture<Record<string, string[]>>('validate_k8s.py', [schema, ...files]);
      for (const f of files) expect(r[f]!.length, f).toBeGreaterThan(0);
      expect(r[files[0]!]!.join()).toMatch(/paralellism/);
    } finally {
      cleanup();
    }
  });

  it('the shard Job gives scarp the shard count it runs, and the merge reads the shard files it writes', () => {
    const shards = readFileSync(k8s('shards-job.yaml'), 'utf8');
    const completions = /\n {2}completions: (\d+)/.exec(shards)![1];
    expect(shards).toContain(`--shard auto --shard-count ${completions}`);
    expect(shards).toContain('--out "/work/shard_$((JOB_COMPLETION_INDEX + 1)).gpkg"');
    expect(readFileSync(k8s('merge-job.yaml'), 'utf8')).toContain('scarp merge-shards --out /work/landslides.gpkg --overwrite /work/shard_*.gpkg');
  });

  it('the batch Job runs one task per index, the count its completions, and the merge joins that batch folder', () => {
    const job = readFileSync(k8s('batch-job.yaml'), 'utf8');
    const completions = /\n {2}completions: (\d+)/.exec(job)![1];
    expect(job).toContain('completionMode: Indexed');
    expect(job).toContain(`--task auto --task-count ${completions}`);
    // A failed scene must not stop the other indexes: no maxFailedIndexes, and the merge runs after a failed Job too.
    expect(job).not.toMatch(/^\s*maxFailedIndexes:/m);
    const outDir = /--out-dir (\S+) --task auto/.exec(job)![1];
    expect(readFileSync(k8s('batch-merge-job.yaml'), 'utf8')).toContain(`scarp batch --out-dir ${outDir} --merge`);
    const run = readFileSync(k8s('run-batch.sh'), 'utf8');
    expect(run).toMatch(/\*" Failed "\*\) echo Failed/);
    expect(run.indexOf('batch-merge-job.yaml')).toBeGreaterThan(run.indexOf('finished scarp-batch)'));
  });
});
