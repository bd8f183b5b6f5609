/**
 * openRaster: a GeoTIFF/COG opened with geotiff.js and read by windows through a bounded block cache.
 * Georeferencing and CRS follow GDAL; nodata (GDAL_NODATA) and pixels outside the raster read as NaN.
 */
import type { Bounds, CrsInfo, GeoTransform, RasterDataType, RasterInfo, Window } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import type { BandData, RasterSource } from './types';
import { BlockCache } from './block-cache';
import { asReadError, corruptFile, noGeoreferencing, unsupportedContent } from './errors';
import { ensureDecoders, fromFile, type GeoTIFF, type GeoTIFFImage } from './geotiff-lib';
import { geoTransformFromTags } from './georef';
import { crsFromGeoKeys, type GeoKeys } from './geokeys';
import { crsFromWkt, gridBounds, gsdOf, transformBounds, WGS84 } from '../geo';
import { sniffRaster } from './sniff';
import { readPam } from './pam';
import { readWorldFile } from './world-file';
import { elevationUnitOf } from './elevation-unit';
import { gdalBandItems } from './gdal-metadata';
import { resampleAxisAligned, type BandWindow } from './resample';
import { assertWindow } from './grid';
import { BlockReader, type Block, type Typed } from './block-reader';
import { checkCompression, checkGeoreferencing, checkLayout } from './guards';
import { alphaSampleOf, applyBlockValidity, applyMaskBand, internalMasks, readsBlackAsNodata, sidecarMasks, type Validity } from './validity';

export interface OpenRasterOptions {
  /** Bytes of decoded blocks kept per open raster (default 64 MiB). */
  cacheBytes?: number;
}

const COMPRESSION_NAMES: Record<number, string> = {
  1: 'none', 5: 'lzw', 6: 'ojpeg', 7: 'jpeg', 8: 'deflate', 32946: 'deflate', 32773: 'packbits', 34887: 'lerc', 50000: 'zstd', 50001: 'webp',
};
const PHOTOMETRIC_NAMES: Record<number, string> = {
  0: 'miniswhite', 1: 'minisblack', 2: 'rgb', 3: 'palette', 4: 'mask', 5: 'separated', 6: 'ycbcr', 8: 'cielab',
};


interface Level {
  image: GeoTIFFImage;
  width: number;
  height: number;
  /** Block (cache unit) size: tiles, or groups of strips. */
  blockW: number;
  blockH: number;
  tiled: boolean;
  /** Native tile/strip height (rows per strip for striped files). */
  nativeH: number;
  planar: number;
  samples: number;
  /** Fast typed-array block decoding, or null to go through geotiff's readRasters. */
  reader: BlockReader | null;
  /** What marks no data in the level besides nodata (alpha sample, mask band, all-zero rule; validity.ts), or null. */
  validity: Validity | null;
}

async function tag(image: GeoTIFFImage, name: string): Promise<unknown> {
  return image.fileDirectory.loadValue(name as never);
}

function dataTypeOf(path: string, format: number, bits: number): RasterDataType {
  const key = `${format}:${bits}`;
  const table: Record<string, RasterDataType> = {
    '1:8': 'uint8', '2:8': 'int8', '1:16': 'uint16', '2:16': 'int16', '1:32': 'uint32', '2:32': 'int32', '3:32': 'float32', '3:64': 'float64',
  };
  const t = table[key];
  if (!t)
    throw unsupportedContent(
      path,
      `pixel type with ${bits} bits per sample and sample format ${format} is not supported`,
      'Convert to Byte, UInt16, Int16 or Float32, e.g. gdal_translate -ot Float32 in.tif out.tif',
    );
  return t;
}

/** GDAL band descriptions from the GDAL_METADATA tag (<Item name="DESCRIPTION" sample="i" role="description">), or undefined. */
export function bandDescriptionsOf(xml: unknown, bandCount: number): string[] | undefined {
  const items = gdalBandItems(xml, 'description');
  const out: string[] = Array.from({ length: bandCount }, (_, i) => items.get(i) ?? '');
  return [...items.keys()].some((i) => i < bandCount) ? out : undefined;
}

function parseNodata(s: unknown): number | null {
  if (typeof s !== 'string') return null;
  const t = s.replace(/\0/g, '').trim();
  if (t === '') return null;
  if (/^nan$/i.test(t)) return NaN;
  const v = Number(t);
  return Number.isNaN(v) ? null : v;
}

async function levelOf(image: GeoTIFFImage, dataType: RasterDataType, validity: Validity | null): Promise<Level> {
  const reader = BlockReader.supports(image) ? new BlockReader(image, dataType) : null;
  const width = image.getWidth();
  const height = image.getHeight();
  const tiled = image.isTiled;
  const samples = image.getSamplesPerPixel();
  const bytesPerPixel = Math.max(1, image.getBytesPerPixel());
  if (tiled) {
    return { image, width, height, blockW: image.getTileWidth(), blockH: image.getTileHeight(), nativeH: image.getTileHeight(), tiled, planar: image.planarConfiguration, samples, reader, validity };
  }
  const rps = Math.max(1, Math.min(height, Number((await tag(image, 'RowsPerStrip')) ?? height) || height));
  // Group strips into blocks of about 1 MiB (at least one strip, at most the image).
  const rowsWanted = Math.max(1, Math.floor((1 << 20) / (width * bytesPerPixel)));
  const groups = Math.max(1, Math.round(rowsWanted / rps));
  return { image, width, height, blockW: width, blockH: Math.min(height, groups * rps), nativeH: rps, tiled, planar: image.planarConfiguration, samples, reader, validity };
}

/** Source pixels (all bands together) read at once by readWindowResampled. */
const RESAMPLE_CHUNK_PIXELS = 8 * 1024 * 1024;

class GeoTiffSource implements RasterSource {
  readonly info: RasterInfo;
  private readonly cache: BlockCache<Block>;
  private closed = false;
  private readonly nodataF: number | null;

  constructor(
    private readonly tiff: GeoTIFF,
    private readonly levels: Level[],
    info: RasterInfo,
    private readonly fileSize: number,
    cacheBytes: number,
    /** The `.msk` sidecar whose masks the levels read, closed with the raster. */
    private readonly sidecarTiff: GeoTIFF | null = null,
  ) {
    this.info = info;
    this.cache = new BlockCache<Block>(cacheBytes);
    this.nodataF = info.nodata === null ? null : info.dataType === 'float32' ? Math.fround(info.nodata) : info.nodata;
  }

  private checkBands(bands: number[] | undefined): number[] {
    const all = Array.from({ length: this.info.bandCount }, (_, i) => i);
    const b = bands ?? all;
    for (const i of b) {
      if (!Number.isInteger(i) || i < 0 || i >= this.info.bandCount)
        throw new ScarpError({
          code: 'INVALID_ARGUMENT',
          message: `Band ${i} does not exist in ${this.info.path} (it has ${this.info.bandCount} band(s), numbered from 0)`,
          file: this.info.path,
        });
    }
    return b;
  }

  /** Check that the tiles/strips of a block lie inside the file (truncated files otherwise decode zeros). */
  private async checkExtents(level: Level, bx: number, by: number): Promise<void> {
    const fd = level.image.fileDirectory;
    const across = Math.ceil(level.width / (level.tiled ? level.blockW : level.width));
    const down = Math.ceil(level.height / level.nativeH);
    const offTag = level.tiled ? 'TileOffsets' : 'StripOffsets';
    const cntTag = level.tiled ? 'TileByteCounts' : 'StripByteCounts';
    const rows0 = level.tiled ? by : Math.floor((by * level.blockH) / level.nativeH);
    const rows1 = level.tiled ? by : Math.min(down - 1, Math.floor(((by + 1) * level.blockH - 1) / level.nativeH));
    const planes = level.planar === 2 ? level.samples : 1;
    for (let p = 0; p < planes; p++) {
      for (let r = rows0; r <= rows1; r++) {
        const index = p * across * down + r * across + (level.tiled ? bx : 0);
        const off = Number(await fd.loadValueIndexed(offTag as never, index));
        const cnt = Number(await fd.loadValueIndexed(cntTag as never, index));
        if (!Number.isFinite(off) || !Number.isFinite(cnt)) throw corruptFile(this.info.path, `the offset table has no entry ${index}`);
        if (cnt > 0 && off + cnt > this.fileSize)
          throw corruptFile(this.info.path, `pixel data of block ${index} ends at byte ${off + cnt} but the file has only ${this.fileSize} bytes (truncated)`);
      }
    }
  }

  private block(li: number, bx: number, by: number): Promise<Block> {
    const level = this.levels[li] as Level;
    const x0 = bx * level.blockW;
    const y0 = by * level.blockH;
    const x1 = Math.min(level.width, x0 + level.blockW);
    const y1 = Math.min(level.height, y0 + level.blockH);
    const bytes = (x1 - x0) * (y1 - y0) * Math.max(1, level.image.getBytesPerPixel());
    return this.cache.get(`${li}:${bx}:${by}`, bytes, async () => {
      await this.checkExtents(level, bx, by);
      try {
        if (level.reader) {
          if (level.tiled) return await level.reader.tile(bx, by);
          const s0 = Math.floor(y0 / level.nativeH);
          const s1 = Math.floor((y1 - 1) / level.nativeH);
          return await level.reader.strips(s0, s1);
        }
        const r = await level.image.readRasters({ window: [x0, y0, x1, y1], interleave: false });
        return { arrays: Array.from(r as unknown as Typed[]), stride: x1 - x0, spp: 1, interleaved: false };
      } catch (e) {
        throw asReadError(this.info.path, e, `cannot decode pixels ${x0},${y0}–${x1},${y1}`);
      }
    });
  }

  /** Read a window of a level (overview index li; 0 = full resolution) as float32 with NaN nodata. */
  async readLevel(li: number, window: Window, bands: number[]): Promise<BandData[]> {
    if (this.closed) throw new ScarpError({ code: 'INTERNAL', message: `${this.info.path} was read after close()`, file: this.info.path });
    const level = this.levels[li] as Level;
    const out = bands.map(() => new Float32Array(window.width * window.height).fill(NaN));
    const ax = Math.max(0, window.x);
    const ay = Math.max(0, window.y);
    const bx1 = Math.min(level.width, window.x + window.width);
    const by1 = Math.min(level.height, window.y + window.height);
    if (ax >= bx1 || ay >= by1) return out;
    const nd = this.nodataF;
    const ndIsNaN = nd !== null && Number.isNaN(nd);
    const jobs: Array<Promise<void>> = [];
    for (let by = Math.floor(ay / level.blockH); by * level.blockH < by1; by++) {
      for (let bx = Math.floor(ax / level.blockW); bx * level.blockW < bx1; bx++) {
        jobs.push(
          this.block(li, bx, by).then((blk) => {
            const x0 = bx * level.blockW;
            const y0 = by * level.blockH;
            const cx0 = Math.max(ax, x0);
            const cx1 = Math.min(bx1, x0 + level.blockW, level.width);
            const cy0 = Math.max(ay, y0);
            const cy1 = Math.min(by1, y0 + level.blockH);
            const { stride, spp } = blk;
            bands.forEach((b, k) => {
              const src = (blk.interleaved ? blk.arrays[0] : blk.arrays[b]) as Typed;
              const off = blk.interleaved ? b : 0;
              const dst = out[k] as Float32Array;
              const copy = src instanceof Uint8Array ? copyU8 : src instanceof Float32Array ? copyF32 : copyAny;
              for (let y = cy0; y < cy1; y++) {
                const s = ((y - y0) * stride + (cx0 - x0)) * spp + off;
                const d = (y - window.y) * window.width + (cx0 - window.x);
                copy(src as never, s, spp, dst, d, cx1 - cx0, nd, ndIsNaN);
              }
            });
            const v = level.validity;
            if (v && v.kind !== 'mask') applyBlockValidity(v, blk, { x0, y0 }, { cx0, cx1, cy0, cy1 }, window, out);
          }),
        );
      }
    }
    await Promise.all(jobs);
    if (level.validity?.kind === 'mask') {
      try {
        await applyMaskBand(level.validity.image, { ax, ay, bx1, by1 }, window, out);
      } catch (e) {
        throw asReadError(level.validity.file, e, `cannot decode the mask band at pixels ${ax},${ay}–${bx1},${by1}`);
      }
    }
    return out;
  }

  readWindow(window: Window, bands?: number[]): Promise<BandData[]> {
    assertWindow(window, this.info.path);
    return this.readLevel(0, window, this.checkBands(bands));
  }

  async readWindowResampled(window: Window, outWidth: number, outHeight: number, bands?: number[]): Promise<BandData[]> {
    assertWindow(window, this.info.path);
    assertWindow({ x: 0, y: 0, width: outWidth, height: outHeight }, this.info.path);
    const b = this.checkBands(bands);
    const kx = window.width / outWidth;
    const ky = window.height / outHeight;
    if (kx === 1 && ky === 1) return this.readLevel(0, window, b);
    // The coarsest level whose pixels are still no larger than the requested output pixels.
    const factor = Math.min(kx, ky);
    let li = 0;
    for (let i = 1; i < this.levels.length; i++) {
      const lv = this.levels[i] as Level;
      const dec = this.info.width / lv.width;
      if (dec <= factor * 1.0001) li = i;
    }
    const lv = this.levels[li] as Level;
    const fx = lv.width / this.info.width;
    const fy = lv.height / this.info.height;
    const sx0 = window.x * fx;
    const sy0 = window.y * fy;
    const sx1 = (window.x + window.width) * fx;
    const sy1 = (window.y + window.height) * fy;
    const rw: Window = { x: Math.floor(sx0) - 1, y: Math.floor(sy0) - 1, width: 0, height: 0 };
    rw.width = Math.ceil(sx1) + 1 - rw.x;
    rw.height = Math.ceil(sy1) + 1 - rw.y;
    const kx2 = (sx1 - sx0) / outWidth;
    const ky2 = (sy1 - sy0) / outHeight;
    // By bands of output rows, so only a bounded source window is held (a scene without overviews
    // would otherwise be read whole). Each band reads the source rows its kernels touch (± 1 row),
    // within rw: the result is identical to resampling rw in one piece.
    const perBand = Math.max(1, Math.floor(RESAMPLE_CHUNK_PIXELS / (rw.width * b.length)));
    const outRows = Math.max(1, Math.floor(perBand / Math.max(ky2, 1)) - 3);
    const outs = b.map(() => new Float32Array(outWidth * outHeight));
    for (let j0 = 0; j0 < outHeight; j0 += outRows) {
      const j1 = Math.min(outHeight, j0 + outRows);
      const ya = Math.max(rw.y, Math.floor(sy0 + j0 * ky2) - 1);
      const yb = Math.min(rw.y + rw.height, Math.ceil(sy0 + j1 * ky2) + 1);
      const cw: Window = { x: rw.x, y: ya, width: rw.width, height: Math.max(1, yb - ya) };
      const data = await this.readLevel(li, cw, b);
      data.forEach((d, k) => {
        const w: BandWindow = { data: d, width: cw.width, height: cw.height, x0: cw.x, y0: cw.y };
        resampleAxisAligned(w, sx0, sy0, kx2, ky2, outWidth, outHeight, 'auto', { j0, j1, into: outs[k] as Float32Array });
      });
    }
    return outs;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cache.clear();
    await this.tiff.close();
    if (this.sidecarTiff) await this.sidecarTiff.close();
  }
}

/** Open a GeoTIFF/COG for windowed reading. Throws ScarpError (FILE_NOT_FOUND, UNSUPPORTED_FORMAT, CORRUPT_FILE, NO_GEOREFERENCING, UNKNOWN_CRS). */
export async function openRaster(path: string, options: OpenRasterOptions = {}): Promise<RasterSource> {
  const sniff = await sniffRaster(path);
  await ensureDecoders();
  let tiff: GeoTIFF;
  try {
    tiff = await fromFile(path);
  } catch (e) {
    throw asReadError(path, e, 'cannot parse the TIFF structure');
  }
  let sidecar: Awaited<ReturnType<typeof sidecarMasks>> = null;
  try {
    sidecar = await sidecarMasks(path).catch((e: unknown) => {
      throw asReadError(`${path}.msk`, e, 'cannot read its mask sidecar (delete it, or rewrite the mask with gdal_translate)');
    });
    return await buildSource(path, tiff, sniff.sizeBytes, sniff.bigTiff, options, sniff.structure.ifdCount, sidecar);
  } catch (e) {
    await Promise.resolve(tiff.close()).catch(() => undefined);
    if (sidecar) await Promise.resolve(sidecar.tiff.close()).catch(() => undefined);
    throw asReadError(path, e, 'cannot read the TIFF directory');
  }
}

async function buildSource(
  path: string,
  tiff: GeoTIFF,
  fileSize: number,
  bigTiff: boolean,
  options: OpenRasterOptions,
  ifdCount: number,
  sidecar: Awaited<ReturnType<typeof sidecarMasks>>,
): Promise<GeoTiffSource> {
  // The chain was walked (bounded, loop-free) by sniffRaster; geotiff.js's own count walks it again.
  const count = Math.min(ifdCount, await tiff.getImageCount());
  const main = await tiff.getImage(0);
  const width = main.getWidth();
  const height = main.getHeight();
  if (!(width > 0 && height > 0)) throw corruptFile(path, 'the image has no pixels');
  const samples = main.getSamplesPerPixel();
  const bitsAll = Array.from(((await tag(main, 'BitsPerSample')) as ArrayLike<number> | number | undefined) as ArrayLike<number> ?? [1]);
  const bitsArr = typeof bitsAll === 'number' ? [bitsAll] : bitsAll;
  const fmtRaw = (await tag(main, 'SampleFormat')) as ArrayLike<number> | number | undefined;
  const fmtArr = fmtRaw === undefined ? [1] : typeof fmtRaw === 'number' ? [fmtRaw] : Array.from(fmtRaw);
  const bits = bitsArr[0] ?? 8;
  const fmt = fmtArr[0] ?? 1;
  if (bitsArr.some((b) => b !== bits) || fmtArr.some((f) => f !== fmt))
    throw unsupportedContent(path, 'bands have different pixel types', 'Convert to one type, e.g. gdal_translate -ot Float32 in.tif out.tif');
  if (bitsArr.length !== 1 && bitsArr.length !== samples) throw corruptFile(path, `BitsPerSample has ${bitsArr.length} values for ${samples} samples per pixel`);
  const dataType = dataTypeOf(path, fmt, bits);
  const compressionCode = Number((await tag(main, 'Compression')) ?? 1);
  if (compressionCode === 6)
    throw unsupportedContent(path, 'old-style JPEG compression is not supported', 'Re-compress it: gdal_translate -co COMPRESS=DEFLATE in.tif out.tif');
  checkCompression(path, compressionCode);
  await checkLayout(path, main, samples, bits / 8, main.planarConfiguration);
  const photometricCode = Number((await tag(main, 'PhotometricInterpretation')) ?? 1);
  if (photometricCode === 3)
    throw unsupportedContent(path, 'palette (colour-mapped) images are not supported', 'Expand the palette: gdal_translate -expand rgb in.tif out.tif');
  if (photometricCode === 6 && compressionCode !== 7)
    throw unsupportedContent(path, 'YCbCr pixels without JPEG compression are not supported', 'Convert to RGB: gdal_translate -co PHOTOMETRIC=RGB in.tif out.tif');

  // Georeferencing from GDAL's sources in GDAL's order (GTIFF_GEOREF_SOURCES = PAM, INTERNAL,
  // WORLDFILE): the .aux.xml (where GDAL writes a geotransform or CRS set on a file it cannot
  // rewrite), the GeoTIFF tags, a world file (.tfw: TIFF + TFW as ArcGIS and many orthophoto
  // deliveries write it).
  const keys = (main.getGeoKeys() ?? {}) as GeoKeys;
  const rasterType = keys.GTRasterTypeGeoKey;
  const georefTags = {
    modelPixelScale: (await tag(main, 'ModelPixelScale')) as ArrayLike<number> | undefined,
    modelTiepoint: (await tag(main, 'ModelTiepoint')) as ArrayLike<number> | undefined,
    modelTransformation: (await tag(main, 'ModelTransformation')) as ArrayLike<number> | undefined,
    pixelIsPoint: rasterType === 2,
  };
  const pam = readPam(path);
  const hasTags = georefTags.modelPixelScale !== undefined || georefTags.modelTiepoint !== undefined || georefTags.modelTransformation !== undefined;
  let georefFrom: 'aux.xml' | 'world-file' | undefined;
  let gt: GeoTransform;
  if (pam?.geoTransform) {
    gt = pam.geoTransform as GeoTransform;
    georefFrom = 'aux.xml';
  } else if (hasTags) gt = geoTransformFromTags(georefTags, path);
  else {
    const world = readWorldFile(path);
    if (!world) throw noGeoreferencing(path, 'no georeferencing tags (ModelTiepoint/ModelPixelScale or ModelTransformation), no geotransform in an .aux.xml and no world file (.tfw)');
    if ('problem' in world) throw noGeoreferencing(path, `it has no georeferencing tags, and its world file ${world.file} ${world.problem}`);
    gt = world.geoTransform as GeoTransform;
    georefFrom = 'world-file';
  }
  if (georefFrom && gt[1] * gt[5] - gt[2] * gt[4] === 0) throw noGeoreferencing(path, `the geotransform in its ${georefFrom === 'aux.xml' ? '.aux.xml' : 'world file'} is degenerate`);
  const hasKeys = Object.keys(keys).length > 0 && (keys.ProjectedCSTypeGeoKey !== undefined || keys.GeographicTypeGeoKey !== undefined || keys.GTModelTypeGeoKey !== undefined);
  if (!pam?.srs && !hasKeys) throw noGeoreferencing(path, 'it has a geotransform but no coordinate reference system (GeoKeys, or an SRS in its .aux.xml)');
  // A WKT this reader cannot place (GDAL's parser knows more) leaves the file's own GeoKeys in charge.
  let pamCrs: CrsInfo | null = null;
  if (pam?.srs) {
    try {
      pamCrs = crsFromWkt(pam.srs, path, 'Give the file a CRS GDAL knows: gdal_translate -a_srs EPSG:<code> in.tif out.tif');
    } catch (e) {
      if (!hasKeys) throw e;
    }
  }
  const crs: CrsInfo = pamCrs ?? crsFromGeoKeys(keys, path);
  const crsFrom = pamCrs ? ('aux.xml' as const) : undefined;

  // Validity besides nodata: GDAL's mask band when there is one (internal, else a .msk sidecar; it
  // takes precedence, as in GDAL), else an alpha sample, else the all-zero rule.
  let masks = await internalMasks(path, tiff, count, { width, height });
  let maskFrom: 'internal' | 'sidecar' = 'internal';
  let maskFile = path;
  let sidecarTiff: GeoTIFF | null = null;
  if (sidecar) {
    if (masks.has(`${width}×${height}`)) await Promise.resolve(sidecar.tiff.close()); // GDAL too prefers the internal mask
    else {
      masks = sidecar.masks;
      maskFrom = 'sidecar';
      maskFile = sidecar.path;
      sidecarTiff = sidecar.tiff;
    }
  }
  const maskOf = (im: GeoTIFFImage): GeoTIFFImage | undefined => masks.get(`${im.getWidth()}×${im.getHeight()}`);
  const mainMask = maskOf(main);
  const alphaSample = mainMask ? null : alphaSampleOf(await tag(main, 'ExtraSamples'), samples);
  const tagNodata = parseNodata(await tag(main, 'GDAL_NODATA'));
  const pamNodata = tagNodata === null ? parseNodata(pam?.nodata ?? null) : null;
  const nodata = tagNodata ?? pamNodata;
  const blackIsNodata = readsBlackAsNodata({ dataType, samples, nodata, alpha: alphaSample !== null, mask: mainMask !== undefined });
  const validityOf = (im: GeoTIFFImage): Validity | null => {
    if (mainMask) {
      const m = maskOf(im);
      return m ? { kind: 'mask', image: m, file: maskFile } : null;
    }
    if (alphaSample !== null) return { kind: 'alpha', sample: alphaSample };
    return blackIsNodata ? { kind: 'black', samples } : null;
  };

  // Overviews: reduced-resolution subfiles with the same band count; masks skipped, and so is an
  // overview without a mask of its own when the image has one (its gaps would read as data).
  const levels: Level[] = [await levelOf(main, dataType, validityOf(main))];
  for (let i = 1; i < count; i++) {
    const im = await tiff.getImage(i);
    const sub = Number((await tag(im, 'NewSubfileType')) ?? 0);
    if ((sub & 1) === 0 || (sub & 4) !== 0) continue;
    if (im.getSamplesPerPixel() !== samples || im.getWidth() >= width) continue;
    // An overview that is damaged is left out (the full resolution is read instead).
    const usable = await checkLayout(path, im, samples, bits / 8, im.planarConfiguration, `overview ${i}`).then(
      async () => Number((await tag(im, 'Compression')) ?? 1) === compressionCode,
      () => false,
    );
    const validity = validityOf(im);
    if (usable && (mainMask === undefined || validity !== null)) levels.push(await levelOf(im, dataType, validity));
  }
  levels.sort((a, b) => b.width - a.width);

  const gdalMetadata = await tag(main, 'GDAL_METADATA');
  const bandDescriptions = bandDescriptionsOf(gdalMetadata, samples);
  const elevationUnit = samples - (alphaSample !== null ? 1 : 0) === 1 ? elevationUnitOf(keys, gdalMetadata) : null;
  const grid = { width, height, geoTransform: gt, crs };
  const bounds: Bounds = gridBounds(grid);
  const boundsWgs84 = transformBounds(bounds, crs, WGS84);
  checkGeoreferencing(path, gt, boundsWgs84, gsdOf(grid));
  const info: RasterInfo = {
    path,
    sizeBytes: fileSize,
    width,
    height,
    geoTransform: gt,
    crs,
    bandCount: samples,
    dataType,
    nodata,
    bounds,
    boundsWgs84,
    gsd: gsdOf(grid),
    overviews: levels.slice(1).map((l) => ({ width: l.width, height: l.height })),
    compression: COMPRESSION_NAMES[compressionCode] ?? `code ${compressionCode}`,
    tiled: main.isTiled,
    blockSize: { width: main.isTiled ? main.getTileWidth() : width, height: (levels[0] as Level).nativeH },
    bigTiff,
    pixelIsPoint: rasterType === 2,
    photometric: PHOTOMETRIC_NAMES[photometricCode] ?? `code ${photometricCode}`,
    ...(bandDescriptions ? { bandDescriptions } : {}),
    ...(alphaSample !== null ? { alphaBand: alphaSample } : {}),
    ...(mainMask ? { maskBand: maskFrom } : {}),
    ...(pamNodata !== null ? { nodataFrom: 'aux.xml' as const } : {}),
    ...(georefFrom ? { georefFrom } : {}),
    ...(crsFrom ? { crsFrom } : {}),
    ...(elevationUnit ? { elevationUnit } : {}),
    ...(blackIsNodata ? { blackIsNodata: true } : {}),
  };
  return new GeoTiffSource(tiff, levels, info, fileSize, options.cacheBytes ?? 64 * 1024 * 1024, sidecarTiff);
}

/*
 * Row copies from a decoded block into a float32 window (nodata → NaN). One function per source
 * array type keeps each loop monomorphic (a shared loop over Uint8Array and Float32Array sources
 * runs several times slower); the no-nodata case skips the comparison.
 */
function copyU8(src: Uint8Array, s: number, spp: number, dst: Float32Array, d: number, n: number, nd: number | null, _ndIsNaN: boolean): void {
  if (nd === null) {
    for (let i = 0; i < n; i++, s += spp) dst[d + i] = src[s] as number;
    return;
  }
  for (let i = 0; i < n; i++, s += spp) {
    const v = src[s] as number;
    dst[d + i] = v === nd ? NaN : v;
  }
}

function copyF32(src: Float32Array, s: number, spp: number, dst: Float32Array, d: number, n: number, nd: number | null, ndIsNaN: boolean): void {
  if (nd === null || ndIsNaN) {
    // NaN stays NaN in a float32 copy.
    if (spp === 1) dst.set(src.subarray(s, s + n), d);
    else for (let i = 0; i < n; i++, s += spp) dst[d + i] = src[s] as number;
    return;
  }
  for (let i = 0; i < n; i++, s += spp) {
    const v = src[s] as number;
    dst[d + i] = v === nd ? NaN : v;
  }
}

function copyAny(src: ArrayLike<number>, s: number, spp: number, dst: Float32Array, d: number, n: number, nd: number | null, ndIsNaN: boolean): void {
  for (let i = 0; i < n; i++, s += spp) {
    const v = src[s] as number;
    dst[d + i] = v === nd || (ndIsNaN && v !== v) ? NaN : v;
  }
}
