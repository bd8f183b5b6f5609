/**
 * Band roles of multispectral imagery, shared by the request schemas (detect, change) and the core
 * (src-main/core/raster/band-layout.ts).
 */
import { z } from 'zod';

export const BAND_ROLES = ['red', 'green', 'blue', 'nir', 'rededge', 'swir1', 'swir2', 'other'] as const;
export const BandRole = z.enum(BAND_ROLES);
export type BandRole = z.infer<typeof BandRole>;

/** How the stored numbers of a file become reflectance, and which band is which. */
export const BandLayoutRequest = z.object({
  /** The role of each band, in file order (e.g. red, green, blue, nir). Default: by band count. */
  bands: z.array(BandRole).min(1).max(32).optional(),
  /** Reflectance = value × scale + offset (Sentinel-2 L2A: scale 0.0001; baseline ≥ 04.00 also offset −0.1). */
  scale: z.number().finite().refine((v) => v !== 0, 'scale must not be 0').optional(),
  offset: z.number().finite().optional(),
});
export type BandLayoutRequest = z.infer<typeof BandLayoutRequest>;
