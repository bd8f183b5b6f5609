/** The one worker mechanism (core/workers/rpc.ts), over a real MessageChannel: both ends as the threads see them. */
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ScarpError } from '../../../src-shared/errors';
import { Endpoint, type Method } from '../../../src-main/core/workers/rpc';

type WorkerSide = {
  sum: Method<{ values: number[] }, number>;
  fail: Method<{ code: 'TOO_LARGE' | 'DEM_UNUSABLE' }, never>;
  count: Method<{ to: number }, string, { done: number }>;
  wait: Method<void, string>;
  fill: Method<{ length: number }, Float32Array>;
  take: Method<{ data: Float32Array }, number>;
  askBack: Method<{ x: number }, number>;
};
type MainSide = {
  double: Method<number, number>;
};

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

function pair(): { main: Endpoint<MainSide, WorkerSide>; worker: Endpoint<WorkerSide, MainSide>; cancelled: string[] } {
  const ch = new MessageChannel();
  channels.push(ch);
  const cancelled: string[] = [];
  const main = new Endpoint<MainSide, WorkerSide>(ch.port1, { double: (n) => n * 2 });
  const worker: Endpoint<WorkerSide, MainSide> = new Endpoint<WorkerSide, MainSide>(ch.port2, {
    sum: ({ values }) => values.reduce((a, b) => a + b, 0),
    fail: ({ code }) => {
      throw new ScarpError({ code, message: `failed with ${code}`, file: '/data/x.tif', params: { limit: 7 } });
    },
    async count({ to }, ctx) {
      for (let i = 1; i <= to; i++) ctx.progress({ done: i });
      return 'counted';
    },
    wait: (_req, ctx) =>
      new Promise<string>((_ok, fail) => {
        ctx.signal.addEventListener('abort', () => {
          cancelled.push('wait');
          fail(new ScarpError({ code: 'CANCELLED', message: 'wait was cancelled' }));
        });
      }),
    fill({ length }, ctx) {
      const out = new Float32Array(length).fill(1.5);
      ctx.transfer(out.buffer);
      return out;
    },
    take: ({ data }) => data.length,
    askBack: async ({ x }) => (await worker.call('double', x)) + 1,
  });
  return { main, worker, cancelled };
}

describe('workers/rpc: typed calls between threads', () => {
  it('answers calls in both directions, with their results', async () => {
    const { main } = pair();
    await expect(main.call('sum', { values: [1, 2, 3.5] })).resolves.toBe(6.5);
    await expect(main.call('askBack', { x: 20 })).resolves.toBe(41);
  });

  it('keeps the error model across the boundary: code, message, file and params (no code turns INTERNAL)', async () => {
    const { main } = pair();
    for (const code of ['TOO_LARGE', 'DEM_UNUSABLE'] as const) {
      const e = await main.call('fail', { code }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ScarpError);
      expect(e).toMatchObject({ code, message: `failed with ${code}`, file: '/data/x.tif', params: { limit: 7 } });
    }
  });

  it('delivers progress events, in order, before the result', async () => {
    const { main } = pair();
    const seen: number[] = [];
    const r = await main.call('count', { to: 5 }, { onProgress: (p) => seen.push(p.done) });
    expect(r).toBe('counted');
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('cancels a call through its AbortSignal: the handler sees the abort, the caller gets CANCELLED', async () => {
    const { main, cancelled } = pair();
    const ac = new AbortController();
    const p = main.call('wait', undefined, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(cancelled).toEqual(['wait']);
  });

  it('moves transferred buffers instead of copying them, both ways', async () => {
    const { main } = pair();
    const filled = await main.call('fill', { length: 1000 });
    expect(filled.length).toBe(1000);
    expect(filled[999]).toBe(1.5);
    const data = new Float32Array(256);
    await expect(main.call('take', { data }, { transfer: [data.buffer] })).resolves.toBe(256);
    expect(data.byteLength).toBe(0);
  });

  it('fails every call in flight, and every later one, when the other side has gone', async () => {
    const { main } = pair();
    const p = main.call('wait', undefined);
    main.close(new ScarpError({ code: 'INTERNAL', message: 'The detect worker stopped (exit code 1).' }));
    await expect(p).rejects.toMatchObject({ code: 'INTERNAL', message: 'The detect worker stopped (exit code 1).' });
    await expect(main.call('sum', { values: [1] })).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
