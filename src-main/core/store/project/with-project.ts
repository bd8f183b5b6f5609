/** Running work on a project that the caller may already hold open. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { isScarpError } from '../../../../src-shared/errors';
import { sweepLeftovers } from '../../util/leftovers';
import { Project } from './project';

/** Whether `open` is the project file at `path`: the one test of "the open project, or the file". */
export function isOpenAt(open: Project | null | undefined, path: string): open is Project {
  return !!open && open.isOpen && open.path === resolve(path);
}

/**
 * Run `fn` on the project at `path`: through `open` when it is that project (left open; a second
 * open in the same process would meet its own lock), else on the file opened for the call and closed
 * after (leftovers of killed runs in its folder swept first: util/leftovers.ts).
 */
export async function withProject<T>(path: string, open: Project | null | undefined, fn: (p: Project) => Promise<T>): Promise<T> {
  if (isOpenAt(open, path)) return fn(open);
  sweepLeftovers(dirname(resolve(path)));
  const project = Project.open(path, { check: 'quick' });
  try {
    return await fn(project);
  } finally {
    project.close();
  }
}

/**
 * Like withProject, for work that only reads the project (an export): when another Scarp holds it
 * (the desktop app while an analyst works, a detection running into it), `fn` reads a snapshot of
 * its committed state instead of failing (takeSnapshot), and `note` says so for the output's
 * warnings; null when the project itself was read.
 */
export async function withProjectToRead<T>(path: string, open: Project | null | undefined, fn: (p: Project, note: string | null) => Promise<T>): Promise<T> {
  if (isOpenAt(open, path)) return fn(open, null);
  sweepLeftovers(dirname(resolve(path)));
  let project: Project;
  try {
    project = Project.open(path, { check: 'quick' });
  } catch (e) {
    const holder = heldElsewhere(e);
    if (!holder) throw e;
    const snap = await takeSnapshot(path, holder);
    try {
      const copy = Project.open(snap.path, { check: 'quick' });
      try {
        return await fn(copy, snap.note);
      } finally {
        copy.close();
      }
    } finally {
      snap.dispose();
    }
  }
  try {
    return await fn(project, null);
  } finally {
    project.close();
  }
}

/** Who holds the project, when `e` is the refusal to open one that another process holds (not this one: a caller's mistake). */
export function heldElsewhere(e: unknown): string | null {
  return isScarpError(e) && e.code === 'PROJECT_LOCKED' && typeof e.params?.holder === 'string' ? e.params.holder : null;
}

export interface ProjectSnapshot {
  /** The copy: a project file under the original's name in a temporary folder. */
  path: string;
  /** For the output's warnings: whose project, read as it was saved when. */
  note: string;
  dispose(): void;
}

/**
 * A consistent copy of what another Scarp (`holder`) has saved of the project at `path`: SQLite's
 * online backup into a temporary folder, under the project's own name (the provenance of what is
 * read from it names the project). The caller opens the copy and disposes of it.
 */
export async function takeSnapshot(path: string, holder: string): Promise<ProjectSnapshot> {
  const dir = mkdtempSync(join(tmpdir(), 'scarp-snapshot-'));
  const dispose = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const copy = join(dir, basename(path));
    const at = new Date().toISOString();
    const src = new Database(resolve(path), { readonly: true, fileMustExist: true });
    try {
      await src.backup(copy);
    } finally {
      src.close();
    }
    return { path: copy, note: `${basename(path)} is open in another Scarp (${holder}): read as it was saved at ${at}; what is edited there after that is not in this output.`, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}
