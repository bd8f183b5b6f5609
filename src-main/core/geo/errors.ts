/** The one error of the geo basics: a coordinate reference system Scarp cannot use. */
import { basename } from 'node:path';
import { ScarpError } from '../../../src-shared/errors';

const DEFAULT_HINT = 'Assign or convert to an EPSG coordinate system, e.g. gdalwarp -t_srs EPSG:32647 in.tif out.tif (pick the UTM zone of the area).';

/** UNKNOWN_CRS naming the file when there is one; `hint` replaces the raster-oriented default (e.g. for vector layers). */
export function unknownCrs(path: string | undefined, what: string, hint = DEFAULT_HINT): ScarpError {
  return new ScarpError({
    code: 'UNKNOWN_CRS',
    message: path ? `${basename(path)}: unknown coordinate reference system: ${what} (${path})` : `Unknown coordinate reference system: ${what}`,
    hint,
    file: path,
  });
}
