/**
 * The inventory feature table `landslides` (issue 4's field names): what detection writes and what
 * the project store extends. MultiPolygon in the project/scene CRS.
 */
import type { FeatureTableDef } from './geopackage-schema';

export const LANDSLIDES_TABLE = 'landslides';
export const LANDSLIDES_GEOMETRY_COLUMN = 'geom';

export const LANDSLIDE_TYPES = ['slide', 'fall', 'flow', 'complex', 'unknown'] as const;
export type LandslideType = (typeof LANDSLIDE_TYPES)[number];
export const LANDSLIDE_STATUSES = ['predicted', 'confirmed', 'rejected', 'edited', 'field_verified'] as const;
export type LandslideStatus = (typeof LANDSLIDE_STATUSES)[number];

/** Attribute values of one inventory feature (everything but fid and geometry). */
export interface LandslideRecord {
  uuid: string;
  scene: string | null;
  run: string | null;
  area_m2: number;
  perimeter_m: number;
  prob_mean: number | null;
  prob_max: number | null;
  slope_mean: number | null;
  elev_min: number | null;
  elev_max: number | null;
  aspect_mean: number | null;
  type: LandslideType;
  status: LandslideStatus;
  /** 0..1, the operator's or the model's confidence. */
  confidence: number | null;
  mapper: string | null;
  /** ISO 8601 UTC, e.g. 2024-05-01T12:00:00.000Z (GeoPackage DATETIME). */
  created_at: string;
  updated_at: string;
  notes: string | null;
  /** Provenance of an imported feature: its file (GeoPackage: file:layer); null for Scarp's own. */
  source: string | null;
  /** An imported feature's fields that have no column here, as a JSON object; null when none. */
  attrs: string | null;
}

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
