/** The band options shared by detect and change: --bands red,green,blue,nir (file order), --scale, --offset. */
import { BAND_ROLES, BandRole, type BandLayoutRequest } from '../../src-shared/bands';
import { numberOption } from './args';
import { UsageError } from './errors';

export const BAND_OPTIONS = {
  bands: { type: 'string' },
  scale: { type: 'string' },
  offset: { type: 'string' },
} as const;

export const BAND_USAGE = `[--bands <role,...>] [--scale s] [--offset o]
                                         band roles in file order (${BAND_ROLES.join('|')}; default: the
                                         band descriptions, a known sensor stack, else red,green,blue[,nir]
                                         by band count); scl, qa60, qa_pixel: a quality band whose
                                         clouds are left unmapped (change, bare-ground); reflectance = value × s + o`;

/** The layout from option values (undefined when none given). `prefix` names the options in messages. */
export function layoutOption(v: { bands?: string; scale?: string; offset?: string }, prefix = ''): BandLayoutRequest | undefined {
  if (v.bands === undefined && v.scale === undefined && v.offset === undefined) return undefined;
  let bands: BandRole[] | undefined;
  if (v.bands !== undefined) {
    bands = v.bands.split(',').map((s) => {
      const r = BandRole.safeParse(s.trim().toLowerCase());
      if (!r.success) throw new UsageError(`--${prefix}bands: '${s}' is not a band role (${BAND_ROLES.join(', ')})`);
      return r.data;
    });
  }
  const scale = numberOption(`${prefix}scale`, v.scale);
  if (scale === 0) throw new UsageError(`--${prefix}scale must not be 0`);
  return { bands, scale, offset: numberOption(`${prefix}offset`, v.offset) };
}
