/** Affine georeferencing from GeoTIFF tags, following GDAL (PixelIsPoint shifted half a pixel to area convention). */
import type { GeoTransform } from '../../../src-shared/geo';
import { noGeoreferencing } from './errors';

export interface GeorefTags {
  modelPixelScale?: ArrayLike<number>;
  modelTiepoint?: ArrayLike<number>;
  modelTransformation?: ArrayLike<number>;
  pixelIsPoint: boolean;
}

/** The GDAL-order geotransform of a GeoTIFF, or NO_GEOREFERENCING. */
export function geoTransformFromTags(t: GeorefTags, file: string): GeoTransform {
  let gt: GeoTransform;
  const tp = t.modelTiepoint;
  const sc = t.modelPixelScale;
  const mt = t.modelTransformation;
  if (mt && mt.length >= 16) {
    gt = [mt[3] as number, mt[0] as number, mt[1] as number, mt[7] as number, mt[4] as number, mt[5] as number];
  } else if (tp && tp.length >= 6 && sc && sc.length >= 2) {
    if (tp.length > 6) throw noGeoreferencing(file, `it has ${tp.length / 6} tie points (ground control points) but no affine transform`);
    const [i, j, , x, y] = [tp[0], tp[1], tp[2], tp[3], tp[4]] as number[];
    const sx = sc[0] as number;
    const sy = sc[1] as number;
    if (!(sx > 0) || !(sy !== 0)) throw noGeoreferencing(file, `invalid pixel scale ${sx} × ${sy}`);
    gt = [(x as number) - (i as number) * sx, sx, 0, (y as number) + (j as number) * sy, 0, -sy];
  } else if (tp && tp.length >= 6) {
    throw noGeoreferencing(file, 'tie points (ground control points) without a pixel scale; only affine georeferencing is supported');
  } else {
    throw noGeoreferencing(file, 'no ModelTiepoint/ModelPixelScale or ModelTransformation tags');
  }
  if (!gt.every(Number.isFinite) || gt[1] * gt[5] - gt[2] * gt[4] === 0) throw noGeoreferencing(file, 'the geotransform is degenerate');
  if (t.pixelIsPoint) {
    // GDAL (GTIFF_POINT_GEO_IGNORE=FALSE): the tie point is a pixel centre; shift to the pixel corner.
    gt = [gt[0] - 0.5 * gt[1] - 0.5 * gt[2], gt[1], gt[2], gt[3] - 0.5 * gt[4] - 0.5 * gt[5], gt[4], gt[5]];
  }
  return gt;
}

