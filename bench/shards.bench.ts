/**
 * Sharded detection (issue 18) on the whole of Jinsha site B (3221 × 2817 px, RGB + DSM, 0.5 m):
 * one `scarp detect` run, then the same scene in 4 and in 7 shards (`--shard K/N`, two processes at
 * a time) joined by `scarp merge-shards`, each compared with the single run by OGR
 * (test/fixtures/compare_inventories.py: counts, symmetric difference, attributes of matched polygons).
 *
 * CPU seconds are those of whole processes (user + system from /usr/bin/time: Node start, model
 * load and scene opening included), so the ratio `sum of shard CPU / single-run CPU` carries the
 * per-process fixed cost that a real cluster task pays too. The aims (issue 18): ratio ≤ 1.15 and
 * merge ≤ 5 % of the single run. Wall-clock figures on a loaded machine mostly measure waiting.
 * `SCARP_BENCH_SHARDS=4,7` picks the shard counts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot } from '../src-main/core/paths';
import { benchTmp, jinshaDir } from './lib/scenes';
import { isMain, round3 } from './lib/timing';

const bin = resolve(repoRoot, 'bin/scarp.mjs');

interface Timed {
  code: number | null;
  wallS: number;
  cpuS: number;
  stdout: string;
  stderr: string;
}

/** Run `scarp args` under /usr/bin/time; CPU = user + system of the whole process. */
function scarpTimed(args: string[]): Promise<Timed> {
  return new Promise((done) => {
    const child = spawn('/usr/bin/time', ['-f', 'TIME %e %U %S', process.execPath, bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
      done({ code, wallS: m ? Number(m[1]) : NaN, cpuS: m ? Number(m[2]) + Number(m[3]) : NaN, stdout, stderr: stderr.slice(-2000) });
    });
  });
}

function check(r: Timed, what: string): Timed {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}`);
  return r;
}

function compare(a: string, b: string): Record<string, unknown> {
  const r = spawnSync('/usr/bin/python3', [resolve(repoRoot, 'test/fixtures/compare_inventories.py'), a, b], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`compare_inventories.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

/** Run tasks with at most `width` at a time. */
async function pool<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, tasks.length) }, async () => {
      while (next < tasks.length) {
        const k = next++;
        out[k] = await tasks[k]!();
      }
    }),
  );
  return out;
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = jinshaDir();
  if (!dir) return { skipped: 'Jinsha site B not found (../shared/data or $SCARP_DATA)' };
  const work = join(benchTmp, 'shards');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const scene = ['--image', join(dir, 'siteB_rgb.tif'), '--dem', join(dir, 'siteB_dsm.tif')];
  const counts = (process.env.SCARP_BENCH_SHARDS ?? '4,7').split(',').map(Number);

  const single = check(await scarpTimed(['detect', ...scene, '--out', join(work, 'single.gpkg'), '--json']), 'single run');
  const singleJson = JSON.parse(single.stdout) as { features: number; tiles: number };
  const result: Record<string, unknown> = {
    scene: 'Jinsha site B, 3221 × 2817 px',
    single: { cpuS: round3(single.cpuS), wallS: round3(single.wallS), features: singleJson.features, tiles: singleJson.tiles },
    loadavg: loadavg().map(round3),
  };
  for (const n of counts) {
    // A folder per shard count: the shards of one run share the scene's DEM check and coverage there
    // (detect/scene-cache.ts), and each run's shards pay for them once.
    const nDir = join(work, `n${n}`);
    mkdirSync(nDir, { recursive: true });
    const shardFile = (i: number) => join(nDir, `shard_${i + 1}.gpkg`);
    const shards = await pool(
      Array.from({ length: n }, (_, i) => () => scarpTimed(['detect', ...scene, '--shard', `${i + 1}/${n}`, '--out', shardFile(i), '--json'])),
      2,
    );
    shards.forEach((s, i) => check(s, `shard ${i + 1}/${n}`));
    const merged = join(work, `n${n}_merged.gpkg`);
    const merge = check(await scarpTimed(['merge-shards', '--out', merged, '--overwrite', '--json', ...shards.map((_, i) => shardFile(i))]), 'merge');
    const m = JSON.parse(merge.stdout) as { features: number; joined: number; stitchedRows: number; shardCpuS: number; mergeCpuS: number };
    const cmp = compare(join(work, 'single.gpkg'), merged);
    const sumCpu = shards.reduce((s, x) => s + x.cpuS, 0);
    result[`shards${n}`] = {
      shardCpuS: shards.map((s) => round3(s.cpuS)),
      sumShardCpuS: round3(sumCpu),
      cpuRatio: round3(sumCpu / single.cpuS),
      inProcessShardCpuS: round3(m.shardCpuS),
      mergeCpuS: round3(merge.cpuS),
      mergeInProcessCpuS: round3(m.mergeCpuS),
      mergeRatio: round3(merge.cpuS / single.cpuS),
      mergeWallS: round3(merge.wallS),
      features: m.features,
      joinedAcrossSeams: m.joined,
      stitchedRows: m.stitchedRows,
      compare: cmp,
      symDiffFractionOfArea: round3(((cmp.symDiffArea as number) / (cmp.areaA as number)) * 1e6) / 1e6,
    };
  }
  result.aims = { cpuRatio: 1.15, mergeRatio: 0.05, symDiffFractionOfArea: 1e-4 };
  return result;
}

if (isMain(import.meta.url)) console.log(JSON.stringify(await run(), null, 2));
