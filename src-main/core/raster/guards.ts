/**
 * Checks on a raster's declarations before any pixel is decoded or any work is planned: supported
 * compression, a block layout that matches the offset tables, decoded block sizes and detection
 * sizes within the budget, and georeferencing that puts the raster on the Earth.
 */
import { basename } from 'node:path';
import { ScarpError } from '../../../src-shared/errors';
import type { Bounds, GeoTransform } from '../../../src-shared/geo';
import type { GeoTIFFImage } from './geotiff-lib';
import { corruptFile } from './errors';

export const RASTER_LIMITS = {
  /** Decoded bytes of one tile or strip. */
  maxBlockBytes: 256 * 2 ** 20,
  /** Pixel sizes (metres) a scene or DEM may have: 1 mm to 100 km. */
  minGsdM: 1e-3,
  maxGsdM: 1e5,
};

/** Pixels one detection may cover (the area of interest, or the whole scene): $SCARP_MAX_PIXELS or 1 G. */
export function maxDetectPixels(): number {
  const v = Number(process.env.SCARP_MAX_PIXELS);
  return Number.isFinite(v) && v > 0 ? v : 1e9;
}

const SUPPORTED_COMPRESSION = new Set([1, 5, 7, 8, 32946, 32773, 34887, 50000]);
const COMPRESSION_LABEL: Record<number, string> = {
  2: 'CCITT RLE', 3: 'CCITT Group 3 fax', 4: 'CCITT Group 4 fax', 6: 'old-style JPEG', 32809: 'ThunderScan', 34661: 'JBIG', 34676: 'SGI LogLuv', 34712: 'JPEG 2000',
  34892: 'lossy JPEG (DNG)', 34925: 'LZMA', 34926: 'Zstandard (old code)', 34927: 'WebP (old code)', 50001: 'WebP', 50002: 'JPEG XL', 52546: 'JPEG XL',
};

export function checkCompression(path: string, code: number): void {
  if (SUPPORTED_COMPRESSION.has(code)) return;
  const name = COMPRESSION_LABEL[code];
  throw new ScarpError({
    code: 'UNSUPPORTED_FORMAT',
    message: name
      ? `${basename(path)} is compressed with ${name}, which Scarp cannot decode (${path}).`
      : `${basename(path)} declares compression code ${code}, which is not a TIFF compression Scarp knows (${path}).`,
    hint: 'Re-compress it with a supported method (none, LZW, Deflate, PackBits, JPEG, ZSTD or LERC): gdal_translate -co COMPRESS=DEFLATE in.tif out.tif',
    file: path,
    params: { compression: code, name: name ?? '' },
  });
}

async function tagLength(image: GeoTIFFImage, name: string): Promise<number> {
  if (!image.fileDirectory.hasTag(name as never)) return 0;
  const v = (await image.fileDirectory.loadValue(name as never)) as ArrayLike<number> | number | undefined;
  return v === undefined ? 0 : typeof v === 'number' ? 1 : v.length;
}

/**
 * The block layout of one image directory: tile/strip sizes sane, offset and byte-count tables as long
 * as the layout needs, a decoded block within the budget.
 */
export async function checkLayout(path: string, image: GeoTIFFImage, samples: number, bytesPerSample: number, planar: number, what = 'the image'): Promise<void> {
  const width = image.getWidth();
  const height = image.getHeight();
  if (!(width > 0 && height > 0)) throw corruptFile(path, `${what} declares ${width} × ${height} pixels`);
  if (!(samples >= 1 && samples <= 256)) throw corruptFile(path, `${what} declares ${samples} samples per pixel`);
  if (planar !== 1 && planar !== 2) throw corruptFile(path, `${what} declares planar configuration ${planar}`);
  const tiled = image.isTiled;
  let bw: number;
  let bh: number;
  if (tiled) {
    bw = image.getTileWidth();
    bh = image.getTileHeight();
    if (!(bw >= 1 && bw <= 65536 && bh >= 1 && bh <= 65536)) throw corruptFile(path, `${what} declares tiles of ${bw} × ${bh} pixels`);
  } else {
    bw = width;
    const rps = Number(await image.fileDirectory.loadValue('RowsPerStrip' as never));
    bh = Number.isFinite(rps) && rps >= 1 ? Math.min(rps, height) : height;
  }
  const planes = planar === 2 ? samples : 1;
  const blocks = Math.ceil(width / bw) * Math.ceil(height / bh) * planes;
  const [offTag, cntTag] = tiled ? ['TileOffsets', 'TileByteCounts'] : ['StripOffsets', 'StripByteCounts'];
  const offsets = await tagLength(image, offTag);
  const counts = await tagLength(image, cntTag);
  if (offsets !== blocks || counts !== blocks)
    throw corruptFile(path, `${what} is ${width} × ${height} pixels in ${tiled ? `${bw} × ${bh} tiles` : `strips of ${bh} rows`} (${blocks} blocks), but its ${offTag} has ${offsets} and ${cntTag} ${counts} entries`);
  const blockBytes = bw * bh * (planar === 2 ? 1 : samples) * bytesPerSample;
  if (blockBytes > RASTER_LIMITS.maxBlockBytes)
    throw new ScarpError({
      code: 'TOO_LARGE',
      message: `${basename(path)}: one ${tiled ? 'tile' : 'strip'} of ${what} decodes to ${(blockBytes / 2 ** 20).toFixed(0)} MiB; at most ${RASTER_LIMITS.maxBlockBytes / 2 ** 20} MiB is decoded at once (${path}).`,
      hint: 'Re-tile it: gdal_translate -co TILED=YES -co COMPRESS=DEFLATE in.tif out.tif',
      file: path,
      params: { blockBytes, maxBlockBytes: RASTER_LIMITS.maxBlockBytes },
    });
}

function badGeoref(path: string, what: string, params: Record<string, string | number>): ScarpError {
  return new ScarpError({
    code: 'BAD_GEOREFERENCING',
    message: `${basename(path)} has impossible georeferencing: ${what} (${path}).`,
    hint: 'Check it with gdalinfo and set it right: gdal_translate -a_srs EPSG:<code> -a_ullr <ulx> <uly> <lrx> <lry> in.tif out.tif',
    file: path,
    params,
  });
}

/** The raster must lie on the Earth with pixels of a physical size. */
export function checkGeoreferencing(path: string, gt: GeoTransform, boundsWgs84: Bounds, gsd: { x: number; y: number }): void {
  if (!gt.every((v) => Number.isFinite(v))) throw badGeoref(path, `its geotransform has non-finite values (${gt.join(', ')})`, { geoTransform: gt.join(',') });
  const w = boundsWgs84;
  const finite = [w.minX, w.minY, w.maxX, w.maxY].every((v) => Number.isFinite(v));
  if (!finite || w.minX < -180.5 || w.maxX > 180.5 || w.minY < -90.5 || w.maxY > 90.5 || w.minX > w.maxX || w.minY > w.maxY)
    throw badGeoref(path, `its corners do not fall on the Earth (WGS 84 bounds ${[w.minX, w.minY, w.maxX, w.maxY].map((v) => Number(v.toPrecision(6))).join(', ')})`, {
      minLon: w.minX,
      minLat: w.minY,
      maxLon: w.maxX,
      maxLat: w.maxY,
    });
  for (const v of [gsd.x, gsd.y]) {
    if (!(Number.isFinite(v) && v >= RASTER_LIMITS.minGsdM && v <= RASTER_LIMITS.maxGsdM))
      throw badGeoref(path, `its pixels are ${Number(gsd.x.toPrecision(3))} × ${Number(gsd.y.toPrecision(3))} m, outside ${RASTER_LIMITS.minGsdM} m – ${RASTER_LIMITS.maxGsdM / 1000} km`, {
        gsdX: gsd.x,
        gsdY: gsd.y,
      });
  }
}

/** A detection over width × height pixels must fit the budget. */
export function checkDetectBudget(path: string, width: number, height: number, withAoi: boolean): void {
  const max = maxDetectPixels();
  const px = width * height;
  if (px <= max) return;
  const g = (n: number): string => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} G` : `${(n / 1e6).toFixed(0)} M`);
  throw new ScarpError({
    code: 'TOO_LARGE',
    message: `${basename(path)}: the ${withAoi ? 'area of interest covers' : 'scene is'} ${width} × ${height} pixels (${g(px)} pixels); one detection covers at most ${g(max)} pixels (${path}).`,
    hint: withAoi ? 'Use a smaller area of interest, or cut the scene into parts (gdal_translate -srcwin).' : 'Detect within an area of interest, or cut the scene into parts (gdal_translate -srcwin).',
    file: path,
    params: { width, height, pixels: px, maxPixels: max },
    options: withAoi ? undefined : ['aoi'],
  });
}
