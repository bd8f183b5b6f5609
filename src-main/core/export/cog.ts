/**
 * Cloud-Optimized GeoTIFF writer, streaming: rows arrive in order; every pyramid level keeps one tile
 * row in memory (memory ≈ 2 × width × 256 × 4 bytes whatever the height), compresses its tiles with
 * DEFLATE as they fill and appends them to a per-level temporary file, and feeds 2 × 2 reduced rows
 * to the next level (average of the valid pixels, or nearest for masks). On close the file is
 * assembled in COG order — header, all IFDs (full resolution first), then tile data from the
 * smallest overview to the full resolution — into a temporary file renamed into place.
 *
 * Hand-written because geotiff.js writes only uncompressed strip TIFFs (no tiles, overviews or
 * compression) and the raster module's streaming writer has no overviews; GDAL-in-WASM (gdal3.js)
 * would add ~30 MB and needs the whole raster in its in-memory file system. Validated by
 * `validate_cloud_optimized_geotiff` and `gdalinfo` in the tests.
 */
import { sweepLeftovers } from '../util/leftovers';
import type { ProgressSink } from '../../../src-shared/api';
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Grid } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { encodeIfd, TIFF_TYPE, type IfdEntry } from '../raster/tiff-ifd';
import { geoKeysForCrs } from '../raster/geokeys-write';
import { RowPyramid } from './overview-row';
import { pixelConfidence } from '../vector/confidence';

export interface CogOptions {
  dataType: 'float32' | 'uint8';
  /** GDAL_NODATA; for float32 NaN is the default (NaN inputs are written as this value), for uint8 none unless given. */
  nodata?: number;
  /** Overview reduction: mean of valid pixels (probabilities) or nearest (masks, classes). */
  resampling?: 'average' | 'nearest';
  blockSize?: number;
  overwrite?: boolean;
  level?: number;
  /** Extra GDAL metadata items of the dataset (TIFFTAG GDAL_METADATA). */
  metadata?: Record<string, string>;
  /** The band's description (GDAL's band description, the band name QGIS shows). */
  description?: string;
  /** uint8 only: a colour table (index → [r, g, b]); written as a paletted image (TIFF ColorMap). */
  colorTable?: ReadonlyArray<readonly [number, number, number]>;
  signal?: AbortSignal;
  /** Rows written so far ('write' stage). */
  onProgress?: ProgressSink;
}

/** Rows of a single-band raster on `grid`: values for rows y … y+n−1 (NaN = no data). */
export interface RasterRowSource {
  grid: Grid;
  read(y: number, n: number): Promise<Float32Array | Uint8Array> | Float32Array | Uint8Array;
}

/** A COG being written: whole rows in order, then close (assemble and move into place) or abort. */
export interface CogWriter {
  readonly path: string;
  /** The next rows (a multiple of the width; NaN = no data). */
  writeRows(data: Float32Array | Uint8Array): Promise<void>;
  close(): Promise<{ path: string; levels: Array<{ width: number; height: number }> }>;
  abort(): Promise<void>;
}

interface Level {
  width: number;
  height: number;
  across: number;
  down: number;
  buf: Float32Array | Uint8Array;
  fh: FileHandle;
  tmp: string;
  pos: number;
  offsets: number[];
  counts: number[];
}

function unwritable(path: string, e: unknown): ScarpError {
  return new ScarpError(
    { code: 'FILE_UNWRITABLE', message: `Cannot write ${basename(path)}: ${e instanceof Error ? e.message : String(e)}`, hint: 'Check that the folder exists, is writable and has free space.', file: path },
    { cause: e },
  );
}

/** GDAL's metadata XML: dataset items, then the band's description (sample 0, role description). */
function gdalMetadataXml(items: Record<string, string>, description?: string): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const lines = Object.entries(items).map(([k, v]) => `  <Item name="${esc(k)}">${esc(v)}</Item>`);
  if (description) lines.push(`  <Item name="DESCRIPTION" sample="0" role="description">${esc(description)}</Item>`);
  return `<GDALMetadata>\n${lines.join('\n')}\n</GDALMetadata>`;
}

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

/** Start a single-band COG on `grid`: memory ≈ 2 × width × blockSize × 4 bytes whatever the height. */
export async function createCogWriter(path: string, grid: Grid, opts: CogOptions): Promise<CogWriter> {
  const out = resolve(path);
  const { width, height } = grid;
  const bs = opts.blockSize ?? 256;
  const isFloat = opts.dataType === 'float32';
  const bps = isFloat ? 4 : 1;
  const nodata = opts.nodata ?? (isFloat ? NaN : undefined);
  const fill = nodata !== undefined ? nodata : isFloat ? NaN : 0;
  const average = (opts.resampling ?? (isFloat ? 'average' : 'nearest')) === 'average';
  if (opts.colorTable && (isFloat || opts.colorTable.length > 256)) throw new ScarpError({ code: 'INTERNAL', message: 'a colour table needs 8-bit data and at most 256 entries' });
  if (!opts.overwrite && (await exists(out))) {
    throw new ScarpError({ code: 'OUTPUT_EXISTS', message: `${out} already exists.`, file: out, hint: 'Choose another name, or allow overwriting to replace it.', options: ['overwrite'] });
  }
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const dir = dirname(out);
  sweepLeftovers(dir);
  const levels: Level[] = [];
  const finalTmp = join(dir, `.${basename(out)}.${tag}.tmp`);
  let done = false;
  const cleanup = async (): Promise<void> => {
    for (const l of levels) {
      await l.fh.close().catch(() => undefined);
      await rm(l.tmp, { force: true });
    }
    await rm(finalTmp, { force: true });
  };
  const fail = async (err: unknown): Promise<never> => {
    done = true;
    await cleanup();
    throw err instanceof ScarpError ? err : unwritable(out, err);
  };
  try {
    // Pyramid: halve until the level fits in one tile.
    let w = width;
    let h = height;
    for (let i = 0; ; i++) {
      const across = Math.ceil(w / bs);
      const down = Math.ceil(h / bs);
      const tmp = join(dir, `.${basename(out)}.${tag}.L${i}.tmp`);
      const fh = await open(tmp, 'wx+');
      const buf = isFloat ? new Float32Array(bs * across * bs) : new Uint8Array(bs * across * bs);
      buf.fill(fill);
      levels.push({ width: w, height: h, across, down, buf, fh, tmp, pos: 0, offsets: [], counts: [] });
      if (w <= bs && h <= bs) break;
      w = Math.ceil(w / 2);
      h = Math.ceil(h / 2);
    }
  } catch (err) {
    await fail(err);
  }
  const level = opts.level ?? 6;
  const flushTileRow = async (L: Level): Promise<void> => {
    const stride = L.across * bs;
    for (let tx = 0; tx < L.across; tx++) {
      const tile = isFloat ? new Float32Array(bs * bs) : new Uint8Array(bs * bs);
      for (let r = 0; r < bs; r++) tile.set(L.buf.subarray(r * stride + tx * bs, r * stride + tx * bs + bs), r * bs);
      const bytes = deflateSync(new Uint8Array(tile.buffer, 0, bs * bs * bps), { level });
      L.offsets.push(L.pos);
      L.counts.push(bytes.length);
      await L.fh.write(bytes, 0, bytes.length, L.pos);
      L.pos += bytes.length;
    }
    L.buf.fill(fill);
  };
  const isNd = (v: number): boolean => Number.isNaN(v) || (nodata !== undefined && v === nodata);
  // Each row of each level into its tile row, written out when full (the pyramid: overview-row.ts).
  const pyramid = new RowPyramid(
    levels,
    async (li, y, [row]) => {
      const L = levels[li]!;
      const base = (y % bs) * L.across * bs;
      if (isFloat) for (let x = 0; x < L.width; x++) {
        const v = row![x]!;
        L.buf[base + x] = Number.isNaN(v) ? fill : v;
      }
      else for (let x = 0; x < L.width; x++) {
        const v = row![x]!;
        L.buf[base + x] = Number.isNaN(v) ? fill : v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
      if (y % bs === bs - 1 || y === L.height - 1) await flushTileRow(L);
    },
    { average, isNodata: isNd, fill },
  );

  const assemble = async (): Promise<void> => {
    const total = levels.reduce((s, l) => s + l.pos, 0);
    const big = total > 3_900_000_000;
    const offType = big ? TIFF_TYPE.LONG8 : TIFF_TYPE.LONG;
    const keys = geoKeysForCrs(grid.crs);
    const gt = grid.geoTransform;
    const palette = opts.colorTable;
    const colorMap = palette ? [0, 1, 2].flatMap((c) => Array.from({ length: 256 }, (_, i) => (palette[i]?.[c] ?? 0) * 257)) : null;
    const entriesFor = (li: number, offsets: number[]): IfdEntry[] => {
      const L = levels[li]!;
      const e: IfdEntry[] = [
        { tag: 256, type: TIFF_TYPE.LONG, values: [L.width] },
        { tag: 257, type: TIFF_TYPE.LONG, values: [L.height] },
        { tag: 258, type: TIFF_TYPE.SHORT, values: [bps * 8] },
        { tag: 259, type: TIFF_TYPE.SHORT, values: [8] },
        { tag: 262, type: TIFF_TYPE.SHORT, values: [colorMap ? 3 : 1] },
        { tag: 277, type: TIFF_TYPE.SHORT, values: [1] },
        { tag: 284, type: TIFF_TYPE.SHORT, values: [1] },
        { tag: 322, type: TIFF_TYPE.LONG, values: [bs] },
        { tag: 323, type: TIFF_TYPE.LONG, values: [bs] },
        { tag: 324, type: offType, values: offsets },
        { tag: 325, type: offType, values: L.counts },
        { tag: 339, type: TIFF_TYPE.SHORT, values: [isFloat ? 3 : 1] },
      ];
      if (colorMap) e.push({ tag: 320, type: TIFF_TYPE.SHORT, values: colorMap });
      if (li > 0) e.push({ tag: 254, type: TIFF_TYPE.LONG, values: [1] });
      if (nodata !== undefined) e.push({ tag: 42113, type: TIFF_TYPE.ASCII, values: Number.isNaN(nodata) ? 'nan' : String(nodata) });
      if (li === 0) {
        e.push({ tag: 34735, type: TIFF_TYPE.SHORT, values: keys.directory });
        if (gt[2] === 0 && gt[4] === 0) {
          e.push({ tag: 33550, type: TIFF_TYPE.DOUBLE, values: [gt[1], -gt[5], 0] });
          e.push({ tag: 33922, type: TIFF_TYPE.DOUBLE, values: [0, 0, 0, gt[0], gt[3], 0] });
        } else e.push({ tag: 34264, type: TIFF_TYPE.DOUBLE, values: [gt[1], gt[2], 0, gt[0], gt[4], gt[5], 0, gt[3], 0, 0, 0, 0, 0, 0, 0, 1] });
        if (keys.ascii) e.push({ tag: 34737, type: TIFF_TYPE.ASCII, values: keys.ascii });
        if (keys.doubles) e.push({ tag: 34736, type: TIFF_TYPE.DOUBLE, values: keys.doubles });
        if ((opts.metadata && Object.keys(opts.metadata).length) || opts.description) e.push({ tag: 42112, type: TIFF_TYPE.ASCII, values: gdalMetadataXml(opts.metadata ?? {}, opts.description) });
      }
      return e;
    };
    const headerSize = big ? 16 : 8;
    const even = (n: number): number => n + (n % 2);
    const sizes = levels.map((l, li) => even(encodeIfd(entriesFor(li, l.offsets.map(() => 0)), 0, big).length));
    const ifdAt: number[] = [];
    let p = headerSize;
    for (const s of sizes) {
      ifdAt.push(p);
      p += s;
    }
    // Tile data: smallest overview first, full resolution last.
    const dataAt = new Array<number>(levels.length);
    for (let li = levels.length - 1; li >= 0; li--) {
      dataAt[li] = p;
      p += levels[li]!.pos;
    }
    if (!big && p > 0xffffffff) throw new Error('file passed 4 GB without BigTIFF');
    const fh = await open(finalTmp, 'wx');
    try {
      const header = Buffer.alloc(headerSize);
      header.write('II', 0, 'latin1');
      if (big) {
        header.writeUInt16LE(43, 2);
        header.writeUInt16LE(8, 4);
        header.writeBigUInt64LE(BigInt(ifdAt[0]!), 8);
      } else {
        header.writeUInt16LE(42, 2);
        header.writeUInt32LE(ifdAt[0]!, 4);
      }
      let wpos = 0;
      const put = async (b: Uint8Array): Promise<void> => {
        await fh.write(b, 0, b.length, wpos);
        wpos += b.length;
      };
      await put(header);
      for (let li = 0; li < levels.length; li++) {
        const entries = entriesFor(li, levels[li]!.offsets.map((o) => o + dataAt[li]!));
        const raw = encodeIfd(entries, ifdAt[li]!, big);
        const ifd = Buffer.alloc(sizes[li]!);
        raw.copy(ifd);
        const n = new Set(entries.map((e) => e.tag)).size;
        const nextAt = li + 1 < levels.length ? ifdAt[li + 1]! : 0;
        if (big) ifd.writeBigUInt64LE(BigInt(nextAt), 8 + n * 20);
        else ifd.writeUInt32LE(nextAt, 2 + n * 12);
        await put(ifd);
      }
      const copyBuf = Buffer.alloc(1 << 20);
      for (let li = levels.length - 1; li >= 0; li--) {
        const L = levels[li]!;
        for (let at = 0; at < L.pos; ) {
          const { bytesRead } = await L.fh.read(copyBuf, 0, Math.min(copyBuf.length, L.pos - at), at);
          if (bytesRead <= 0) throw new Error('short read of a level file');
          await put(copyBuf.subarray(0, bytesRead));
          at += bytesRead;
        }
      }
    } finally {
      await fh.close();
    }
  };

  let rows = 0;
  return {
    path: out,
    async writeRows(data) {
      if (done) throw new ScarpError({ code: 'INTERNAL', message: `${out}: write after close/abort`, file: out });
      if (data.length % width !== 0 || rows + data.length / width > height) {
        await fail(new ScarpError({ code: 'INTERNAL', message: `${out}: ${data.length} values are not whole rows of ${width} within ${height} rows` }));
      }
      try {
        const n = data.length / width;
        for (let r = 0; r < n; r++) {
          const row = data instanceof Float32Array ? data.subarray(r * width, (r + 1) * width) : Float32Array.from(data.subarray(r * width, (r + 1) * width));
          await pyramid.push([row]);
        }
        rows += n;
      } catch (err) {
        await fail(err);
      }
    },
    async close() {
      if (done) throw new ScarpError({ code: 'INTERNAL', message: `${out}: closed twice` });
      try {
        if (rows !== height) throw new ScarpError({ code: 'INTERNAL', message: `${out}: closed after ${rows} of ${height} rows` });
        await assemble();
        if (!opts.overwrite && (await exists(out))) throw new ScarpError({ code: 'OUTPUT_EXISTS', message: `${out} appeared while writing.`, file: out });
        await rename(finalTmp, out);
      } catch (err) {
        await fail(err);
      }
      done = true;
      await cleanup();
      return { path: out, levels: levels.map((l) => ({ width: l.width, height: l.height })) };
    },
    async abort() {
      if (done) return;
      done = true;
      await cleanup();
    },
  };
}

/** Write a single-band COG from a row source. */
export async function writeCog(path: string, src: RasterRowSource, opts: CogOptions): Promise<{ path: string; levels: Array<{ width: number; height: number }> }> {
  const { width, height } = src.grid;
  const w = await createCogWriter(path, src.grid, opts);
  try {
    const chunk = Math.max(1, Math.floor((1 << 22) / Math.max(1, width)));
    for (let y = 0; y < height; y += chunk) {
      opts.onProgress?.({ stage: 'write', done: y, total: height });
      if (opts.signal?.aborted) throw new ScarpError({ code: 'CANCELLED', message: 'Export cancelled.' });
      const n = Math.min(chunk, height - y);
      const data = await src.read(y, n);
      if (data.length !== n * width) throw new ScarpError({ code: 'INTERNAL', message: `raster source returned ${data.length} values for ${n} rows of ${width}` });
      await w.writeRows(data);
    }
    return await w.close();
  } catch (err) {
    await w.abort();
    if (err instanceof ScarpError) throw err;
    throw unwritable(resolve(path), err);
  }
}

/** Per-pixel confidence from a calibrated probability (vector/confidence.ts; NaN stays NaN). */
export function confidenceRows(src: RasterRowSource, threshold: number): RasterRowSource {
  return {
    grid: src.grid,
    async read(y, n) {
      const p = await src.read(y, n);
      const o = new Float32Array(p.length);
      for (let i = 0; i < p.length; i++) o[i] = pixelConfidence(p[i] as number, threshold);
      return o;
    },
  };
}

/** 8-bit mask from a probability (or an edited mask source): 1 landslide, 0 not, 255 no data. */
export function maskRows(src: RasterRowSource, threshold: number): RasterRowSource {
  return {
    grid: src.grid,
    async read(y, n) {
      const p = await src.read(y, n);
      const o = new Uint8Array(p.length);
      for (let i = 0; i < p.length; i++) {
        const v = p[i] as number;
        o[i] = Number.isNaN(v) ? 255 : v >= threshold ? 1 : 0;
      }
      return o;
    },
  };
}
