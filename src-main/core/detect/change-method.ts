/**
 * The per-pixel rules of pre/post-event change detection (docs/change-detection.md):
 *
 * - `rdndvi`: HazMapper's relative difference NDVI (Scheip & Wegmann 2021, NHESS 21:1495–1511):
 *   rdNDVI = (NDVI_post − NDVI_pre) / √(NDVI_post + NDVI_pre) × 100; change where
 *   rdNDVI ≤ −threshold. Needs red and NIR in both images.
 * - `visible`: for imagery without NIR (true-colour products). Score = relative brightening,
 *   100 × (ln(B_post / B_pre) − m), B the mean visible reflectance (R + G + B) / 3 and m the median
 *   of ln(B_post / B_pre) over the valid overlap (so the scene's overall difference in sun, season
 *   and haze between the dates is taken out); change where the score ≥ threshold AND the pixel did
 *   not become greener (ΔGLI × 100 ≤ maxGreening, GLI = (2G − R − B) / (2G + R + B)) AND, when the
 *   reflectance is known (a scale was given), the post-event pixel is not cloud-bright
 *   (B_post ≤ cloudReflectance). Brightening was chosen over a greenness index by measurement on
 *   the Iburi pair (docs/change-detection.md): the scars of fresh landslides are the brightest
 *   change, while GLI change there mostly follows the season.
 *
 * With a DEM, ground flatter than `minSlopeDeg` is never change (HazMapper's slope mask).
 */
import { ScarpError } from '../../../src-shared/errors';
import type { ChangeMethod } from '../../../src-shared/api';
import { bandIndexOf, brightness, gli, ndvi, rdNdvi, type BandLayout, type BandRole } from '../raster';

export interface ChangeMethodSpec {
  id: 'rdndvi' | 'visible';
  /** The bands both images must have. */
  roles: readonly BandRole[];
  scoreName: string;
  /** 'loss': change where score ≤ −threshold; 'gain': where score ≥ threshold. */
  direction: 'loss' | 'gain';
  defaultThreshold: number;
}

export const CHANGE_METHODS: Readonly<Record<'rdndvi' | 'visible', ChangeMethodSpec>> = {
  rdndvi: { id: 'rdndvi', roles: ['red', 'nir'], scoreName: 'rdNDVI (HazMapper, %)', direction: 'loss', defaultThreshold: 20 },
  visible: { id: 'visible', roles: ['red', 'green', 'blue'], scoreName: 'relative brightening, 100 × (ln(B_post / B_pre) − median)', direction: 'gain', defaultThreshold: 40 },
};

/** Defaults of the visible method's extra conditions. */
export const VISIBLE_DEFAULTS = { maxGreening: 0, cloudReflectance: 0.25 } as const;

const hasNir = (l: BandLayout): boolean => bandIndexOf(l, 'nir') !== null && bandIndexOf(l, 'red') !== null;

/** The method for a pair, and one sentence saying which and why. */
export function chooseChangeMethod(requested: ChangeMethod, pre: { path: string; layout: BandLayout }, post: { path: string; layout: BandLayout }): { spec: ChangeMethodSpec; reason: string } {
  const nirPre = hasNir(pre.layout);
  const nirPost = hasNir(post.layout);
  if (requested === 'rdndvi') {
    if (!nirPre || !nirPost) {
      const which = !nirPre && !nirPost ? 'neither image has' : !nirPre ? `the pre-event image ${pre.path} has no` : `the post-event image ${post.path} has no`;
      throw new ScarpError({
        code: 'INCOMPATIBLE_BANDS',
        message: `rdNDVI needs red and near-infrared bands in both images, but ${which} near-infrared band (bands: pre ${pre.layout.roles.join(', ')}; post ${post.layout.roles.join(', ')}).`,
        file: !nirPre ? pre.path : post.path,
        hint: 'Name the band roles of each image (nir for near-infrared), or use the visible-band method.',
        options: ['bands', 'method'],
      });
    }
    return { spec: CHANGE_METHODS.rdndvi, reason: 'rdNDVI (HazMapper): requested; both images have red and near-infrared bands.' };
  }
  if (requested === 'auto' && nirPre && nirPost) {
    return { spec: CHANGE_METHODS.rdndvi, reason: 'rdNDVI (HazMapper): both images have red and near-infrared bands.' };
  }
  for (const [l, p] of [[pre.layout, pre.path], [post.layout, post.path]] as const) {
    const missing = CHANGE_METHODS.visible.roles.filter((r) => bandIndexOf(l, r) === null);
    if (missing.length > 0) {
      throw new ScarpError({
        code: 'INCOMPATIBLE_BANDS',
        message: `Change detection needs red, green and blue bands (or red and near-infrared in both images); ${p} has no ${missing.join(', ')} band (bands: ${l.roles.join(', ')}).`,
        file: p,
        hint: 'Name the band roles of each image, in file order.',
        options: ['bands'],
      });
    }
  }
  if (requested === 'visible') return { spec: CHANGE_METHODS.visible, reason: 'Visible-band change (relative brightening where the ground did not get greener): requested.' };
  const why = !nirPre && !nirPost ? 'neither image has a near-infrared band' : !nirPre ? 'the pre-event image has no near-infrared band' : 'the post-event image has no near-infrared band';
  return { spec: CHANGE_METHODS.visible, reason: `Visible-band change (relative brightening where the ground did not get greener), not rdNDVI: ${why}.` };
}

export interface ChangeRule {
  spec: ChangeMethodSpec;
  threshold: number;
  minSlopeDeg: number | null;
  /** Visible method: the median of ln(B_post / B_pre) over the valid overlap (brightnessShift). */
  shift: number;
  maxGreening: number;
  /** Visible method with known reflectance: post-event pixels brighter than this are cloud. Null: not tested. */
  cloudReflectance: number | null;
}

/** ln(B_post / B_pre) of n pixels (NaN where undefined): the visible method's first pass (its median is the shift). */
export function logBrightnessRatio(pre: Map<BandRole, Float32Array>, post: Map<BandRole, Float32Array>, n: number): Float64Array {
  const [r0, g0, b0] = [pre.get('red')!, pre.get('green')!, pre.get('blue')!];
  const [r1, g1, b1] = [post.get('red')!, post.get('green')!, post.get('blue')!];
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const p = brightness(r0[k]!, g0[k]!, b0[k]!);
    const q = brightness(r1[k]!, g1[k]!, b1[k]!);
    out[k] = p > 0 && q > 0 ? Math.log(q / p) : NaN;
  }
  return out;
}

export interface ChangeRows {
  /** The score (NaN where undefined). */
  score: Float32Array;
  /** 1 where the pixel counts as change. */
  mask: Uint8Array;
  /** Change strength 0..1 for the polygon attributes and the project's map layer: 0.5 at the threshold, 1 at twice it; 0 where a mask condition fails. */
  strength: Float32Array;
  valid: number;
  changed: number;
}

/**
 * The score and the change mask of n pixels from the bands of both images (reflectance, NaN =
 * nodata), the slope (degrees, or null without a DEM) and the AOI (1 inside, or null).
 */
export function changeRows(rule: ChangeRule, pre: Map<BandRole, Float32Array>, post: Map<BandRole, Float32Array>, n: number, slope: Float32Array | null, inside: Uint8Array | null): ChangeRows {
  const score = new Float32Array(n);
  const mask = new Uint8Array(n);
  const strength = new Float32Array(n);
  let valid = 0;
  let changed = 0;
  const id = rule.spec.id;
  let extra: ((k: number) => boolean) | null = null;
  if (id === 'rdndvi') {
    const a = ndvi(pre.get('red')!, pre.get('nir')!);
    const b = ndvi(post.get('red')!, post.get('nir')!);
    for (let k = 0; k < n; k++) score[k] = rdNdvi(a[k]!, b[k]!);
  } else {
    const lr = logBrightnessRatio(pre, post, n);
    for (let k = 0; k < n; k++) score[k] = (lr[k]! - rule.shift) * 100;
    const [r1, g1, b1] = [post.get('red')!, post.get('green')!, post.get('blue')!];
    const a = gli(pre.get('red')!, pre.get('green')!, pre.get('blue')!);
    const b = gli(r1, g1, b1);
    const cloud = rule.cloudReflectance;
    extra = (k) => (b[k]! - a[k]!) * 100 <= rule.maxGreening && (cloud === null || brightness(r1[k]!, g1[k]!, b1[k]!) <= cloud);
  }
  const sign = rule.spec.direction === 'loss' ? -1 : 1;
  for (let k = 0; k < n; k++) {
    const s = score[k]!;
    if (Number.isNaN(s) || (inside !== null && inside[k] === 0)) {
      score[k] = NaN;
      strength[k] = NaN;
      continue;
    }
    valid++;
    let ok = sign * s >= rule.threshold;
    let st = Math.min(1, Math.max(0, (0.5 * sign * s) / rule.threshold));
    if ((rule.minSlopeDeg !== null && slope !== null && !(slope[k]! >= rule.minSlopeDeg)) || (extra !== null && !extra(k))) {
      ok = false;
      st = 0;
    }
    strength[k] = st;
    if (ok) {
      mask[k] = 1;
      changed++;
    }
  }
  return { score, mask, strength, valid, changed };
}
