/** Turning SQLite and file-system failures on a project into ScarpErrors a user can act on. */
import { ScarpError } from '../../../../src-shared/errors';

function codeOf(err: unknown): string {
  const e = err as { code?: unknown } | null;
  return typeof e?.code === 'string' ? e.code : '';
}

export function isDiskFull(err: unknown): boolean {
  const c = codeOf(err);
  return c === 'SQLITE_FULL' || c === 'ENOSPC' || c === 'EDQUOT';
}

export function isReadOnly(err: unknown): boolean {
  const c = codeOf(err);
  return c.startsWith('SQLITE_READONLY') || c === 'EROFS' || c === 'EACCES' || c === 'EPERM' || c.startsWith('SQLITE_CANTOPEN');
}

export function isCorrupt(err: unknown): boolean {
  const c = codeOf(err);
  return c.startsWith('SQLITE_CORRUPT') || c === 'SQLITE_NOTADB';
}

export function diskFull(file: string, err?: unknown): ScarpError {
  return new ScarpError(
    {
      code: 'DISK_FULL',
      message: `The disk holding ${file} is full; the change was not saved and the project is as it was before it.`,
      hint: 'Free some space (or move the project to a disk with space) and try again.',
      file,
    },
    { cause: err },
  );
}

export function readOnly(file: string, err?: unknown): ScarpError {
  return new ScarpError(
    {
      code: 'FILE_UNWRITABLE',
      message: `${file} cannot be opened for writing (read-only file, folder or disk).`,
      hint: 'Copy the project to a writable folder, or change its permissions, then open it again.',
      file,
    },
    { cause: err },
  );
}

export function corrupt(file: string, detail: string, err?: unknown): ScarpError {
  return new ScarpError(
    {
      code: 'CORRUPT_FILE',
      message: `${file} is damaged: ${detail}`,
      hint: 'Open a backup copy of the project (e.g. a .backup-v*.gpkg beside it); the damaged file was left as it is.',
      file,
    },
    { cause: err },
  );
}

/** Map a low-level failure while working on `file` to a ScarpError (ScarpErrors pass through). */
export function projectError(file: string, err: unknown, doing: string): ScarpError {
  if (err instanceof ScarpError) return err;
  if (isDiskFull(err)) return diskFull(file, err);
  if (isReadOnly(err)) return readOnly(file, err);
  if (isCorrupt(err)) return corrupt(file, (err as Error).message, err);
  return new ScarpError({ code: 'INTERNAL', message: `Project ${file}: ${doing} failed: ${(err as Error)?.message ?? String(err)}`, file }, { cause: err });
}
