/** Per-polygon attributes of the landslide inventory (field names of the `landslides` table). */
import type { CrsInfo } from '../../../src-shared/geo';
import type { LandslideProperties } from '../../../src-shared/api';
import type { FlatMultiPolygon } from './geometry';
import { areaM2, perimeterM } from './measure';
import type { PixelStats } from './pixel-stats';

/** The measured fields of an inventory feature (aspect_mean: circular mean in degrees [0, 360)). */
export type PolygonAttributes = Pick<
  LandslideProperties,
  'area_m2' | 'perimeter_m' | 'prob_mean' | 'prob_max' | 'slope_mean' | 'elev_min' | 'elev_max' | 'aspect_mean' | 'dem_coverage'
>;

/**
 * Attributes of a final (filtered, simplified) geometry: area and perimeter from the geometry,
 * the pixel statistics from the scan. The DEM ones are null when no DEM was fed (stats are null);
 * dem_coverage is the share of the polygon's pixels where the DEM has a valid elevation (a DEM that
 * covers part of the scene, or has gaps, gives terrain statistics over that share only).
 */
export function computeAttributes(geometry: FlatMultiPolygon, stats: PixelStats, crs: CrsInfo): PolygonAttributes {
  return {
    area_m2: areaM2(geometry, crs),
    perimeter_m: perimeterM(geometry, crs),
    prob_mean: stats.probMean,
    prob_max: stats.probMax,
    slope_mean: stats.slopeMean,
    elev_min: stats.elevMin,
    elev_max: stats.elevMax,
    aspect_mean: stats.aspectMean,
    dem_coverage: stats.demCoverage,
  };
}
