/** Small timing helpers shared by benchmarks. */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Seconds taken by `fn`, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - t0) / 1000, value };
}

/** Accumulates named phases (milliseconds) around sync or async calls. */
export class PhaseTimer {
  readonly ms: Record<string, number> = {};
  add(name: string, ms: number): void {
    this.ms[name] = (this.ms[name] ?? 0) + ms;
  }
  async time<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.add(name, performance.now() - t0);
    }
  }
  seconds(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.ms).map(([k, v]) => [k, round3(v / 1000)]));
  }
}

/** True when this module file is the process entry (run alone with `node --import tsx file.ts`). */
export function isMain(metaUrl: string): boolean {
  const arg = process.argv[1];
  return !!arg && resolve(arg) === fileURLToPath(metaUrl);
}
