/**
 * Is this DEM usable for this scene? Checked when the DEM is added, before any work: one band, how
 * much of the scene it covers, how much of that is valid, and whether the values are elevations on
 * the Earth. Unusable → DEM_UNUSABLE naming the file; usable with gaps → warnings the user reads in
 * the result (and per polygon, the `dem_coverage` attribute).
 */
import { basename } from 'node:path';
import { ScarpError } from '../../../src-shared/errors';
import { gridBounds, invertGeoTransform, transformBounds, worldToPixel, type RasterSource } from '../raster';

/** Elevations on the Earth, in metres, with a margin (Dead Sea shore −430 m, Everest 8,849 m). */
export const ELEVATION_RANGE_M: readonly [number, number] = [-1000, 9500];
/** Side of the sample read over the scene footprint. */
const SAMPLE = 256;

export interface DemCheck {
  /** Fraction of the scene's footprint inside the DEM's extent (0–1). */
  coverage: number;
  /** Fraction of the DEM's samples over the scene that hold a valid elevation (0–1). */
  validFraction: number;
  /** Lowest and highest valid elevation sampled (metres); null when none. */
  range: [number, number] | null;
  warnings: string[];
}

function unusable(dem: RasterSource, what: string, hint: string, params: Record<string, string | number>): ScarpError {
  return new ScarpError({
    code: 'DEM_UNUSABLE',
    message: `The DEM ${basename(dem.info.path)} cannot be used for this scene: ${what} (${dem.info.path}).`,
    hint,
    file: dem.info.path,
    params,
    options: ['dem'],
  });
}

const pct = (f: number): string => `${Math.round(f * 100)} %`;

export async function checkDem(dem: RasterSource, image: RasterSource): Promise<DemCheck> {
  const info = dem.info;
  // One band of elevations, or that band and an alpha band (gdalwarp -dstalpha): the alpha is its validity mask.
  if (info.bandCount !== 1 && !(info.bandCount === 2 && info.alphaBand === 1)) {
    throw unusable(dem, `it has ${info.bandCount} bands; a DEM has one band of elevations`, 'Choose the elevation file (one band, metres), not imagery.', { bands: info.bandCount });
  }
  const gt = info.geoTransform;
  if (gt[2] !== 0 || gt[4] !== 0) {
    throw unusable(dem, 'its grid is rotated (not north-up); terrain derivatives need a north-up DEM', 'Warp it to a north-up grid first: gdalwarp in.tif out.tif', { rotationX: gt[2], rotationY: gt[4] });
  }
  // The scene's footprint in the DEM's coordinates, and the part of it the DEM covers.
  const scene = transformBounds(image.info.bounds, image.info.crs, info.crs);
  const own = gridBounds(info);
  const ix = Math.max(0, Math.min(scene.maxX, own.maxX) - Math.max(scene.minX, own.minX));
  const iy = Math.max(0, Math.min(scene.maxY, own.maxY) - Math.max(scene.minY, own.minY));
  const sceneArea = (scene.maxX - scene.minX) * (scene.maxY - scene.minY);
  const coverage = sceneArea > 0 && Number.isFinite(sceneArea) ? Math.min(1, (ix * iy) / sceneArea) : 0;

  // A sample of the DEM over that part (at most SAMPLE² cells, through overviews when it has them).
  const inv = invertGeoTransform(info.geoTransform);
  const corners = [
    worldToPixel(inv, Math.max(scene.minX, own.minX), Math.max(scene.minY, own.minY)),
    worldToPixel(inv, Math.min(scene.maxX, own.maxX), Math.min(scene.maxY, own.maxY)),
    worldToPixel(inv, Math.max(scene.minX, own.minX), Math.min(scene.maxY, own.maxY)),
    worldToPixel(inv, Math.min(scene.maxX, own.maxX), Math.max(scene.minY, own.minY)),
  ];
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[0]))));
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[1]))));
  const x1 = Math.min(info.width, Math.ceil(Math.max(...corners.map((c) => c[0]))));
  const y1 = Math.min(info.height, Math.ceil(Math.max(...corners.map((c) => c[1]))));
  let valid = 0;
  let total = 0;
  let lo = Infinity;
  let hi = -Infinity;
  let outOfRange = 0;
  if (x1 > x0 && y1 > y0) {
    const w = x1 - x0;
    const h = y1 - y0;
    const ow = Math.min(w, SAMPLE);
    const oh = Math.min(h, SAMPLE);
    const [band] = await dem.readWindowResampled({ x: x0, y: y0, width: w, height: h }, ow, oh, [0]);
    for (const v of band!) {
      total++;
      if (!Number.isFinite(v)) continue;
      if (v < ELEVATION_RANGE_M[0] || v > ELEVATION_RANGE_M[1]) {
        outOfRange++;
        continue;
      }
      valid++;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const validFraction = total > 0 ? valid / total : 0;
  if (outOfRange > valid) {
    throw unusable(
      dem,
      `its values over the scene are not elevations on the Earth (${outOfRange} of ${total} samples outside ${ELEVATION_RANGE_M[0]} … ${ELEVATION_RANGE_M[1]} m)`,
      'Use a DEM in metres above sea level: declare its nodata value if that is what these are (gdal_translate -a_nodata -9999), convert a scaled DEM first (gdal_translate -scale).',
      { outOfRange, samples: total },
    );
  }
  if (valid === 0) {
    throw unusable(dem, 'it has no valid elevation over the scene (all nodata, NaN or infinite)', 'Check the DEM and its nodata value (gdalinfo -stats), or run without a DEM.', { samples: total, coverage });
  }
  const warnings: string[] = [];
  if (coverage < 0.999) warnings.push(`The DEM ${basename(info.path)} covers ${pct(coverage)} of the scene: landslides outside it have no terrain attributes (see dem_coverage).`);
  if (validFraction < 0.9) warnings.push(`Only ${pct(validFraction)} of the DEM ${basename(info.path)} over the scene holds valid elevations: landslides over the gaps have partial terrain attributes (see dem_coverage).`);
  if (hi - lo === 0) warnings.push(`The DEM ${basename(info.path)} is flat over the scene (every elevation is ${lo} m): slopes are all 0.`);
  const ratio = Math.max(info.gsd.x, info.gsd.y) / Math.max(1e-9, Math.min(image.info.gsd.x, image.info.gsd.y));
  if (ratio > 50) warnings.push(`The DEM ${basename(info.path)} has ${Number(info.gsd.x.toPrecision(3))} m pixels, ${Math.round(ratio)}× coarser than the imagery: terrain detail is lost.`);
  return { coverage, validFraction, range: [lo, hi], warnings };
}
