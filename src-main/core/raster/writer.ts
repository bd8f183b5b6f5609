/**
 * Streaming GeoTIFF writer: rows arrive in order, are buffered one tile row at a time (memory ≈ width × blockSize ×
 * bands × bytes), compressed with node:zlib DEFLATE and written as tiles; the IFD goes at the end. The file is
 * written to `<path>.partial` and renamed on close; abort removes it. BigTIFF when the uncompressed size would
 * pass 4 GB.
 */
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import { basename } from 'node:path';
import type { Grid } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { encodeIfd, TIFF_TYPE, type IfdEntry } from './tiff-ifd';
import { geoKeysForCrs } from './geokeys-write';

export interface GeoTiffWriterOptions {
  dataType: 'float32' | 'uint8';
  bandCount: number;
  /** Written as GDAL_NODATA; NaN inputs are stored as this value (uint8 default 0, float32 keeps NaN). */
  nodata?: number;
  compression?: 'deflate' | 'none';
  /** Tile size in pixels, a multiple of 16 (default 256). */
  blockSize?: number;
  /** Force BigTIFF (default: only when the uncompressed data would exceed ~4 GB). */
  bigTiff?: boolean;
  /** Replace an existing file at `path` on close (default false: OUTPUT_EXISTS). */
  overwrite?: boolean;
  /** Photometric interpretation (default: 'rgb' for 3- or 4-band uint8, else 'minisblack'). */
  photometric?: 'minisblack' | 'rgb';
  /** DEFLATE level 1–9 (default 6). */
  level?: number;
}

export type RowData = Float32Array | Float64Array | Uint8Array | Uint16Array | Int16Array | Int32Array | Uint32Array | number[];

export interface GeoTiffWriter {
  readonly path: string;
  readonly rowsWritten: number;
  /** Write rows y … y + n − 1 (n = bands[0].length / width); rows must come in order. */
  writeRows(y: number, bands: RowData[]): Promise<void>;
  /** Finish the file (all rows must have been written) and move it into place. */
  close(): Promise<void>;
  /** Stop and remove the partial file. */
  abort(): Promise<void>;
}

function unwritable(path: string, e: unknown): ScarpError {
  const msg = e instanceof Error ? e.message : String(e);
  return new ScarpError(
    { code: 'FILE_UNWRITABLE', message: `Cannot write ${basename(path)}: ${msg} (${path})`, hint: 'Check that the folder exists, is writable and has free space.', file: path },
    { cause: e },
  );
}

export async function createGeoTiffWriter(path: string, grid: Grid, opts: GeoTiffWriterOptions): Promise<GeoTiffWriter> {
  const { width, height } = grid;
  const bands = opts.bandCount;
  const bs = opts.blockSize ?? 256;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0))
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Cannot write ${path}: grid size ${width} × ${height} is invalid`, file: path });
  if (!(Number.isInteger(bands) && bands >= 1 && bands <= 65535))
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Cannot write ${path}: band count ${bands} is invalid`, file: path });
  if (!(Number.isInteger(bs) && bs >= 16 && bs % 16 === 0))
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Cannot write ${path}: block size ${bs} must be a multiple of 16`, file: path });
  if (!opts.overwrite) {
    const exists = await stat(path).then(
      () => true,
      () => false,
    );
    if (exists)
      throw new ScarpError({ code: 'OUTPUT_EXISTS', message: `${basename(path)} already exists (${path})`, hint: 'Choose another name, or allow overwriting to replace it.', options: ['overwrite'], file: path });
  }
  const isFloat = opts.dataType === 'float32';
  const bytesPerSample = isFloat ? 4 : 1;
  const partial = `${path}.partial`;
  const tilesAcross = Math.ceil(width / bs);
  const tilesDown = Math.ceil(height / bs);
  const estimate = tilesAcross * tilesDown * bs * bs * bands * bytesPerSample;
  const bigTiff = opts.bigTiff ?? estimate > 4_000_000_000;
  const compress = (opts.compression ?? 'deflate') === 'deflate';
  const level = opts.level ?? 6;
  const nodata = opts.nodata;
  const fillValue = nodata !== undefined ? nodata : isFloat ? NaN : 0;

  let fh: FileHandle;
  try {
    fh = await open(partial, 'w');
  } catch (e) {
    throw unwritable(path, e);
  }
  let pos = 0;
  const write = async (buf: Buffer | Uint8Array): Promise<number> => {
    const at = pos;
    await fh.write(buf, 0, buf.length, at);
    pos += buf.length;
    if (pos % 2 === 1) {
      await fh.write(Buffer.alloc(1), 0, 1, pos);
      pos += 1;
    }
    return at;
  };
  // Header; the first-IFD pointer is patched on close.
  const header = Buffer.alloc(bigTiff ? 16 : 8);
  header.write('II', 0, 'latin1');
  if (bigTiff) {
    header.writeUInt16LE(43, 2);
    header.writeUInt16LE(8, 4);
  } else header.writeUInt16LE(42, 2);
  await write(header);

  const offsets = new Array<number>(tilesAcross * tilesDown).fill(0);
  const counts = new Array<number>(tilesAcross * tilesDown).fill(0);
  // One tile row, pixel-interleaved: (bs rows) × (tilesAcross·bs columns) × bands.
  const rowStride = tilesAcross * bs * bands;
  const buffer = isFloat ? new Float32Array(bs * rowStride) : new Uint8Array(bs * rowStride);
  let nextRow = 0;
  let finished = false;

  const flushTileRow = async (ty: number): Promise<void> => {
    const tileBytes = bs * bs * bands * bytesPerSample;
    for (let tx = 0; tx < tilesAcross; tx++) {
      const tile = isFloat ? new Float32Array(bs * bs * bands) : new Uint8Array(bs * bs * bands);
      for (let r = 0; r < bs; r++) {
        const from = r * rowStride + tx * bs * bands;
        tile.set(buffer.subarray(from, from + bs * bands), r * bs * bands);
      }
      let bytes = new Uint8Array(tile.buffer, tile.byteOffset, tileBytes);
      if (compress) bytes = deflateSync(bytes, { level });
      const idx = ty * tilesAcross + tx;
      offsets[idx] = await write(bytes);
      counts[idx] = bytes.length;
    }
    buffer.fill(fillValue);
  };
  buffer.fill(fillValue);

  const abort = async (): Promise<void> => {
    if (finished) return;
    finished = true;
    await fh.close().catch(() => undefined);
    await rm(partial, { force: true });
  };

  const writer: GeoTiffWriter = {
    path,
    get rowsWritten() {
      return nextRow;
    },
    async writeRows(y, data) {
      if (finished) throw new ScarpError({ code: 'INTERNAL', message: `${path}: write after close/abort`, file: path });
      if (y !== nextRow)
        throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${path}: rows must be written in order (expected row ${nextRow}, got ${y})`, file: path });
      if (data.length !== bands)
        throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${path}: expected ${bands} band array(s), got ${data.length}`, file: path });
      const len = (data[0] as RowData).length;
      if (len % width !== 0 || data.some((d) => d.length !== len))
        throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${path}: band arrays must all hold whole rows of ${width} pixels`, file: path });
      const rows = len / width;
      if (y + rows > height)
        throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${path}: rows ${y}–${y + rows - 1} pass the last row ${height - 1}`, file: path });
      try {
        for (let r = 0; r < rows; r++) {
          const gy = y + r;
          const br = gy % bs;
          const base = br * rowStride;
          for (let b = 0; b < bands; b++) {
            const src = data[b] as RowData;
            const so = r * width;
            if (isFloat) {
              for (let x = 0; x < width; x++) {
                const v = src[so + x] as number;
                buffer[base + x * bands + b] = Number.isNaN(v) ? fillValue : v;
              }
            } else {
              for (let x = 0; x < width; x++) {
                const v = src[so + x] as number;
                buffer[base + x * bands + b] = Number.isNaN(v) ? fillValue : v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
              }
            }
          }
          nextRow = gy + 1;
          if (br === bs - 1 || gy === height - 1) await flushTileRow(Math.floor(gy / bs));
        }
      } catch (e) {
        await abort();
        throw e instanceof ScarpError ? e : unwritable(path, e);
      }
    },
    async close() {
      if (finished) return;
      if (nextRow !== height) {
        await abort();
        throw new ScarpError({ code: 'INTERNAL', message: `${path}: closed after ${nextRow} of ${height} rows; the partial file was removed`, file: path });
      }
      try {
        const gt = grid.geoTransform;
        const keys = geoKeysForCrs(grid.crs);
        const photometric = opts.photometric ?? (!isFloat && (bands === 3 || bands === 4) ? 'rgb' : 'minisblack');
        const baseSamples = photometric === 'rgb' ? 3 : 1;
        const offType = bigTiff ? TIFF_TYPE.LONG8 : TIFF_TYPE.LONG;
        const entries: IfdEntry[] = [
          { tag: 256, type: TIFF_TYPE.LONG, values: [width] },
          { tag: 257, type: TIFF_TYPE.LONG, values: [height] },
          { tag: 258, type: TIFF_TYPE.SHORT, values: new Array<number>(bands).fill(bytesPerSample * 8) },
          { tag: 259, type: TIFF_TYPE.SHORT, values: [compress ? 8 : 1] },
          { tag: 262, type: TIFF_TYPE.SHORT, values: [photometric === 'rgb' ? 2 : 1] },
          { tag: 277, type: TIFF_TYPE.SHORT, values: [bands] },
          { tag: 284, type: TIFF_TYPE.SHORT, values: [1] },
          { tag: 322, type: TIFF_TYPE.LONG, values: [bs] },
          { tag: 323, type: TIFF_TYPE.LONG, values: [bs] },
          { tag: 324, type: offType, values: offsets },
          { tag: 325, type: offType, values: counts },
          { tag: 339, type: TIFF_TYPE.SHORT, values: new Array<number>(bands).fill(isFloat ? 3 : 1) },
          { tag: 34735, type: TIFF_TYPE.SHORT, values: keys.directory },
        ];
        if (bands > baseSamples) entries.push({ tag: 338, type: TIFF_TYPE.SHORT, values: new Array<number>(bands - baseSamples).fill(0) });
        if (gt[2] === 0 && gt[4] === 0) {
          entries.push({ tag: 33550, type: TIFF_TYPE.DOUBLE, values: [gt[1], -gt[5], 0] });
          entries.push({ tag: 33922, type: TIFF_TYPE.DOUBLE, values: [0, 0, 0, gt[0], gt[3], 0] });
        } else {
          entries.push({ tag: 34264, type: TIFF_TYPE.DOUBLE, values: [gt[1], gt[2], 0, gt[0], gt[4], gt[5], 0, gt[3], 0, 0, 0, 0, 0, 0, 0, 1] });
        }
        if (keys.ascii) entries.push({ tag: 34737, type: TIFF_TYPE.ASCII, values: keys.ascii });
        if (keys.doubles) entries.push({ tag: 34736, type: TIFF_TYPE.DOUBLE, values: keys.doubles });
        if (nodata !== undefined) entries.push({ tag: 42113, type: TIFF_TYPE.ASCII, values: Number.isNaN(nodata) ? 'nan' : String(nodata) });
        const ifdAt = pos;
        const ifd = encodeIfd(entries, ifdAt, bigTiff);
        await write(ifd);
        const ptr = Buffer.alloc(bigTiff ? 8 : 4);
        if (bigTiff) ptr.writeBigUInt64LE(BigInt(ifdAt));
        else {
          if (ifdAt > 0xffffffff) throw new Error('file passed 4 GB without BigTIFF');
          ptr.writeUInt32LE(ifdAt);
        }
        await fh.write(ptr, 0, ptr.length, bigTiff ? 8 : 4);
        await fh.close();
        finished = true;
        await rename(partial, path);
      } catch (e) {
        finished = false;
        await abort();
        throw unwritable(path, e);
      }
    },
    abort,
  };
  return writer;
}
