/**
 * The typed fields of an inventory export, defined once for every tabular format (GeoPackage,
 * Shapefile, GeoJSON, CSV, KML): the landslides columns with their types, then the imported fields
 * kept in `attrs` inside the project, as columns of their own — the union of the keys over the
 * exported features, each typed from its values (integer, real, boolean, date, date-time, else text).
 * Never a JSON string. An imported key that meets a landslides column (case-insensitively) is written
 * as `src_<key>` (import reads it back as `<key>`: importedAttrKey).
 *
 * Each format then maps these to its own types and names (docs/export-fields.md): DBF's 10-character
 * names, the .csvt of GDAL's CSV driver, KML's <Schema>.
 */
import type { ExportFieldKind } from '../../../src-shared/api';
import { IMPORTED_NAME_PREFIX, type AttrValue } from '../store/landslides-schema';
import type { InventoryFeature } from './inventory';
import { provenanceOf } from './inventory';

export type FieldKind = ExportFieldKind;

export interface ExportField {
  /** Name in GeoPackage, GeoJSON, CSV and KML (a Shapefile may shorten it). */
  name: string;
  kind: FieldKind;
  /** A landslides column (or fid), or a key of the imported fields. */
  from: { column: string } | { attr: string };
}

/** The landslides columns as exported, in order (`attrs` is unpacked into fields, never written). */
export const BASE_FIELDS: readonly ExportField[] = (
  [
    ['fid', 'integer'],
    ['uuid', 'string'],
    ['scene', 'string'],
    ['run', 'string'],
    ['area_m2', 'real'],
    ['perimeter_m', 'real'],
    ['prob_mean', 'real'],
    ['prob_max', 'real'],
    ['slope_mean', 'real'],
    ['elev_min', 'real'],
    ['elev_max', 'real'],
    ['aspect_mean', 'real'],
    ['dem_coverage', 'real'],
    ['type', 'string'],
    ['status', 'string'],
    ['confidence', 'real'],
    ['mapper', 'string'],
    ['created_at', 'datetime'],
    ['updated_at', 'datetime'],
    ['notes', 'string'],
  ] as const
).map(([name, kind]) => ({ name, kind, from: { column: name } }));

/** The import provenance column (the file a landslide came from), written when any feature has one. */
export const SOURCE_FIELD: ExportField = { name: 'source', kind: 'string', from: { column: 'source' } };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** The kind that holds every value given (nulls ignored; none at all: string). */
export function inferKind(values: Iterable<AttrValue>): FieldKind {
  let kind: FieldKind | null = null;
  const widen = (k: FieldKind): FieldKind => {
    if (kind === null || kind === k) return k;
    if ((kind === 'integer' && k === 'real') || (kind === 'real' && k === 'integer')) return 'real';
    if ((kind === 'date' && k === 'datetime') || (kind === 'datetime' && k === 'date')) return 'datetime';
    return 'string';
  };
  for (const v of values) {
    if (v === null) continue;
    let k: FieldKind;
    if (typeof v === 'number') k = Number.isSafeInteger(v) ? 'integer' : 'real';
    else if (typeof v === 'boolean') k = 'boolean';
    else if (DATE.test(v) && !Number.isNaN(Date.parse(v))) k = 'date';
    else if (DATETIME.test(v) && !Number.isNaN(Date.parse(v))) k = 'datetime';
    else k = 'string';
    kind = widen(k);
    if (kind === 'string') return kind;
  }
  return kind ?? 'string';
}

/** The imported fields of a feature (the project's attrs JSON, or an importer's overrides). */
export function attrsOf(f: InventoryFeature): Record<string, AttrValue> {
  if (f.attrs !== undefined) return f.attrs ?? {};
  const text = f.record.attrs;
  if (!text) return {};
  try {
    const o = JSON.parse(text) as unknown;
    return o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, AttrValue>) : {};
  } catch {
    return {};
  }
}

/** The fields of an export of these features: the landslides columns, source when any has one, then the imported keys. */
export function exportFields(features: readonly InventoryFeature[]): ExportField[] {
  const fields: ExportField[] = [...BASE_FIELDS];
  if (features.some((f) => provenanceOf(f).source !== null)) fields.push(SOURCE_FIELD);
  const values = new Map<string, AttrValue[]>();
  for (const f of features) {
    for (const [k, v] of Object.entries(attrsOf(f))) {
      let vs = values.get(k);
      if (!vs) values.set(k, (vs = []));
      vs.push(v);
    }
  }
  const taken = new Set(fields.map((f) => f.name.toLowerCase()));
  for (const [key, vs] of values) {
    let name = taken.has(key.toLowerCase()) ? `${IMPORTED_NAME_PREFIX}${key}` : key;
    for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${IMPORTED_NAME_PREFIX}${key}_${i}`;
    taken.add(name.toLowerCase());
    fields.push({ name, kind: inferKind(vs), from: { attr: key } });
  }
  return fields;
}

/**
 * A feature's value of a field, typed: numbers as numbers, booleans as booleans, dates and times as
 * ISO 8601 text (each format writes them as its date type), text as text; null when absent.
 */
export function fieldValue(f: InventoryFeature, field: ExportField, attrs?: Record<string, AttrValue>): AttrValue {
  let v: AttrValue | undefined;
  if ('column' in field.from) {
    const col = field.from.column;
    v = col === 'fid' ? f.fid : col === 'source' ? provenanceOf(f).source : ((f.record as unknown as Record<string, AttrValue>)[col] ?? null);
  } else {
    v = (attrs ?? attrsOf(f))[field.from.attr];
  }
  if (v === undefined || v === null) return null;
  switch (field.kind) {
    case 'integer':
    case 'real': {
      const n = typeof v === 'number' ? v : Number(v);
      return Number.isFinite(n) ? n : null;
    }
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'string':
      return typeof v === 'string' ? v : String(v);
    default:
      return String(v);
  }
}

/** A feature's values of all fields, by field name. */
export function fieldRow(f: InventoryFeature, fields: readonly ExportField[]): Record<string, AttrValue> {
  const attrs = attrsOf(f);
  const row: Record<string, AttrValue> = {};
  for (const fld of fields) row[fld.name] = fieldValue(f, fld, attrs);
  return row;
}
