/**
 * Band roles of multispectral imagery, shared by the request schemas (detect, change) and the core
 * (src-main/core/raster/band-layout.ts).
 */
import { z } from 'zod';

export const BAND_ROLES = ['red', 'green', 'blue', 'nir', 'rededge', 'swir1', 'swir2', 'scl', 'qa60', 'qa_pixel', 'other'] as const;
export const BandRole = z.enum(BAND_ROLES);
export type BandRole = z.infer<typeof BandRole>;

/**
 * Quality bands a cloud mask is read from (src-main/core/raster/cloud-mask.ts): Sentinel-2 L2A's
 * scene classification (SCL), Sentinel-2's QA60 bit mask, Landsat Collection 2's QA_PIXEL bit mask.
 * They are not reflectance: never scaled, never part of a pixel's validity.
 */
export const CLOUD_MASK_ROLES = ['scl', 'qa60', 'qa_pixel'] as const;
export type CloudMaskRole = (typeof CLOUD_MASK_ROLES)[number];
export const isCloudMaskRole = (r: BandRole): r is CloudMaskRole => (CLOUD_MASK_ROLES as readonly string[]).includes(r);

/** How the stored numbers of a file become reflectance, and which band is which. */
export const BandLayoutRequest = z.object({
  /** The role of each band, in file order (e.g. red, green, blue, nir). Default: by band count. */
  bands: z.array(BandRole).min(1).max(32).optional(),
  /** Reflectance = value × scale + offset (Sentinel-2 L2A: scale 0.0001; baseline ≥ 04.00 also offset −0.1). */
  scale: z.number().finite().refine((v) => v !== 0, 'scale must not be 0').optional(),
  offset: z.number().finite().optional(),
});
export type BandLayoutRequest = z.infer<typeof BandLayoutRequest>;

/**
 * Where the roles of a file's bands came from: the request (`--bands`), the file's band
 * descriptions, a known sensor layout recognised by the band count, or Scarp's default by band count.
 */
export type BandRolesSource = 'request' | 'descriptions' | 'sensor layout' | 'band count';

export interface BandRolesGuess {
  roles: BandRole[];
  from: Exclude<BandRolesSource, 'request'>;
  /** One sentence for the user when the roles were inferred from descriptions or a sensor layout. */
  note?: string;
}

const NAMED: Record<string, BandRole> = {
  red: 'red', r: 'red',
  green: 'green', g: 'green',
  blue: 'blue', b: 'blue',
  nir: 'nir', 'near-infrared': 'nir', 'near infrared': 'nir', nearinfrared: 'nir', nir1: 'nir',
  rededge: 'rededge', 'red edge': 'rededge', 'red-edge': 'rededge', red_edge: 'rededge', re: 'rededge',
  swir1: 'swir1', 'swir 1': 'swir1', 'swir-1': 'swir1', swir_1: 'swir1', swir16: 'swir1',
  swir2: 'swir2', 'swir 2': 'swir2', 'swir-2': 'swir2', swir_2: 'swir2', swir22: 'swir2',
  scl: 'scl', 'scene classification': 'scl', qa60: 'qa60', qa_pixel: 'qa_pixel', 'qa pixel': 'qa_pixel',
};

/** Sentinel-2 MSI band numbers → roles (B5 is the first red-edge band; B8A, narrow NIR, is not 'nir' when B8 is there). */
const SENTINEL2: Record<string, BandRole> = { '2': 'blue', '3': 'green', '4': 'red', '5': 'rededge', '8': 'nir', '11': 'swir1', '12': 'swir2' };
/** Landsat 8/9 OLI band numbers → roles. */
const LANDSAT89: Record<string, BandRole> = { '2': 'blue', '3': 'green', '4': 'red', '5': 'nir', '6': 'swir1', '7': 'swir2' };

/** Known stacks recognised by band count alone (files without band descriptions); 3 and 4 bands keep Scarp's default. */
const BY_COUNT: Record<number, { name: string; bands: string; roles: BandRole[] }> = {
  7: { name: 'Landsat 8/9 surface reflectance', bands: 'B1–B7', roles: ['other', 'blue', 'green', 'red', 'nir', 'swir1', 'swir2'] },
  8: { name: 'PlanetScope 8-band (SuperDove)', bands: 'coastal blue, blue, green I, green, yellow, red, red edge, NIR', roles: ['other', 'blue', 'other', 'green', 'other', 'red', 'rededge', 'nir'] },
  10: { name: 'Sentinel-2 10-band stack', bands: 'B2, B3, B4, B5, B6, B7, B8, B8A, B11, B12', roles: ['blue', 'green', 'red', 'rededge', 'other', 'other', 'nir', 'other', 'swir1', 'swir2'] },
};

/** A band code: "B4", "B04", "B8A", "SR_B5", "B4, central wavelength 665 nm" → { number: '4' | '8A', landsat }. */
function bandCode(d: string): { n: string; landsat: boolean } | null {
  const m = /^(SR_|ST_)?B0*(\d{1,2}A?)(?![0-9A-Za-z])/i.exec(d.trim());
  return m ? { n: m[2]!.toUpperCase(), landsat: m[1] !== undefined } : null;
}

/** Roles from descriptions (null when they name no role at all); duplicates beyond the first become 'other'. */
function rolesFromDescriptions(descriptions: readonly string[]): { roles: BandRole[]; sensor: string | null } | null {
  const codes = descriptions.map(bandCode);
  const numbered = codes.filter((c): c is { n: string; landsat: boolean } => c !== null);
  let sensor: string | null = null;
  let table: Record<string, BandRole> = {};
  if (numbered.length > 0) {
    const has = (n: string): boolean => numbered.some((c) => c.n === n);
    const landsat = numbered.some((c) => c.landsat) || (has('10') && !has('12')) || (has('5') && !has('8') && !has('8A') && !has('12'));
    sensor = landsat ? 'Landsat 8/9' : 'Sentinel-2';
    table = landsat ? LANDSAT89 : SENTINEL2;
  }
  const seen = new Set<BandRole>();
  let named = 0;
  const roles = descriptions.map((d, i): BandRole => {
    const c = codes[i];
    const r = c ? table[c.n] : NAMED[d.trim().toLowerCase()];
    if (!r || seen.has(r)) return 'other';
    seen.add(r);
    named++;
    return r;
  });
  return named > 0 ? { roles, sensor } : null;
}

/**
 * The roles of a file's bands when the request names none: from its band descriptions (GDAL's
 * "B4", "B8", "red", "nir", …; Sentinel-2 and Landsat 8/9 band numbers told apart by the set), else
 * a known stack by band count (Landsat 8/9 7-band, PlanetScope 8-band, Sentinel-2 10-band), else
 * Scarp's default: 3 bands red, green, blue; 4 or more red, green, blue, NIR (the shared tiles' order).
 */
export function guessBandRoles(bandCount: number, descriptions?: readonly string[], alphaBand?: number): BandRolesGuess {
  if (alphaBand !== undefined && Number.isInteger(alphaBand) && alphaBand >= 0 && alphaBand < bandCount) {
    // The alpha band is the validity mask (src-main/core/raster/validity.ts), never imagery: the
    // other bands are guessed as if it were not there.
    const rest = guessBandRoles(bandCount - 1, descriptions?.length === bandCount ? descriptions.filter((_, i) => i !== alphaBand) : undefined);
    const roles = [...rest.roles];
    roles.splice(alphaBand, 0, 'other');
    const alpha = `Band ${alphaBand + 1} is an alpha band: where it is 0 the image has no data.`;
    return { roles, from: rest.from, note: rest.note ? `${rest.note} ${alpha}` : alpha };
  }
  const given = descriptions && descriptions.length === bandCount && descriptions.some((d) => d.trim() !== '') ? descriptions : null;
  const fromDesc = given ? rolesFromDescriptions(given) : null;
  if (fromDesc) {
    return {
      roles: fromDesc.roles,
      from: 'descriptions',
      note: `Band roles read from the band descriptions${fromDesc.sensor ? ` (${fromDesc.sensor} band numbers)` : ''}: ${given!.map((d, i) => `${d.trim()} = ${fromDesc.roles[i]}`).join(', ')}.`,
    };
  }
  const stack = BY_COUNT[bandCount];
  if (stack) {
    return {
      roles: [...stack.roles],
      from: 'sensor layout',
      note: `The image has ${bandCount} bands and no band descriptions: taken as the ${stack.name} (${stack.bands}); name the roles (bands) if it is not.`,
    };
  }
  const defaults: BandRole[] = bandCount >= 4 ? ['red', 'green', 'blue', 'nir'] : ['red', 'green', 'blue'];
  const roles = Array.from({ length: bandCount }, (_, i): BandRole => defaults[i] ?? 'other');
  // Four bands have two common orders: red first (the shared tiles, many exports) and blue first
  // (PlanetScope 4-band, most sensors' band numbering); the file cannot say which, so the run does.
  const note =
    bandCount === 4
      ? 'The image has 4 bands and no band descriptions: taken as red, green, blue, near-infrared. A PlanetScope 4-band file (and most sensors\' band numbering) is blue, green, red, near-infrared: give the band roles (--bands blue,green,red,nir) if so.'
      : undefined;
  return { roles, from: 'band count', ...(note ? { note } : {}) };
}

/** The roles of a file's bands: the request's (when given), else guessBandRoles. */
export function bandRolesOf(info: { bandCount: number; bandDescriptions?: readonly string[]; alphaBand?: number }, requested?: readonly BandRole[]): BandRole[] {
  return requested && requested.length > 0 ? [...requested] : guessBandRoles(info.bandCount, info.bandDescriptions, info.alphaBand).roles;
}
