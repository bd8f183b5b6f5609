/**
 * Just enough of the classic little-endian TIFF layout to corrupt files on purpose: list IFD0's
 * entries, rewrite a tag's values (in place, or appended at the end of the file), and point the
 * next-IFD link anywhere. A fuzzing tool, not a TIFF writer.
 */

export interface TiffEntry {
  tag: number;
  type: number;
  count: number;
  /** Byte offset of the 12-byte entry. */
  entryAt: number;
  /** Byte offset of the values (inside the entry when they fit in 4 bytes). */
  valueAt: number;
}

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 16: 8, 17: 8, 18: 8 };

export function isClassicLE(b: Buffer): boolean {
  return b.length >= 8 && b[0] === 0x49 && b[1] === 0x49 && b.readUInt16LE(2) === 42;
}

export function ifd0Offset(b: Buffer): number {
  return b.readUInt32LE(4);
}

export function entries(b: Buffer, ifdAt = ifd0Offset(b)): TiffEntry[] {
  if (ifdAt + 2 > b.length) return [];
  const n = b.readUInt16LE(ifdAt);
  const out: TiffEntry[] = [];
  for (let i = 0; i < n; i++) {
    const at = ifdAt + 2 + i * 12;
    if (at + 12 > b.length) break;
    const type = b.readUInt16LE(at + 2);
    const count = b.readUInt32LE(at + 4);
    const size = (TYPE_SIZE[type] ?? 1) * count;
    out.push({ tag: b.readUInt16LE(at), type, count, entryAt: at, valueAt: size <= 4 ? at + 8 : b.readUInt32LE(at + 8) });
  }
  return out;
}

/** Offset of the next-IFD link of the IFD at ifdAt. */
export function nextLinkAt(b: Buffer, ifdAt = ifd0Offset(b)): number {
  return ifdAt + 2 + b.readUInt16LE(ifdAt) * 12;
}

function writeValue(b: Buffer, at: number, type: number, v: number): void {
  switch (type) {
    case 1:
    case 2:
    case 7:
      b.writeUInt8(v & 0xff, at);
      break;
    case 6:
      b.writeInt8(Math.max(-128, Math.min(127, v)), at);
      break;
    case 3:
      b.writeUInt16LE(v & 0xffff, at);
      break;
    case 8:
      b.writeInt16LE(Math.max(-32768, Math.min(32767, v)), at);
      break;
    case 4:
      b.writeUInt32LE(v >>> 0, at);
      break;
    case 9:
      b.writeInt32LE(v | 0, at);
      break;
    case 11:
      b.writeFloatLE(v, at);
      break;
    case 12:
      b.writeDoubleLE(v, at);
      break;
    default:
      b.writeUInt32LE(v >>> 0, at);
  }
}

/**
 * A copy of `b` with tag `tag` of IFD0 set to `values` (type kept unless given). Values that do not
 * fit the old storage are appended at the end of the file. Returns null when the tag is absent.
 */
export function setTag(b: Buffer, tag: number, values: number[], type?: number): Buffer | null {
  const e = entries(b).find((x) => x.tag === tag);
  if (!e) return null;
  const t = type ?? e.type;
  const size = (TYPE_SIZE[t] ?? 1) * values.length;
  let out = Buffer.from(b);
  out.writeUInt16LE(t, e.entryAt + 2);
  out.writeUInt32LE(values.length, e.entryAt + 4);
  let at: number;
  if (size <= 4) {
    at = e.entryAt + 8;
    out.fill(0, at, at + 4);
  } else if (size <= (TYPE_SIZE[e.type] ?? 1) * e.count && e.valueAt + size <= out.length) {
    at = e.valueAt;
  } else {
    at = out.length + (out.length % 2);
    out = Buffer.concat([out, Buffer.alloc(at - out.length + size)]);
    out.writeUInt32LE(at, e.entryAt + 8);
  }
  values.forEach((v, i) => writeValue(out, at + i * (TYPE_SIZE[t] ?? 1), t, v));
  return out;
}

/** The values of a tag of IFD0 (numbers; ASCII as char codes). */
export function tagValues(b: Buffer, tag: number): number[] | null {
  const e = entries(b).find((x) => x.tag === tag);
  if (!e) return null;
  const size = TYPE_SIZE[e.type] ?? 1;
  const out: number[] = [];
  for (let i = 0; i < Math.min(e.count, 1 << 16); i++) {
    const at = e.valueAt + i * size;
    if (at + size > b.length) break;
    if (e.type === 3) out.push(b.readUInt16LE(at));
    else if (e.type === 4) out.push(b.readUInt32LE(at));
    else if (e.type === 12) out.push(b.readDoubleLE(at));
    else if (e.type === 11) out.push(b.readFloatLE(at));
    else out.push(b[at] as number);
  }
  return out;
}

/** Remove a tag from IFD0 (entries after it move up; the count drops by one). */
export function dropTag(b: Buffer, tag: number): Buffer | null {
  const list = entries(b);
  const i = list.findIndex((x) => x.tag === tag);
  if (i < 0) return null;
  const out = Buffer.from(b);
  const ifdAt = ifd0Offset(b);
  const n = out.readUInt16LE(ifdAt);
  const start = ifdAt + 2 + i * 12;
  const end = ifdAt + 2 + n * 12 + 4;
  out.copy(out, start, start + 12, end);
  out.writeUInt16LE(n - 1, ifdAt);
  out.fill(0, end - 12, end);
  return out;
}

/** A copy whose IFD0 next link points at `to` (itself: a loop). */
export function linkNext(b: Buffer, to: number): Buffer {
  const out = Buffer.from(b);
  out.writeUInt32LE(to >>> 0, nextLinkAt(out));
  return out;
}
