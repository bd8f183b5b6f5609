/** ScarpError constructors for raster input problems; every message names the file. */
import { basename } from 'node:path';
import { ScarpError, isScarpError } from '../../../src-shared/errors';

export const SUPPORTED_FORMATS_HINT =
  'Supported: GeoTIFF and Cloud-Optimized GeoTIFF (.tif/.tiff); convert with gdal_translate -of COG in.x out.tif';

export function fileNotFound(path: string): ScarpError {
  return new ScarpError({
    code: 'FILE_NOT_FOUND',
    message: `Raster file not found: ${path}`,
    hint: 'Check the path (and that the drive is mounted); relative paths are taken from the current folder.',
    file: path,
  });
}

export function corruptFile(path: string, what: string, cause?: unknown): ScarpError {
  return new ScarpError(
    {
      code: 'CORRUPT_FILE',
      message: `${basename(path)} is a damaged or truncated TIFF: ${what} (${path})`,
      hint: 'Copy or download the file again; if it opens in QGIS, re-save it with gdal_translate -of COG in.tif out.tif.',
      file: path,
    },
    { cause },
  );
}

export function unsupportedFormat(path: string, detected: string): ScarpError {
  return new ScarpError({
    code: 'UNSUPPORTED_FORMAT',
    message: `${basename(path)} is ${detected}, not a GeoTIFF (${path})`,
    hint: SUPPORTED_FORMATS_HINT,
    file: path,
  });
}

export function unsupportedContent(path: string, what: string, hint: string): ScarpError {
  return new ScarpError({
    code: 'UNSUPPORTED_FORMAT',
    message: `${basename(path)}: ${what} (${path})`,
    hint,
    file: path,
  });
}

export function noGeoreferencing(path: string, what: string): ScarpError {
  return new ScarpError({
    code: 'NO_GEOREFERENCING',
    message: `${basename(path)} has no usable georeferencing: ${what} (${path})`,
    hint:
      'Georeference it first, e.g. gdal_translate -a_srs EPSG:<code> -a_ullr <ulx> <uly> <lrx> <lry> in.tif out.tif, ' +
      'or gdalwarp with ground control points.',
    file: path,
  });
}

/** Wrap anything thrown while decoding pixel data as CORRUPT_FILE (ScarpErrors pass through). */
export function asReadError(path: string, e: unknown, what: string): ScarpError {
  if (isScarpError(e)) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return corruptFile(path, `${what}: ${detail}`, e);
}
