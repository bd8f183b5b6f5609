/**
 * Multi-file outputs that appear whole or not at all. Every file of one export is written into a
 * hidden staging folder beside the destination; `commit` renames them into place (after checking,
 * again, that nothing would be overwritten without `overwrite`); `abort` removes the folder.
 * A crash leaves only a hidden `.scarp-export-*` folder, never a half-written output.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ScarpError } from '../../../src-shared/errors';
import { sweepLeftovers } from '../util/leftovers';

export class Staging {
  readonly dir: string;
  private readonly planned: Array<{ staged: string; final: string }> = [];
  private done = false;

  constructor(
    readonly targetDir: string,
    private readonly overwrite: boolean,
  ) {
    const d = resolve(targetDir);
    if (!existsSync(d) || !statSync(d).isDirectory()) {
      throw new ScarpError({ code: 'FILE_UNWRITABLE', message: `Cannot write into ${d}: the folder does not exist.`, file: d, hint: 'Create the folder first or choose another location.' });
    }
    try {
      accessSync(d, constants.W_OK);
    } catch {
      throw new ScarpError({ code: 'FILE_UNWRITABLE', message: `Cannot write into ${d}: the folder is not writable.`, file: d, hint: 'Choose a folder you can write to.' });
    }
    sweepLeftovers(d);
    this.dir = join(d, `.scarp-export-${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(this.dir);
  }

  /** Refuse existing outputs unless overwriting (call before doing any work). */
  static checkFree(paths: string[], overwrite: boolean): void {
    if (overwrite) return;
    for (const p of paths) {
      if (existsSync(p)) {
        throw new ScarpError({ code: 'OUTPUT_EXISTS', message: `${resolve(p)} already exists.`, file: resolve(p), hint: 'Choose another name, or allow overwriting to replace it.', options: ['overwrite'] });
      }
    }
  }

  /** A path inside the staging folder for the final file `finalPath`. */
  file(finalPath: string): string {
    const final = resolve(finalPath);
    const staged = join(this.dir, `${this.planned.length}-${basename(final)}`);
    this.planned.push({ staged, final });
    return staged;
  }

  get finals(): string[] {
    return this.planned.map((p) => p.final);
  }

  commit(): string[] {
    if (this.done) throw new ScarpError({ code: 'INTERNAL', message: 'export already finished' });
    try {
      Staging.checkFree(this.finals, this.overwrite);
      for (const p of this.planned) {
        if (!existsSync(p.staged)) throw new ScarpError({ code: 'INTERNAL', message: `export did not produce ${basename(p.final)}` });
        if (this.overwrite && existsSync(p.final) && statSync(p.final).isDirectory()) rmSync(p.final, { recursive: true, force: true });
        mkdirSync(dirname(p.final), { recursive: true });
        renameSync(p.staged, p.final);
      }
    } finally {
      this.abort();
    }
    return this.finals;
  }

  abort(): void {
    this.done = true;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Run `fn` with a staging folder; commit on success, remove everything on error or cancellation. */
export async function staged<T>(targetDir: string, overwrite: boolean, fn: (s: Staging) => Promise<T> | T): Promise<{ value: T; files: string[] }> {
  const s = new Staging(targetDir, overwrite);
  let value: T;
  try {
    value = await fn(s);
  } catch (err) {
    s.abort();
    throw err;
  }
  const files = s.commit();
  return { value, files };
}

/** Throw CANCELLED when the signal is aborted. */
export function checkCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ScarpError({ code: 'CANCELLED', message: 'Export cancelled.' });
}
