/** Web Mercator (EPSG:3857) XYZ tile geometry, as MapLibre/OSM number tiles (y down from the north). */
import type { Bounds, Grid } from '../../../src-shared/geo';
import { boundsIntersect, crsFromEpsg } from '../geo';

export { boundsIntersect };

export const TILE_SIZE = 256;
/** Half the width of the Web Mercator square in metres (π × 6378137). */
export const MERC_HALF = Math.PI * 6378137;
export const WEB_MERCATOR = crsFromEpsg(3857);

/** Bounds of tile z/x/y in EPSG:3857 metres. */
export function tileBounds(z: number, x: number, y: number): Bounds {
  const size = (2 * MERC_HALF) / 2 ** z;
  const minX = -MERC_HALF + x * size;
  const maxY = MERC_HALF - y * size;
  return { minX, minY: maxY - size, maxX: minX + size, maxY };
}

/** The pixel grid of a tile: `size` × `size` pixels in EPSG:3857. */
export function tileGrid(z: number, x: number, y: number, size = TILE_SIZE): Grid {
  const b = tileBounds(z, x, y);
  const px = (b.maxX - b.minX) / size;
  return { width: size, height: size, geoTransform: [b.minX, px, 0, b.maxY, 0, -px], crs: WEB_MERCATOR };
}

/** Whether z/x/y names a tile of the XYZ pyramid. */
export function validTile(z: number, x: number, y: number): boolean {
  if (!Number.isInteger(z) || !Number.isInteger(x) || !Number.isInteger(y)) return false;
  if (z < 0 || z > 24) return false;
  const n = 2 ** z;
  return x >= 0 && x < n && y >= 0 && y < n;
}

/** The zoom level whose pixels are about `metres` on the ground at latitude `latDeg`. */
export function zoomForResolution(metres: number, latDeg: number): number {
  const atEquator = (2 * MERC_HALF) / TILE_SIZE; // metres per pixel at z0
  return Math.log2((atEquator * Math.cos((latDeg * Math.PI) / 180)) / metres);
}

