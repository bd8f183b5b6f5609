/** The browser-mode detection queue: one at a time, a few waiting, and the memory budget. */
import { describe, expect, it } from 'vitest';
import { createDetectionQueue } from '../../../src-main/server/detection-queue';

const MB = 1024 * 1024;

/** A job that ends when `release()` is called, recording when it started. */
function gate(log: string[], name: string): { job: () => Promise<string>; release: () => void } {
  let release!: () => void;
  const done = new Promise<void>((ok) => (release = ok));
  return {
    job: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
      return name;
    },
    release: () => release(),
  };
}

describe('detection queue', () => {
  it('runs detections one at a time, in order, whatever the previous one did', async () => {
    const q = createDetectionQueue({ budgetBytes: 8000 * MB, usedBytes: () => 100 * MB, freeBytes: () => 4000 * MB });
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const pa = q.run(a.job);
    const failing = q.run(async () => {
      log.push('start fail');
      throw new Error('boom');
    });
    const pb = q.run(b.job);
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['start a']);
    a.release();
    await expect(pa).resolves.toBe('a');
    await expect(failing).rejects.toThrow('boom');
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['start a', 'end a', 'start fail', 'start b']);
    b.release();
    await expect(pb).resolves.toBe('b');
  });

  it('refuses more than the waiting limit', async () => {
    const q = createDetectionQueue({ maxWaiting: 2, budgetBytes: 8000 * MB, usedBytes: () => 0, freeBytes: () => 4000 * MB });
    const log: string[] = [];
    const g = gate(log, 'g');
    const running = q.run(g.job);
    await new Promise((r) => setImmediate(r));
    const w1 = q.run(async () => 1);
    const w2 = q.run(async () => 2);
    await expect(q.run(async () => 3)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', params: { waiting: 2 } });
    g.release();
    await expect(Promise.all([running, w1, w2])).resolves.toEqual(['g', 1, 2]);
  });

  it('does not start a detection over the memory budget or without the free memory it may need: TOO_LARGE, and the next one still runs', async () => {
    let used = 3500 * MB;
    let free = 8000 * MB;
    const q = createDetectionQueue({ budgetBytes: 4000 * MB, reserveBytes: 1000 * MB, usedBytes: () => used, freeBytes: () => free });
    let ran = 0;
    const job = async (): Promise<number> => ++ran;
    await expect(q.run(job)).rejects.toMatchObject({ code: 'TOO_LARGE', params: { usedMb: 3500, budgetMb: 4000, reserveMb: 1000 } });
    used = 500 * MB;
    free = 600 * MB;
    const e = await q.run(job).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'TOO_LARGE', params: { freeMb: 600 } });
    expect((e as Error).message).toMatch(/Not enough free memory to start a detection: 600 MB free/);
    expect(ran).toBe(0);
    free = 2000 * MB;
    await expect(q.run(job)).resolves.toBe(1);
  });
});
