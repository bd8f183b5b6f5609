/**
 * ESRI Shapefile export: .shp/.shx through shp-writer.ts (linear; rings oriented here: shells
 * clockwise, holes counter-clockwise, as the format wants), .dbf through dbffile (UTF-8, Date and
 * numeric fields), .prj in ESRI WKT, .cpg "UTF-8", and a .qml style. As a folder or a .zip.
 *
 * Geometry writer: our own (shp-writer.ts) rather than @mapbox/shp-write, whose .shp/.shx writer is
 * quadratic in the feature count (59 s against 0.12 s for 20,000 polygons, bench/export-shapefile);
 * the bytes are identical on every shape kind we write.
 *
 * Field names: the landslides columns by the fixed alias table SHAPEFILE_FIELDS (store/landslides-schema.ts,
 * shared with import), never by truncation; timestamps become a Date field plus a text field with the
 * UTC time. Imported fields (export/fields.ts) keep their names when they fit DBF's 10 ASCII
 * characters, else are shortened and made unique (the mapping is in the result and the sidecar);
 * integers and reals are N fields, booleans L, dates D, date-times ISO text. Text fields are as wide as
 * their longest value and at least as wide as the column needs to be edited (TEXT_WIDTHS: a note
 * typed in QGIS later has 254 bytes), at most 254 bytes: longer text is cut at a UTF-8 character
 * boundary, with a warning.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { FieldDescriptor } from 'dbffile';
import type { CrsInfo } from '../../../src-shared/geo';
import { orientMultiPolygon } from '../vector/geometry';
import { landslideQml } from '../store/project/qgis-style';
import type { ValueKind } from '../../../src-shared/vocabulary';
import { SHAPEFILE_FIELDS, SHAPEFILE_PROVENANCE_FIELDS, type AttrValue, type ShapefileField } from '../store/landslides-schema';
import type { InventoryFeature } from './inventory';
import { attrsOf, fieldValue, type ExportField } from './fields';
import { toEsriWkt } from '../geo';
import { writeShpShx } from './shp-writer';

export const DBF_TEXT_MAX_BYTES = 254;

/**
 * Width of the landslides text fields whatever the current values: room for what the column may hold
 * when edited in a GIS (a uuid, the longest status or type, a name, a note). Imported text fields get
 * at least IMPORTED_TEXT_MIN_WIDTH.
 */
export const TEXT_WIDTHS: Record<string, number> = {
  uuid: 36,
  scene: 36,
  run: 36,
  type: 16,
  status: 16,
  mapper: 80,
  created_t: 13,
  updated_t: 13,
  notes: 254,
  source: 254,
};
export const IMPORTED_TEXT_MIN_WIDTH = 80;

/** An imported field's DBF name: ASCII letters, digits and _, at most 10, unique (case-insensitively) among `taken`. */
export function dbfName(name: string, taken: Set<string>): string {
  let base = name.normalize('NFKD').replace(/[^A-Za-z0-9_]/g, '_').slice(0, 10) || 'field';
  if (/^[0-9]/.test(base)) base = `f${base}`.slice(0, 10);
  let out = base;
  for (let i = 1; taken.has(out.toLowerCase()); i++) {
    const suffix = `_${i}`;
    out = `${base.slice(0, 10 - suffix.length)}${suffix}`;
  }
  taken.add(out.toLowerCase());
  return out;
}

/** One DBF field and how a feature's value is read for it. */
interface DbfColumn {
  name: string;
  type: 'C' | 'N' | 'D' | 'L';
  size?: number;
  decimals?: number;
  /** Where it comes from (for the name mapping): a landslides column or an imported field. */
  from: string;
  imported: boolean;
  value: (f: InventoryFeature, attrs: Record<string, AttrValue>) => string | number | boolean | Date | null;
}

/** N(20, d) with d as large as the biggest value leaves room for (at most 10). */
function realDecimals(values: Iterable<AttrValue>): number {
  let max = 0;
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  const intDigits = max < 1 ? 1 : Math.floor(Math.log10(max)) + 1;
  return Math.max(0, Math.min(10, 20 - 2 - intDigits));
}

/** Cut a string to at most `max` UTF-8 bytes without splitting a character. */
export function cutUtf8(s: string, max: number): { text: string; cut: boolean } {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= max) return { text: s, cut: false };
  let end = max;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--; // back to a lead byte
  return { text: b.subarray(0, end).toString('utf8'), cut: true };
}

function cellValue(f: ShapefileField, v: unknown): string | number | Date | null {
  if (v === null || v === undefined) return null;
  if (f.part) {
    const d = new Date(String(v));
    if (Number.isNaN(d.getTime())) return f.part === 'time' ? null : null;
    return f.part === 'date' ? d : d.toISOString().slice(11);
  }
  if (f.type === 'N') {
    const n = typeof v === 'number' ? v : Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return typeof v === 'string' ? v : String(v);
}

export interface ShapefileParts {
  shp: string;
  shx: string;
  dbf: string;
  /** null: written by the caller (a shared sidecar beside a .shp file). */
  prj: string | null;
  cpg: string;
  /** null: the style is not written here (an identical or the user's own .qml is already beside it). */
  qml: string | null;
}

export interface ShapefileWriteResult {
  count: number;
  warnings: string[];
  /** DBF field name → the landslides column or imported field it holds. */
  names: Record<string, string>;
}

/** The DBF columns of an export: the alias table for the landslides columns, then the imported fields. */
function dbfColumns(features: readonly InventoryFeature[], fields: readonly ExportField[]): DbfColumn[] {
  const withSource = fields.some((f) => 'column' in f.from && f.from.column === 'source');
  const defs: ShapefileField[] = [...SHAPEFILE_FIELDS, ...(withSource ? SHAPEFILE_PROVENANCE_FIELDS.filter((d) => d.from === 'source') : [])];
  const cols: DbfColumn[] = defs.map((d) => {
    const field = fields.find((f) => 'column' in f.from && f.from.column === d.from);
    return { name: d.name, type: d.type, size: d.size, decimals: d.decimals, from: d.from, imported: false, value: (f) => cellValue(d, field ? fieldValue(f, field) : null) };
  });
  const taken = new Set(cols.map((c) => c.name.toLowerCase()));
  for (const field of fields) {
    if (!('attr' in field.from)) continue;
    const key = field.from.attr;
    const name = dbfName(field.name, taken);
    const value = (f: InventoryFeature, attrs: Record<string, AttrValue>): string | number | boolean | Date | null => {
      const v = fieldValue(f, field, attrs);
      if (v === null) return null;
      if (field.kind === 'date') return new Date(`${String(v)}T00:00:00Z`);
      return v;
    };
    switch (field.kind) {
      case 'integer':
        cols.push({ name, type: 'N', size: 18, decimals: 0, from: key, imported: true, value });
        break;
      case 'real':
        cols.push({ name, type: 'N', size: 20, decimals: realDecimals(features.map((f) => attrsOf(f)[key] ?? null)), from: key, imported: true, value });
        break;
      case 'boolean':
        cols.push({ name, type: 'L', size: 1, from: key, imported: true, value });
        break;
      case 'date':
        cols.push({ name, type: 'D', size: 8, from: key, imported: true, value });
        break;
      default:
        cols.push({ name, type: 'C', from: key, imported: true, value });
    }
  }
  return cols;
}

/** Write the six files of one shapefile (paths given) for features already in `crs`. */
export async function writeShapefileParts(paths: ShapefileParts, features: readonly InventoryFeature[], fields: readonly ExportField[], crs: CrsInfo, values: ValueKind = 'probability'): Promise<ShapefileWriteResult> {
  const warnings: string[] = [];
  // Geometry: shells clockwise, holes counter-clockwise.
  const { shp, shx } = writeShpShx(features.map((f) => orientMultiPolygon(f.geometry, false)));
  writeFileSync(paths.shp, shp);
  writeFileSync(paths.shx, shx);

  // Attributes.
  const defs = dbfColumns(features, fields);
  const cells = features.map((f) => {
    const attrs = attrsOf(f);
    return defs.map((d) => {
      const v = d.value(f, attrs);
      return d.type === 'C' && v !== null && typeof v !== 'string' ? String(v) : v;
    });
  });
  const cutCount = new Map<string, number>();
  const descriptors: FieldDescriptor[] = defs.map((d, j) => {
    if (d.type === 'D') return { name: d.name, type: 'D', size: 8 };
    if (d.type === 'L') return { name: d.name, type: 'L', size: 1 };
    if (d.type === 'N') return { name: d.name, type: 'N', size: d.size ?? 18, decimalPlaces: d.decimals ?? 0 };
    let width = TEXT_WIDTHS[d.name] ?? (d.imported ? IMPORTED_TEXT_MIN_WIDTH : 1);
    for (const row of cells) {
      const v = row[j];
      if (typeof v !== 'string') continue;
      const c = cutUtf8(v, DBF_TEXT_MAX_BYTES);
      if (c.cut) {
        row[j] = c.text;
        cutCount.set(d.name, (cutCount.get(d.name) ?? 0) + 1);
      }
      width = Math.max(width, Buffer.byteLength(c.text, 'utf8'));
    }
    return { name: d.name, type: 'C', size: width };
  });
  for (const [name, n] of cutCount) {
    warnings.push(`Shapefile field "${name}": ${n} value(s) longer than ${DBF_TEXT_MAX_BYTES} bytes were cut (at a UTF-8 character boundary); the GeoPackage and GeoJSON exports keep the full text.`);
  }
  const { DBFFile } = await import('dbffile');
  const dbf = await DBFFile.create(paths.dbf, descriptors, { encoding: 'utf-8' });
  const batch: Array<Record<string, unknown>> = [];
  const flush = async (): Promise<void> => {
    if (batch.length) await dbf.appendRecords(batch.splice(0));
  };
  for (const row of cells) {
    const rec: Record<string, unknown> = {};
    defs.forEach((d, j) => {
      const v = row[j];
      rec[d.name] = d.type === 'N' && typeof v === 'number' ? Number(v.toFixed(d.decimals ?? 0)) : v;
    });
    batch.push(rec);
    if (batch.length >= 1000) await flush();
  }
  await flush();

  if (paths.prj) writeFileSync(paths.prj, toEsriWkt(crs.wkt));
  writeFileSync(paths.cpg, 'UTF-8');
  if (paths.qml) writeFileSync(paths.qml, landslideQml(values));
  return { count: features.length, warnings, names: Object.fromEntries(defs.map((d) => [d.name, d.from])) };
}

/** Read back the bytes of written parts (for zipping). */
export function readParts(paths: ShapefileParts): Partial<Record<keyof ShapefileParts, Buffer>> {
  const out: Partial<Record<keyof ShapefileParts, Buffer>> = {};
  for (const [k, p] of Object.entries(paths) as Array<[keyof ShapefileParts, string | null]>) if (p) out[k] = readFileSync(p);
  return out;
}
