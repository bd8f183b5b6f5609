/** Encoding of one TIFF/BigTIFF image file directory (little-endian), entries sorted by tag. */

export const TIFF_TYPE = { ASCII: 2, SHORT: 3, LONG: 4, DOUBLE: 12, LONG8: 16 } as const;
type TiffType = (typeof TIFF_TYPE)[keyof typeof TIFF_TYPE];

export interface IfdEntry {
  tag: number;
  type: TiffType;
  /** Numbers for numeric types, a string for ASCII (a NUL is appended). */
  values: number[] | string;
}

const SIZE: Record<TiffType, number> = { 2: 1, 3: 2, 4: 4, 12: 8, 16: 8 };

function encodeValues(e: IfdEntry): Buffer {
  if (e.type === TIFF_TYPE.ASCII) return Buffer.from(`${e.values as string}\0`, 'utf8');
  const vals = e.values as number[];
  const b = Buffer.alloc(vals.length * SIZE[e.type]);
  vals.forEach((v, i) => {
    switch (e.type) {
      case TIFF_TYPE.SHORT:
        b.writeUInt16LE(v, i * 2);
        break;
      case TIFF_TYPE.LONG:
        b.writeUInt32LE(v, i * 4);
        break;
      case TIFF_TYPE.DOUBLE:
        b.writeDoubleLE(v, i * 8);
        break;
      case TIFF_TYPE.LONG8:
        b.writeBigUInt64LE(BigInt(v), i * 8);
        break;
      default:
        break;
    }
  });
  return b;
}

/**
 * Bytes of an IFD placed at file offset `at` (even), with out-of-line values following it; the next-IFD
 * pointer is 0.
 */
export function encodeIfd(entries: IfdEntry[], at: number, bigTiff: boolean): Buffer {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const countSize = bigTiff ? 8 : 2;
  const entrySize = bigTiff ? 20 : 12;
  const inline = bigTiff ? 8 : 4;
  const nextSize = bigTiff ? 8 : 4;
  const headSize = countSize + sorted.length * entrySize + nextSize;
  const head = Buffer.alloc(headSize);
  const extra: Buffer[] = [];
  let extraOffset = at + headSize;
  if (bigTiff) head.writeBigUInt64LE(BigInt(sorted.length), 0);
  else head.writeUInt16LE(sorted.length, 0);
  sorted.forEach((e, i) => {
    const p = countSize + i * entrySize;
    const data = encodeValues(e);
    const count = e.type === TIFF_TYPE.ASCII ? data.length : (e.values as number[]).length;
    head.writeUInt16LE(e.tag, p);
    head.writeUInt16LE(e.type, p + 2);
    if (bigTiff) head.writeBigUInt64LE(BigInt(count), p + 4);
    else head.writeUInt32LE(count, p + 4);
    const vp = p + (bigTiff ? 12 : 8);
    if (data.length <= inline) {
      data.copy(head, vp);
    } else {
      if (bigTiff) head.writeBigUInt64LE(BigInt(extraOffset), vp);
      else head.writeUInt32LE(extraOffset, vp);
      const padded = data.length % 2 === 1 ? Buffer.concat([data, Buffer.alloc(1)]) : data;
      extra.push(padded);
      extraOffset += padded.length;
    }
  });
  return Buffer.concat([head, ...extra]);
}
