/** Overlap checks between a raster and a target grid (NO_OVERLAP errors name the file). */
import { basename } from 'node:path';
import type { Grid } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { gridBounds, transformBounds } from '../geo';

/** Throws NO_OVERLAP when `source` (a file's grid) and `target` share no area. */
export function assertOverlap(source: Grid, target: Grid, file: string, what = 'the image'): void {
  const t = transformBounds(gridBounds(target), target.crs, source.crs);
  const s = gridBounds(source);
  const ok = Number.isFinite(t.minX) && t.minX < s.maxX && t.maxX > s.minX && t.minY < s.maxY && t.maxY > s.minY;
  if (!ok)
    throw new ScarpError({
      code: 'NO_OVERLAP',
      message: `${basename(file)} does not overlap ${what} (${file})`,
      hint: 'Check that both files cover the same area and carry the right coordinate systems (gdalinfo shows both).',
      file,
    });
}
