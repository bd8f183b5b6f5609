/**
 * Child-process measurement for benchmarks: run a command, sample its resident memory from
 * /proc/<pid>/status while it runs (VmRSS, the peak seen, plus VmHWM — the kernel's own high-water
 * mark — read just before it exits is not possible from outside, so the last VmHWM sample is kept),
 * and report wall time. On systems without /proc, only the wall time is reported.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface ChildRun {
  code: number | null;
  seconds: number;
  /** Peak VmRSS seen by sampling (MB), and the last VmHWM read (MB; the kernel's peak). */
  peakRssMB: number | null;
  hwmMB: number | null;
  /** RSS samples (seconds since start, MB), thinned to ≤ 200 points. */
  samples: Array<[number, number]>;
  stdout: string;
  stderr: string;
}

function statusKb(pid: number, field: string): number | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(s);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;

/** Run `cmd args` to completion, sampling RSS every `intervalMs`. */
export function runSampled(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; intervalMs?: number; cwd?: string; onStderr?: (chunk: string) => void } = {},
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const s = d.toString();
      stderr = (stderr + s).slice(-20000);
      opts.onStderr?.(s);
    });
    let peakKb = 0;
    let hwmKb = 0;
    const samples: Array<[number, number]> = [];
    const sample = () => {
      if (!child.pid) return;
      const rss = statusKb(child.pid, 'VmRSS');
      const hwm = statusKb(child.pid, 'VmHWM');
      if (rss !== null) {
        peakKb = Math.max(peakKb, rss);
        samples.push([(performance.now() - t0) / 1000, mb(rss)]);
      }
      if (hwm !== null) hwmKb = Math.max(hwmKb, hwm);
    };
    const timer = setInterval(sample, opts.intervalMs ?? 200);
    child.on('error', (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on('exit', (code) => {
      clearInterval(timer);
      const step = Math.max(1, Math.ceil(samples.length / 200));
      resolve({
        code,
        seconds: (performance.now() - t0) / 1000,
        peakRssMB: peakKb > 0 ? mb(peakKb) : null,
        hwmMB: hwmKb > 0 ? mb(hwmKb) : null,
        samples: samples.filter((_, i) => i % step === 0),
        stdout,
        stderr,
      });
    });
  });
}
