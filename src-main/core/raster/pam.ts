/**
 * GDAL's PAM sidecar (`<file>.aux.xml`): what GDAL and ArcGIS keep beside a raster that cannot hold
 * it (a baseline TIFF, a read-only file): the CRS (`<SRS>`), the geotransform and band nodata.
 * Read only when it is a regular file of at most 4 MiB (a named pipe would block the read forever;
 * PAM files are a few KiB) and scanned with indexOf rather than backtracking patterns, so that a
 * hostile file costs linear time. A sidecar that cannot be read is ignored, as GDAL ignores it.
 */
import { readFileSync, statSync } from 'node:fs';
import { decodeXmlEntities } from './gdal-metadata';

const MAX_PAM_BYTES = 4 * 2 ** 20;

export interface Pam {
  /** The first band's `<NoDataValue>`, as text. */
  nodata: string | null;
  /** The dataset's `<SRS>` (WKT), entities decoded. */
  srs: string | null;
  /** The dataset's `<GeoTransform>` (6 numbers), when it has one that parses. */
  geoTransform: number[] | null;
}

function readText(path: string): string | null {
  try {
    const st = statSync(path);
    if (!st.isFile() || st.size > MAX_PAM_BYTES) return null;
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The text between `<name …>` and `</name>` from `from` on, or null. */
function element(xml: string, name: string, from = 0, until = xml.length): string | null {
  const at = xml.indexOf(`<${name}`, from);
  if (at < 0 || at >= until) return null;
  const start = xml.indexOf('>', at);
  const end = start < 0 ? -1 : xml.indexOf(`</${name}>`, start);
  return end < 0 || end > until ? null : xml.slice(start + 1, end);
}

/** The PAM sidecar of `path`, or null when there is none that can be read. */
export function readPam(path: string): Pam | null {
  const xml = readText(`${path}.aux.xml`);
  if (xml === null) return null;
  // Dataset-level elements come before the first band.
  const firstBand = xml.indexOf('<PAMRasterBand');
  const datasetEnd = firstBand < 0 ? xml.length : firstBand;
  const srs = element(xml, 'SRS', 0, datasetEnd);
  const gtText = element(xml, 'GeoTransform', 0, datasetEnd);
  const gt = gtText === null ? null : gtText.split(',').map((v) => Number(v.trim()));
  let nodata: string | null = null;
  for (let at = firstBand; at >= 0; at = xml.indexOf('<PAMRasterBand', at + 1)) {
    const open = xml.indexOf('>', at);
    if (open < 0) break;
    if (!/\sband\s*=\s*"1"/.test(xml.slice(at + '<PAMRasterBand'.length, open))) continue;
    const close = xml.indexOf('</PAMRasterBand>', open);
    nodata = element(xml, 'NoDataValue', open, close < 0 ? xml.length : close)?.trim() ?? null;
    break;
  }
  return {
    nodata,
    srs: srs === null ? null : decodeXmlEntities(srs).trim() || null,
    geoTransform: gt && gt.length === 6 && gt.every(Number.isFinite) ? gt : null,
  };
}
