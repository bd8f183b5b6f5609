/**
 * Open a DEM so that it reads metres: a file declaring its values in feet (elevation-unit.ts) is
 * scaled on every read; `info.elevationUnit` still says what the file holds, so that callers can say so.
 */
import type { BandData, RasterSource } from './types';
import { openRaster, type OpenRasterOptions } from './open';

export async function openDem(path: string, options?: OpenRasterOptions): Promise<RasterSource> {
  const src = await openRaster(path, options);
  const unit = src.info.elevationUnit;
  if (!unit) return src;
  const k = unit.metres;
  const toMetres = (bands: BandData[]): BandData[] => bands.map((b) => b.map((v) => v * k));
  return {
    info: src.info,
    readWindow: async (window, bands) => toMetres(await src.readWindow(window, bands)),
    readWindowResampled: async (window, w, h, bands) => toMetres(await src.readWindowResampled(window, w, h, bands)),
    close: () => src.close(),
  };
}

/** The sentence telling the user that a DEM's values were converted, or null. */
export function elevationUnitWarning(dem: RasterSource): string | null {
  const u = dem.info.elevationUnit;
  return u ? `The DEM ${dem.info.path} holds elevations in ${u.name === 'foot' ? 'feet' : `${u.name}s`} (its file says so): they were converted to metres (× ${u.metres.toPrecision(7)}).` : null;
}
