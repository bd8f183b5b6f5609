/**
 * deploy/slurm/ for real: Debian's Slurm (slurm-wlm + munge, installed by .ci/run) with a controller
 * and one node on 127.0.0.1, started here in a private folder (own munge socket and key, own ports,
 * own state), then deploy/slurm/submit.sh: a 4-task job array of `scarp detect --shard auto` on a
 * real crop of Jinsha site B, and the merge job that waits for it (--dependency=afterok). The merged
 * inventory is compared by OGR with one `scarp detect` over the same crop. Time-capped; skipped,
 * saying why, only when the Slurm or munge programs are absent (or not run as root, which slurmd needs).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src-main/core/paths';
import { dataPath, hasData } from '../helpers/data';
import { gdal, hasGdal, pythonFixture } from '../helpers/gdal';
import { scarpAsync } from '../helpers/cli';

const PROGRAMS = ['slurmctld', 'slurmd', 'sbatch', 'squeue', 'sinfo', 'munged'];
const absent = PROGRAMS.filter((p) => spawnSync('sh', ['-c', `command -v ${p} || test -x /usr/sbin/${p}`]).status !== 0);
const isRoot = process.getuid?.() === 0;
const why = absent.length > 0 ? `Slurm programs absent: ${absent.join(', ')} (apt-get install slurm-wlm munge)` : !isRoot ? 'slurmd needs root' : null;
if (why) {
  if (process.env.CI === 'true') throw new Error(`CI=true but the Slurm test cannot run: ${why}`);
  console.warn(`[scarp tests] Slurm test skipped: ${why}`);
}
const CAP_MS = 20 * 60_000;

const sbin = (p: string) => (existsSync(`/usr/sbin/${p}`) ? `/usr/sbin/${p}` : p);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(why !== null || !hasData || !hasGdal)('deploy/slurm on a real Slurm (controller + node on 127.0.0.1)', () => {
  let dir: string;
  const daemons: ChildProcess[] = [];
  let env: NodeJS.ProcessEnv;
  let scene: string[];

  const slurm = (cmd: string, args: string[]) => spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 30_000 });

  beforeAll(async () => {
    // munged refuses key and socket folders others can write: a private folder under the system temp.
    dir = mkdtempSync(join(tmpdir(), 'scarp-slurm-'));
    chmodSync(dir, 0o700);
    for (const d of ['state', 'spool', 'run', 'out']) mkdirSync(join(dir, d), { mode: 0o700 });
    const key = join(dir, 'munge.key');
    writeFileSync(key, randomBytes(1024), { mode: 0o400 });
    const socket = join(dir, 'munge.sock');
    const munged = spawnSync(sbin('munged'), ['--force', `--socket=${socket}`, `--key-file=${key}`, `--pid-file=${join(dir, 'munged.pid')}`, `--log-file=${join(dir, 'munged.log')}`, `--seed-file=${join(dir, 'munged.seed')}`], { encoding: 'utf8' });
    if (munged.status !== 0) throw new Error(`munged failed: ${munged.stderr}`);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const node = 'scarpnode';
    const conf = join(dir, 'slurm.conf');
    writeFileSync(
      conf,
      [
        'ClusterName=scarptest',
        'SlurmctldHost=localhost(127.0.0.1)',
        `SlurmctldPort=${port}`,
        `SlurmdPort=${port + 1}`,
        'SlurmUser=root',
        'SlurmdUser=root',
        'AuthType=auth/munge',
        'CredType=cred/munge',
        `AuthInfo=socket=${socket}`,
        `StateSaveLocation=${join(dir, 'state')}`,
        `SlurmdSpoolDir=${join(dir, 'spool')}`,
        `SlurmctldPidFile=${join(dir, 'run', 'slurmctld.pid')}`,
        `SlurmdPidFile=${join(dir, 'run', 'slurmd.pid')}`,
        `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`,
        `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'JobCompType=jobcomp/none',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core',
        'SchedulerType=sched/backfill',
        'MpiDefault=none',
        'ReturnToService=2',
        'SlurmdParameters=config_overrides',
        `NodeName=${node} NodeHostname=${hostname()} NodeAddr=127.0.0.1 CPUs=2 RealMemory=4000 State=UNKNOWN`,
        `PartitionName=scarp Nodes=${node} Default=YES MaxTime=60 State=UP`,
        '',
      ].join('\n'),
    );
    env = { ...process.env, SLURM_CONF: conf };
    const start = (cmd: string, args: string[]) => {
      const p = spawn(sbin(cmd), args, { env, stdio: 'ignore' });
      daemons.push(p);
      return p;
    };
    start('slurmctld', ['-D', '-i', '-f', conf]);
    start('slurmd', ['-D', '-N', node, '-f', conf]);
    const until = Date.now() + 120_000;
    for (;;) {
      const s = slurm('sinfo', ['-h', '-N', '-o', '%T']);
      if (s.status === 0 && /idle/.test(s.stdout)) break;
      if (Date.now() > until) throw new Error(`Slurm did not come up: sinfo ${s.stdout} ${s.stderr}\n${readLog('slurmctld.log')}\n${readLog('slurmd.log')}`);
      await sleep(1000);
    }

    const rgb = join(dir, 'rgb.tif');
    const dsm = join(dir, 'dsm.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1856', '1600', '640', '768', dataPath('jinsha-uav/siteB_rgb.tif'), rgb]);
    gdal('gdal_translate', ['-q', '-srcwin', '1856', '1600', '640', '768', dataPath('jinsha-uav/siteB_dsm.tif'), dsm]);
    scene = ['--image', rgb, '--dem', dsm];
  }, 180_000);

  const readLog = (name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8').slice(-3000) : '');

  afterAll(async () => {
    if (env) slurm('scancel', ['--user=root']);
    // Stop the daemons this test started and wait for them to exit (they write state on the way out).
    await Promise.all(
      daemons.reverse().map(
        (p) =>
          new Promise<void>((done) => {
            if (p.exitCode !== null || p.signalCode !== null) return done();
            p.once('exit', () => done());
            p.kill('SIGTERM');
            setTimeout(() => {
              p.kill('SIGKILL');
              done();
            }, 20_000).unref();
          }),
      ),
    );
    const pidFile = dir ? join(dir, 'munged.pid') : '';
    const pid = pidFile && existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      // munged removes its seed and socket files as it exits.
      for (let i = 0; i < 40 && existsSync(pidFile); i++) await sleep(250);
    }
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 });
  }, 60_000);

  it(
    'a 4-task array of detect --shard auto, then the merge job after it, equals one run',
    async () => {
      const out = join(dir, 'out');
      const scarp = `${process.execPath} ${resolve(repoRoot, 'bin/scarp.mjs')}`;
      const submit = spawnSync(resolve(repoRoot, 'deploy/slurm/submit.sh'), ['--image', scene[1]!, '--dem', scene[3]!, '--out-dir', out, '--shards', '4', '--cpus', '1'], {
        env: { ...env, SCARP: scarp },
        encoding: 'utf8',
      });
      expect(submit.status, submit.stderr).toBe(0);
      const [, arrayJob, mergeJob] = /job (\d+) \(4 tasks\); merge: job (\d+)/.exec(submit.stdout) ?? [];
      expect(arrayJob && mergeJob, submit.stdout).toBeTruthy();
      // The merge job waits on the array.
      const dep = slurm('squeue', ['-h', '-j', mergeJob!, '-o', '%E']);
      expect(dep.stdout).toMatch(new RegExp(`afterok:${arrayJob}`));

      const single = scarpAsync(['detect', ...scene, '--out', join(dir, 'single.gpkg')]);
      const result = join(out, 'landslides.gpkg');
      const until = Date.now() + CAP_MS - 120_000;
      for (;;) {
        const q = slurm('squeue', ['-h', '-o', '%i %T']);
        if (q.stdout.trim() === '' && existsSync(result)) break;
        if (q.stdout.trim() === '' && !existsSync(result)) {
          const logs = readdirSync(out).filter((f) => f.endsWith('.out')).map((f) => `${f}:\n${readFileSync(join(out, f), 'utf8').slice(-1500)}`);
          throw new Error(`Slurm jobs ended without ${result}:\n${logs.join('\n')}\n${readLog('slurmctld.log')}`);
        }
        if (Date.now() > until) throw new Error(`Slurm jobs still running after the time cap: ${q.stdout}`);
        await sleep(3000);
      }
      expect(readdirSync(out).filter((f) => /^shard_\d\.gpkg$/.test(f)).sort()).toEqual(['shard_1.gpkg', 'shard_2.gpkg', 'shard_3.gpkg', 'shard_4.gpkg']);
      expect(readFileSync(join(out, `scarp-merge-${mergeJob}.out`), 'utf8')).toMatch(/Merged 4 shards/);
      const s = await single;
      expect(s.status, s.stderr).toBe(0);
      const c = pythonFixture<{ countA: number; countB: number; areaA: number; symDiffArea: number; unmatched: number }>('compare_inventories.py', [join(dir, 'single.gpkg'), result]);
      expect(c.countA).toBeGreaterThan(0);
      expect(c.countB).toBe(c.countA);
      expect(c.unmatched).toBe(0);
      expect(c.symDiffArea).toBeLessThanOrEqual(1e-4 * c.areaA);
    },
    CAP_MS,
  );
  it(
    'a batch of scenes as one job array (submit-batch.sh): a failed task is reported, the merge after it joins the others',
    async () => {
      const out = join(dir, 'batch');
      // Two windows of the crop overlapping by 128 px, and a scene that is not a GeoTIFF.
      for (const [name, x] of [['west', 1856], ['east', 2112]] as const) {
        for (const b of ['rgb', 'dsm']) gdal('gdal_translate', ['-q', '-srcwin', String(x), '1600', '384', '768', dataPath(`jinsha-uav/siteB_${b}.tif`), join(dir, `${name}_${b}.tif`)]);
      }
      writeFileSync(join(dir, 'broken.tif'), 'not a GeoTIFF');
      const list = join(dir, 'scenes.txt');
      writeFileSync(list, 'west_rgb.tif west_dsm.tif\nbroken.tif\neast_rgb.tif east_dsm.tif\n');
      const scarp = `${process.execPath} ${resolve(repoRoot, 'bin/scarp.mjs')}`;
      const submit = spawnSync(resolve(repoRoot, 'deploy/slurm/submit-batch.sh'), ['--scenes', list, '--out-dir', out, '--shards', '2', '--cpus', '1'], { env: { ...env, SCARP: scarp }, encoding: 'utf8' });
      expect(submit.status, submit.stderr).toBe(0);
      const [, arrayJob, mergeJob] = /job (\d+) \(6 tasks\); merge: job (\d+)/.exec(submit.stdout) ?? [];
      expect(arrayJob && mergeJob, submit.stdout).toBeTruthy();
      expect(slurm('squeue', ['-h', '-j', mergeJob!, '-o', '%E']).stdout).toMatch(new RegExp(`afterany:${arrayJob}`));
      const mergeLog = join(out, `scarp-batch-merge-${mergeJob}.out`);
      const until = Date.now() + CAP_MS - 120_000;
      for (;;) {
        const q = slurm('squeue', ['-h', '-o', '%i %T']);
        if (q.stdout.trim() === '') break;
        if (Date.now() > until) throw new Error(`Slurm jobs still running after the time cap: ${q.stdout}`);
        await sleep(3000);
      }
      const log = existsSync(mergeLog) ? readFileSync(mergeLog, 'utf8') : '(no merge log)';
      const report = JSON.parse(readFileSync(join(out, 'batch-report.json'), 'utf8')) as { scenes: Array<{ id: string; state: string; error?: { message: string } }>; merged?: { scenes: number; features: number } };
      expect(report.scenes.map((s) => [s.id, s.state]), log).toEqual([
        ['west_rgb', 'done'],
        ['broken', 'failed'],
        ['east_rgb', 'done'],
      ]);
      expect(report.scenes[1]!.error?.message).toContain('broken.tif');
      expect(report.merged?.scenes).toBe(2);
      expect(log).toMatch(/Not in it: +broken/);
      expect(existsSync(join(out, 'landslides.gpkg'))).toBe(true);
      if (existsSync(join(dir, 'single.gpkg'))) {
        // In the overlap (x 2112–2240 of site B) each landslide of one run over the crop appears once.
        const info = JSON.parse(gdal('gdalinfo', ['-json', join(dir, 'east_rgb.tif')])) as { geoTransform: number[] };
        const [ox, px, , oy, , py] = info.geoTransform as [number, number, number, number, number, number];
        const c = pythonFixture<{ countA: number; duplicates: number; pieces: number; matched: number }>('compare_overlap.py', [join(dir, 'single.gpkg'), join(out, 'landslides.gpkg'), String(ox), String(oy + 768 * py), String(ox + 128 * px), String(oy)]);
        expect(c.duplicates).toBe(0);
        expect(c.pieces).toBe(0);
        expect(c.matched).toBe(c.countA);
      }
    },
    CAP_MS,
  );
});
