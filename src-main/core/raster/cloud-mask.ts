/**
 * Cloud masks from a scene's own quality band, when it has one (band role `scl`, `qa60` or
 * `qa_pixel`: from its GDAL band description or `--bands`). A masked pixel is UNMAPPED: neither
 * landslide nor "no landslide"; the index methods (change, bare ground) treat it as no data and
 * count it (docs/change-detection.md, "Cloud masks"). The tables:
 *
 * - Sentinel-2 L2A scene classification (SCL; ESA Sen2Cor, as listed in the Earth Engine catalogue
 *   COPERNICUS/S2_SR): 0 no data, 1 saturated or defective, 2 dark area, 3 cloud shadows,
 *   4 vegetation, 5 not vegetated, 6 water, 7 unclassified, 8 cloud medium probability, 9 cloud high
 *   probability, 10 thin cirrus, 11 snow or ice. Masked: 3, 8, 9, 10; no data: 0.
 * - Sentinel-2 QA60 (L1C / L2A, 60 m bit mask): bit 10 opaque clouds, bit 11 cirrus. Masked: either.
 * - Landsat 8/9 Collection 2 QA_PIXEL (USGS CFMask; LSDS-1619): bit 0 fill, 1 dilated cloud,
 *   2 cirrus, 3 cloud, 4 cloud shadow, 5 snow, 6 clear, 7 water. Masked: bits 1, 3, 4; no data: bit 0.
 *
 * A quality band is read as stored (never scaled). A GeoTIFF has one nodata value for all its bands,
 * so a quality band's nodata pixels are decoded as that value (QA60 0 is clear, SCL 0 no data). On
 * another grid (the pre-event image co-registered onto the post-event one) the 0/1 cloud flag is
 * interpolated like the reflectance (bilinear): a target pixel is masked when any source pixel its
 * bilinear value draws on is cloud, so no cloud-contaminated reflectance is scored.
 */
import type { Grid, Window } from '../../../src-shared/geo';
import type { CloudMaskSummary } from '../../../src-shared/api';
import { ScarpError } from '../../../src-shared/errors';
import type { BandRole, CloudMaskRole } from '../../../src-shared/bands';
import type { BandLayout } from './band-layout';
import type { RasterSource } from './types';
import { bandOf, type BandProvider } from './band-provider';
import { warpBand } from './warp';

/** Per-pixel codes of a cloud mask. */
export const CLEAR = 0;
export const CLOUD = 1;
export const NO_DATA = 2;
export type CloudCode = typeof CLEAR | typeof CLOUD | typeof NO_DATA;

export interface CloudMaskSpec {
  role: CloudMaskRole;
  /** The band's usual name. */
  label: 'SCL' | 'QA60' | 'QA_PIXEL';
  /** What is masked, for messages. */
  masks: string;
  /** Largest valid stored value. */
  max: number;
  /** The code of one stored value (an integer in 0..max). */
  decode(v: number): CloudCode;
}

const SCL_MASKED = new Set([3, 8, 9, 10]);

export const CLOUD_MASKS: Readonly<Record<CloudMaskRole, CloudMaskSpec>> = {
  scl: {
    role: 'scl',
    label: 'SCL',
    masks: 'classes 3 cloud shadow, 8 and 9 cloud (medium, high probability), 10 thin cirrus; 0 is no data',
    max: 11,
    decode: (v) => (v === 0 ? NO_DATA : SCL_MASKED.has(v) ? CLOUD : CLEAR),
  },
  qa60: {
    role: 'qa60',
    label: 'QA60',
    masks: 'bits 10 opaque clouds and 11 cirrus',
    max: 0xffff,
    decode: (v) => ((v & 0xc00) !== 0 ? CLOUD : CLEAR),
  },
  qa_pixel: {
    role: 'qa_pixel',
    label: 'QA_PIXEL',
    masks: 'bits 1 dilated cloud, 3 cloud and 4 cloud shadow; bit 0 (fill) is no data',
    max: 0xffff,
    decode: (v) => ((v & 1) !== 0 ? NO_DATA : (v & 0b11010) !== 0 ? CLOUD : CLEAR),
  },
};

/** The quality band a layout names (SCL first, then QA_PIXEL, then QA60), or null. */
export function cloudMaskBandOf(layout: Pick<BandLayout, 'roles'>): { spec: CloudMaskSpec; band: number } | null {
  for (const role of ['scl', 'qa_pixel', 'qa60'] as const satisfies readonly CloudMaskRole[]) {
    const band = layout.roles.indexOf(role);
    if (band >= 0) return { spec: CLOUD_MASKS[role], band };
  }
  return null;
}

/** A cloud mask on a target grid: a code per pixel (CLEAR, CLOUD, NO_DATA). */
export interface CloudMask {
  readonly spec: CloudMaskSpec;
  /** 0-based band of the file. */
  readonly band: number;
  readonly file: string;
  readWindow(w: Window): Promise<Uint8Array>;
}

/**
 * Stored values → 0 clear, 1 cloud, NaN no data, on the file's own grid. `nodata`: the file's nodata
 * value (what a NaN read stands for), or null (NaN is outside the raster: no data).
 */
export function cloudFlags(spec: CloudMaskSpec, values: Float32Array, nodata: number | null, where: { file: string; band: number }): Float32Array {
  const out = new Float32Array(values.length);
  for (let k = 0; k < values.length; k++) {
    let v = values[k]!;
    if (Number.isNaN(v)) {
      if (nodata === null) {
        out[k] = NaN;
        continue;
      }
      v = nodata;
    }
    if (!(Number.isInteger(v) && v >= 0 && v <= spec.max)) {
      throw new ScarpError({
        code: 'INCOMPATIBLE_BANDS',
        message: `Band ${where.band + 1} of ${where.file} is taken as the ${spec.label} quality band, but it holds ${v}, which is not a ${spec.label} value (${spec.role === 'scl' ? 'a class 0–11' : 'an integer bit mask 0–65535'}).`,
        file: where.file,
        hint: `Check the band roles (--bands, in file order): name the quality band ${spec.role} only if it is the ${spec.label} band, else other.`,
        options: ['bands'],
        params: { band: where.band + 1, value: v, role: spec.role },
      });
    }
    const c = spec.decode(v);
    out[k] = c === NO_DATA ? NaN : c;
  }
  return out;
}

/**
 * The cloud mask of a raster on a target grid, from the quality band its layout names; null when it
 * names none. `maxErrorPx`: the co-registration tolerance (as for the reflectance bands).
 */
export function cloudMaskOf(source: RasterSource, layout: Pick<BandLayout, 'roles'>, target: Grid, opts: { maxErrorPx?: number } = {}): CloudMask | null {
  const found = cloudMaskBandOf(layout);
  if (!found) return null;
  const { spec, band } = found;
  const raw = bandOf(source, band);
  const where = { file: source.info.path, band };
  const flags: BandProvider = { grid: raw.grid, label: raw.label, read: async (w) => cloudFlags(spec, await raw.read(w), source.info.nodata, where) };
  const onTarget = warpBand(flags, target, { method: 'bilinear', maxErrorPx: opts.maxErrorPx });
  return {
    spec,
    band,
    file: source.info.path,
    async readWindow(w) {
      const f = await onTarget.readWindow(w);
      const codes = new Uint8Array(f.length);
      for (let k = 0; k < f.length; k++) {
        const v = f[k]!;
        codes[k] = Number.isNaN(v) ? NO_DATA : v > 0 ? CLOUD : CLEAR;
      }
      return codes;
    },
  };
}

/**
 * Applies the cloud masks of one or more images read for the same n pixels, in place: a pixel an
 * image's quality band says is no data becomes NaN in that image's bands; a pixel where every image
 * has data and any mask says cloud becomes NaN in all of them and is counted (inside the AOI only,
 * when `inside` is given). `perImage[i]`: those of the counted pixels image i's own mask flagged.
 */
export function applyCloudMasks(
  images: ReadonlyArray<{ bands: Map<BandRole, Float32Array>; codes: Uint8Array | null }>,
  n: number,
  inside: Uint8Array | null = null,
): { masked: number; perImage: number[] } {
  const perImage = images.map(() => 0);
  let masked = 0;
  if (images.every((im) => im.codes === null)) return { masked, perImage };
  const bands = images.map((im) => [...im.bands.values()]);
  const hasData = (i: number, k: number): boolean => bands[i]!.every((b) => !Number.isNaN(b[k]!));
  const blank = (i: number, k: number): void => {
    for (const b of bands[i]!) b[k] = NaN;
  };
  for (let k = 0; k < n; k++) {
    let cloud = false;
    for (let i = 0; i < images.length; i++) {
      const c = images[i]!.codes?.[k];
      if (c === NO_DATA) blank(i, k);
      else if (c === CLOUD) cloud = true;
    }
    if (!cloud) continue;
    const counted = (inside === null || inside[k] !== 0) && images.every((_, i) => hasData(i, k));
    for (let i = 0; i < images.length; i++) {
      if (counted && images[i]!.codes?.[k] === CLOUD) perImage[i]!++;
      blank(i, k);
    }
    if (counted) masked++;
  }
  return { masked, perImage };
}

/** One sentence for a run's warnings: what an image's cloud mask removed ("The post-event image", summary). */
export function cloudMaskSentence(which: string, c: CloudMaskSummary): string {
  const spec = Object.values(CLOUD_MASKS).find((m) => m.label === c.band)!;
  return `${which}'s ${c.band} band (band ${c.bandNumber}; ${spec.masks}) masked ${c.maskedPixels} pixel(s) as cloud: they are unmapped, neither landslide nor not.`;
}
