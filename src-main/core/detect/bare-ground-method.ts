/**
 * The single-date method (docs/change-detection.md, "Single-date bare ground"): when there is no
 * pre-event image, fresh landslides are mapped as bare ground, a vegetation index below a
 * threshold, and, with a DEM, only on slopes of at least `minSlopeDeg` (HazMapper's slope mask
 * idea). The index is NDVI when the image has red and near-infrared bands, else the visible-band
 * GLI (Green Leaf Index), labelled as such. The indices are raster/spectral.ts's, the same the change
 * methods use.
 *
 * Default thresholds were measured on the labelled Sentinel-2 tiles' validation rows (rows
 * 1216–1471 of the 100-tile mosaic): NDVI < 0.70 and GLI < 0.23. The index separates landslides
 * weakly there (AUROC about 0.5 on the held-out rows, 0.6 over all tiles); the result is bare ground
 * to review, not a landslide map. The mask is the float32 score below the threshold.
 */
import { ScarpError } from '../../../src-shared/errors';
import type { BareGroundIndex } from '../../../src-shared/api';
import { bandIndexOf, gli, ndvi, type BandLayout, type BandRole } from '../raster';
import type { IndexRows } from './index-run';

export interface BareGroundSpec {
  id: 'ndvi' | 'gli';
  roles: readonly BandRole[];
  scoreName: string;
  defaultThreshold: number;
}

export const BARE_GROUND_METHODS: Readonly<Record<'ndvi' | 'gli', BareGroundSpec>> = {
  ndvi: { id: 'ndvi', roles: ['red', 'nir'], scoreName: 'NDVI (single date)', defaultThreshold: 0.7 },
  gli: { id: 'gli', roles: ['red', 'green', 'blue'], scoreName: 'GLI, Green Leaf Index (single date, visible bands)', defaultThreshold: 0.23 },
};

/** Said with every result: how far the method can be trusted (measured, docs/change-detection.md). */
export const BARE_GROUND_CAVEAT =
  'The single-date index separates landslides weakly (on the labelled Sentinel-2 tiles AUROC about 0.5 on held-out rows, 0.6 over all tiles): the polygons are bare ground to review, not a landslide map; a pre-event image (change detection) does better.';

const has = (l: BandLayout, roles: readonly BandRole[]): boolean => roles.every((r) => bandIndexOf(l, r) !== null);

/** The index for an image, and one sentence saying which and why. */
export function chooseBareGroundIndex(requested: BareGroundIndex, image: { path: string; layout: BandLayout }): { spec: BareGroundSpec; reason: string } {
  const nir = has(image.layout, BARE_GROUND_METHODS.ndvi.roles);
  const visible = has(image.layout, BARE_GROUND_METHODS.gli.roles);
  const bands = `its bands: ${image.layout.roles.join(', ')}`;
  if (requested === 'ndvi' && !nir) {
    throw new ScarpError({
      code: 'INCOMPATIBLE_BANDS',
      message: `NDVI needs red and near-infrared bands, but ${image.path} has no ${bandIndexOf(image.layout, 'red') === null ? 'red' : 'near-infrared'} band (${bands}).`,
      file: image.path,
      hint: 'Name the band roles of the image (nir for near-infrared), or use the visible-band index GLI.',
      options: ['bands', 'index'],
    });
  }
  if (requested === 'ndvi' || (requested === 'auto' && nir)) {
    return { spec: BARE_GROUND_METHODS.ndvi, reason: `Single-date bare ground from NDVI: ${requested === 'ndvi' ? 'requested' : 'the image has red and near-infrared bands'}.` };
  }
  if (!visible) {
    const missing = BARE_GROUND_METHODS.gli.roles.filter((r) => bandIndexOf(image.layout, r) === null);
    throw new ScarpError({
      code: 'INCOMPATIBLE_BANDS',
      message: `The single-date method needs red and near-infrared bands (NDVI) or red, green and blue bands (GLI); ${image.path} has no ${missing.join(', ')} band (${bands}).`,
      file: image.path,
      hint: 'Name the band roles of the image, in file order.',
      options: ['bands'],
    });
  }
  if (requested === 'gli') return { spec: BARE_GROUND_METHODS.gli, reason: 'Single-date bare ground from GLI (visible-band Green Leaf Index): requested.' };
  return { spec: BARE_GROUND_METHODS.gli, reason: 'Single-date bare ground from GLI (visible-band Green Leaf Index), not NDVI: the image has no near-infrared band.' };
}

export interface BareGroundRule {
  spec: BareGroundSpec;
  /** Bare where the index < threshold. */
  threshold: number;
  /** Null without a DEM. */
  minSlopeDeg: number | null;
}

/** The index of n pixels from the image's bands (reflectance, NaN = nodata). */
export function bareGroundIndex(spec: BareGroundSpec, bands: Map<BandRole, Float32Array>): Float32Array {
  return spec.id === 'ndvi' ? ndvi(bands.get('red')!, bands.get('nir')!) : gli(bands.get('red')!, bands.get('green')!, bands.get('blue')!);
}

/**
 * Strength 0..1 (polygon attributes, map layer) of an index value: 0.5 at the threshold, rising
 * linearly to 1 at −1 (the index's floor) below it, falling to 0 at +1 above it.
 */
export function bareStrength(index: number, threshold: number): number {
  if (index < threshold) return Math.min(1, 0.5 + (0.5 * (threshold - index)) / (threshold + 1));
  return Math.max(0, (0.5 * (1 - index)) / (1 - threshold));
}

/**
 * The score (the index), the bare-ground mask and the strength of n pixels; `slope` in degrees (or
 * null without a DEM), `inside` 1 inside the AOI (or null).
 */
export function bareGroundRows(rule: BareGroundRule, bands: Map<BandRole, Float32Array>, n: number, slope: Float32Array | null, inside: Uint8Array | null): Omit<IndexRows, 'masked'> {
  const score = bareGroundIndex(rule.spec, bands);
  const mask = new Uint8Array(n);
  const strength = new Float32Array(n);
  let valid = 0;
  let flagged = 0;
  for (let k = 0; k < n; k++) {
    const s = score[k]!;
    if (Number.isNaN(s) || (inside !== null && inside[k] === 0)) {
      score[k] = NaN;
      strength[k] = NaN;
      continue;
    }
    valid++;
    if (rule.minSlopeDeg !== null && slope !== null && !(slope[k]! >= rule.minSlopeDeg)) continue;
    strength[k] = bareStrength(s, rule.threshold);
    if (s < rule.threshold) {
      mask[k] = 1;
      flagged++;
    }
  }
  return { score, mask, strength, valid, flagged };
}
