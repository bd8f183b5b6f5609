/**
 * CRSs from text: OGC or ESRI WKT 1/2 (Shapefile .prj, GeoPackage definitions, GeoTIFF citations) and
 * the CRS names GeoJSON uses. The one place a CRS is read from a description that is not an EPSG code.
 */
import proj4 from 'proj4';
import type { CrsInfo } from '../../../src-shared/geo';
import { crsFromEpsg, crsFromProj4, utmEpsg, WGS84 } from './crs';
import { lookupEpsg } from './epsg';
import { unknownCrs } from './errors';

/** Hint for CRSs read from vector layers. */
export const LAYER_CRS_HINT = 'Save the layer with an EPSG-coded CRS (e.g. in QGIS: Export → Save Features As, choosing the CRS).';

/**
 * A CRS from OGC or ESRI WKT, in this order: the top-level EPSG authority (AUTHORITY or ID) when the
 * EPSG database knows it; the EPSG code a UTM / WGS 84 name implies; a PROJ string for the WKT 1
 * methods proj4StringFromWkt knows (unless the datum has a TOWGS84 shift); otherwise proj4js's own WKT
 * parser, keeping the WKT as the definition. Throws UNKNOWN_CRS when none applies.
 */
export function crsFromWkt(wkt: string, file?: string, hint?: string): CrsInfo {
  const text = wkt.trim();
  const auth = /(?:AUTHORITY\[\s*"EPSG"\s*,\s*"?(\d+)"?\s*\]|ID\[\s*"EPSG"\s*,\s*(\d+)\s*\])\s*\]\s*$/i.exec(text);
  const code = auth ? Number(auth[1] ?? auth[2]) : null;
  if (code !== null && lookupEpsg(code)) return crsFromEpsg(code, file);
  const name = /^\s*(?:PROJCS|PROJCRS|GEOGCS|GEOGCRS|GEODCRS)\s*\[\s*"([^"]+)"/i.exec(text)?.[1] ?? '';
  const utm = /^WGS[ _]?(?:19)?84[ _/]+UTM[ _]zone[ _](\d{1,2})([NS])$/i.exec(name);
  if (utm) return crsFromEpsg(utmEpsg(Number(utm[1]), utm[2]!.toUpperCase() === 'N'), file);
  if (/^(GCS_WGS_1984|WGS 84|WGS84)$/i.test(name) && /^\s*GEOG/i.test(text)) return WGS84;
  const def = /TOWGS84/i.test(text) ? null : proj4StringFromWkt(text);
  if (def) return crsFromProj4(def, name || 'unnamed', text, file);
  let proj: { projName?: string; to_meter?: number };
  try {
    proj = proj4.Proj(text) as unknown as typeof proj;
  } catch (err) {
    const why = code !== null ? `EPSG:${code} is not in the EPSG database shipped with Scarp, and its WKT is not understood` : 'WKT not understood';
    throw unknownCrs(file, `${why} (${(err as Error).message})`, hint);
  }
  const isGeographic = proj.projName === 'longlat' || /^\s*GEOG/i.test(text);
  return { epsg: null, name: name || 'custom', proj4: text, wkt: text, isGeographic, metresPerUnit: isGeographic ? null : (proj.to_meter ?? 1) };
}

/** A CRS from a GeoJSON `crs` name (urn:ogc:def:crs:EPSG::32647, EPSG:32647, CRS84). */
export function crsFromName(name: string, file?: string, hint?: string): CrsInfo {
  if (/CRS84$/i.test(name) || /OGC:?(1\.3)?:?CRS84/i.test(name)) return WGS84;
  const m = /EPSG:{1,2}(?:[\d.]*:)?(\d+)$/i.exec(name) ?? /^EPSG:(\d+)$/i.exec(name);
  if (!m) throw unknownCrs(file, `"${name}" is not an EPSG or CRS84 name`, hint);
  return crsFromEpsg(Number(m[1]), file);
}

/** A PROJ string for the WKT1 methods we build (inverse of projcs); null when not one of them. */
export function proj4StringFromWkt(wkt: string): string | null {
  const param = (n: string): number | undefined => {
    const m = new RegExp(`PARAMETER\\["${n}",([-+0-9.eE]+)\\]`, 'i').exec(wkt);
    return m ? Number(m[1]) : undefined;
  };
  const sph = /SPHEROID\["[^"]*",([-+0-9.eE]+),([-+0-9.eE]+)/i.exec(wkt);
  if (!sph) return null;
  const a = Number(sph[1]);
  const rf = Number(sph[2]);
  const ell = /DATUM\["(WGS_1984|D_WGS_1984)"/i.test(wkt) ? '+datum=WGS84' : rf === 0 ? `+a=${a} +b=${a}` : `+a=${a} +rf=${rf}`;
  const method = /PROJECTION\["([^"]+)"/i.exec(wkt)?.[1];
  const unitM = /UNIT\["[^"]*",([-+0-9.eE]+)[^\]]*\](?:,AXIS\[[^\]]*\])*\]\s*$/i.exec(wkt);
  if (!method) return /^GEOGCS/i.test(wkt) ? `+proj=longlat ${ell} +no_defs` : null;
  const k = unitM ? Number(unitM[1]) : 1;
  const units = k === 1 ? '+units=m' : `+to_meter=${k}`;
  const fe = (param('false_easting') ?? 0) * k;
  const fn = (param('false_northing') ?? 0) * k;
  const tail = `+x_0=${fe} +y_0=${fn} ${ell} ${units} +no_defs`;
  switch (method.toLowerCase()) {
    case 'transverse_mercator':
      return `+proj=tmerc +lat_0=${param('latitude_of_origin') ?? 0} +lon_0=${param('central_meridian') ?? 0} +k=${param('scale_factor') ?? 1} ${tail}`;
    case 'mercator_1sp':
      return `+proj=merc +lon_0=${param('central_meridian') ?? 0} +k=${param('scale_factor') ?? 1} ${tail}`;
    case 'mercator_2sp':
      return `+proj=merc +lat_ts=${param('standard_parallel_1') ?? 0} +lon_0=${param('central_meridian') ?? 0} ${tail}`;
    case 'lambert_conformal_conic_2sp':
      return `+proj=lcc +lat_1=${param('standard_parallel_1') ?? 0} +lat_2=${param('standard_parallel_2') ?? 0} +lat_0=${param('latitude_of_origin') ?? 0} +lon_0=${param('central_meridian') ?? 0} ${tail}`;
    case 'lambert_conformal_conic_1sp': {
      const lat0 = param('latitude_of_origin') ?? 0;
      return `+proj=lcc +lat_1=${lat0} +lat_0=${lat0} +lon_0=${param('central_meridian') ?? 0} +k_0=${param('scale_factor') ?? 1} ${tail}`;
    }
    case 'lambert_azimuthal_equal_area':
      return `+proj=laea +lat_0=${param('latitude_of_center') ?? 0} +lon_0=${param('longitude_of_center') ?? 0} ${tail}`;
    case 'albers_conic_equal_area':
      return `+proj=aea +lat_1=${param('standard_parallel_1') ?? 0} +lat_2=${param('standard_parallel_2') ?? 0} +lat_0=${param('latitude_of_center') ?? 0} +lon_0=${param('longitude_of_center') ?? 0} ${tail}`;
    default:
      return null;
  }
}
