/** Public API of the raster core. */
export type { BandData, GridBandSource, GridBandsSource, RasterSource } from './types';
export { openRaster, type OpenRasterOptions } from './open';
export { openDem, elevationUnitWarning } from './open-dem';
export { describeRaster } from './describe';
// The geo basics (CRS, geotransforms) live in ../geo; re-exported as part of the raster API for callers that read rasters.
export {
  crsFromEpsg,
  crsFromProj4,
  createTransformer,
  transformBounds,
  metresPerDegree,
  pixelAreaM2,
  pixelSizeMetres,
  gsdOf,
  gridBounds,
  sameCrs,
  ellipsoidOf,
  WGS84,
  invertGeoTransform,
  pixelToWorld,
  worldToPixel,
  windowGeoTransform,
  type Transformer,
  type Ellipsoid,
} from '../geo';
export {
  assertWindow,
  clipWindow,
  expandWindow,
  intersectWindows,
  tileWindows,
  rowBands,
  subGrid,
  gridFromBounds,
  resampleGrid,
  isNorthUp,
} from './grid';
export { coregister, type CoregisterOptions } from './coregister';
export { warpBand, alignedShift, type WarpMethod, type WarpOptions } from './warp';
export { bandOf, averagedBand, type BandProvider } from './band-provider';
export { resampleBands, type ResampleBandsOptions } from './resample-bands';
export { terrainBand, derivativeBand, windowCenter, windowCenterBand, windowCenterSize, windowCenterGsd, type TerrainKind, type TerrainBandOptions } from './terrain';
export { hornDerivative, type DerivativeKind, type TerrainParams } from './terrain-kernels';
export { ndvi, ndviBand } from './spectral';
export { assertOverlap } from './overlap';
export { SUPPORTED_FORMATS_HINT } from './errors';
export { createGeoTiffWriter, type GeoTiffWriter, type GeoTiffWriterOptions, type RowData } from './writer';
export { checkDetectBudget, maxDetectPixels, RASTER_LIMITS } from './guards';
export { gli, rdNdvi, brightness } from './spectral';
export { bandLayoutOf, bandIndexOf, applyScale, roleBands, scaledReflectanceP99, TEN_THOUSAND_SCALE, BAND_ROLES, type BandLayout, type BandRole, type RoleBands } from './band-layout';
export { applyCloudMasks, cloudFlags, cloudMaskSentence, cloudMaskBandOf, cloudMaskOf, CLOUD_MASKS, CLEAR, CLOUD, NO_DATA, type CloudCode, type CloudMask, type CloudMaskSpec } from './cloud-mask';
