/**
 * The inventory feature table `landslides` (issue 4's field names): what detection writes and what
 * the project store extends. MultiPolygon in the project/scene CRS. Also the columns' DBF aliases, which
 * export writes and import recognises.
 */
import type { FeatureTableDef } from './geopackage-schema';
import { LandslideStatus, LandslideType, type LandslideProperties } from '../../../src-shared/api';

export const LANDSLIDES_TABLE = 'landslides';
export const LANDSLIDES_GEOMETRY_COLUMN = 'geom';

export const LANDSLIDE_TYPES = LandslideType.options;
export const LANDSLIDE_STATUSES = LandslideStatus.options;
export type { LandslideType, LandslideStatus };

/**
 * Attribute values of one inventory feature (everything but fid and geometry): the API's
 * LandslideProperties with the provenance columns always present (null for Scarp's own features).
 */
export type LandslideRecord = Omit<LandslideProperties, 'source' | 'attrs'> & { source: string | null; attrs: string | null };

/** Column order and SQL types of the landslides table (after fid and geom). */
export const LANDSLIDE_COLUMNS: ReadonlyArray<{ name: keyof LandslideRecord; sql: string }> = [
  // Nullable so that another program (QGIS, ogr2ogr, ArcGIS) can add a feature without one: the
  // trigger of landslidesUuidTriggerSql gives it a uuid in the same statement.
  { name: 'uuid', sql: 'TEXT UNIQUE' },
  { name: 'scene', sql: 'TEXT' },
  { name: 'run', sql: 'TEXT' },
  { name: 'area_m2', sql: 'REAL' },
  { name: 'perimeter_m', sql: 'REAL' },
  { name: 'prob_mean', sql: 'REAL' },
  { name: 'prob_max', sql: 'REAL' },
  { name: 'slope_mean', sql: 'REAL' },
  { name: 'elev_min', sql: 'REAL' },
  { name: 'elev_max', sql: 'REAL' },
  { name: 'aspect_mean', sql: 'REAL' },
  { name: 'dem_coverage', sql: 'REAL' },
  { name: 'type', sql: "TEXT NOT NULL DEFAULT 'unknown'" },
  { name: 'status', sql: "TEXT NOT NULL DEFAULT 'predicted'" },
  { name: 'confidence', sql: 'REAL' },
  { name: 'mapper', sql: 'TEXT' },
  { name: 'created_at', sql: 'DATETIME' },
  { name: 'updated_at', sql: 'DATETIME' },
  { name: 'notes', sql: 'TEXT' },
  { name: 'source', sql: 'TEXT' },
  { name: 'attrs', sql: 'TEXT' },
];

export function landslidesTableDef(srsId: number): FeatureTableDef {
  const list = (xs: readonly string[]): string => xs.map((x) => `'${x}'`).join(', ');
  return {
    table: LANDSLIDES_TABLE,
    geometryColumn: LANDSLIDES_GEOMETRY_COLUMN,
    geometryType: 'MULTIPOLYGON',
    srsId,
    columns: LANDSLIDE_COLUMNS.map((c) => `"${c.name}" ${c.sql}`),
    constraints: [`CHECK ("type" IN (${list(LANDSLIDE_TYPES)}))`, `CHECK ("status" IN (${list(LANDSLIDE_STATUSES)}))`],
    identifier: 'Landslide inventory',
    description: 'Landslide polygons mapped by Scarp',
  };
}

/**
 * A random RFC 4122 version-4 uuid in plain SQLite (no extension function), for triggers that must
 * run inside any program that writes the file.
 */
export const SQL_UUID4 =
  "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))";

/**
 * A feature inserted without a uuid (by QGIS, ogr2ogr, ArcGIS: GDAL writes an expression DEFAULT as
 * literal text, so a column default cannot do it) gets a fresh one at once.
 */
export function landslidesUuidTriggerSql(table: string = LANDSLIDES_TABLE): string {
  return `CREATE TRIGGER IF NOT EXISTS "${table}_uuid" AFTER INSERT ON "${table}" WHEN NEW."uuid" IS NULL
BEGIN UPDATE "${table}" SET "uuid" = ${SQL_UUID4} WHERE fid = NEW.fid; END`;
}

/**
 * An imported field whose name meets a landslides column (case-insensitively: a file's own `Source`,
 * `status`) is exported as `src_<name>` (export/fields.ts) and read back under its own name on import,
 * so that exporting and importing again keeps the field's name.
 */
export const IMPORTED_NAME_PREFIX = 'src_';

/** The attrs key of a file field: `src_<column>` is the exported form of an imported `<column>`. */
export function importedAttrKey(name: string): string {
  if (!name.startsWith(IMPORTED_NAME_PREFIX)) return name;
  const rest = name.slice(IMPORTED_NAME_PREFIX.length);
  const lower = rest.toLowerCase();
  return lower === 'fid' || LANDSLIDE_COLUMNS.some((c) => c.name === lower) ? rest : name;
}

/** A value of an imported field kept beside the landslides columns (JSON in `attrs`). */
export type AttrValue = string | number | boolean | null;

// ---- Shapefile (DBF) names of the columns: written by export, recognised by import ----------------

export interface ShapefileField {
  /** Attribute in the inventory row. */
  from: string;
  /** DBF field name (≤ 10 ASCII characters). */
  name: string;
  type: 'C' | 'N' | 'D';
  /** N: width and decimals. */
  size?: number;
  decimals?: number;
  /** D/C split of an ISO timestamp: the date part ('date') or the time part ('time'). */
  part?: 'date' | 'time';
}

/**
 * The fixed alias table: landslides column → DBF field. `created_at` and `updated_at` become a Date
 * field (`created`, `updated`) and a text field with the UTC time (`created_t`, `updated_t`,
 * "HH:MM:SS.sssZ"). Imported features add `source` and `attrs` (JSON of unmapped fields).
 */
export const SHAPEFILE_FIELDS: readonly ShapefileField[] = [
  { from: 'fid', name: 'fid', type: 'N', size: 10, decimals: 0 },
  { from: 'uuid', name: 'uuid', type: 'C' },
  { from: 'scene', name: 'scene', type: 'C' },
  { from: 'run', name: 'run', type: 'C' },
  { from: 'area_m2', name: 'area_m2', type: 'N', size: 18, decimals: 3 },
  { from: 'perimeter_m', name: 'perim_m', type: 'N', size: 18, decimals: 3 },
  { from: 'prob_mean', name: 'prob_mean', type: 'N', size: 12, decimals: 6 },
  { from: 'prob_max', name: 'prob_max', type: 'N', size: 12, decimals: 6 },
  { from: 'slope_mean', name: 'slope_mean', type: 'N', size: 12, decimals: 4 },
  { from: 'elev_min', name: 'elev_min', type: 'N', size: 14, decimals: 3 },
  { from: 'elev_max', name: 'elev_max', type: 'N', size: 14, decimals: 3 },
  { from: 'aspect_mean', name: 'aspect_mn', type: 'N', size: 12, decimals: 4 },
  { from: 'dem_coverage', name: 'dem_cover', type: 'N', size: 8, decimals: 4 },
  { from: 'type', name: 'type', type: 'C' },
  { from: 'status', name: 'status', type: 'C' },
  { from: 'confidence', name: 'confidence', type: 'N', size: 12, decimals: 6 },
  { from: 'mapper', name: 'mapper', type: 'C' },
  { from: 'created_at', name: 'created', type: 'D', part: 'date' },
  { from: 'created_at', name: 'created_t', type: 'C', part: 'time' },
  { from: 'updated_at', name: 'updated', type: 'D', part: 'date' },
  { from: 'updated_at', name: 'updated_t', type: 'C', part: 'time' },
  { from: 'notes', name: 'notes', type: 'C' },
];
export const SHAPEFILE_PROVENANCE_FIELDS: readonly ShapefileField[] = [
  { from: 'source', name: 'source', type: 'C' },
  { from: 'attrs', name: 'attrs', type: 'C' },
];
