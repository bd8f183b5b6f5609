/**
 * Multispectral input: which band of a file is which (red, green, blue, near-infrared, …) and how
 * its stored numbers become reflectance (value × scale + offset, e.g. Sentinel-2 L2A: × 0.0001 and,
 * from processing baseline 04.00, − 0.1). Nodata of any band a pixel needs makes it invalid (NaN).
 *
 * The layout comes from the request (`bands: ['red','green','blue','nir']`, in file order) or, when
 * none is given, from the file's band descriptions, a known sensor stack by band count, or the band
 * count (src-shared/bands.ts guessBandRoles: 3 bands are red, green, blue; 4 or more red, green,
 * blue, near-infrared, the convention of Scarp's models and of the shared 4-band tiles).
 */
import { ScarpError } from '../../../src-shared/errors';
import type { Grid, Window } from '../../../src-shared/geo';
import { BAND_ROLES, guessBandRoles, isCloudMaskRole, type BandRole, type BandLayoutRequest, type BandRolesSource } from '../../../src-shared/bands';
import type { BandData, RasterSource } from './types';
import { bandOf } from './band-provider';
import { alignedShift, warpBand, type WarpMethod } from './warp';

export { BAND_ROLES, type BandRole };

export interface BandLayout {
  /** The role of each file band, in file order ('other' for bands Scarp does not use). */
  roles: BandRole[];
  scale: number;
  offset: number;
  /** Where the roles came from, for messages. */
  from: BandRolesSource;
  /** One sentence for the run's warnings when the roles were inferred (descriptions, sensor layout). */
  note?: string;
}

/** The layout of a raster: the request's, checked against the file, or the default by band count. */
export function bandLayoutOf(info: { path: string; bandCount: number; bandDescriptions?: readonly string[]; alphaBand?: number }, req: BandLayoutRequest = {}): BandLayout {
  const scale = req.scale ?? 1;
  const offset = req.offset ?? 0;
  if (!(Number.isFinite(scale) && scale !== 0) || !Number.isFinite(offset)) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Reflectance scale must be a non-zero number and offset a number (got scale ${scale}, offset ${offset}).`, options: ['scale', 'offset'] });
  }
  if (req.bands && req.bands.length > 0) {
    if (req.bands.length !== info.bandCount) {
      throw new ScarpError({
        code: 'INCOMPATIBLE_BANDS',
        message: `${info.path} has ${info.bandCount} band(s), but ${req.bands.length} band roles were given (${req.bands.join(', ')}).`,
        file: info.path,
        hint: 'Name one role per band of the file, in file order (use other for bands to ignore).',
        options: ['bands'],
        params: { bandCount: info.bandCount, roles: req.bands.length },
      });
    }
    const seen = new Set<BandRole>();
    for (const r of req.bands) {
      if (r !== 'other' && seen.has(r)) {
        throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Band role '${r}' was given twice (${req.bands.join(', ')}).`, options: ['bands'] });
      }
      seen.add(r);
    }
    return { roles: [...req.bands], scale, offset, from: 'request' };
  }
  const g = guessBandRoles(info.bandCount, info.bandDescriptions, info.alphaBand);
  return { roles: g.roles, scale, offset, from: g.from, ...(g.note ? { note: g.note } : {}) };
}

/** The 0-based file band of a role, or null. */
export function bandIndexOf(layout: BandLayout, role: BandRole): number | null {
  const i = layout.roles.indexOf(role);
  return i < 0 ? null : i;
}

/** Stored values → reflectance, in place (NaN stays NaN). */
export function applyScale(data: Float32Array, layout: Pick<BandLayout, 'scale' | 'offset'>): Float32Array {
  if (layout.scale === 1 && layout.offset === 0) return data;
  for (let i = 0; i < data.length; i++) data[i] = data[i]! * layout.scale + layout.offset;
  return data;
}

/**
 * Bands of a raster by role, on a target grid (the raster's own grid, or another one: bilinear
 * co-registration like the DEM's, gdalwarp semantics), in reflectance. A pixel where any band with
 * a role (not 'other', not a quality band) is nodata reads NaN in every returned band (one validity
 * mask for all).
 */
export interface RoleBands {
  readonly grid: Grid;
  readonly roles: readonly BandRole[];
  readWindow(w: Window): Promise<Map<BandRole, BandData>>;
}

export function roleBands(
  source: RasterSource,
  layout: BandLayout,
  roles: readonly BandRole[],
  target: Grid,
  opts: { method?: WarpMethod; maxErrorPx?: number } = {},
): RoleBands {
  const missing = roles.filter((r) => bandIndexOf(layout, r) === null);
  if (missing.length > 0) {
    throw new ScarpError({
      code: 'INCOMPATIBLE_BANDS',
      message: `${source.info.path} has no ${missing.join(', ')} band (its bands: ${layout.roles.join(', ')}; ${layout.from === 'request' ? 'as given' : layout.from === 'band count' ? 'assumed from the band count' : `from the ${layout.from}`}).`,
      file: source.info.path,
      hint: 'Name the role of each band of the file, in file order.',
      options: ['bands'],
      params: { missing: missing.join(','), roles: layout.roles.join(',') },
    });
  }
  const own: Grid = { width: source.info.width, height: source.info.height, geoTransform: source.info.geoTransform, crs: source.info.crs };
  const direct = alignedShift(target, own);
  // Every reflectance band with a role counts for validity: a pixel missing in any of them is not a
  // whole pixel. Quality bands (SCL, QA60, QA_PIXEL) do not: their nodata value may be a valid class
  // (QA60 0 = clear), and cloud-mask.ts reads them.
  const maskOnly = layout.roles.flatMap((r, i) => (r !== 'other' && !isCloudMaskRole(r) && !roles.includes(r) ? [i] : []));
  const indices = [...roles.map((r) => bandIndexOf(layout, r)!), ...maskOnly];
  const warps = direct && direct.dx === 0 && direct.dy === 0 && target.width === own.width && target.height === own.height
    ? null
    : indices.map((b) => warpBand(bandOf(source, b), target, { method: opts.method ?? 'bilinear', maxErrorPx: opts.maxErrorPx }));
  return {
    grid: target,
    roles,
    async readWindow(w: Window): Promise<Map<BandRole, BandData>> {
      const data = warps ? await Promise.all(warps.map((x) => x.readWindow(w))) : await source.readWindow(w, indices);
      const n = w.width * w.height;
      const nb = data.length;
      for (let k = 0; k < n; k++) {
        let bad = false;
        for (let i = 0; i < nb && !bad; i++) bad = Number.isNaN(data[i]![k]!);
        if (bad) for (let i = 0; i < nb; i++) data[i]![k] = NaN;
      }
      return new Map(roles.map((r, i) => [r, applyScale(data[i]!, layout)]));
    },
  };
}

/** Sentinel-2 L2A and Landsat Collection 2 convention: reflectance stored as integers × 10,000. */
export const TEN_THOUSAND_SCALE = 1e-4;

/**
 * The 99th percentile of optical values sampled from a scene when it says the values are not
 * reflectance (> 2: reflectance is at most about 1, up to ~1.6 on snow and specular glint) but
 * stored × 10,000; else null.
 */
export function scaledReflectanceP99(samples: readonly Float32Array[]): number | null {
  const n = samples.reduce((s, a) => s + a.length, 0);
  if (n === 0) return null;
  const all = new Float32Array(n);
  let o = 0;
  for (const a of samples) {
    all.set(a, o);
    o += a.length;
  }
  all.sort();
  const p99 = all[Math.min(n - 1, Math.floor(0.99 * (n - 1)))]!;
  return p99 > 2 ? p99 : null;
}
