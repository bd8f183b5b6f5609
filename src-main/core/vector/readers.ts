/**
 * Reading polygon layers (areas of interest, evaluation references, inventories to import):
 * GeoJSON (RFC 7946, and old-style with a `crs` member), GeoPackage (ours and GDAL's), Shapefile
 * (2D/3D, CRS from the .prj). Returns flat (multi)polygons with their properties and the layer's
 * CRS, optionally reprojected to a requested CRS. Non-polygon geometries are skipped.
 */
import Database from 'better-sqlite3';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { CrsInfo } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { checkInputFileSync } from '../util/input-file';
import { createTransformer, crsFromEpsg, crsFromName, crsFromWkt, LAYER_CRS_HINT, unknownCrs, WGS84 } from '../geo';
import { decodeGpkgPolygons } from './geopackage-geometry';
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
  /** What the reader noticed and the user should know (a shapefile without .dbf …). */
  warnings: string[];
}

export interface ReadPolygonsOptions {
  /** Reproject to this CRS. */
  crs?: CrsInfo;
  /** GeoPackage table to read (default: the first polygon layer). */
  layer?: string;
  /** The file's CRS, given by the user: overrides what the file states (and is required when it states none and is not lon/lat). */
  sourceCrs?: CrsInfo;
  /** Whether the caller can take `sourceCrs` from the user (the error then points to that option). */
  crsOption?: boolean;
}

function corrupt(file: string, what: string, cause?: unknown): ScarpError {
  return new ScarpError({ code: 'CORRUPT_FILE', message: `${file} cannot be read as ${what}${cause instanceof Error ? `: ${cause.message}` : ''}`, hint: 'Check that the file is complete and in the format its extension says.', file }, { cause });
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

/** Whether every vertex could be longitude/latitude. */
function lonLatPlausible(features: PolygonFeature[]): boolean {
  for (const f of features) for (const p of f.geometry) for (const r of p) for (let i = 0; i + 1 < r.length; i += 2) {
    const x = r[i]!;
    const y = r[i + 1]!;
    if (!(x >= -180.5 && x <= 180.5 && y >= -90.5 && y <= 90.5)) return false;
  }
  return true;
}

function readGeoJson(path: string, opts: ReadPolygonsOptions): { crs: CrsInfo; features: PolygonFeature[] } {
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
  const crs = opts.sourceCrs ?? (typeof crsName === 'string' ? crsFromName(crsName, path, LAYER_CRS_HINT) : WGS84);
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
  // RFC 7946 GeoJSON is longitude/latitude; projected coordinates without a stated CRS are not guessed.
  if (!opts.sourceCrs && typeof crsName !== 'string' && !lonLatPlausible(features)) {
    const r = features[0]?.geometry[0]?.[0];
    throw new ScarpError({
      code: 'UNKNOWN_CRS',
      message: `${path} states no coordinate system and its coordinates are not longitude/latitude (e.g. ${r ? `${r[0]}, ${r[1]}` : '?'}).`,
      hint: opts.crsOption ? "Give the file's coordinate system (its EPSG code)." : 'Add a "crs" member naming its EPSG code, or save the layer as GeoPackage from GIS software.',
      file: path,
      options: opts.crsOption ? ['crs'] : undefined,
    });
  }
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
    else if (srs && srs.definition && srs.definition !== 'undefined') crs = crsFromWkt(srs.definition, path, LAYER_CRS_HINT);
    else throw unknownCrs(path, `layer ${pick.table_name} has an undefined SRS (srs_id ${pick.srs_id})`, LAYER_CRS_HINT);
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
  } catch (err) {
    if (err instanceof ScarpError) throw err;
    throw corrupt(path, 'a GeoPackage', err);
  } finally {
    db.close();
  }
}

// ---- Shapefile ------------------------------------------------------------------------------

/** What a Shapefile's parts declare: shapes in the .shx index, records in the .dbf, bytes in the .shp. */
interface ShapefileDeclared {
  shxShapes: number | null;
  dbfRecords: number | null;
}

function head(path: string, n: number): Buffer {
  const b = readFileSync(path);
  return b.length >= n ? b : Buffer.concat([b, Buffer.alloc(n - b.length)]);
}

/** Check the parts against each other before reading: a truncated .shp/.shx/.dbf is refused, never half-read. */
function shapefileDeclared(path: string, shx: string | undefined, dbf: string | undefined): ShapefileDeclared {
  const size = statSync(path).size;
  const h = head(path, 100);
  if (size < 100 || h.readInt32BE(0) !== 9994) throw corrupt(path, 'a Shapefile (no .shp header)');
  const declared = h.readInt32BE(24) * 2;
  if (declared > size) throw new ScarpError({ code: 'CORRUPT_FILE', message: `${path} is truncated: its header says ${declared} bytes, the file has ${size}.`, hint: 'Copy the complete shapefile (.shp, .shx, .dbf, .prj) again.', file: path, params: { declared, size } });
  let shxShapes: number | null = null;
  if (shx) {
    const sz = statSync(shx).size;
    const xh = head(shx, 100);
    const xdecl = xh.readInt32BE(24) * 2;
    if (sz < 100 || xh.readInt32BE(0) !== 9994 || xdecl > sz || (xdecl - 100) % 8 !== 0)
      throw new ScarpError({ code: 'CORRUPT_FILE', message: `${shx}, the index of ${basename(path)}, is damaged or truncated (header says ${xdecl} bytes, the file has ${sz}).`, hint: 'Copy the complete shapefile again, or rebuild the index: ogr2ogr out.shp in.shp', file: shx });
    shxShapes = (xdecl - 100) / 8;
  }
  let dbfRecords: number | null = null;
  if (dbf) {
    const sz = statSync(dbf).size;
    const dh = head(dbf, 32);
    const count = dh.readUInt32LE(4);
    const headerLen = dh.readUInt16LE(8);
    const recordLen = dh.readUInt16LE(10);
    if (sz < 32 || headerLen < 33 || recordLen < 1 || headerLen + count * recordLen > sz)
      throw new ScarpError({
        code: 'CORRUPT_FILE',
        message: `${dbf}, the attribute table of ${basename(path)}, is damaged or truncated (${count} records of ${recordLen} bytes declared, the file has ${sz} bytes).`,
        hint: 'Copy the complete shapefile (.shp, .shx, .dbf, .prj) again.',
        file: dbf,
        params: { records: count, recordBytes: recordLen, size: sz },
      });
    dbfRecords = count;
  }
  return { shxShapes, dbfRecords };
}

async function readShapefile(path: string, opts: ReadPolygonsOptions): Promise<{ crs: CrsInfo; features: PolygonFeature[]; warnings: string[] }> {
  const base = path.slice(0, -extname(path).length);
  const find = (ext: string): string | undefined => [`${base}.${ext}`, `${base}.${ext.toUpperCase()}`].find((p) => existsSync(p));
  const prj = find('prj');
  let crs: CrsInfo;
  if (opts.sourceCrs) crs = opts.sourceCrs;
  else if (!prj) {
    throw new ScarpError({
      code: 'UNKNOWN_CRS',
      message: `The coordinate reference system of ${path} cannot be used: the shapefile has no .prj file`,
      hint: opts.crsOption ? "Give the shapefile's coordinate system (its EPSG code), or add its .prj file." : 'Add its .prj file, or save the layer with a CRS from GIS software.',
      file: path,
      options: opts.crsOption ? ['crs'] : undefined,
    });
  } else crs = crsFromWkt(readFileSync(prj, 'utf8'), path, LAYER_CRS_HINT);
  const dbf = find('dbf');
  const shx = find('shx');
  const cpg = find('cpg');
  const warnings: string[] = [];
  if (!dbf) warnings.push(`${basename(path)} has no .dbf: its shapes are imported without attributes.`);
  const declared = shapefileDeclared(path, shx, dbf);
  const encoding = cpg ? readFileSync(cpg, 'utf8').trim().toLowerCase().replace(/^utf-?8$/, 'utf-8') : 'utf-8';
  const features: PolygonFeature[] = [];
  let shapes = 0;
  try {
    const shapefile = await import('shapefile');
    const src = await shapefile.open(path, dbf, { encoding });
    for (;;) {
      const r = await src.read();
      if (r.done) break;
      shapes++;
      const mp: FlatMultiPolygon = [];
      geojsonPolygons(r.value.geometry as GeoJsonGeometry, mp);
      if (mp.length > 0) features.push({ geometry: mp, properties: cleanProps(r.value.properties) });
    }
  } catch (err) {
    throw corrupt(path, 'a Shapefile', err);
  }
  // What was read must be what the parts declare: nothing dropped without a word.
  for (const [n, part] of [[declared.shxShapes, shx], [declared.dbfRecords, dbf]] as const) {
    if (n !== null && n !== shapes)
      throw new ScarpError({
        code: 'CORRUPT_FILE',
        message: `${path} holds ${shapes} readable shapes but ${part} declares ${n}: the shapefile is damaged.`,
        hint: 'Copy the complete shapefile again, or repair it: ogr2ogr -skipfailures out.shp in.shp',
        file: path,
        params: { shapes, declared: n },
      });
  }
  return { crs, features, warnings };
}

// ---- entry point ----------------------------------------------------------------------------

/** Largest polygon files read: text formats are held whole in memory (and parsed), binary ones are not. */
export const MAX_TEXT_VECTOR_BYTES = 256 * 2 ** 20;
export const MAX_VECTOR_BYTES = 2 * 2 ** 30;

/** Read the polygons of a GeoJSON, GeoPackage or Shapefile, optionally reprojected to `opts.crs`. */
export async function readPolygons(path: string, opts: ReadPolygonsOptions = {}): Promise<PolygonLayer> {
  const ext = extname(path).toLowerCase();
  checkInputFileSync(path, { what: 'polygon file', maxBytes: ext === '.gpkg' || ext === '.shp' ? MAX_VECTOR_BYTES : MAX_TEXT_VECTOR_BYTES });
  let res: { crs: CrsInfo; features: PolygonFeature[]; layer?: string; warnings?: string[] };
  if (ext === '.geojson' || ext === '.json') res = readGeoJson(path, opts);
  else if (ext === '.gpkg') res = readGeoPackage(path, opts.layer);
  else if (ext === '.shp') res = await readShapefile(path, opts);
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
  return { path, layer, crs, sourceCrs, features, warnings: res.warnings ?? [] };
}
