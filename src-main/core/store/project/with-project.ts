/** Running work on a project that the caller may already hold open. */
import { dirname, resolve } from 'node:path';
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
