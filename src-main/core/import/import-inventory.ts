/**
 * Import an existing inventory (Shapefile, GeoPackage, GeoJSON, KML/KMZ) as landslide features:
 * reprojected to the target CRS, Z dropped (readers keep x/y only), fields that match a `landslides`
 * column (by name, or by the Shapefile alias table) mapped with their types checked, every other
 * field kept in `attrs` (JSON), each feature marked with its source file (and layer).
 * Area and perimeter are measured again in the target CRS (the source's own values stay in attrs).
 *
 * Identity and provenance of a file Scarp exported: its `uuid` is kept (the project then updates
 * the landslide of that uuid rather than adding a copy), its `attrs` (the JSON of an earlier
 * import's fields) are unpacked into this import's attrs, never nested, and its `source` is kept.
 * Invalid geometries (crossing or touching rings, spikes) are repaired (makeValid) and counted.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { kml as kmlToGeoJson } from '@tmcw/togeojson';
import JSZip from 'jszip';
import type { CrsInfo } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { createTransformer, crsFromName, WGS84, type Transformer } from '../geo';
import { fromPolygonCoords, mapCoords, orientMultiPolygon, type FlatMultiPolygon } from '../vector/geometry';
import { areaM2, perimeterM } from '../vector/measure';
import { readPolygons, type PolygonFeature } from '../vector/readers';
import { ringsAreClean } from '../vector/validity';
import { makeValid } from '../edit/polygon-ops';
import { checkInputFileSync } from '../util/input-file';
import { LANDSLIDE_COLUMNS, LANDSLIDE_STATUSES, LANDSLIDE_TYPES, SHAPEFILE_FIELDS, importedAttrKey, type AttrValue, type LandslideRecord } from '../store/landslides-schema';

export interface ImportedFeature {
  geometry: FlatMultiPolygon;
  /** Mapped landslides attributes (area/perimeter measured in the target CRS). */
  properties: Partial<LandslideRecord> & Pick<LandslideRecord, 'area_m2' | 'perimeter_m'>;
  source: string;
  attrs: Record<string, AttrValue>;
  /** The file's uuid for this feature (a Scarp export's): the identity the import keeps. */
  uuid: string | null;
}

export interface ImportResult {
  path: string;
  layer: string;
  sourceCrs: CrsInfo;
  crs: CrsInfo;
  features: ImportedFeature[];
  /** Field → where it went ('landslides.<col>' or 'attrs'). */
  mapping: Record<string, string>;
  warnings: string[];
  /** Features whose geometry was invalid and was repaired. */
  repaired: number;
}

/**
 * Every vertex maps to a finite WGS 84 position on the Earth: a corrupted coordinate (a flipped
 * exponent byte gives 9e24 m) is refused here rather than reaching the polygon operations.
 */
function onEarth(g: FlatMultiPolygon, toWgs84: Transformer): boolean {
  for (const p of g)
    for (const r of p)
      for (let k = 0; k + 1 < r.length; k += 2) {
        const [lon, lat] = toWgs84.forward(r[k] as number, r[k + 1] as number);
        if (!(Math.abs(lon) <= 180.5 && Math.abs(lat) <= 90.5)) return false;
      }
  return true;
}

/** The JSON object of an `attrs` field written by Scarp, or null when the value is not one. */
function unpackAttrs(v: unknown): Record<string, AttrValue> | null {
  if (typeof v !== 'string' || !v.startsWith('{')) return null;
  let o: unknown;
  try {
    o = JSON.parse(v);
  } catch {
    return null;
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return null;
  const out: Record<string, AttrValue> = {};
  for (const [k, x] of Object.entries(o as Record<string, unknown>)) out[k] = x === null || typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? x : JSON.stringify(x);
  return out;
}

export const IMPORT_EXTENSIONS = ['.shp', '.gpkg', '.geojson', '.json', '.kml', '.kmz'] as const;

const NUMERIC = new Set(LANDSLIDE_COLUMNS.filter((c) => c.sql.startsWith('REAL')).map((c) => c.name as string));
const COLUMN_NAMES = new Set(LANDSLIDE_COLUMNS.map((c) => c.name as string));
/** Columns recomputed or owned by the project (provenance: set by the import itself): never taken from the file. */
const SKIP = new Set(['area_m2', 'perimeter_m', 'fid', 'uuid', 'scene', 'run', 'source', 'attrs']);

function aliasTarget(name: string): string | null {
  const lower = name.toLowerCase();
  if (COLUMN_NAMES.has(lower)) return lower;
  const a = SHAPEFILE_FIELDS.find((f) => f.name.toLowerCase() === lower);
  return a && !a.part ? a.from : null;
}

/** Largest KML document read (a KMZ's is inflated no further than this). */
export const MAX_KML_BYTES = 256 * 2 ** 20;

function kmlError(path: string, what: string, cause?: unknown): ScarpError {
  return new ScarpError(
    { code: 'CORRUPT_FILE', message: `${path} cannot be read as KML: ${what}${cause instanceof Error ? ` (${cause.message.split('\n')[0]})` : ''}.`, hint: 'Check that the file is complete; re-export it from Google Earth or GIS software.', file: path },
    { cause },
  );
}

/**
 * The .kml document of a KMZ, inflated by chunks and stopped at MAX_KML_BYTES (a zip bomb never fills
 * memory). When the main document only links to a layer file inside the archive (a <NetworkLink> to
 * layers/<name>.kml: how GDAL and Scarp write a KMZ), that layer file.
 */
async function kmzDocument(path: string): Promise<string> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(readFileSync(path));
  } catch (e) {
    throw kmlError(path, 'it is not a readable KMZ (zip) archive', e);
  }
  const entry = Object.values(zip.files).find((f) => !f.dir && f.name.toLowerCase().endsWith('.kml'));
  if (!entry) throw new ScarpError({ code: 'CORRUPT_FILE', message: `${path} holds no .kml document.`, file: path, hint: 'A KMZ is a zip with a doc.kml inside; re-export it.' });
  const main = await inflateKml(path, entry);
  if (main.includes('<Placemark')) return main;
  for (const m of main.matchAll(/<NetworkLink[\s\S]*?<href>\s*([^<\s]+)\s*<\/href>/g)) {
    const linked = zip.file(m[1]!.replace(/^\.\//, ''));
    if (linked && linked.name.toLowerCase().endsWith('.kml')) return inflateKml(path, linked);
  }
  return main;
}

async function inflateKml(path: string, entry: JSZip.JSZipObject): Promise<string> {
  const tooLarge = (): ScarpError =>
    new ScarpError({ code: 'TOO_LARGE', message: `${path}: its KML document inflates to more than ${MAX_KML_BYTES / 2 ** 20} MiB.`, file: path, hint: 'Split the layer into smaller files.', params: { maxBytes: MAX_KML_BYTES } });
  const chunks: Buffer[] = [];
  let total = 0;
  await new Promise<void>((resolveDone, reject) => {
    const stream = entry.nodeStream('nodebuffer');
    let stopped = false;
    stream
      .on('data', (d: Buffer) => {
        if (stopped) return;
        total += d.length;
        if (total > MAX_KML_BYTES) {
          stopped = true;
          stream.pause();
          reject(tooLarge());
          return;
        }
        chunks.push(d);
      })
      .on('error', (e: Error) => reject(kmlError(path, 'its KML document cannot be inflated', e)))
      .on('end', () => resolveDone());
  });
  return Buffer.concat(chunks).toString('utf8');
}

/** Field value `v` as landslides column `col`, or undefined when it does not fit the column. */
function columnValue(col: string, v: AttrValue): string | number | undefined {
  if (NUMERIC.has(col)) {
    const n = typeof v === 'number' ? v : Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  if (col === 'status') return (LANDSLIDE_STATUSES as readonly string[]).includes(String(v)) ? String(v) : undefined;
  if (col === 'type') {
    const t = String(v).toLowerCase();
    return (LANDSLIDE_TYPES as readonly string[]).includes(t) ? t : undefined;
  }
  if (col === 'created_at' || col === 'updated_at') {
    const d = new Date(String(v));
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  return String(v);
}

async function readKml(path: string): Promise<PolygonFeature[]> {
  const text = extname(path).toLowerCase() === '.kmz' ? await kmzDocument(path) : readFileSync(path, 'utf8');
  if (/<!ENTITY/i.test(text)) throw kmlError(path, 'it declares XML entities (not used by KML; refused so they cannot expand)');
  let fc: ReturnType<typeof kmlToGeoJson>;
  try {
    const doc = new DOMParser({ onError: (level: string, msg: string) => { if (level === 'fatalError') throw new Error(msg); } }).parseFromString(text, 'text/xml');
    fc = kmlToGeoJson(doc as unknown as Document);
  } catch (e) {
    throw kmlError(path, 'it is not well-formed', e);
  }
  const out: PolygonFeature[] = [];
  const add = (g: { type: string; coordinates?: unknown; geometries?: unknown[] } | null, mp: FlatMultiPolygon): void => {
    if (!g) return;
    if (g.type === 'Polygon') mp.push(fromPolygonCoords(g.coordinates as number[][][]));
    else if (g.type === 'MultiPolygon') for (const p of g.coordinates as number[][][][]) mp.push(fromPolygonCoords(p));
    else if (g.type === 'GeometryCollection') for (const s of (g.geometries ?? []) as Array<typeof g>) add(s, mp);
  };
  for (const f of fc.features) {
    const mp: FlatMultiPolygon = [];
    add(f.geometry as never, mp);
    if (mp.length === 0) continue;
    const props: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(f.properties ?? {})) {
      if (k === 'styleUrl' || k === 'styleHash' || k === 'styleMapHash' || k.startsWith('fill') || k.startsWith('stroke') || k === 'visibility' || k === 'tessellate') continue;
      props[k] = v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v);
    }
    out.push({ geometry: orientMultiPolygon(mp, true), properties: props });
  }
  return out;
}

/** Read an inventory file and map it to landslide features in `target` (default: the file's CRS). */
export async function readInventoryFile(path: string, target?: CrsInfo, opts: { layer?: string; crs?: string } = {}): Promise<ImportResult> {
  const ext = extname(path).toLowerCase();
  if (!(IMPORT_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new ScarpError({ code: 'UNSUPPORTED_FORMAT', message: `${path}: import reads ${IMPORT_EXTENSIONS.join(', ')}, not "${ext || 'no extension'}"`, file: path });
  }
  let layer: string;
  let sourceCrs: CrsInfo;
  let raw: PolygonFeature[];
  const readWarnings: string[] = [];
  if (ext === '.kml' || ext === '.kmz') {
    checkInputFileSync(path, { what: 'inventory file', maxBytes: MAX_KML_BYTES });
    raw = await readKml(path);
    sourceCrs = WGS84;
    layer = basename(path).replace(/\.[^.]+$/, '');
  } else {
    const l = await readPolygons(path, { layer: opts.layer, sourceCrs: opts.crs ? crsFromName(opts.crs, path) : undefined, crsOption: true });
    raw = l.features;
    sourceCrs = l.sourceCrs;
    layer = l.layer;
    readWarnings.push(...l.warnings);
  }
  const crs = target ?? sourceCrs;
  const tx = createTransformer(sourceCrs, crs);
  const toWgs84 = createTransformer(sourceCrs, WGS84);
  const source = ext === '.gpkg' ? `${basename(path)}:${layer}` : basename(path);
  const mapping: Record<string, string> = {};
  const warnings = new Set<string>(readWarnings);
  const features: ImportedFeature[] = [];
  const seenUuids = new Set<string>();
  let repaired = 0;
  raw.forEach((f, index) => {
    let geometry = tx.identity ? f.geometry : orientMultiPolygon(mapCoords(f.geometry, tx.forward), true);
    if (!onEarth(f.geometry, toWgs84) || !geometry.every((p) => p.every((r) => r.every((v) => Number.isFinite(v))))) {
      throw new ScarpError({
        code: 'CORRUPT_FILE',
        message: `Feature ${index + 1} of ${path} has coordinates that are not numbers on the Earth in ${sourceCrs.name}.`,
        hint: 'Check the coordinates (and the coordinate system) of that feature in GIS software.',
        file: path,
        params: { feature: index + 1 },
      });
    }
    if (!ringsAreClean(geometry)) {
      geometry = makeValid(geometry);
      repaired++;
      if (geometry.length === 0) {
        warnings.add(`Feature ${index + 1} has no area once its geometry is repaired; it was not imported.`);
        return;
      }
    }
    const properties: ImportedFeature['properties'] = { area_m2: areaM2(geometry, crs), perimeter_m: perimeterM(geometry, crs) };
    const attrs: Record<string, AttrValue> = {};
    const p = properties as Record<string, unknown>;
    const dateParts: Record<string, { date?: string; time?: string }> = {};
    let uuid: string | null = null;
    let fileSource: string | null = null;
    let nested: Record<string, AttrValue> | null = null;
    /** Fields of columns the project owns (fid, area, perimeter, scene, run). */
    const owned: string[] = [];
    for (const [k, v] of Object.entries(f.properties)) {
      if (v === null || v === undefined || v === '') continue;
      const lower = k.toLowerCase();
      // Scarp's own provenance fields (exact names, as Scarp writes them).
      if (lower === 'uuid' && String(v).trim()) {
        uuid = String(v).trim();
        mapping[k] = 'landslides.uuid';
        continue;
      }
      if (k === 'attrs' && (nested = unpackAttrs(v)) !== null) {
        mapping[k] = 'attrs';
        continue;
      }
      if (k === 'source') {
        fileSource = String(v);
        continue;
      }
      const part = SHAPEFILE_FIELDS.find((s) => s.part && s.name === lower);
      if (part) {
        (dateParts[part.from] ??= {})[part.part!] = String(v);
        mapping[k] = `landslides.${part.from}`;
        continue;
      }
      const col = aliasTarget(k);
      const value = col && !SKIP.has(col) ? columnValue(col, v) : undefined;
      const ok = value !== undefined;
      if (ok) p[col!] = value;
      if (ok) mapping[k] = `landslides.${col}`;
      else {
        if (col && SKIP.has(col)) owned.push(k);
        attrs[importedAttrKey(k)] = v;
        mapping[k] ??= 'attrs';
        if (col && !SKIP.has(col)) warnings.add(`Field "${k}": some values do not fit landslides.${col} and were kept in attrs.`);
      }
    }
    for (const [col, dt] of Object.entries(dateParts)) {
      if (!dt.date) continue;
      const d = new Date(`${dt.date.replace(/\//g, '-').slice(0, 10)}T${dt.time ?? '00:00:00.000Z'}`);
      if (!Number.isNaN(d.getTime())) p[col] = d.toISOString();
    }
    // A Scarp export's own columns (fid, area, perimeter, scene, run) belong to the project that wrote
    // it: measured again or set here, not kept as fields of the file.
    if (uuid !== null) for (const k of owned) delete attrs[k];
    // An earlier import's fields (a Scarp export's attrs) come back as fields of their own.
    for (const [k, v] of Object.entries(nested ?? {})) if (!(k in attrs)) attrs[k] = v;
    if (uuid !== null && seenUuids.has(uuid)) {
      warnings.add(`uuid ${uuid} appears more than once in the file; its repeats get new uuids.`);
      uuid = null;
    }
    if (uuid !== null) seenUuids.add(uuid);
    // A `source` beside a uuid is Scarp's provenance (kept); otherwise it is one of the file's fields.
    if (fileSource !== null) {
      if (uuid !== null) mapping.source = 'landslides.source';
      else {
        attrs.source = fileSource;
        mapping.source = 'attrs';
      }
    }
    features.push({ geometry, properties, source: uuid !== null && fileSource !== null ? fileSource : source, attrs, uuid });
  });
  return { path, layer, sourceCrs, crs, features, mapping, warnings: [...warnings], repaired };
}
