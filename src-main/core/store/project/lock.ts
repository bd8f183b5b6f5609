/**
 * One Scarp at a time per project: a sidecar `<project>.lock` file (created exclusively, holding
 * who/where/since) whose owner's liveness is checked on the same host, so a crashed Scarp never
 * locks a project for good. SQLite itself is not locked exclusively, so QGIS can still read the file.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { ScarpError } from '../../../../src-shared/errors';

export interface LockOwner {
  user: string;
  host: string;
  pid: number;
  since: string;
}

export function lockPathOf(projectPath: string): string {
  return `${projectPath}.lock`;
}

export function currentUser(): string {
  try {
    return userInfo().username || process.env.USER || 'unknown';
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

export function thisOwner(): LockOwner {
  return { user: currentUser(), host: hostname(), pid: process.pid, since: new Date().toISOString() };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && typeof o.host === 'string') return { user: String(o.user ?? '?'), host: o.host, pid: o.pid, since: String(o.since ?? '?') };
  } catch {
    /* half-written or foreign: treated as stale below */
  }
  return null;
}

export class ProjectLock {
  private constructor(
    readonly path: string,
    readonly owner: LockOwner,
  ) {}

  /** Take the lock or throw PROJECT_LOCKED naming its holder. Stale locks (dead pid on this host) are taken over. */
  static acquire(projectPath: string): ProjectLock {
    const path = lockPathOf(projectPath);
    const me = thisOwner();
    for (let attempt = 0; attempt < 3; attempt++) {
      let fd: number;
      try {
        fd = openSync(path, 'wx');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') throw e;
        const other = readOwner(path);
        const stale = other === null || (other.host === me.host && (other.pid === me.pid ? false : !alive(other.pid)));
        if (other && other.host === me.host && other.pid === me.pid) {
          throw new ScarpError({
            code: 'PROJECT_LOCKED',
            message: `${projectPath} is already open in this Scarp (since ${other.since}).`,
            hint: 'Close it first.',
            file: projectPath,
          });
        }
        if (!stale && other) {
          throw new ScarpError({
            code: 'PROJECT_LOCKED',
            message: `${projectPath} is already open by ${other.user}@${other.host} pid ${other.pid} since ${other.since}.`,
            hint: `Close it in that Scarp first. If that Scarp is gone for good (e.g. another machine crashed), delete ${path}.`,
            file: projectPath,
            params: { holder: `${other.user}@${other.host} pid ${other.pid}`, since: other.since },
          });
        }
        rmSync(path, { force: true });
        continue;
      }
      try {
        writeSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      return new ProjectLock(path, me);
    }
    throw new ScarpError({ code: 'PROJECT_LOCKED', message: `Could not lock ${projectPath} (${path} keeps reappearing).`, file: projectPath });
  }

  release(): void {
    const o = readOwner(this.path);
    if (o && o.pid === this.owner.pid && o.host === this.owner.host) rmSync(this.path, { force: true });
  }
}
