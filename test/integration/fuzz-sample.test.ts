/**
 * A fixed sample (every 11th case, ~100 runs) of the malformed-input corpus that `npm run fuzz`
 * runs in full: real crops of the shared data, corrupted; each case runs the real `scarp` command.
 * No run may end in a signal, a stack trace, a hang, a bogus success, an incomplete --json error or
 * a leftover file. The corpus is built in the system temp folder, never in the repository.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCorpus, type FuzzCase } from '../fuzz/corpus';
import { isFailure, runCases, summarise } from '../fuzz/main';
import { dataDir, hasData } from '../helpers/data';
import { hasGdal } from '../helpers/gdal';

const STRIDE = 11;

describe.skipIf(!(hasData && hasGdal))('fuzz sample: malformed inputs end in clean errors or sound results', () => {
  let root: string;
  let cases: FuzzCase[];
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'scarp-fuzz-sample-'));
    cases = buildCorpus(root, { seed: 12, count: 1000, dataDir: dataDir! }).filter((_, i) => i % STRIDE === 0);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('every run is a clean error or a success that holds up', async () => {
    const outcomes = await runCases(cases, 60_000);
    const summary = summarise(outcomes);
    console.log(`[fuzz-sample] ${JSON.stringify(summary)}`);
    const bad = outcomes.filter(isFailure).map((o) => `${o.id} ${o.outcome}${o.leftover.length ? ` leftover=${o.leftover.join(',')}` : ''}: ${o.what} :: scarp ${o.args.join(' ')} :: ${o.detail}`);
    expect(bad).toEqual([]);
    expect(summary.runs).toBeGreaterThanOrEqual(90);
  }, 3_600_000);
});
