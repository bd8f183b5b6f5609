/**
 * Minimal PNG encoders (zlib from Node, filter "none" on the first row, "up" after): 8-bit RGBA for
 * map tiles and 16-bit greyscale for GeoPackage gridded-coverage tiles. Hand-written because each is
 * a few lines and faster than the general-purpose packages for these two cases.
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out, 4, 8 + data.length), 8 + data.length);
  return out;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Encode RGBA pixels (width × height × 4 bytes, row-major) as a PNG. */
export function encodePng(rgba: Uint8Array, width: number, height: number, level = 4): Buffer {
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const o = y * (stride + 1);
    const s = y * stride;
    if (y === 0) {
      raw[o] = 0;
      raw.set(rgba.subarray(s, s + stride), o + 1);
    } else {
      // "Up" filter: rows of imagery resemble the row above, which deflate rewards.
      raw[o] = 2;
      for (let i = 0; i < stride; i++) raw[o + 1 + i] = (rgba[s + i]! - rgba[s - stride + i]!) & 0xff;
    }
  }
  return assemble(width, height, 8, 6, raw, level);
}

/** Header + one compressed IDAT + end: a complete PNG of already filtered scanlines. */
function assemble(width: number, height: number, bitDepth: 8 | 16, colourType: 0 | 6, raw: Uint8Array, level: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colourType; // 0 greyscale, 6 RGBA
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level })), chunk('IEND', new Uint8Array(0))]);
}

/** Encode 16-bit greyscale samples (width × height, row-major) as a PNG. */
export function encodePngGray16(samples: Uint16Array, width: number, height: number, level = 6): Buffer {
  const stride = width * 2;
  const raw = Buffer.alloc((stride + 1) * height);
  let be = Buffer.alloc(stride);
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) be.writeUInt16BE(samples[y * width + x]!, 2 * x);
    const o = y * (stride + 1);
    if (y === 0) {
      raw[o] = 0;
      be.copy(raw, o + 1);
    } else {
      raw[o] = 2;
      for (let i = 0; i < stride; i++) raw[o + 1 + i] = (be[i]! - prev[i]!) & 0xff;
    }
    [prev, be] = [be, prev];
  }
  return assemble(width, height, 16, 0, raw, level);
}

/** A fully transparent tile of the given size (cached). */
const emptyCache = new Map<number, Buffer>();
export function emptyPng(size: number): Buffer {
  let b = emptyCache.get(size);
  if (!b) {
    b = encodePng(new Uint8Array(size * size * 4), size, size);
    emptyCache.set(size, b);
  }
  return b;
}
