/** Recognise a raster file's format from its first bytes (and extension), before geotiff.js parses it. */
import { open } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { isScarpError } from '../../../src-shared/errors';
import { checkInputFile, readErrorOf } from '../util/input-file';
import { corruptFile, fileNotFound, unsupportedFormat } from './errors';
import { walkTiffStructure, type TiffStructure } from './tiff-structure';

export type SniffResult = { kind: 'tiff'; bigTiff: boolean; sizeBytes: number; structure: TiffStructure };

const TIFF_EXTENSIONS = new Set(['.tif', '.tiff', '.gtif', '.gtiff', '.cog']);

function startsWith(b: Uint8Array, sig: number[], at = 0): boolean {
  if (b.length < at + sig.length) return false;
  return sig.every((v, i) => b[at + i] === v);
}

function ascii(b: Uint8Array, from = 0, to = b.length): string {
  return String.fromCharCode(...b.subarray(from, to));
}

/** What a non-TIFF file looks like, or null when nothing is recognised. */
export function detectForeignFormat(head: Uint8Array, path: string): string | null {
  const ext = extname(path).toLowerCase();
  const text = ascii(head).replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  if (/^<VRTDataset/i.test(text) || (/^<\?xml/i.test(text) && /<VRTDataset/i.test(text)) || ext === '.vrt') return 'a GDAL virtual raster (VRT, XML)';
  if (startsWith(head, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20]) || startsWith(head, [0xff, 0x4f, 0xff, 0x51]) || ['.jp2', '.j2k', '.jpx'].includes(ext))
    return 'a JPEG 2000 image';
  if (ext === '.ecw') return 'an ECW image';
  if (ext === '.sid' || ascii(head, 0, 4) === 'msid') return 'a MrSID image';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47])) return 'a PNG image';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'a JPEG image';
  if (ascii(head, 0, 4) === 'GIF8') return 'a GIF image';
  if (ascii(head, 0, 2) === 'BM' && ext === '.bmp') return 'a BMP image';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'a WebP image';
  if (/^ENVI\b/.test(text)) return 'an ENVI header';
  if (ext === '.hdr' || ext === '.img' || ext === '.dat' || ext === '.bil' || ext === '.bsq' || ext === '.bip') {
    const base = path.slice(0, path.length - ext.length);
    if (ascii(head, 0, 15) === 'EHFA_HEADER_TAG') return 'an ERDAS Imagine (.img) raster';
    if (existsSync(`${base}.hdr`) || existsSync(`${path}.hdr`)) return 'an ENVI/raw binary raster';
    return `a raw or unrecognised raster (${ext})`;
  }
  if (ascii(head, 0, 15) === 'EHFA_HEADER_TAG') return 'an ERDAS Imagine (.img) raster';
  if (startsWith(head, [0x89, 0x48, 0x44, 0x46])) return 'an HDF5/NetCDF-4 file';
  if (ascii(head, 0, 3) === 'CDF') return 'a NetCDF file';
  if (ascii(head, 0, 15) === 'SQLite format 3') return 'an SQLite/GeoPackage file';
  if (ascii(head, 0, 4) === '%PDF') return 'a PDF document';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return 'a ZIP archive';
  if (startsWith(head, [0x1f, 0x8b])) return 'a gzip archive';
  if (/^ncols\s/i.test(text)) return 'an ESRI ASCII grid';
  if (/^\s*\{/.test(text) && (ext === '.json' || ext === '.geojson')) return 'a JSON/GeoJSON file';
  return null;
}

/**
 * Check that `path` is a readable regular file holding a (Big)TIFF whose directory chain is sound;
 * throws FILE_NOT_FOUND / FILE_UNREADABLE / UNSUPPORTED_FORMAT / CORRUPT_FILE otherwise.
 */
export async function sniffRaster(path: string): Promise<SniffResult> {
  let size: number;
  try {
    size = (await checkInputFile(path, { what: 'raster' })).size;
  } catch (e) {
    if (isScarpError(e) && e.code === 'FILE_NOT_FOUND') throw fileNotFound(path);
    if (isScarpError(e) && e.code === 'UNSUPPORTED_FORMAT') throw unsupportedFormat(path, 'a folder');
    throw e;
  }
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw readErrorOf(path, 'raster', e);
  }
  try {
    const head = new Uint8Array(64);
    const n = (await fh.read(head, 0, head.length, 0)).bytesRead;
    const b = head.subarray(0, n);
    const le = startsWith(b, [0x49, 0x49]);
    const be = startsWith(b, [0x4d, 0x4d]);
    if (le || be) {
      const magic = le ? (b[2] ?? 0) | ((b[3] ?? 0) << 8) : ((b[2] ?? 0) << 8) | (b[3] ?? 0);
      if (magic === 42 || magic === 43) {
        const minHeader = magic === 42 ? 8 : 16;
        if (n < minHeader) throw corruptFile(path, `file ends after ${n} bytes, inside the TIFF header`);
        const structure = await walkTiffStructure(fh, path, size, le, magic === 43);
        return { kind: 'tiff', bigTiff: magic === 43, sizeBytes: size, structure };
      }
    }
    const foreign = detectForeignFormat(b, path);
    if (foreign) throw unsupportedFormat(path, foreign);
    if (n === 0) throw corruptFile(path, 'the file is empty');
    if (TIFF_EXTENSIONS.has(extname(path).toLowerCase())) throw corruptFile(path, 'it does not start with a TIFF header (II*/MM*)');
    throw unsupportedFormat(path, 'in an unrecognised format');
  } catch (e) {
    throw readErrorOf(path, 'raster', e);
  } finally {
    await fh.close();
  }
}
