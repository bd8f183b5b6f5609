/**
 * Ctrl-C at 20 moments across the stages of `scarp detect` (with and without a project) and
 * `scarp export`, through the real command with the shipped model on a real Jinsha crop. The cancel
 * is injected deterministically at a progress event (SCARP_TEST_CANCEL_AT: the same SIGINT listener a
 * real Ctrl-C runs), and once as a real SIGINT sent when the command reports inference. Every time:
 * exit 1 with "cancelled", no partial file, no process abort; a project run recorded as cancelled
 * with its lock released, and resumable.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src-main/core/paths';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, hasGdal } from '../helpers/gdal';
import { scarp, type CliResult } from '../helpers/cli';

const run = hasData && hasGdal;

function expectCancelled(r: CliResult): void {
  expect(r.stderr).not.toMatch(/terminate called|Napi::Error|internal error|^\s+at /m);
  expect(r.status, r.stderr).toBe(1);
  expect(r.stderr).toMatch(/cancelled/i);
}

/** Everything in `dir` (hidden files too) that is not one of `inputs`. */
function newFiles(dir: string, inputs: string[]): string[] {
  return readdirSync(dir).filter((f) => !inputs.includes(f));
}

describe.skipIf(!run)('Ctrl-C during detect and export (CLI, real data)', () => {
  let dir: string;
  let cleanup: () => void;
  let rgb: string;
  let dsm: string;
  const inputs = ['rgb.tif', 'dsm.tif'];
  const env = (at: string): NodeJS.ProcessEnv => ({ SCARP_TEST_CANCEL_AT: at, SCARP_ORT_THREADS: '1' });
  const detectArgs = (out: string[]): string[] => ['detect', '--image', rgb, '--dem', dsm, '--batch-size', '1', ...out];
  const results: string[] = [];

  beforeAll(() => {
    ({ dir, cleanup } = tempDir('cli-cancel'));
    rgb = join(dir, 'rgb.tif');
    dsm = join(dir, 'dsm.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1600', '600', '384', '384', '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE', dataPath('jinsha-uav/siteB_rgb.tif'), rgb]);
    gdal('gdal_translate', ['-q', '-srcwin', '1600', '600', '384', '384', dataPath('jinsha-uav/siteB_dsm.tif'), dsm]);
  });
  afterAll(() => {
    console.log(`[cli-cancel] ${results.length} cancellations clean: ${results.join(', ')}`);
    cleanup();
  });

  // Without a project: 7 moments, no file left at all.
  for (const at of ['prepare:0', 'prepare:1', 'prepare:2', 'prepare:4', 'infer:0', 'infer:2', 'write:0']) {
    it(`detect --out: cancelled at ${at} leaves nothing`, () => {
      const r = scarp(detectArgs(['--out', join(dir, 'inv.gpkg'), '--probability', join(dir, 'prob.tif')]), env(at));
      expectCancelled(r);
      expect(newFiles(dir, inputs)).toEqual([]);
      results.push(`detect ${at}`);
    });
  }

  // A new project: cancelled before the run is recorded, the project it created is removed; after,
  // the run is recorded as cancelled, the lock released, and running it again resumes and finishes.
  for (const at of ['prepare:0', 'prepare:4', 'infer:0', 'infer:2', 'infer:3', 'vectorise:0', 'vectorise:256', 'write:0']) {
    it(`detect --project: cancelled at ${at}`, () => {
      const sub = join(dir, `p-${at.replace(':', '-')}`);
      mkdirSync(sub);
      const project = join(sub, 'p.gpkg');
      const r = scarp(detectArgs(['--project', project, '--json']), env(at));
      expectCancelled(r);
      const left = readdirSync(sub);
      if (at.startsWith('prepare')) {
        expect(left).toEqual([]);
      } else {
        expect(left).toEqual(['p.gpkg']);
        const runs = JSON.parse(scarp(['project', 'runs', project, '--json']).stdout) as Array<{ status: string; rowsDone: number }>;
        expect(runs.map((x) => x.status)).toEqual(['cancelled']);
        const again = scarp(detectArgs(['--project', project, '--json']), { SCARP_ORT_THREADS: '1' });
        expect(again.status, again.stderr).toBe(0);
        const res = JSON.parse(again.stdout) as { project: { resumed: boolean; runId: string } };
        expect(res.project.resumed).toBe(true);
        const after = JSON.parse(scarp(['project', 'runs', project, '--json']).stdout) as Array<{ status: string }>;
        expect(after.map((x) => x.status)).toEqual(['done']);
        expect(readdirSync(sub)).toEqual(['p.gpkg']);
      }
      results.push(`detect --project ${at}`);
    });
  }

  describe('export', () => {
    let project: string;
    let out: string;
    beforeAll(() => {
      out = join(dir, 'exports');
      mkdirSync(out);
      project = join(dir, 'done.gpkg');
      const r = scarp(detectArgs(['--project', project]), { SCARP_ORT_THREADS: '1' });
      expect(r.status, r.stderr).toBe(0);
    });

    for (const [format, file, at] of [
      ['probability', 'prob.tif', 'prepare:0'],
      ['probability', 'prob.tif', 'write:0'],
      ['gpkg', 'inv.gpkg', 'write:0'],
      ['shp-zip', 'inv.zip', 'write:1'],
    ] as const) {
      it(`export ${format}: cancelled at ${at} leaves no file`, () => {
        const r = scarp(['export', '--project', project, '--format', format, '--out', join(out, file)], env(at));
        expectCancelled(r);
        expect(readdirSync(out)).toEqual([]);
        expect(existsSync(`${project}.lock`)).toBe(false);
        results.push(`export ${format} ${at}`);
      });
    }
  });

  it('a real SIGINT during inference: exit 1, cancelled, no abort, nothing left', async () => {
    const sub = join(dir, 'sigint');
    mkdirSync(sub);
    const child = spawn(process.execPath, [resolve(repoRoot, 'bin/scarp.mjs'), ...detectArgs(['--out', join(sub, 'inv.gpkg')])], { env: { ...process.env, SCARP_ORT_THREADS: '1' } });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // Sent when the command reports its first finished tile: ONNX Runtime is busy with the next.
      if (!sent && /Detecting: \d+% \([1-9]/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const status = await new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    expect(sent).toBe(true);
    expectCancelled({ status, stdout: '', stderr });
    expect(readdirSync(sub)).toEqual([]);
    rmSync(sub, { recursive: true });
    results.push('real SIGINT');
  });
});
