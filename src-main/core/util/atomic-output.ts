/**
 * Outputs that appear whole or not at all: each is written to a hidden temporary file beside its
 * destination and renamed into place only when every output of the job has been written.
 */
import { accessSync, constants, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ScarpError } from '../../../src-shared/errors';
import { sweepLeftovers } from './leftovers';

export interface PlannedOutput {
  /** Where the file ends up. */
  finalPath: string;
  /** Where it is written first. */
  tempPath: string;
}

/**
 * Check that an output can be written: a known extension, no existing file unless `overwrite`,
 * an existing writable folder. Throws a ScarpError naming the path otherwise.
 */
export function planOutput(path: string, allowedExtensions: readonly string[], overwrite: boolean, what: string): PlannedOutput {
  const finalPath = resolve(path);
  const ext = extname(finalPath).toLowerCase();
  if (!allowedExtensions.includes(ext)) {
    throw new ScarpError({
      code: 'INVALID_ARGUMENT',
      message: `The ${what} ${finalPath} has extension '${ext || '(none)'}'; supported: ${allowedExtensions.join(', ')}.`,
      file: finalPath,
      hint: `Name the ${what} with one of ${allowedExtensions.join(', ')}.`,
    });
  }
  if (existsSync(finalPath)) {
    if (statSync(finalPath).isDirectory()) {
      throw new ScarpError({ code: 'FILE_UNWRITABLE', message: `The ${what} ${finalPath} is a folder.`, file: finalPath, hint: 'Give a file name.' });
    }
    if (!overwrite) {
      throw new ScarpError({
        code: 'OUTPUT_EXISTS',
        message: `The ${what} ${finalPath} already exists.`,
        file: finalPath,
        hint: 'Choose another name, or allow overwriting to replace it.',
        options: ['overwrite'],
      });
    }
  }
  const dir = dirname(finalPath);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ScarpError({
      code: 'FILE_UNWRITABLE',
      message: `Cannot write the ${what} ${finalPath}: the folder ${dir} does not exist.`,
      file: finalPath,
      hint: 'Create the folder first or choose another location.',
    });
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new ScarpError({
      code: 'FILE_UNWRITABLE',
      message: `Cannot write the ${what} ${finalPath}: the folder ${dir} is not writable.`,
      file: finalPath,
      hint: 'Choose a folder you can write to.',
    });
  }
  sweepLeftovers(dir);
  const tempPath = join(dir, `.${basename(finalPath, ext)}.scarp-${process.pid}-${randomBytes(4).toString('hex')}${ext}`);
  return { finalPath, tempPath };
}

/** Move every temporary file into place (all written by now). */
export function commitOutputs(outputs: readonly PlannedOutput[]): void {
  for (const o of outputs) renameSync(o.tempPath, o.finalPath);
}

/** Remove temporary files (and their SQLite side files) after a failure or cancellation. */
export function discardOutputs(outputs: readonly PlannedOutput[]): void {
  for (const o of outputs) {
    for (const p of [o.tempPath, `${o.tempPath}-journal`, `${o.tempPath}-wal`, `${o.tempPath}-shm`, `${o.tempPath}.partial`]) {
      rmSync(p, { force: true });
    }
  }
}
