/**
 * A content fingerprint for large source files, fast on GB files: SHA-256 over the size, the first
 * and last 64 KiB and 16 evenly spaced 64 KiB blocks (~1 MiB read whatever the size). It tells a
 * moved file from a different one; it is not a full checksum.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const BLOCK = 64 * 1024;
const SAMPLES = 16;

export function fileFingerprint(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const h = createHash('sha256');
    h.update(`scarp-fp1:${size}:`);
    const buf = Buffer.allocUnsafe(BLOCK);
    const take = (offset: number): void => {
      const n = readSync(fd, buf, 0, Math.min(BLOCK, Math.max(0, size - offset)), offset);
      h.update(buf.subarray(0, n));
    };
    if (size <= BLOCK * (SAMPLES + 2)) {
      for (let o = 0; o < size; o += BLOCK) take(o);
    } else {
      take(0);
      const span = size - 2 * BLOCK;
      for (let i = 0; i < SAMPLES; i++) take(BLOCK + Math.floor((span * i) / SAMPLES));
      take(size - BLOCK);
    }
    return `fp1:${h.digest('hex')}`;
  } finally {
    closeSync(fd);
  }
}
