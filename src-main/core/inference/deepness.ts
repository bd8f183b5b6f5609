/**
 * Model cards from Deepness (QGIS plugin) metadata, so users can drop in models made for it.
 *
 * Deepness stores JSON-encoded values in the ONNX metadata_props (keys as read by its
 * `ModelBase`): model_type ("Segmentor"), class_names ({"0": "background", "1": "x"}, or a list of
 * such dicts, one per output; Python-literal dicts with int keys also occur), resolution (cm per
 * pixel), tile_size (its docs spell it tiles_size; both accepted), tiles_overlap (percent of the
 * tile), seg_thresh, and standardization_mean / standardization_std (per channel). Deepness feeds
 * the first N channels of the layer as value / 255, then (x − mean) / std, NCHW: in card terms an
 * affine normalisation with scale = 1 / (255·std) and offset = −mean / std on uint8 values.
 */
import type { ModelCard, BandSource } from '../../../src-shared/model-card';
import { parseModelCard } from '../../../src-shared/model-card';
import type { OnnxInfo } from './onnx-metadata';

export const DEEPNESS_KEYS = [
  'model_type',
  'class_names',
  'names',
  'resolution',
  'tile_size',
  'tiles_size',
  'tiles_overlap',
  'seg_thresh',
  'seg_small_segment',
  'standardization_mean',
  'standardization_std',
] as const;

export function hasDeepnessMetadata(meta: Record<string, string>): boolean {
  return 'model_type' in meta || 'class_names' in meta || 'resolution' in meta;
}

/** JSON, or the Python literal Deepness also accepts ({0: 'a'}, True/False/None). */
export function parseLooseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const t = text
      .replace(/'/g, '"')
      .replace(/([{,]\s*)(-?\d+)\s*:/g, '$1"$2":')
      .replace(/\bTrue\b/g, 'true')
      .replace(/\bFalse\b/g, 'false')
      .replace(/\bNone\b/g, 'null');
    return JSON.parse(t);
  }
}

/** Thrown with the offending key; the registry wraps it into INVALID_MODEL naming the file. */
export class DeepnessMetadataError extends Error {}

function num(meta: Record<string, string>, key: string): number | undefined {
  if (!(key in meta)) return undefined;
  let v: unknown;
  try {
    v = parseLooseJson(meta[key]!);
  } catch {
    throw new DeepnessMetadataError(`Deepness metadata '${key}' is not valid JSON: ${meta[key]!.slice(0, 80)}`);
  }
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new DeepnessMetadataError(`Deepness metadata '${key}' must be a number, got ${meta[key]}`);
  return n;
}

function numList(meta: Record<string, string>, key: string): number[] | undefined {
  if (!(key in meta)) return undefined;
  const v = parseLooseJson(meta[key]!);
  if (!Array.isArray(v) || !v.every((x) => Number.isFinite(Number(x)))) {
    throw new DeepnessMetadataError(`Deepness metadata '${key}' must be a list of numbers, got ${meta[key]}`);
  }
  return v.map(Number);
}

/** Class names of the first output, in class-id order. */
function classNames(meta: Record<string, string>): string[] | undefined {
  const key = 'class_names' in meta ? 'class_names' : 'names' in meta ? 'names' : null;
  if (!key) return undefined;
  let v: unknown;
  try {
    v = parseLooseJson(meta[key]!);
  } catch {
    throw new DeepnessMetadataError(`Deepness metadata '${key}' is not valid JSON: ${meta[key]!.slice(0, 80)}`);
  }
  if (Array.isArray(v)) v = v[0];
  if (!v || typeof v !== 'object') throw new DeepnessMetadataError(`Deepness metadata '${key}' must map class ids to names`);
  const entries = Object.entries(v as Record<string, unknown>).map(([k, name]) => [Number(k), String(name)] as const);
  entries.sort((a, b) => a[0] - b[0]);
  entries.forEach(([k], i) => {
    if (k !== i) throw new DeepnessMetadataError(`Deepness metadata '${key}': class ids are not consecutive from 0`);
  });
  return entries.map(([, n]) => n);
}

const staticDim = (d: unknown): number | null => (typeof d === 'number' && d > 0 ? d : null);

/**
 * Build a Scarp card from Deepness metadata. `id` is derived from the file name by the caller.
 * Throws DeepnessMetadataError (missing/invalid key) or the card parser's Error.
 */
export function cardFromDeepness(meta: Record<string, string>, onnx: OnnxInfo, id: string, fileName: string): ModelCard {
  if ('model_type' in meta) {
    const t = String(parseLooseJson(meta.model_type!)).toLowerCase();
    if (t !== 'segmentor') {
      throw new DeepnessMetadataError(
        `Deepness model_type '${t}' is not supported: Scarp runs segmentation models (model_type "Segmentor")`,
      );
    }
  }
  if (onnx.inputs.length !== 1) throw new DeepnessMetadataError(`a Deepness model has one input; this one has ${onnx.inputs.length}`);
  const input = onnx.inputs[0]!;
  const output = onnx.outputs[0];
  if (!output) throw new DeepnessMetadataError('the graph has no output');
  const channels = staticDim(input.dims?.[1]) ?? 3;
  if (channels < 1 || channels > 4) {
    throw new DeepnessMetadataError(`input '${input.name}' has ${channels} channels; Scarp maps 3 (RGB) or 4 (RGB + NIR) for Deepness models`);
  }
  const sources: BandSource[] = ['red', 'green', 'blue', 'nir'].slice(0, channels) as BandSource[];
  const mean = numList(meta, 'standardization_mean') ?? [];
  const std = numList(meta, 'standardization_std') ?? [];
  const bands = sources.map((source, c) => {
    const m = mean[c] ?? 0;
    const s = std[c] ?? 1;
    if (!(s > 0)) throw new DeepnessMetadataError(`Deepness metadata 'standardization_std' must be positive (channel ${c}: ${s})`);
    return { source, normalization: { kind: 'affine' as const, scale: 1 / (255 * s), offset: m === 0 ? 0 : -m / s }, fill: 0 };
  });

  const resolutionCm = num(meta, 'resolution');
  if (resolutionCm === undefined) throw new DeepnessMetadataError("Deepness metadata has no 'resolution' (cm per pixel): Scarp cannot tell which imagery the model is for");
  if (!(resolutionCm > 0)) throw new DeepnessMetadataError(`Deepness metadata 'resolution' must be positive, got ${resolutionCm}`);
  const nativeM = resolutionCm / 100;

  const size = num(meta, 'tile_size') ?? num(meta, 'tiles_size') ?? staticDim(input.dims?.[3]) ?? staticDim(input.dims?.[2]);
  if (size === undefined || size === null) throw new DeepnessMetadataError("Deepness metadata has no 'tile_size' and the input has no fixed size");
  const overlapPct = num(meta, 'tiles_overlap') ?? 10;
  const overlap = Math.min(size - 1, Math.max(0, Math.round((size * overlapPct) / 100)));
  let multipleOf = 32;
  while (multipleOf > 1 && size % multipleOf !== 0) multipleOf /= 2;

  const outChannels = staticDim(output.dims?.[1]);
  const names = classNames(meta) ?? (outChannels === 1 ? ['landslide'] : undefined);
  const nClasses = names?.length ?? outChannels ?? 1;
  let channel = 0;
  let activation: ModelCard['output']['activation'] = 'sigmoid';
  if (nClasses > 1) {
    activation = 'softmax';
    const named = names?.findIndex((n) => /landslid/i.test(n)) ?? -1;
    channel = named >= 0 ? named : nClasses - 1;
  }
  const threshold = num(meta, 'seg_thresh') ?? 0.5;

  return parseModelCard(
    {
      schemaVersion: 1,
      id,
      name: fileName,
      version: 'unknown',
      description: `Third-party model imported from the Deepness metadata of ${fileName}.`,
      architecture: 'unknown (Deepness segmentor)',
      task: 'binary-segmentation',
      inputs: [{ name: input.name, bands, valueDomain: 'uint8' }],
      output: { name: output.name, activation, channel, classNames: names ?? Array.from({ length: nClasses }, (_, i) => `class_${i}`) },
      threshold: Math.min(0.99, Math.max(0.01, threshold)),
      // Deepness states one resolution; accept imagery within a factor of 2 of it without resampling.
      gsd: { nativeM, minM: nativeM / 2, maxM: nativeM * 2 },
      tile: { size, overlap, multipleOf },
      training: { datasets: [], command: 'unknown (third-party model)' },
      metrics: [],
      licence: 'unknown',
      created: 'unknown',
    },
    `from the Deepness metadata of ${fileName}`,
  );
}
