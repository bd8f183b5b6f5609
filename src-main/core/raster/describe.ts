/** `scarp info`: everything about a raster, without keeping it open. */
import type { RasterInfo } from '../../../src-shared/geo';
import { openRaster } from './open';

export async function describeRaster(path: string): Promise<RasterInfo> {
  const src = await openRaster(path, { cacheBytes: 0 });
  try {
    return src.info;
  } finally {
    await src.close();
  }
}
