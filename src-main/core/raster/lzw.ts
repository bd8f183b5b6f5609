/**
 * TIFF LZW decoding (MSB-first codes of 9–12 bits, "early change") with a bounded output: at most
 * `maxBytes` bytes (what the block can hold) are ever written, and a code the table cannot hold is
 * an error. geotiff.js's decoder grows JS arrays without bound on corrupt data (LZW applied to
 * Deflate bytes), which ends the whole process with a V8 fatal error instead of an exception.
 */
const CLEAR = 256;
const EOI = 257;

export function lzwDecode(input: Uint8Array, maxBytes: number): Uint8Array {
  const prefix = new Int16Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  const out = new Uint8Array(maxBytes);
  const totalBits = input.length * 8;
  let o = 0;
  let bit = 0;
  let width = 9;
  let next = 258;
  let old = -1;

  const read = (): number => {
    if (bit + width > totalBits) return EOI;
    let v = 0;
    for (let k = 0; k < width; k++, bit++) v = (v << 1) | (((input[bit >>> 3] as number) >>> (7 - (bit & 7))) & 1);
    return v;
  };
  /** Write entry `code`; false once the output is full. */
  const emit = (code: number): boolean => {
    const len = length[code] as number;
    let pos = o + len - 1;
    for (let c = code; c >= 0; c = prefix[c] as number, pos--) if (pos < maxBytes) out[pos] = suffix[c] as number;
    o = Math.min(maxBytes, o + len);
    return o < maxBytes;
  };
  const add = (p: number, c: number): void => {
    if (next >= 4096) return;
    prefix[next] = p;
    suffix[next] = c;
    first[next] = first[p] as number;
    length[next] = (length[p] as number) + 1;
    next++;
    if (next + 1 >= 1 << width && width < 12) width++;
  };

  for (;;) {
    const code = read();
    if (code === EOI) break;
    if (code === CLEAR) {
      next = 258;
      width = 9;
      old = -1;
      continue;
    }
    if (old === -1) {
      if (code > 255) throw new Error(`LZW data starts with code ${code}, not a literal`);
      old = code;
      if (!emit(code)) break;
      continue;
    }
    let more: boolean;
    if (code < next) {
      more = emit(code);
      add(old, first[code] as number);
    } else if (code === next && next < 4096) {
      add(old, first[old] as number);
      more = emit(code);
    } else {
      throw new Error(`invalid LZW code ${code} (table holds ${next})`);
    }
    old = code;
    if (!more) break;
  }
  return o === maxBytes ? out : out.subarray(0, o);
}
