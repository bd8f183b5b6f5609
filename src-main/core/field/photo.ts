/**
 * Reading a field photo to attach to a landslide: a JPEG, PNG or WebP file of at most
 * MAX_PHOTO_BYTES, recognised by its content (never its name) and checked to declare its picture
 * size, so that what is stored is a picture the app, QGIS and QField can show. Anything else is a
 * ScarpError naming the file and saying what is wrong.
 *
 * A JPEG's own time and position are read from its EXIF (exif.ts) when the request gives none.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ScarpError } from '../../../src-shared/errors';

/** Largest photo Scarp stores (a phone's full-resolution JPEG is 3 to 12 MB). */
export const MAX_PHOTO_BYTES = 25 * 2 ** 20;

export const PHOTO_TYPES = { 'image/jpeg': ['.jpg', '.jpeg'], 'image/png': ['.png'], 'image/webp': ['.webp'] } as const;
export type PhotoContentType = keyof typeof PHOTO_TYPES;

export interface Photo {
  fileName: string;
  contentType: PhotoContentType;
  width: number;
  height: number;
  data: Buffer;
}

const SUPPORTED = 'JPEG, PNG or WebP';

function badPhoto(path: string, code: 'UNSUPPORTED_FORMAT' | 'CORRUPT_FILE', what: string, hint: string): ScarpError {
  return new ScarpError({ code, message: `${path} ${what}`, file: path, hint, options: ['photo'] });
}

/** The picture size a JPEG declares (its first start-of-frame marker), or null. */
function jpegSize(b: Buffer): { width: number; height: number } | null {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const m = b[i + 1]!;
    if (m === 0xff) {
      i++;
      continue;
    }
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      i += 2;
      continue;
    }
    if (m === 0xd9 || m === 0xda) return null; // end of image or scan data before any frame header
    const len = b.readUInt16BE(i + 2);
    if (len < 2) return null;
    if ((m >= 0xc0 && m <= 0xcf) && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    i += 2 + len;
  }
  return null;
}

/** The picture size a WebP declares (VP8, VP8L or VP8X chunk), or null. */
function webpSize(b: Buffer): { width: number; height: number } | null {
  if (b.length < 30) return null;
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return { width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
  if (chunk === 'VP8L' && b[20] === 0x2f) {
    const v = b.readUInt32LE(21);
    return { width: 1 + (v & 0x3fff), height: 1 + ((v >> 14) & 0x3fff) };
  }
  if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  return null;
}

/** What the bytes are: a supported type, a named unsupported one, or null (not a picture). */
function sniff(b: Buffer): PhotoContentType | { unsupported: string } | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  if (b.length >= 12 && b.toString('latin1', 4, 8) === 'ftyp') {
    const brand = b.toString('latin1', 8, 12);
    if (/^(heic|heix|hevc|heim|heis|mif1|msf1)$/.test(brand)) return { unsupported: 'a HEIC/HEIF photo' };
    if (/^avi[fs]$/.test(brand)) return { unsupported: 'an AVIF picture' };
  }
  if (b.length >= 4 && (b.toString('latin1', 0, 4) === 'II*\0' || b.toString('latin1', 0, 4) === 'MM\0*')) return { unsupported: 'a TIFF file' };
  if (b.length >= 6 && /^GIF8[79]a$/.test(b.toString('latin1', 0, 6))) return { unsupported: 'a GIF picture' };
  return null;
}

/** Read and check a photo file (see the module comment). */
export function readPhoto(file: string): Photo {
  const path = resolve(file);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ScarpError({ code: 'FILE_NOT_FOUND', message: `The photo ${path} does not exist.`, file: path, options: ['photo'] });
    throw new ScarpError({ code: 'FILE_UNREADABLE', message: `The photo ${path} cannot be read (${code ?? (e as Error).message}).`, file: path, options: ['photo'] });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ScarpError({ code: 'FILE_UNREADABLE', message: `${path} is not a regular file (a folder or a device), so it cannot be a photo.`, file: path, hint: `Choose a ${SUPPORTED} photo.`, options: ['photo'] });
    if (st.size > MAX_PHOTO_BYTES) {
      throw new ScarpError({
        code: 'TOO_LARGE',
        message: `The photo ${path} is ${(st.size / 2 ** 20).toFixed(1)} MB; Scarp stores photos of at most ${MAX_PHOTO_BYTES / 2 ** 20} MB.`,
        file: path,
        hint: 'Save a smaller copy (a lower resolution or JPEG quality) and attach that.',
        params: { bytes: st.size, maxBytes: MAX_PHOTO_BYTES },
        options: ['photo'],
      });
    }
    if (st.size === 0) throw badPhoto(path, 'CORRUPT_FILE', 'is empty.', 'Copy the photo from the camera or phone again.');
    const data = Buffer.alloc(st.size);
    let at = 0;
    while (at < st.size) {
      const n = readSync(fd, data, at, st.size - at, at);
      if (n === 0) break;
      at += n;
    }
    if (at !== st.size) throw badPhoto(path, 'CORRUPT_FILE', `ended after ${at} of ${st.size} bytes while being read.`, 'Copy the photo again; the disk may have been removed.');
    const kind = sniff(data);
    if (kind === null) throw badPhoto(path, 'UNSUPPORTED_FORMAT', `is not a picture Scarp recognises (its content is not ${SUPPORTED}).`, `Attach a ${SUPPORTED} photo; other documents cannot be attached.`);
    if (typeof kind === 'object') throw badPhoto(path, 'UNSUPPORTED_FORMAT', `is ${kind.unsupported}; Scarp stores ${SUPPORTED} photos.`, 'Convert it to JPEG (most photo apps can export it so) and attach the JPEG.');
    const size = kind === 'image/jpeg' ? jpegSize(data) : kind === 'image/png' ? (data.length >= 24 && data.toString('latin1', 12, 16) === 'IHDR' ? { width: data.readUInt32BE(16), height: data.readUInt32BE(20) } : null) : webpSize(data);
    if (!size || size.width <= 0 || size.height <= 0) {
      throw badPhoto(path, 'CORRUPT_FILE', `starts like a ${kind.slice(6).toUpperCase()} picture but its picture size cannot be read: the file is damaged or cut short.`, 'Copy the photo from the camera or phone again.');
    }
    return { fileName: basename(path), contentType: kind, width: size.width, height: size.height, data };
  } finally {
    closeSync(fd);
  }
}

/** The file extensions a photo of this type may be exported under. */
export function photoExtensions(contentType: string): readonly string[] {
  return (PHOTO_TYPES as Record<string, readonly string[]>)[contentType] ?? [];
}
