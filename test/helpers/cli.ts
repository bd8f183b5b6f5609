/** Running the real `scarp` command (bin/scarp.mjs: the CLI built to out/node) as a child process. */
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { repoRoot } from '../../src-main/core/paths';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

const bin = resolve(repoRoot, 'bin/scarp.mjs');

export function scarp(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function scarpAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}
