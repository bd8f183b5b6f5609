/**
 * What killed runs and exports leave behind, found and removed the next time Scarp writes into
 * that folder: hidden staging folders (`.scarp-export-<pid>-<hex>`) and temporary outputs
 * (`.<name>.<pid>-<hex>.tmp` / `.partial`, atomic-output.ts) whose process is gone. A file of a
 * process still alive (another Scarp at work) is never touched. Also: removing a project file with
 * its SQLite sidecars and lock.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Names Scarp gives its temporaries (hidden, with the writing process's pid and 8 random hex digits):
 * `.scarp-export-<pid>-<hex>` (staging.ts), `.<stem>.scarp-<pid>-<hex><ext>` and its SQLite/partial
 * sidecars (atomic-output.ts), `.<name>.<pid>.<hex>.tmp` and `.<name>.<pid>-<hex>[.L<i>].tmp`
 * (GeoJSON/GeoPackage/COG writers).
 */
const PATTERN = /^\.(?:scarp-export-(\d+)-[0-9a-f]{8}|.+?\.(?:scarp-)?(\d+)[.-][0-9a-f]{8}(?:\..*|-journal|-wal|-shm)?)$/;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid a temporary name carries, or null when the name is not one of Scarp's temporaries. */
export function leftoverPid(name: string): number | null {
  const m = PATTERN.exec(name);
  return m ? Number(m[1] ?? m[2]) : null;
}

/** Remove the temporaries of dead Scarp processes in `dir`; returns what was removed. Never throws. */
export function sweepLeftovers(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = leftoverPid(name);
    if (pid === null || alive(pid)) continue;
    const p = join(dir, name);
    try {
      statSync(p);
      rmSync(p, { recursive: true, force: true });
      removed.push(p);
    } catch {
      /* gone already, or not ours to remove */
    }
  }
  return removed;
}

/** Remove a project file with its SQLite sidecars and Scarp lock. */
export function removeProjectFiles(path: string): void {
  for (const p of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`, `${path}.lock`]) rmSync(p, { force: true });
}
