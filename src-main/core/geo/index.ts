/**
 * Geo basics every other core folder builds on (and that depend on nothing in the core): coordinate
 * reference systems (EPSG, PROJ, WKT, transforms, metric scale) and affine geotransforms.
 */
export {
  crsFromEpsg,
  crsFromProj4,
  createTransformer,
  transformBounds,
  metresPerDegree,
  metresPerUnitOfProj4,
  pixelAreaM2,
  pixelSizeMetres,
  gsdOf,
  sameCrs,
  ellipsoidOf,
  utmEpsg,
  utmCrsAt,
  WGS84,
  WGS84_ELLIPSOID,
  type Transformer,
  type Ellipsoid,
} from './crs';
export { lookupEpsg, type EpsgEntry } from './epsg';
export { unknownCrs } from './errors';
export { toEsriWkt } from './esri-wkt';
export { boundsIntersect, gridBounds, invertGeoTransform, pixelBox, pixelToWorld, windowBounds, windowGeoTransform, worldToPixel } from './geotransform';
export { crsFromName, crsFromWkt, LAYER_CRS_HINT, proj4StringFromWkt } from './wkt';
