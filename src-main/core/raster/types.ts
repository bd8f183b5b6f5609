import type { Grid, RasterInfo, Window } from '../../../src-shared/geo';

/** Pixel values of one band for a window, row-major, NaN where the source has nodata. */
export type BandData = Float32Array;

/** An open raster, read by windows; never holds a whole scene. */
export interface RasterSource {
  readonly info: RasterInfo;
  /**
   * Read a window of the given bands (0-based, default all) at full resolution, as float32 with
   * nodata (and pixels outside the raster) set to NaN.
   */
  readWindow(window: Window, bands?: number[]): Promise<BandData[]>;
  /** Read a window resampled to outWidth × outHeight, using overviews when they help (for previews/tiles). */
  readWindowResampled(window: Window, outWidth: number, outHeight: number, bands?: number[]): Promise<BandData[]>;
  close(): Promise<void>;
}

/** A band computed on a target grid, readable by window (DEM co-registered, slope, ...). */
export interface GridBandSource {
  readonly grid: Grid;
  readWindow(window: Window): Promise<BandData>;
}

/** Several bands on a target grid, read together by window (imagery resampled to a model's GSD, ...). */
export interface GridBandsSource {
  readonly grid: Grid;
  readonly bandCount: number;
  readWindow(window: Window): Promise<BandData[]>;
}
