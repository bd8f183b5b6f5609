/** Geospatial value types shared by the core, the service contract and the renderer. */

/** GDAL-order affine transform: [originX, pixelWidth, rotX, originY, rotY, pixelHeight]. */
export type GeoTransform = [number, number, number, number, number, number];

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** A pixel window: column/row offset and size. */
export interface Window {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface CrsInfo {
  /** EPSG code when the CRS is one; null for a user-defined CRS described only by proj4/WKT. */
  epsg: number | null;
  name: string;
  proj4: string;
  /** OGC WKT 1 (what .prj files and gpkg_spatial_ref_sys want). */
  wkt: string;
  isGeographic: boolean;
  /** Linear unit of projected CRSs in metres (1 for metre CRSs); for geographic CRSs, metres per unit is latitude-dependent and this is null. */
  metresPerUnit: number | null;
}

export type RasterDataType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

/** A raster's pixel grid: what a scene or a derived layer is aligned to. */
export interface Grid {
  width: number;
  height: number;
  geoTransform: GeoTransform;
  crs: CrsInfo;
}

/** A unit of elevation other than the metre, and its length in metres. */
export interface ElevationUnit {
  name: string;
  metres: number;
}

export interface RasterInfo extends Grid {
  path: string;
  sizeBytes: number;
  bandCount: number;
  dataType: RasterDataType;
  nodata: number | null;
  bounds: Bounds;
  /** Bounds in WGS 84 longitude/latitude. */
  boundsWgs84: Bounds;
  /** Ground sampling distance in metres (x, y), at the scene centre for geographic CRSs. */
  gsd: { x: number; y: number };
  overviews: Array<{ width: number; height: number }>;
  compression: string;
  tiled: boolean;
  blockSize: { width: number; height: number };
  bigTiff: boolean;
  pixelIsPoint: boolean;
  /** Photometric interpretation / colour hints, e.g. 'rgb', 'minisblack', 'ycbcr'. */
  photometric: string;
  /** GDAL band descriptions (GDAL_METADATA, e.g. 'B4', 'nir'), one per band ('' where none); absent when the file has none. */
  bandDescriptions?: string[];
  /** The alpha band (0-based, TIFF ExtraSamples): where it is 0 every band reads no data; absent when none. */
  alphaBand?: number;
  /** GDAL's mask band says where there is data (0 = no data in every band): a 1-bit subfile ('internal') or a `.msk` sidecar. */
  maskBand?: 'internal' | 'sidecar';
  /** Where `nodata` came from when not the file's own tag: its `.aux.xml` sidecar (GDAL PAM, as ArcGIS writes it). */
  nodataFrom?: 'aux.xml';
  /** Where the geotransform came from when the file has no georeferencing tags: its `.aux.xml` (GDAL PAM) or a world file (`.tfw`). */
  georefFrom?: 'aux.xml' | 'world-file';
  /** Where the CRS came from when the file has no GeoKeys: the SRS in its `.aux.xml`. */
  crsFrom?: 'aux.xml';
  /** The unit of the values when the file declares one other than the metre (a DEM in feet: GDAL's unit type, the vertical GeoKeys); a DEM opened with openDem reads metres. */
  elevationUnit?: ElevationUnit;
  /** 8/16-bit imagery of ≥ 3 bands declaring no validity (no nodata, alpha or mask): a pixel 0 in every band reads as no data (src-main/core/raster/validity.ts). */
  blackIsNodata?: boolean;
}

/** A polygon as GeoJSON-style coordinates: first ring the shell, the rest holes. */
export type PolygonCoords = number[][][];
