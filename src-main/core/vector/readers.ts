/**
 * Reading polygon layers (areas of interest, evaluation references, inventories to import):
 * GeoJSON (RFC 7946, and old-style with a `crs` member), GeoPackage (ours and GDAL's), Shapefile
 * (2D/3D, CRS from the .prj). Returns flat (multi)polygons with their properties and the layer's
 * CRS, optionally reprojected to a requested CRS. Non-polygon geometries are skipped.
 */
import Database from 'better-sqlite3';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import * as shapefile from 'shapefile';
import proj4 from 'proj4';
import type { CrsInfo } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { checkInputFileSync } from '../util/input-file';
import { createTransformer, crsFromEpsg, WGS84 } from '../raster/crs';
import { decodeGpkgPolygons } from '../store/geopackage-geometry';
import { fromPolygonCoords, mapCoords, orientMultiPolygon, type FlatMultiPolygon } from './geometry';

export type PropertyValue = string | number | boolean | null;

export interface PolygonFeature {
  geometry: FlatMultiPolygon;
  properties: Record<string, PropertyValue>;
}

export interface PolygonLayer {
  path: string;
  /** Layer name (GeoPackage table, file name otherwise). */
  layer: string;
  /** CRS of the returned coordinates (the requested one when reprojected). */
  crs: CrsInfo;
  /** CRS the file declares. */
  sourceCrs: CrsInfo;
  features: PolygonFeature[];
}

export interface ReadPolygonsOptions {
  /** Reproject to this CRS. */
  crs?: CrsInfo;
  /** GeoPackage table to read (default: the first polygon layer). */
  layer?: string;
}

function corrupt(file: string, what: string, cause?: unknown): ScarpError {
  return new ScarpError({ code: 'CORRUPT_FILE', message: `${file} cannot be read as ${what}${cause instanceof Error ? `: ${cause.message}` : ''}`, hint: 'Check that the file is complete and in the format its extension says.', file }, { cause });
}

function unknownCrs(file: string, detail: string): ScarpError {
  return new ScarpError({
    code: 'UNKNOWN_CRS',
    message: `The coordinate reference system of ${file} cannot be used: ${detail}`,
    hint: 'Save the layer with an EPSG-coded CRS (e.g. in QGIS: Export → Save Features As, choosing the CRS).',
    file,
  });
}

// ---- CRS from WKT / names ----------------------------------------------------------------------

/** A CRS from OGC or ESRI WKT: the EPSG code when the WKT carries or implies one, else proj4's WKT parser. */
export function crsFromWkt(wkt: string, file = 'layer'): CrsInfo {
  const text = wkt.trim();
  // Top-level authority: the last AUTHORITY/ID right before the final closing bracket.
  const auth = /(?:AUTHORITY\[\s*"EPSG"\s*,\s*"?(\d+)"?\s*\]|ID\[\s*"EPSG"\s*,\s*(\d+)\s*\])\s*\]\s*$/i.exec(text);
  if (auth) return crsFromEpsg(Number(auth[1] ?? auth[2]), file);
  const name = /^\s*(?:PROJCS|PROJCRS|GEOGCS|GEOGCRS|GEODCRS)\s*\[\s*"([^"]+)"/i.exec(text)?.[1] ?? '';
  const utm = /^WGS[ _]?(?:19)?84[ _/]+UTM[ _]zone[ _](\d{1,2})([NS])$/i.exec(name);
  if (utm) return crsFromEpsg((utm[2]!.toUpperCase() === 'N' ? 32600 : 32700) + Number(utm[1]), file);
  if (/^(GCS_WGS_1984|WGS 84|WGS84)$/i.test(name) && /^\s*GEOG/i.test(text)) return crsFromEpsg(4326, file);
  // proj4js parses WKT 1 (OGC and ESRI) itself; keep the WKT as the definition.
  let proj: { projName?: string; to_meter?: number; units?: string };
  try {
    proj = proj4.Proj(text) as unknown as typeof proj;
  } catch (err) {
    throw unknownCrs(file, `WKT not understood (${(err as Error).message})`);
  }
  const isGeographic = proj.projName === 'longlat' || /^\s*GEOG/i.test(text);
  return { epsg: null, name: name || 'custom', proj4: text, wkt: text, isGeographic, metresPerUnit: isGeographic ? null : (proj.to_meter ?? 1) };
}

/** A CRS from a GeoJSON `crs` name (urn:ogc:def:crs:EPSG::32647, EPSG:32647, CRS84). */
export function crsFromName(name: string, file = 'layer'): CrsInfo {
  if (/CRS84$/i.test(name) || /OGC:?(1\.3)?:?CRS84/i.test(name)) return WGS84;
  const m = /EPSG:{1,2}(?:[\d.]*:)?(\d+)$/i.exec(name) ?? /^EPSG:(\d+)$/i.exec(name);
  if (!m) throw unknownCrs(file, `"${name}" is not an EPSG or CRS84 name`);
  return crsFromEpsg(Number(m[1]), file);
}

// ---- GeoJSON --------------------------------------------------------------------------------

interface GeoJsonGeometry {
  type: string;
  coordinates?: unknown;
  geometries?: GeoJsonGeometry[];
}

function geojsonPolygons(g: GeoJsonGeometry | null | undefined, out: FlatMultiPolygon): void {
  if (!g || typeof g !== 'object') return;
  if (g.type === 'Polygon' && Array.isArray(g.coordinates)) out.push(fromPolygonCoords(g.coordinates as number[][][]));
  else if (g.type === 'MultiPolygon' && Array.isArray(g.coordinates)) for (const p of g.coordinates as number[][][][]) out.push(fromPolygonCoords(p));
  else if (g.type === 'GeometryCollection' && Array.isArray(g.geometries)) for (const s of g.geometries) geojsonPolygons(s, out);
}

function cleanProps(p: unknown): Record<string, PropertyValue> {
  const o: Record<string, PropertyValue> = {};
  if (p && typeof p === 'object') {
    for (const [k, v] of Object.entries(p as Record<string, unknown>)) {
      o[k] = v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : v instanceof Date ? v.toISOString() : JSON.stringify(v);
    }
  }
  return o;
}

/** Deepest nesting of arrays/objects in JSON text (strings skipped): checked before parsing, whose consumers recurse. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) max = Math.max(max, ++depth);
    else if (c === 93 || c === 125) depth--;
  }
  return max;
}

/** Nesting deeper than any GeoJSON needs (a FeatureCollection of MultiPolygons is 7 deep). */
export const MAX_JSON_DEPTH = 64;

function readGeoJson(path: string): { crs: CrsInfo; features: PolygonFeature[] } {
  let doc: { type?: string; crs?: { properties?: { name?: string } }; features?: Array<{ geometry?: GeoJsonGeometry; properties?: unknown }>; geometry?: GeoJsonGeometry; coordinates?: unknown };
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH) {
    throw new ScarpError({
      code: 'CORRUPT_FILE',
      message: `${path} nests arrays/objects ${depth} deep; GeoJSON needs fewer than ${MAX_JSON_DEPTH} levels.`,
      hint: 'Check that the file is GeoJSON; re-export it from GIS software.',
      file: path,
      params: { depth, maxDepth: MAX_JSON_DEPTH },
    });
  }
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (err) {
    throw corrupt(path, 'GeoJSON', err);
  }
  if (!doc || typeof doc !== 'object' || typeof doc.type !== 'string') throw corrupt(path, 'GeoJSON (no "type" member)');
  const crsName = doc.crs?.properties?.name;
  const crs = crsName ? crsFromName(crsName, path) : WGS84;
  const features: PolygonFeature[] = [];
  const add = (g: GeoJsonGeometry | undefined, props: unknown): void => {
    const mp: FlatMultiPolygon = [];
    geojsonPolygons(g, mp);
    if (mp.length > 0) features.push({ geometry: mp, properties: cleanProps(props) });
  };
  if (doc.type === 'FeatureCollection') {
    if (doc.features !== undefined && !Array.isArray(doc.features)) throw corrupt(path, 'GeoJSON ("features" is not an array)');
    for (const f of doc.features ?? []) if (f && typeof f === 'object') add(f.geometry, f.properties);
  }
  else if (doc.type === 'Feature') add(doc.geometry, (doc as { properties?: unknown }).properties);
  else add(doc as GeoJsonGeometry, {});
  return { crs, features };
}

// ---- GeoPackage -----------------------------------------------------------------------------

function readGeoPackage(path: string, layer?: string): { crs: CrsInfo; features: PolygonFeature[]; layer: string } {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get();
  } catch (err) {
    throw corrupt(path, 'a GeoPackage (SQLite)', err);
  }
  try {
    let cols: Array<{ table_name: string; column_name: string; geometry_type_name: string; srs_id: number }>;
    try {
      cols = db.prepare('SELECT table_name, column_name, geometry_type_name, srs_id FROM gpkg_geometry_columns').all() as typeof cols;
    } catch (err) {
      throw corrupt(path, 'a GeoPackage (no gpkg_geometry_columns table)', err);
    }
    const polygonal = cols.filter((c) => /POLYGON|GEOMETRY|SURFACE/i.test(c.geometry_type_name));
    const pick = layer ? cols.find((c) => c.table_name === layer) : polygonal[0];
    if (!pick) {
      throw new ScarpError({
        code: 'INVALID_ARGUMENT',
        message: layer ? `${path} has no layer "${layer}" (layers: ${cols.map((c) => c.table_name).join(', ') || 'none'})` : `${path} has no polygon layer`,
        file: path,
      });
    }
    const srs = db.prepare('SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?').get(pick.srs_id) as
      | { organization: string; organization_coordsys_id: number; definition: string }
      | undefined;
    let crs: CrsInfo;
    if (srs && srs.organization.toUpperCase() === 'EPSG') crs = crsFromEpsg(srs.organization_coordsys_id, path);
    else if (srs && srs.definition && srs.definition !== 'undefined') crs = crsFromWkt(srs.definition, path);
    else throw unknownCrs(path, `layer ${pick.table_name} has an undefined SRS (srs_id ${pick.srs_id})`);
    const quoted = `"${pick.table_name.replace(/"/g, '""')}"`;
    const features: PolygonFeature[] = [];
    for (const row of db.prepare(`SELECT * FROM ${quoted}`).iterate() as Iterable<Record<string, unknown>>) {
      const blob = row[pick.column_name];
      if (!(blob instanceof Uint8Array)) continue;
      let mp: FlatMultiPolygon;
      try {
        mp = decodeGpkgPolygons(blob);
      } catch (err) {
        if (err instanceof ScarpError && err.code === 'UNSUPPORTED_FORMAT') continue;
        throw corrupt(path, 'a GeoPackage geometry', err);
      }
      if (mp.length === 0) continue;
      const props: Record<string, PropertyValue> = {};
      for (const [k, v] of Object.entries(row)) {
        if (k === pick.column_name || v instanceof Uint8Array) continue;
        props[k] = typeof v === 'bigint' ? Number(v) : (v as PropertyValue);
      }
      features.push({ geometry: mp, properties: props });
    }
    return { crs, features, layer: pick.table_name };
  } finally {
    db.close();
  }
}

// ---- Shapefile ------------------------------------------------------------------------------

async function readShapefile(path: string): Promise<{ crs: CrsInfo; features: PolygonFeature[] }> {
  const base = path.slice(0, -extname(path).length);
  const prj = [`${base}.prj`, `${base}.PRJ`].find((p) => existsSync(p));
  if (!prj) throw unknownCrs(path, 'the shapefile has no .prj file');
  const crs = crsFromWkt(readFileSync(prj, 'utf8'), path);
  const dbf = [`${base}.dbf`, `${base}.DBF`].find((p) => existsSync(p));
  const cpg = [`${base}.cpg`, `${base}.CPG`].find((p) => existsSync(p));
  const encoding = cpg ? readFileSync(cpg, 'utf8').trim().toLowerCase().replace(/^utf-?8$/, 'utf-8') : 'utf-8';
  const features: PolygonFeature[] = [];
  try {
    const src = await shapefile.open(path, dbf, { encoding });
    for (;;) {
      const r = await src.read();
      if (r.done) break;
      const mp: FlatMultiPolygon = [];
      geojsonPolygons(r.value.geometry as GeoJsonGeometry, mp);
      if (mp.length > 0) features.push({ geometry: mp, properties: cleanProps(r.value.properties) });
    }
  } catch (err) {
    throw corrupt(path, 'a Shapefile', err);
  }
  return { crs, features };
}

// ---- entry point ----------------------------------------------------------------------------

/** Largest polygon files read: text formats are held whole in memory (and parsed), binary ones are not. */
export const MAX_TEXT_VECTOR_BYTES = 256 * 2 ** 20;
export const MAX_VECTOR_BYTES = 2 * 2 ** 30;

/** Read the polygons of a GeoJSON, GeoPackage or Shapefile, optionally reprojected to `opts.crs`. */
export async function readPolygons(path: string, opts: ReadPolygonsOptions = {}): Promise<PolygonLayer> {
  const ext = extname(path).toLowerCase();
  checkInputFileSync(path, { what: 'polygon file', maxBytes: ext === '.gpkg' || ext === '.shp' ? MAX_VECTOR_BYTES : MAX_TEXT_VECTOR_BYTES });
  let res: { crs: CrsInfo; features: PolygonFeature[]; layer?: string };
  if (ext === '.geojson' || ext === '.json') res = readGeoJson(path);
  else if (ext === '.gpkg') res = readGeoPackage(path, opts.layer);
  else if (ext === '.shp') res = await readShapefile(path);
  else {
    throw new ScarpError({
      code: 'UNSUPPORTED_FORMAT',
      message: `${path}: polygon files must be GeoJSON (.geojson/.json), GeoPackage (.gpkg) or Shapefile (.shp), not "${ext || 'no extension'}"`,
      file: path,
    });
  }
  const sourceCrs = res.crs;
  let features = res.features.map((f) => ({ geometry: orientMultiPolygon(f.geometry, true), properties: f.properties }));
  let crs = sourceCrs;
  if (opts.crs) {
    const t = createTransformer(sourceCrs, opts.crs);
    if (!t.identity) {
      features = features.map((f) => ({ geometry: orientMultiPolygon(mapCoords(f.geometry, t.forward), true), properties: f.properties }));
    }
    crs = opts.crs;
  }
  const layer = res.layer ?? path.split(/[\\/]/).pop()!.replace(/\.[^.]+$/, '');
  return { path, layer, crs, sourceCrs, features };
}
