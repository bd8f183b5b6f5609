/**
 * Results of reading a whole scene, shared by the shards of one scene (detect/shard/): the DEM check
 * and the coverage read every pixel of the DEM and the imagery (without overviews), and every shard
 * needs the same answer before it can plan its part. The first shard to need one computes it and
 * leaves it in the folder of the shard files (`.scarp-<what>-<hash>.cache`); the others read it.
 *
 * Shards started together (a job array) do not all compute it: one takes a lock file and the others
 * wait for its result. A holder that fails leaves no cache (its error is every shard's error: they
 * compute and fail in turn); a lock left by a killed process is ignored once it is STALE_MS old.
 * The key holds each input's path, size and modification time, so an input that changed is read
 * again. A folder that cannot be written only costs the saving: the result is computed as usual.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Coverage } from './coverage';
import type { DemCheck } from './dem-check';

const FORMAT = 'scarp-scene-cache/1';
/** A lock older than this is a holder that died. */
const STALE_MS = 10 * 60_000;
/** Wait at most this long for another shard's result, then compute it here. */
const MAX_WAIT_MS = 10 * 60_000;
const POLL_MS = 100;

/** A file as the cache key sees it: path, size and modification time. */
export function fileIdentity(path: string): { path: string; size: number; mtimeMs: number } {
  const p = resolve(path);
  const s = statSync(p);
  return { path: p, size: s.size, mtimeMs: s.mtimeMs };
}

/** How a result is stored: a JSON part and typed arrays. */
export interface CacheCodec<T> {
  encode(value: T): { json: unknown; arrays: ArrayBufferView[] };
  decode(json: unknown, arrays: Uint8Array[]): T;
}

function pack(header: unknown, arrays: ArrayBufferView[]): Buffer {
  const head = Buffer.from(JSON.stringify({ header, lengths: arrays.map((a) => a.byteLength) }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  return Buffer.concat([len, head, ...arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))]);
}

function unpack(buf: Buffer): { header: unknown; arrays: Uint8Array[] } {
  const n = buf.readUInt32LE(0);
  const { header, lengths } = JSON.parse(buf.subarray(4, 4 + n).toString()) as { header: unknown; lengths: number[] };
  let o = 4 + n;
  const arrays = lengths.map((l) => {
    // Copied: an aligned buffer of its own for the typed array views.
    const a = new Uint8Array(l);
    a.set(buf.subarray(o, o + l));
    o += l;
    return a;
  });
  if (o !== buf.length) throw new Error('trailing bytes');
  return { header, arrays };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The result of `compute` for `key`, shared through the folder `dir` (none: computed here).
 * `what` names the result in the file name.
 */
export async function sharedSceneResult<T>(dir: string | undefined, what: string, key: unknown, compute: () => Promise<T>, codec: CacheCodec<T>): Promise<T> {
  if (!dir) return compute();
  const keyJson = JSON.stringify({ format: FORMAT, what, key });
  const path = join(dir, `.scarp-${what}-${createHash('sha256').update(keyJson).digest('hex').slice(0, 24)}.cache`);
  const lock = `${path}.lock`;
  const read = (): T | null => {
    let buf: Buffer;
    try {
      buf = readFileSync(path);
    } catch {
      return null;
    }
    try {
      const { header, arrays } = unpack(buf);
      const h = header as { key: string; json: unknown };
      if (h.key !== keyJson) return null;
      return codec.decode(h.json, arrays);
    } catch {
      return null;
    }
  };
  const t0 = Date.now();
  for (;;) {
    const cached = read();
    if (cached !== null) return cached;
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return compute(); // a folder we cannot write
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > STALE_MS) {
        try {
          unlinkSync(lock);
        } catch {
          /* another waiter removed it first */
        }
        continue;
      }
      if (Date.now() - t0 > MAX_WAIT_MS) return compute();
      await sleep(POLL_MS);
      continue;
    }
    closeSync(fd);
    try {
      const value = await compute();
      try {
        const { json, arrays } = codec.encode(value);
        const tmp = `${path}.${process.pid}.tmp`;
        writeFileSync(tmp, pack({ key: keyJson, json }, arrays));
        renameSync(tmp, path);
      } catch {
        /* not cached: the other shards compute it themselves */
      }
      return value;
    } finally {
      try {
        unlinkSync(lock);
      } catch {
        /* already gone */
      }
    }
  }
}

export const demCheckCodec: CacheCodec<DemCheck> = {
  encode: (v) => ({ json: v, arrays: [] }),
  decode: (json) => json as DemCheck,
};

export const coverageCodec: CacheCodec<Coverage> = {
  encode: (c) => {
    const bands = [...c.sample.keys()];
    return { json: { width: c.mask.width, height: c.mask.height, validCells: c.validCells, bands }, arrays: [c.mask.data, ...bands.map((b) => c.sample.get(b)!)] };
  },
  decode: (json, arrays) => {
    const j = json as { width: number; height: number; validCells: number; bands: number[] };
    const [mask, ...samples] = arrays;
    if (!mask || mask.length !== j.width * j.height || samples.length !== j.bands.length) throw new Error('coverage cache does not fit');
    return {
      mask: { data: mask, width: j.width, height: j.height },
      validCells: j.validCells,
      sample: new Map(j.bands.map((b, i) => [b, new Float32Array(samples[i]!.buffer, 0, samples[i]!.byteLength / 4)])),
    };
  },
};
