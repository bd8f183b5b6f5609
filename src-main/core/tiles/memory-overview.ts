/**
 * An in-memory overview for GeoTIFFs that have none: one decimated copy of the layer's bands (at
 * most `maxSide` pixels on the long side, read once when the layer opens, the same read that gives
 * the display statistics). Tiles coarser than it are resampled from memory instead of decoding the
 * full-resolution file; finer tiles read the file as before.
 */
import type { Window } from '../../../src-shared/geo';
import type { BandData, RasterSource } from '../raster/types';
import { resampleAxisAligned } from '../raster/resample';

export interface MemoryOverview {
  width: number;
  height: number;
  /** The source bands it holds (0-based), in this order. */
  bands: number[];
  data: Float32Array[];
}

/** Wrap a source so resampled reads coarser than the overview come from memory. */
export function withMemoryOverview(source: RasterSource, ov: MemoryOverview): RasterSource {
  const { width: W, height: H } = source.info;
  const fx = ov.width / W;
  const fy = ov.height / H;
  return {
    info: source.info,
    readWindow: (w, b) => source.readWindow(w, b),
    close: () => source.close(),
    async readWindowResampled(window: Window, outWidth: number, outHeight: number, bands?: number[]): Promise<BandData[]> {
      const want = bands ?? ov.bands;
      const k = Math.min(window.width / outWidth, window.height / outHeight);
      const idx = want.map((b) => ov.bands.indexOf(b));
      if (k < 1 / Math.min(fx, fy) || idx.some((i) => i < 0)) return source.readWindowResampled(window, outWidth, outHeight, bands);
      const sx0 = window.x * fx;
      const sy0 = window.y * fy;
      const kx = (window.width * fx) / outWidth;
      const ky = (window.height * fy) / outHeight;
      return idx.map((i) =>
        resampleAxisAligned({ data: ov.data[i]!, width: ov.width, height: ov.height, x0: 0, y0: 0 }, sx0, sy0, kx, ky, outWidth, outHeight),
      );
    },
  };
}
