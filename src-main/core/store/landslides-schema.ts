/**
 * The inventory feature table `landslides` (issue 4's field names): what detection writes and what
 * the project store extends. MultiPolygon in the project/scene CRS.
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
  { name: 'uuid', sql: 'TEXT NOT NULL UNIQUE' },
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
