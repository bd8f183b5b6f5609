/**
 * The DEM check and coverage shared by the shards of one scene (detect/scene-cache.ts): computed
 * once for callers that ask together, read back exactly, computed again when an input changed, and
 * never blocked by a lock a killed process left or a failure of the one computing it.
 */
import { existsSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coverageCodec, fileIdentity, sharedSceneResult, type CacheCodec } from '../../src-main/core/detect/scene-cache';
import type { Coverage } from '../../src-main/core/detect/coverage';
import { tempDir } from '../helpers/data';

const json: CacheCodec<{ n: number; warnings: string[] }> = { encode: (v) => ({ json: v, arrays: [] }), decode: (j) => j as { n: number; warnings: string[] } };

describe('sharedSceneResult', () => {
  let dir: string;
  let cleanup: () => void;
  let input: string;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir('scene-cache'));
    input = join(dir, 'dem.tif');
    writeFileSync(input, 'elevations');
  });
  afterEach(() => cleanup());

  it('computes once for shards asking together, and each gets the result', async () => {
    let calls = 0;
    const compute = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 300));
      return { n: 42, warnings: ['The DEM covers 80 % of the scene'] };
    };
    const key = { dem: fileIdentity(input) };
    const got = await Promise.all([1, 2, 3].map(() => sharedSceneResult(dir, 'dem-check', key, compute, json)));
    expect(calls).toBe(1);
    for (const g of got) expect(g).toEqual({ n: 42, warnings: ['The DEM covers 80 % of the scene'] });
    // A later shard reads it; no lock is left behind.
    expect(await sharedSceneResult(dir, 'dem-check', key, compute, json)).toEqual(got[0]);
    expect(calls).toBe(1);
    expect(readdirSync(dir).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  it('computes again when an input changed', async () => {
    let calls = 0;
    const compute = async () => ({ n: ++calls, warnings: [] });
    expect((await sharedSceneResult(dir, 'dem-check', { dem: fileIdentity(input) }, compute, json)).n).toBe(1);
    writeFileSync(input, 'other elevations');
    expect((await sharedSceneResult(dir, 'dem-check', { dem: fileIdentity(input) }, compute, json)).n).toBe(2);
  });

  it('passes on the error of a failed computation, leaves no lock, and the next caller computes', async () => {
    const key = { dem: fileIdentity(input) };
    await expect(sharedSceneResult(dir, 'dem-check', key, () => Promise.reject(new Error('DEM unusable')), json)).rejects.toThrow('DEM unusable');
    expect(readdirSync(dir).filter((f) => f.startsWith('.scarp'))).toEqual([]);
    expect((await sharedSceneResult(dir, 'dem-check', key, async () => ({ n: 7, warnings: [] }), json)).n).toBe(7);
  });

  it('ignores a lock left by a killed process once it is stale', async () => {
    const key = { dem: fileIdentity(input) };
    // Learn the cache's name, then make it look as if its holder died long ago before writing it.
    await sharedSceneResult(dir, 'dem-check', key, async () => ({ n: 1, warnings: [] }), json);
    const name = readdirSync(dir).find((f) => f.endsWith('.cache'))!;
    expect(name).toMatch(/^\.scarp-dem-check-[0-9a-f]{24}\.cache$/);
    rmSync(join(dir, name));
    const lock = join(dir, `${name}.lock`);
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 60 * 60_000);
    utimesSync(lock, old, old);
    expect((await sharedSceneResult(dir, 'dem-check', key, async () => ({ n: 2, warnings: [] }), json)).n).toBe(2);
    expect(existsSync(lock)).toBe(false);
  });

  it('computes without sharing when the folder cannot be written', async () => {
    const r = await sharedSceneResult(join(dir, 'no', 'such', 'folder'), 'dem-check', { dem: fileIdentity(input) }, async () => ({ n: 3, warnings: [] }), json);
    expect(r.n).toBe(3);
  });

  it('stores a coverage exactly (mask and band samples)', async () => {
    const coverage: Coverage = {
      mask: { data: Uint8Array.from([0, 1, 1, 0, 1, 1]), width: 3, height: 2 },
      validCells: 4,
      sample: new Map([
        [0, Float32Array.from([0.1, 0.25, 0.3])],
        [2, Float32Array.from([1e-7, 255])],
      ]),
    };
    const key = { image: fileIdentity(input) };
    await sharedSceneResult(dir, 'coverage', key, async () => coverage, coverageCodec);
    const back = await sharedSceneResult(dir, 'coverage', key, () => Promise.reject(new Error('not read from the cache')), coverageCodec);
    expect(back.mask).toEqual(coverage.mask);
    expect(back.validCells).toBe(4);
    expect([...back.sample.keys()]).toEqual([0, 2]);
    expect(back.sample.get(0)).toEqual(coverage.sample.get(0));
    expect(back.sample.get(2)).toEqual(coverage.sample.get(2));
  });
});
