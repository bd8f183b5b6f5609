/**
 * The first check on every input path: it must be a regular file (after links) that can be read,
 * within a size limit. Named pipes, devices, sockets and folders are refused before anything opens
 * them (a FIFO would block a read forever), and every errno becomes a ScarpError naming the file.
 */
import { stat } from 'node:fs/promises';
import { statSync, type Stats } from 'node:fs';
import { ScarpError } from '../../../src-shared/errors';

export interface InputFileOptions {
  /** What the file is, in words ("raster", "DEM", "area of interest"). */
  what: string;
  /** Largest accepted size in bytes. */
  maxBytes?: number;
}

function kindOf(st: Stats): string | null {
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return null;
}

function fromErrno(path: string, what: string, e: unknown): ScarpError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new ScarpError({ code: 'FILE_NOT_FOUND', message: `The ${what} ${path} does not exist.`, file: path, params: { what } });
  const why =
    code === 'ELOOP' ? 'its symbolic links loop' : code === 'ENAMETOOLONG' ? 'its name is too long for the file system' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : `${code ?? 'read error'}`;
  return new ScarpError({ code: 'FILE_UNREADABLE', message: `The ${what} ${path} cannot be read: ${why}.`, file: path, params: { what, errno: code ?? '' } }, { cause: e });
}

/** Refuse anything but a readable regular file; returns its stats. */
export function checkInputStats(path: string, st: Stats, opts: InputFileOptions): Stats {
  if (st.isDirectory())
    throw new ScarpError({ code: 'UNSUPPORTED_FORMAT', message: `The ${opts.what} ${path} is a folder, not a file.`, file: path, hint: 'Choose the file inside the folder.', params: { what: opts.what } });
  const special = kindOf(st);
  if (special)
    throw new ScarpError({
      code: 'FILE_UNREADABLE',
      message: `The ${opts.what} ${path} is ${special}, not a regular file.`,
      file: path,
      hint: 'Copy the data into a regular file and choose that.',
      params: { what: opts.what, kind: special },
    });
  if (opts.maxBytes !== undefined && st.size > opts.maxBytes)
    throw new ScarpError({
      code: 'TOO_LARGE',
      message: `The ${opts.what} ${path} is ${(st.size / 2 ** 20).toFixed(0)} MiB; at most ${(opts.maxBytes / 2 ** 20).toFixed(0)} MiB is read.`,
      file: path,
      hint: 'Simplify or split the file (e.g. ogr2ogr -simplify, or one file per area).',
      params: { what: opts.what, bytes: st.size, maxBytes: opts.maxBytes },
    });
  return st;
}

export async function checkInputFile(path: string, opts: InputFileOptions): Promise<Stats> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (e) {
    throw fromErrno(path, opts.what, e);
  }
  return checkInputStats(path, st, opts);
}

export function checkInputFileSync(path: string, opts: InputFileOptions): Stats {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    throw fromErrno(path, opts.what, e);
  }
  return checkInputStats(path, st, opts);
}

/** Any errno thrown while reading a checked file, as a ScarpError naming it (ScarpErrors pass). */
export function readErrorOf(path: string, what: string, e: unknown): ScarpError {
  if (e instanceof ScarpError) return e;
  if (typeof (e as NodeJS.ErrnoException)?.code === 'string') return fromErrno(path, what, e);
  return new ScarpError({ code: 'FILE_UNREADABLE', message: `The ${what} ${path} cannot be read: ${e instanceof Error ? e.message : String(e)}.`, file: path }, { cause: e });
}
