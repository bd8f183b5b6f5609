/**
 * `npm run fuzz [-- --count 1000] [--seed 12] [--timeout 60] [--kind raster|dem|aoi|import|pair|package|shards|batch] [--keep] [--every k] [--from i] [--to j]`
 *
 * Builds the malformed-input corpus (test/fuzz/corpus.ts) in a temporary folder, runs `scarp` on
 * each case one at a time with a time limit, prints each failure on stderr and, last, one JSON line:
 * {"runs", "clean_error", "success", "signal", "stack_trace", "hang", "bogus", "leftover", "incomplete_error", "damaged"}
 * (damaged: a run that failed, or a dry run, changed the project it was given).
 * `--from i --to j` run cases i..j-1 of the (filtered) corpus only: the corpus is deterministic for a
 * seed, so a long run can be done in parts on different days and the parts added up.
 * Exit 0 when signal, stack_trace, hang, bogus, leftover, incomplete_error and damaged are all 0.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sharedDataDir } from '../../src-main/core/paths';
import { buildCorpus, type FuzzCase } from './corpus';
import { dropCase, runCase, type Outcome } from './run-case';

export interface FuzzSummary {
  runs: number;
  clean_error: number;
  success: number;
  signal: number;
  stack_trace: number;
  hang: number;
  bogus: number;
  leftover: number;
  incomplete_error: number;
  damaged: number;
}

export function summarise(outcomes: Outcome[]): FuzzSummary {
  const n = (k: Outcome['outcome']): number => outcomes.filter((o) => o.outcome === k).length;
  return {
    runs: outcomes.length,
    clean_error: n('clean_error'),
    success: n('success'),
    signal: n('signal'),
    stack_trace: n('stack_trace'),
    hang: n('hang'),
    bogus: n('bogus'),
    leftover: outcomes.filter((o) => o.leftover.length > 0).length,
    incomplete_error: n('incomplete_error'),
    damaged: n('damaged'),
  };
}

export function isFailure(o: Outcome): boolean {
  return !(o.outcome === 'clean_error' || o.outcome === 'success') || o.leftover.length > 0;
}

/** Run the cases one at a time (one CLI at a time), dropping each case's folder after it is judged. */
export async function runCases(cases: FuzzCase[], timeoutMs: number, onOutcome?: (o: Outcome, i: number) => void, keep = false): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const [i, c] of cases.entries()) {
    const o = await runCase(c, timeoutMs);
    out.push(o);
    onOutcome?.(o, i);
    if (!keep || !isFailure(o)) dropCase(c);
  }
  return out;
}

async function main(): Promise<number> {
  const { values: v } = parseArgs({
    options: {
      count: { type: 'string', default: '1000' },
      seed: { type: 'string', default: '12' },
      timeout: { type: 'string', default: '60' },
      kind: { type: 'string' },
      every: { type: 'string', default: '1' },
      from: { type: 'string', default: '0' },
      to: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const data = sharedDataDir();
  if (!data) {
    process.stderr.write('fuzz: the shared data (../shared/data or $SCARP_DATA) is missing\n');
    return 2;
  }
  const root = mkdtempSync(join(tmpdir(), 'scarp-fuzz-'));
  process.stderr.write(`fuzz: corpus in ${root}\n`);
  let cases = buildCorpus(root, { seed: Number(v.seed), count: Number(v.count), dataDir: data });
  if (v.kind) cases = cases.filter((c) => v.kind!.split(',').includes(c.kind));
  const every = Math.max(1, Number(v.every));
  cases = cases.filter((_, i) => i % every === 0);
  cases = cases.slice(Number(v.from), v.to === undefined ? undefined : Number(v.to));
  process.stderr.write(`fuzz: ${cases.length} cases\n`);
  const seen: Outcome[] = [];
  const outcomes = await runCases(
    cases,
    Number(v.timeout) * 1000,
    (o, i) => {
      seen.push(o);
      if (isFailure(o)) process.stderr.write(`[${i + 1}/${cases.length}] ${o.id} ${o.outcome}${o.leftover.length ? ` leftover=${o.leftover.join(',')}` : ''}: ${o.what} :: scarp ${o.args.join(' ')} :: ${o.detail}\n`);
      if ((i + 1) % 25 === 0) process.stderr.write(`[${i + 1}/${cases.length}] so far ${JSON.stringify(summarise(seen))}\n`);
    },
    v.keep,
  );
  writeFileSync(join(root, 'report.json'), JSON.stringify(outcomes, null, 1));
  const s = summarise(outcomes);
  process.stdout.write(`${JSON.stringify(s)}\n`);
  if (!v.keep) rmSync(root, { recursive: true, force: true });
  else process.stderr.write(`fuzz: kept ${root} (report.json)\n`);
  const bad = s.signal + s.stack_trace + s.hang + s.bogus + s.leftover + s.incomplete_error + s.damaged;
  return bad === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main();
}
