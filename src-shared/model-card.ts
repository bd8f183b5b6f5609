/**
 * The model-card schema. Every model in models/ ships `<id>.json` valid against it, and the
 * same card is embedded in the ONNX metadata under the key `scarp_card`.
 */
import { z } from 'zod';

/** Where an input band comes from. Terrain sources are derived from the DEM at its own resolution. */
export const BandSource = z.enum(['red', 'green', 'blue', 'nir', 'dem', 'slope', 'aspect', 'hillshade', 'ndvi']);
export type BandSource = z.infer<typeof BandSource>;

/** How one band is normalised before it is fed to the network. */
export const Normalization = z.discriminatedUnion('kind', [
  /** value * scale + offset (e.g. /255, or (v - mean) / std written as scale = 1/std, offset = -mean/std). */
  z.object({ kind: z.literal('affine'), scale: z.number(), offset: z.number() }),
  /** (value - mean) / std */
  z.object({ kind: z.literal('zscore'), mean: z.number(), std: z.number().positive() }),
  /** min-max over the valid pixels of each tile, to [0, 1] (the DiGATe paper's DEM scaling). */
  z.object({ kind: z.literal('tile-minmax') }),
  /** value minus the tile's mean over valid pixels, divided by `scale` (relative elevation). */
  z.object({ kind: z.literal('tile-center'), scale: z.number().positive() }),
  /**
   * Scene-level relative elevation, independent of tiling: value minus the mean of the valid values
   * in a square window of k × k pixels centred on the pixel, k = 2·floor(windowM / (2·gsd)) + 1 with
   * gsd = (|xres| + |yres|) / 2 of the grid the band is on (the imagery grid), the window clipped at
   * the raster's edges; divided by `scale`. Computed over the whole scene before tiling (summed-area
   * tables in float64), so training crops and app tiles see the same values.
   */
  z.object({ kind: z.literal('window-center'), windowM: z.number().positive(), scale: z.number().positive() }),
]);
export type Normalization = z.infer<typeof Normalization>;

export const BandSpec = z.object({
  source: BandSource,
  normalization: Normalization,
  /** Clamp after normalisation, if given. */
  clip: z.tuple([z.number(), z.number()]).optional(),
  /**
   * Terrain sources only: derive them after averaging the DEM to this ground sampling distance (m)
   * when the DEM is finer (e.g. 0.5 m DSM noise), then resample onto the imagery grid.
   */
  derivedAtM: z.number().positive().optional(),
  /** Value fed where the band has no data (after normalisation). */
  fill: z.number().default(0),
});
export type BandSpec = z.infer<typeof BandSpec>;

export const ModelInput = z.object({
  /** ONNX input name. */
  name: z.string().min(1),
  bands: z.array(BandSpec).min(1),
  /** Optical value domain the network was trained on; imagery of another type is stretched to it. */
  valueDomain: z.enum(['uint8', 'reflectance', 'any']).default('any'),
  /** True when the model was trained with this input randomly zeroed, so it runs without it (fed `fill`). */
  optional: z.boolean().default(false),
});
export type ModelInput = z.infer<typeof ModelInput>;

export const MetricRow = z.object({
  dataset: z.string(),
  split: z.string(),
  /** e.g. 'rgb', 'rgb+dem', 'rgb (terrain dropped)'. */
  inputs: z.string(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  iou: z.number(),
  threshold: z.number(),
  /** 'pooled-pixel' (the honest figure) or 'per-image-mean' (the papers' style, comparison only). */
  method: z.enum(['pooled-pixel', 'per-image-mean']),
  pixels: z.number().int().nonnegative().optional(),
  notes: z.string().optional(),
});
export type MetricRow = z.infer<typeof MetricRow>;

export const ModelCard = z.object({
  schemaVersion: z.literal(1),
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  name: z.string(),
  version: z.string(),
  description: z.string(),
  architecture: z.string(),
  task: z.literal('binary-segmentation'),
  inputs: z.array(ModelInput).min(1),
  output: z.object({
    name: z.string(),
    /** What the network emits; the app converts it to a landslide probability. */
    activation: z.enum(['sigmoid', 'softmax', 'logits-sigmoid']),
    /** Channel holding the landslide class. */
    channel: z.number().int().nonnegative().default(0),
    classNames: z.array(z.string()).min(1),
  }),
  threshold: z.number().gt(0).lt(1),
  /**
   * Hysteresis thresholding, chosen on validation (training/scarp_train/hysteresis.py): a connected
   * region (8-neighbours) of probability ≥ `threshold` is a landslide only if it holds a pixel ≥
   * `seedThreshold`, its seed. Absent: every region above `threshold` is kept.
   */
  seedThreshold: z.number().gt(0).lt(1).optional(),
  gsd: z.object({
    nativeM: z.number().positive(),
    /** The range run as is (what training covered, e.g. native ±25 %). */
    minM: z.number().positive(),
    maxM: z.number().positive(),
    /**
     * A wider range the app accepts by resampling the scene into [minM, maxM] (to the nearer bound).
     * Absent: scenes outside [minM, maxM] are resampled to nativeM, up-sampling at most 4×.
     */
    resampleMinM: z.number().positive().optional(),
    resampleMaxM: z.number().positive().optional(),
  }),
  /**
   * The 1×1 head on the network's last feature map, for applying or refitting it in the app
   * (learning from corrections): probability = sigmoid((Σ_c weights[c]·features[c] + bias) / calibration.temperature).
   * `output` names the ONNX output holding the features [N, C, H, W] (C = weights.length).
   */
  head: z
    .object({
      output: z.string().min(1),
      weights: z.array(z.number()).min(1),
      bias: z.number(),
    })
    .optional(),
  /**
   * Probability calibration fitted on validation; the ONNX probability output and `head` already include
   * it. 'temperature': sigmoid(logit / T); 'platt': sigmoid((logit + biasShift) / T), the shift already added
   * to head.bias. `ece` = expected calibration error over 15 equal bins on held-out pixels with p ≥ 0.1.
   */
  calibration: z
    .object({
      method: z.enum(['temperature', 'platt']),
      temperature: z.number().positive(),
      biasShift: z.number().optional(),
      ece: z.number().nonnegative().optional(),
      eceSplit: z.string().optional(),
    })
    .optional(),
  /**
   * Whether the app may pick this model by itself (default true). False for research variants (e.g. a
   * model trained on one site only, for measurements) and implied for adapted models.
   */
  pickByDefault: z.boolean().default(true),
  /**
   * Present on a model adapted to one event from an operator's corrections (learning from
   * corrections): its head was refitted; the network is the base model's. Never picked by default.
   */
  adaptation: z
    .object({
      baseModel: z.string().min(1),
      baseSha256: z.string().optional(),
      event: z.string().optional(),
      createdAt: z.string().min(1),
      labels: z.object({
        confirmed: z.number().int().nonnegative(),
        rejected: z.number().int().nonnegative(),
        drawn: z.number().int().nonnegative(),
        background: z.number().int().nonnegative(),
        positivePixels: z.number().int().nonnegative(),
        negativePixels: z.number().int().nonnegative(),
      }),
      method: z.string().min(1),
    })
    .optional(),
  /** Test-time augmentation recommended by measurement: 'flips' averages the identity and three flips. */
  tta: z.enum(['none', 'flips']).default('none'),
  /** What the model is for, used by the picker's explanation (e.g. 'UAV/aerial 0.3-1 m RGB + DEM'). */
  domain: z.string().optional(),
  tile: z.object({
    size: z.number().int().min(32),
    overlap: z.number().int().nonnegative(),
    /** Spatial size must be a multiple of this (network down-sampling factor). */
    multipleOf: z.number().int().positive().default(32),
  }),
  training: z.object({
    datasets: z.array(z.object({ name: z.string(), citation: z.string(), licence: z.string() })),
    command: z.string(),
    epochs: z.number().optional(),
    device: z.string().optional(),
    notes: z.string().optional(),
  }),
  metrics: z.array(MetricRow),
  parameters: z.number().int().positive().optional(),
  licence: z.string(),
  authors: z.string().optional(),
  created: z.string(),
});
export type ModelCard = z.infer<typeof ModelCard>;

/** Parse and validate a card; throws a readable message naming the offending fields. */
export function parseModelCard(value: unknown, where: string): ModelCard {
  const result = ModelCard.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`Invalid model card ${where}: ${problems}`);
  }
  return result.data;
}
