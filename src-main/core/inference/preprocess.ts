/**
 * Network inputs from raw band data, exactly as the model card says (src-shared/model-card.ts), and
 * the network's output back to a landslide probability.
 *
 * Per band, in this order (the Python twin is training/scarp_train/preprocess.py):
 *   0. valueDomain 'uint8' and the scene is not uint8: v → (v − low) / (high − low) · 255, clamped
 *      to [0, 255], with the scene-level stretch the caller passes (`stretch`: `gainStretch`, low 0).
 *   1. normalisation: affine v·scale + offset; zscore (v − mean) / std; tile-minmax
 *      (v − min) / (max − min) over the tile's valid pixels (0 when max == min); tile-center
 *      (v − mean over the tile's valid pixels) / scale; window-center: none here — the band source
 *      delivers it already normalised at scene level, (value − its k × k window mean) / scale
 *      (raster/terrain.ts `windowCenterBand`, over the whole scene before tiling, never per tile), as
 *      the Python twin's `scene_normalize` does.
 *   2. clip to [lo, hi] when the card gives `clip`.
 *   3. NaN (nodata, or padding beyond a small image) → `fill`.
 * Arithmetic is float64, rounded to float32 once when stored (as numpy float64 → float32 does).
 */
import type { ModelCard, ModelInput, BandSpec } from '../../../src-shared/model-card';
import { ScarpError } from '../../../src-shared/errors';
import { isTerrainSource } from '../../../src-shared/model-pick';
import { percentileStretch, type BandStretch } from '../raster/percentiles';

export { percentileStretch, type BandStretch };


/** Raw data of one card input for one tile: a band array per card band (window-sized, NaN = nodata), or null for an absent optional input. */
export type InputBands = Float32Array[] | null;

export interface TileShape {
  /** The window actually read. */
  width: number;
  height: number;
  /** The tensor's spatial size (≥ window; the rest is padding treated as nodata). */
  tensorWidth: number;
  tensorHeight: number;
}

/** Normalise one band value array in place semantics: returns a new float64 array (NaN kept). */
export function normalizeBand(values: ArrayLike<number>, band: Pick<BandSpec, 'normalization'>): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  const norm = band.normalization;
  switch (norm.kind) {
    case 'affine':
      for (let i = 0; i < n; i++) out[i] = values[i]! * norm.scale + norm.offset;
      break;
    case 'zscore':
      for (let i = 0; i < n; i++) out[i] = (values[i]! - norm.mean) / norm.std;
      break;
    case 'tile-minmax': {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        if (Number.isFinite(v)) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      if (lo > hi) {
        out.fill(NaN); // no valid pixel: everything becomes fill
      } else if (hi > lo) {
        const d = hi - lo;
        for (let i = 0; i < n; i++) out[i] = (values[i]! - lo) / d;
      } else {
        for (let i = 0; i < n; i++) out[i] = Number.isFinite(values[i]!) ? 0 : NaN;
      }
      break;
    }
    case 'tile-center': {
      let sum = 0;
      let count = 0;
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        if (Number.isFinite(v)) {
          sum += v;
          count++;
        }
      }
      const mean = count > 0 ? sum / count : 0;
      for (let i = 0; i < n; i++) out[i] = (values[i]! - mean) / norm.scale;
      break;
    }
    case 'window-center':
      // Scene-level: `values` are already (v − window mean) / scale (windowCenterBand); nothing per tile.
      for (let i = 0; i < n; i++) out[i] = values[i]!;
      break;
  }
  return out;
}

/** Stretch raw values to 0..255 with scene percentiles (NaN kept). */
export function stretchToUint8(values: ArrayLike<number>, s: BandStretch): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  const d = s.high - s.low;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      out[i] = NaN;
      continue;
    }
    const t = d > 0 ? ((v - s.low) / d) * 255 : 0;
    out[i] = t < 0 ? 0 : t > 255 ? 255 : t;
  }
  return out;
}

/**
 * Write one card input of one tile into a batch tensor (NCHW float32) at batch slot `slot`:
 * stretch (optional) → normalise → clip → NaN→fill, padding beyond the window = nodata.
 */
export function writeInputTile(
  input: ModelInput,
  bands: InputBands,
  shape: TileShape,
  tensor: Float32Array,
  slot: number,
  stretch?: ReadonlyArray<BandStretch | null | undefined>,
): void {
  const { width: w, height: h, tensorWidth: TW, tensorHeight: TH } = shape;
  const plane = TW * TH;
  const C = input.bands.length;
  const base = slot * C * plane;
  if (bands === null) {
    if (!input.optional) {
      throw new ScarpError({
        code: 'INCOMPATIBLE_BANDS',
        message: `The model needs input '${input.name}' (${input.bands.map((b) => b.source).join(', ')}), but no data was given for it.`,
        hint: input.bands.some((b) => isTerrain(b.source)) ? 'Add a DEM.' : undefined,
        options: input.bands.some((b) => isTerrain(b.source)) ? ['dem'] : undefined,
      });
    }
    for (let c = 0; c < C; c++) tensor.fill(input.bands[c]!.fill, base + c * plane, base + (c + 1) * plane);
    return;
  }
  if (bands.length !== C) {
    throw new ScarpError({
      code: 'INCOMPATIBLE_BANDS',
      message: `Input '${input.name}' has ${C} bands in the model card but ${bands.length} were supplied.`,
    });
  }
  for (let c = 0; c < C; c++) {
    const spec = input.bands[c]!;
    const raw = bands[c]!;
    if (raw.length !== w * h) {
      throw new ScarpError({
        code: 'INTERNAL',
        message: `Input '${input.name}' band ${c} (${spec.source}): ${raw.length} values for a ${w}×${h} window.`,
      });
    }
    const s = stretch?.[c];
    const src = input.valueDomain === 'uint8' && s ? stretchToUint8(raw, s) : raw;
    writeBandPlane(src, spec, w, h, TW, TH, tensor, base + c * plane);
  }
}

/**
 * One band into its tensor plane, fused (no temporary arrays): the same float64 formulas as
 * `normalizeBand`, then clip, then NaN → fill, padding rows/columns = fill.
 */
function writeBandPlane(
  v: ArrayLike<number>,
  spec: Pick<BandSpec, 'normalization' | 'clip' | 'fill'>,
  w: number,
  h: number,
  TW: number,
  TH: number,
  tensor: Float32Array,
  off: number,
): void {
  const fill = spec.fill;
  const lo = spec.clip ? spec.clip[0] : -Infinity;
  const hi = spec.clip ? spec.clip[1] : Infinity;
  const norm = spec.normalization;
  const n = w * h;
  // Every normalisation is (v - a) / b or v * a + b in float64; pick the form and constants once.
  let mode: 'mul' | 'div' | 'zero' | 'nan';
  let a = 0;
  let b = 1;
  switch (norm.kind) {
    case 'affine':
      mode = 'mul';
      a = norm.scale;
      b = norm.offset;
      break;
    case 'zscore':
      mode = 'div';
      a = norm.mean;
      b = norm.std;
      break;
    case 'tile-minmax': {
      let mn = Infinity;
      let mx = -Infinity;
      for (let i = 0; i < n; i++) {
        const x = v[i]!;
        if (x === x && x !== Infinity && x !== -Infinity) {
          if (x < mn) mn = x;
          if (x > mx) mx = x;
        }
      }
      if (mn > mx) mode = 'nan';
      else if (mx > mn) {
        mode = 'div';
        a = mn;
        b = mx - mn;
      } else mode = 'zero';
      break;
    }
    case 'tile-center': {
      let sum = 0;
      let count = 0;
      for (let i = 0; i < n; i++) {
        const x = v[i]!;
        if (x === x && x !== Infinity && x !== -Infinity) {
          sum += x;
          count++;
        }
      }
      mode = 'div';
      a = count > 0 ? sum / count : 0;
      b = norm.scale;
      break;
    }
    case 'window-center':
      // Normalised over the scene by the band source; per tile only clip and fill.
      mode = 'mul';
      a = 1;
      b = 0;
      break;
  }
  for (let y = 0; y < TH; y++) {
    const row = off + y * TW;
    if (y >= h) {
      tensor.fill(fill, row, row + TW);
      continue;
    }
    const srcRow = y * w;
    // One specialised loop per form keeps the hot loop branch-free.
    if (mode === 'mul') {
      for (let x = 0; x < w; x++) {
        let t = v[srcRow + x]! * a + b;
        t = t < lo ? lo : t > hi ? hi : t;
        tensor[row + x] = t === t ? t : fill;
      }
    } else if (mode === 'div') {
      for (let x = 0; x < w; x++) {
        let t = (v[srcRow + x]! - a) / b;
        t = t < lo ? lo : t > hi ? hi : t;
        tensor[row + x] = t === t ? t : fill;
      }
    } else {
      for (let x = 0; x < w; x++) {
        const raw = v[srcRow + x]!;
        let t = mode === 'zero' && raw === raw && raw !== Infinity && raw !== -Infinity ? 0 : NaN;
        t = t < lo ? lo : t > hi ? hi : t;
        tensor[row + x] = t === t ? t : fill;
      }
    }
    if (w < TW) tensor.fill(fill, row + w, row + TW);
  }
}

/** Whether a band source is derived from the DEM. */
export const isTerrain = isTerrainSource;

/**
 * The 98th percentile of the 8-bit imagery Scarp's optical models are trained on, pooled over red,
 * green and blue: Jinsha site A 211, site B 200 (0.5 m UAV); Bijie training chips 190 (0.8 m
 * TripleSat). Imagery that is not 8-bit is brought to it by one gain.
 */
export const UINT8_REFERENCE_P98 = 200;

/**
 * The stretch of non-8-bit imagery for a 'uint8' model (uint16 DNs, reflectance × 10,000, float
 * reflectance): one gain for every band, v × 200 / (the scene's 98th percentile pooled over its
 * bands), no offset. A gain keeps dark ground dark and the bands' colour balance; a per-band 2–98 %
 * stretch to 0–255 (the rule before) gives every scene full contrast, which the models never saw.
 * Measured through `scarp detect` / `scarp batch` on scenes turned into uint16 (the 8-bit values × 40):
 * Jinsha site B at 3 m 0.821 as 8-bit → 0.543 stretched → 0.820 with the gain; site B at 0.5 m with
 * its DSM 0.776 → 0.659 → 0.777; Bijie validation (416 chips) 0.719 → 0.406 → 0.700.
 * Returned as one BandStretch per band (low 0, high = p98 · 255 / 200); null when no valid value.
 */
export function gainStretch(samples: readonly ArrayLike<number>[], bands: number): BandStretch[] | null {
  const pooled: number[] = [];
  for (const a of samples) for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]!)) pooled.push(a[i]!);
  const p98 = percentileStretch(pooled, 98, 98)?.high;
  if (p98 === undefined || !(p98 > 0)) return null;
  return Array.from({ length: bands }, () => ({ low: 0, high: (p98 * 255) / UINT8_REFERENCE_P98 }));
}

/**
 * The landslide probability of one tile from a model output tensor: dims [N, C, H, W] (or
 * [N, H, W] with one channel), batch slot `slot`, cropped to the window (top-left w × h).
 * 'sigmoid' and 'softmax' outputs are probabilities already (the card's channel is taken);
 * 'logits-sigmoid' gets the sigmoid applied.
 */
export function extractProbability(
  output: ModelCard['output'],
  data: Float32Array,
  dims: readonly number[],
  slot: number,
  window: { width: number; height: number },
): Float32Array {
  let C: number;
  let H: number;
  let W: number;
  if (dims.length === 4) [, C, H, W] = dims as [number, number, number, number];
  else if (dims.length === 3) {
    C = 1;
    [, H, W] = dims as [number, number, number];
  } else {
    throw new ScarpError({
      code: 'INVALID_MODEL',
      message: `Model output '${output.name}' has shape [${dims.join(', ')}]; expected [N, C, H, W] or [N, H, W].`,
    });
  }
  const ch = output.channel;
  if (ch >= C) {
    throw new ScarpError({
      code: 'INVALID_MODEL',
      message: `The model card takes channel ${ch} of output '${output.name}', which has only ${C} channel(s).`,
    });
  }
  const { width: w, height: h } = window;
  if (w > W || h > H) {
    throw new ScarpError({
      code: 'INVALID_MODEL',
      message: `Model output '${output.name}' is ${W}×${H}, smaller than the ${w}×${h} tile it should cover.`,
    });
  }
  const out = new Float32Array(w * h);
  const base = (slot * C + ch) * H * W;
  const logits = output.activation === 'logits-sigmoid';
  for (let y = 0; y < h; y++) {
    const src = base + y * W;
    const dst = y * w;
    if (logits) for (let x = 0; x < w; x++) out[dst + x] = 1 / (1 + Math.exp(-data[src + x]!));
    else out.set(data.subarray(src, src + w), dst);
  }
  return out;
}
