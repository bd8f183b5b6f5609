/**
 * The TIFF directory chain, walked with bounded reads before geotiff.js parses anything: a chain
 * that loops (an IFD pointing to itself or back), runs past the end of the file, holds more image
 * directories than any real file, or declares tags larger than the file is refused as CORRUPT_FILE
 * (geotiff.js would otherwise walk a loop until memory runs out). IFD0's entries are returned so the
 * declared layout can be checked against the budget before any value is loaded.
 */
import type { FileHandle } from 'node:fs/promises';
import { corruptFile } from './errors';

/** More image directories than this is not a raster Scarp reads (a COG with masks has ~2 per level). */
export const MAX_IFDS = 256;
const MAX_ENTRIES = 1000;
const TYPE_BYTES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };

export interface TiffTagEntry {
  type: number;
  count: number;
}

export interface TiffStructure {
  ifdCount: number;
  /** IFD0's entries by tag. */
  ifd0: Map<number, TiffTagEntry>;
}

export async function walkTiffStructure(fh: FileHandle, path: string, fileSize: number, littleEndian: boolean, bigTiff: boolean): Promise<TiffStructure> {
  const read = async (at: number, n: number): Promise<Buffer> => {
    const b = Buffer.alloc(n);
    const { bytesRead } = await fh.read(b, 0, n, at);
    if (bytesRead < n) throw corruptFile(path, `it ends inside the image directory at byte ${at}`);
    return b;
  };
  const u16 = (b: Buffer, at: number): number => (littleEndian ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const u32 = (b: Buffer, at: number): number => (littleEndian ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const u64 = (b: Buffer, at: number): number => Number(littleEndian ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at));
  const head = await read(0, bigTiff ? 16 : 8);
  let offset = bigTiff ? u64(head, 8) : u32(head, 4);
  const countBytes = bigTiff ? 8 : 2;
  const entryBytes = bigTiff ? 20 : 12;
  const linkBytes = bigTiff ? 8 : 4;
  const seen = new Set<number>();
  let ifd0 = new Map<number, TiffTagEntry>();
  while (offset !== 0) {
    const n = seen.size;
    if (seen.has(offset)) throw corruptFile(path, `its chain of image directories loops (directory ${n + 1} points back to byte ${offset})`);
    if (n >= MAX_IFDS) throw corruptFile(path, `it has more than ${MAX_IFDS} image directories`);
    if (offset < (bigTiff ? 16 : 8) || offset + countBytes > fileSize)
      throw corruptFile(path, `image directory ${n + 1} is at byte ${offset}, outside the file (${fileSize} bytes)`);
    seen.add(offset);
    const cb = await read(offset, countBytes);
    const entries = bigTiff ? u64(cb, 0) : u16(cb, 0);
    if (entries === 0 || entries > MAX_ENTRIES) throw corruptFile(path, `image directory ${n + 1} declares ${entries} entries`);
    const end = offset + countBytes + entries * entryBytes + linkBytes;
    if (end > fileSize) throw corruptFile(path, `image directory ${n + 1} (${entries} entries at byte ${offset}) runs past the end of the file`);
    const body = await read(offset + countBytes, entries * entryBytes + linkBytes);
    const tags = new Map<number, TiffTagEntry>();
    for (let i = 0; i < entries; i++) {
      const at = i * entryBytes;
      const tag = u16(body, at);
      const type = u16(body, at + 2);
      const count = bigTiff ? u64(body, at + 4) : u32(body, at + 4);
      const bytes = (TYPE_BYTES[type] ?? 1) * count;
      const inline = bigTiff ? 8 : 4;
      if (bytes > inline) {
        const valueAt = bigTiff ? u64(body, at + 12) : u32(body, at + 8);
        if (valueAt + bytes > fileSize) throw corruptFile(path, `tag ${tag} of image directory ${n + 1} declares ${count} values, beyond the end of the file`);
      }
      tags.set(tag, { type, count });
    }
    if (n === 0) ifd0 = tags;
    offset = bigTiff ? u64(body, entries * entryBytes) : u32(body, entries * entryBytes);
  }
  if (seen.size === 0) throw corruptFile(path, 'it has no image directory');
  return { ifdCount: seen.size, ifd0 };
}
