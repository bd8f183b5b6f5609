/**
 * The unit of a DEM's values when the file says it is not the metre: GDAL's band unit type (the
 * GDAL_METADATA item of role "unittype", what `gdal_edit -units ft` writes), the VerticalUnitsGeoKey,
 * or a vertical CRS in feet (VerticalCSTypeGeoKey; US LiDAR DEMs in NAVD88 ftUS). Every consumer of a
 * DEM in Scarp (terrain, relative elevation, attributes) works in metres, so a DEM in feet is scaled on
 * read (openDem) and the user is told.
 */
import type { ElevationUnit } from '../../../src-shared/geo';
import type { GeoKeys } from './geokeys';
import { gdalBandItems } from './gdal-metadata';

const FOOT: ElevationUnit = { name: 'foot', metres: 0.3048 };
const US_FOOT: ElevationUnit = { name: 'US survey foot', metres: 1200 / 3937 };

/** EPSG linear unit codes (VerticalUnitsGeoKey). */
const UNIT_CODES: Record<number, ElevationUnit> = { 9002: FOOT, 9003: US_FOOT, 9036: { name: 'kilometre', metres: 1000 } };
/** Common vertical CRSs in feet (EPSG): NAVD88 height (ftUS / ft), NGVD29 height (ftUS). */
const VERTICAL_CRS_IN_FEET: Record<number, ElevationUnit> = { 6360: US_FOOT, 8228: FOOT, 5702: US_FOOT };

/** Unit type names as GDAL writes or users give them (case-insensitive). */
function unitFromName(name: string): ElevationUnit | null {
  const n = name.trim().toLowerCase();
  if (['ft', 'foot', 'feet', 'international foot', 'intl foot'].includes(n)) return FOOT;
  if (['us survey foot', 'us-ft', 'ftus', 'us_survey_foot', 'survey foot', 'us foot'].includes(n)) return US_FOOT;
  if (['km', 'kilometre', 'kilometer'].includes(n)) return { name: 'kilometre', metres: 1000 };
  return null; // metres, or a unit Scarp does not know: read as is
}

/** The DEM value unit a file declares, when it is not the metre; null for metres or nothing said. */
export function elevationUnitOf(keys: GeoKeys, gdalMetadata: unknown): ElevationUnit | null {
  const item = gdalBandItems(gdalMetadata, 'unittype').get(0) ?? null;
  if (item !== null) return unitFromName(item);
  const code = keys.VerticalUnitsGeoKey;
  if (typeof code === 'number' && UNIT_CODES[code]) return UNIT_CODES[code]!;
  const vcs = keys.VerticalCSTypeGeoKey;
  if (typeof vcs === 'number' && VERTICAL_CRS_IN_FEET[vcs]) return VERTICAL_CRS_IN_FEET[vcs]!;
  return null;
}
