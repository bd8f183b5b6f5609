/**
 * The model registry: shipped models in models/ (`<id>.onnx` + `<id>.json`), and user-supplied
 * .onnx files carrying their card in the metadata (`scarp_card`) or Deepness-style metadata.
 * Every card is validated with the shared schema and cross-checked against the ONNX graph.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import type { BandSource, ModelCard } from '../../../src-shared/model-card';
import { parseModelCard } from '../../../src-shared/model-card';
import { ScarpError } from '../../../src-shared/errors';
import { modelsDir } from '../paths';
import { ONNX_FLOAT, metadataMap, readOnnxInfo, type OnnxInfo } from './onnx-metadata';
import { DeepnessMetadataError, cardFromDeepness, hasDeepnessMetadata } from './deepness';
import { isTerrain } from './preprocess';
import { pickModel, pickableFromCard, type ModelPick } from '../../../src-shared/model-pick';

export const CARD_METADATA_KEY = 'scarp_card';

export interface LoadedModel {
  id: string;
  card: ModelCard;
  onnxPath: string;
  /** The JSON card file, when the card came from one. */
  cardPath: string | null;
  cardSource: 'json' | 'embedded' | 'deepness';
  /** sha256 of the .onnx file (hex), for run records. */
  sha256: string;
  sizeBytes: number;
  onnx: OnnxInfo;
  /** The graph's batch dimension when it is fixed (then runs use that batch size), else null. */
  fixedBatch: number | null;
  /** Whether the graph fixes an input's height or width (then every tensor is a whole tile). */
  fixedSpatial: boolean;
}

/** Largest inference tile a card may ask for (4096² px is 64 MiB per float channel before the network's own activations). */
export const MAX_TILE_SIZE = 4096;

function invalid(file: string, message: string, hint?: string, cause?: unknown): ScarpError {
  return new ScarpError({ code: 'INVALID_MODEL', message, file, hint }, cause === undefined ? undefined : { cause });
}

/** Check the card against the graph: names, ranks, channel counts, tile size, element types. */
export function crossCheckCard(card: ModelCard, onnx: OnnxInfo, file: string): { fixedBatch: number | null; fixedSpatial: boolean } {
  const graphInputs = new Map(onnx.inputs.map((v) => [v.name, v]));
  const graphOutputs = new Map(onnx.outputs.map((v) => [v.name, v]));
  const list = (m: Map<string, unknown>) => [...m.keys()].map((k) => `'${k}'`).join(', ') || '(none)';
  const T = card.tile.size;
  if (T % card.tile.multipleOf !== 0) {
    throw invalid(file, `Model card of ${file}: tile.size ${T} is not a multiple of tile.multipleOf ${card.tile.multipleOf}.`);
  }
  if (T > MAX_TILE_SIZE) {
    throw invalid(
      file,
      `Model card of ${file}: tile.size ${T} is larger than ${MAX_TILE_SIZE} px; one such tile would need gigabytes of memory for the network's activations.`,
      `Set tile.size to what the model was trained or validated at (256–1024 px is usual).`,
    );
  }
  if (card.tile.overlap >= T) {
    throw invalid(file, `Model card of ${file}: tile.overlap ${card.tile.overlap} must be smaller than tile.size ${T}.`);
  }
  if (card.gsd.minM > card.gsd.nativeM || card.gsd.maxM < card.gsd.nativeM) {
    throw invalid(file, `Model card of ${file}: gsd.nativeM ${card.gsd.nativeM} is outside gsd.minM..gsd.maxM (${card.gsd.minM}..${card.gsd.maxM}).`);
  }
  const wideLo = card.gsd.resampleMinM;
  const wideHi = card.gsd.resampleMaxM;
  if ((wideLo !== undefined && wideLo > card.gsd.minM) || (wideHi !== undefined && wideHi < card.gsd.maxM)) {
    throw invalid(
      file,
      `Model card of ${file}: the resample range gsd.resampleMinM..gsd.resampleMaxM (${wideLo ?? card.gsd.minM}..${wideHi ?? card.gsd.maxM}) must contain gsd.minM..gsd.maxM (${card.gsd.minM}..${card.gsd.maxM}).`,
    );
  }
  let fixedBatch: number | null = null;
  let fixedSpatial = false;
  const seen = new Set<string>();
  for (const [i, input] of card.inputs.entries()) {
    const g = graphInputs.get(input.name);
    if (!g) {
      throw invalid(file, `Model card of ${file}: inputs.${i}.name '${input.name}' is not an input of the ONNX graph (it has ${list(graphInputs)}).`);
    }
    if (seen.has(input.name)) throw invalid(file, `Model card of ${file}: input '${input.name}' is listed twice.`);
    seen.add(input.name);
    if (g.elemType !== ONNX_FLOAT) {
      throw invalid(file, `${file}: graph input '${input.name}' has ONNX element type ${g.elemType}; Scarp feeds float32 (type 1).`);
    }
    if (g.dims) {
      if (g.dims.length !== 4) {
        throw invalid(file, `${file}: graph input '${input.name}' has rank ${g.dims.length}; Scarp feeds [N, C, H, W].`);
      }
      const [n, c, h, w] = g.dims;
      if (typeof c === 'number' && c !== input.bands.length) {
        throw invalid(
          file,
          `Model card of ${file}: inputs.${i}.bands lists ${input.bands.length} band(s) but graph input '${input.name}' has ${c} channels.`,
        );
      }
      for (const [axis, d] of [['height', h], ['width', w]] as const) {
        if (typeof d === 'number' && d !== T) {
          throw invalid(file, `Model card of ${file}: tile.size ${T} but graph input '${input.name}' has a fixed ${axis} of ${d}.`);
        }
        if (typeof d === 'number' && d > 0) fixedSpatial = true;
      }
      if (typeof n === 'number' && n > 0) fixedBatch = fixedBatch === null ? n : Math.min(fixedBatch, n);
    }
  }
  const missing = [...graphInputs.keys()].filter((n) => !seen.has(n));
  if (missing.length > 0) {
    throw invalid(file, `Model card of ${file} does not describe graph input(s) ${missing.map((m) => `'${m}'`).join(', ')}.`);
  }
  const out = graphOutputs.get(card.output.name);
  if (!out) {
    throw invalid(file, `Model card of ${file}: output.name '${card.output.name}' is not an output of the ONNX graph (it has ${list(graphOutputs)}).`);
  }
  if (out.elemType !== ONNX_FLOAT && out.elemType !== 0) {
    throw invalid(file, `${file}: graph output '${out.name}' has ONNX element type ${out.elemType}; Scarp reads float32 (type 1).`);
  }
  if (out.dims) {
    if (out.dims.length !== 4 && out.dims.length !== 3) {
      throw invalid(file, `${file}: graph output '${out.name}' has rank ${out.dims.length}; expected [N, C, H, W] or [N, H, W].`);
    }
    const c = out.dims.length === 4 ? out.dims[1] : 1;
    if (typeof c === 'number' && card.output.channel >= c) {
      throw invalid(file, `Model card of ${file}: output.channel ${card.output.channel} but output '${out.name}' has ${c} channel(s).`);
    }
  }
  if (card.head) {
    const feat = graphOutputs.get(card.head.output);
    if (!feat) {
      throw invalid(file, `Model card of ${file}: head.output '${card.head.output}' is not an output of the ONNX graph (it has ${list(graphOutputs)}).`);
    }
    if (feat.dims) {
      if (feat.dims.length !== 4) {
        throw invalid(file, `${file}: graph output '${feat.name}' (the head's features) has rank ${feat.dims.length}; expected [N, C, H, W].`);
      }
      const c = feat.dims[1];
      if (typeof c === 'number' && c !== card.head.weights.length) {
        throw invalid(
          file,
          `Model card of ${file}: head.weights has ${card.head.weights.length} value(s) but graph output '${feat.name}' has ${c} channels.`,
        );
      }
    }
  }
  return { fixedBatch, fixedSpatial };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function idFromFile(path: string): string {
  const stem = basename(path, extname(path)).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return stem || 'model';
}

async function readOnnx(onnxPath: string): Promise<{ info: OnnxInfo; bytes: Uint8Array }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(onnxPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ScarpError(
      {
        code: code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE',
        message: code === 'ENOENT' ? `Model file not found: ${onnxPath}` : `Cannot read model file ${onnxPath}: ${(e as Error).message}`,
        file: onnxPath,
      },
      { cause: e },
    );
  }
  try {
    return { info: readOnnxInfo(bytes), bytes };
  } catch (e) {
    throw invalid(onnxPath, `${onnxPath} is not a valid ONNX model: ${(e as Error).message}`, 'Export the model to ONNX again (torch.onnx.export).', e);
  }
}

function parseCardJson(text: string, where: string, file: string): ModelCard {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalid(file, `Model card ${where} is not valid JSON: ${(e as Error).message}`, undefined, e);
  }
  try {
    return parseModelCard(json, where);
  } catch (e) {
    throw invalid(file, (e as Error).message, 'Fix the card so it matches src-shared/model-card.ts.', e);
  }
}

/**
 * Load one model from an .onnx path. The card comes from, in order: `cardPath` if given, the
 * `<stem>.json` beside the .onnx, the embedded `scarp_card` metadata, Deepness metadata.
 */
export async function loadModelFile(onnxPath: string, cardPath?: string): Promise<LoadedModel> {
  const path = resolve(onnxPath);
  const { info, bytes } = await readOnnx(path);
  const meta = metadataMap(info);
  const sibling = path.replace(/\.onnx$/i, '') + '.json';
  const jsonPath = cardPath ? resolve(cardPath) : existsSync(sibling) && sibling !== path ? sibling : null;
  let card: ModelCard;
  let cardSource: LoadedModel['cardSource'];
  if (jsonPath) {
    let text: string;
    try {
      text = await readFile(jsonPath, 'utf8');
    } catch (e) {
      throw new ScarpError({ code: 'FILE_UNREADABLE', message: `Cannot read model card ${jsonPath}: ${(e as Error).message}`, file: jsonPath }, { cause: e });
    }
    card = parseCardJson(text, jsonPath, jsonPath);
    cardSource = 'json';
  } else if (CARD_METADATA_KEY in meta) {
    card = parseCardJson(meta[CARD_METADATA_KEY]!, `${path} (metadata '${CARD_METADATA_KEY}')`, path);
    cardSource = 'embedded';
  } else if (hasDeepnessMetadata(meta)) {
    try {
      card = cardFromDeepness(meta, info, idFromFile(path), basename(path));
    } catch (e) {
      const why = e instanceof DeepnessMetadataError || e instanceof Error ? e.message : String(e);
      throw invalid(path, `${path}: ${why}`, 'Fix the Deepness metadata, or give the model a Scarp card.', e);
    }
    cardSource = 'deepness';
  } else {
    throw invalid(
      path,
      `${path} has no model card: no ${basename(sibling)} beside it, no '${CARD_METADATA_KEY}' metadata and no Deepness metadata.`,
      `Write a card (src-shared/model-card.ts) to ${basename(sibling)}, or embed it in the ONNX metadata under '${CARD_METADATA_KEY}'.`,
    );
  }
  const cardFile = jsonPath ?? path;
  const { fixedBatch, fixedSpatial } = crossCheckCard(card, info, cardFile);
  return { id: card.id, card, onnxPath: path, cardPath: jsonPath, cardSource, sha256: sha256(bytes), sizeBytes: bytes.length, onnx: info, fixedBatch, fixedSpatial };
}

export interface ModelListing {
  models: LoadedModel[];
  /** Models that failed to load (each an INVALID_MODEL / FILE_* error naming the file). */
  problems: ScarpError[];
}

/** Every `<id>.onnx` + `<id>.json` pair in the models folder (sorted by id), plus the ones that failed. */
export async function listModels(dir: string = modelsDir()): Promise<ModelListing> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { models: [], problems: [] };
    throw e;
  }
  const models: LoadedModel[] = [];
  const problems: ScarpError[] = [];
  for (const name of names.filter((n) => n.toLowerCase().endsWith('.onnx')).sort()) {
    const onnxPath = join(dir, name);
    try {
      const m = await loadModelFile(onnxPath);
      const stem = basename(name, extname(name));
      if (m.cardSource === 'json' && m.card.id !== stem) {
        throw invalid(m.cardPath!, `Model card ${m.cardPath}: id '${m.card.id}' does not match the file name '${stem}'.`);
      }
      models.push(m);
    } catch (e) {
      if (e instanceof ScarpError) problems.push(e);
      else problems.push(new ScarpError({ code: 'INVALID_MODEL', message: `${onnxPath}: ${(e as Error).message}`, file: onnxPath }, { cause: e }));
    }
  }
  models.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { models, problems };
}

/**
 * A model by id (from the models folder) or by path (anything ending in .onnx or containing a path
 * separator). Unknown ids get a message listing the available ones.
 */
export async function resolveModel(idOrPath: string, dir: string = modelsDir()): Promise<LoadedModel> {
  const looksLikePath = /\.onnx$/i.test(idOrPath) || idOrPath.includes('/') || idOrPath.includes('\\');
  if (looksLikePath) {
    if (!existsSync(idOrPath)) throw new ScarpError({ code: 'FILE_NOT_FOUND', message: `Model file not found: ${idOrPath}`, file: idOrPath });
    return loadModelFile(idOrPath);
  }
  const onnxPath = join(dir, `${idOrPath}.onnx`);
  if (existsSync(onnxPath)) return loadModelFile(onnxPath);
  const { models } = await listModels(dir);
  const byId = models.find((m) => m.id === idOrPath);
  if (byId) return byId;
  throw new ScarpError({
    code: 'INVALID_ARGUMENT',
    message: `No model '${idOrPath}' in ${dir}.`,
    hint: models.length > 0 ? `Available: ${models.map((m) => m.id).join(', ')}; or pass a path to an .onnx file.` : 'Pass a path to an .onnx file.',
  });
}

/** Band sources a card needs from its non-optional inputs, and from all inputs. */
export function cardSources(card: ModelCard): { required: Set<BandSource>; all: Set<BandSource> } {
  const required = new Set<BandSource>();
  const all = new Set<BandSource>();
  for (const input of card.inputs) {
    for (const b of input.bands) {
      all.add(b.source);
      if (!input.optional) required.add(b.source);
    }
  }
  return { required, all };
}

export function usesTerrain(card: ModelCard): boolean {
  return [...cardSources(card).all].some(isTerrain);
}

/**
 * The default model for a scene: the shared rule of src-shared/model-pick.ts (runnable with the
 * bands given and accepting the scene GSD; run-as-is range first, terrain models first with a DEM,
 * nearer native GSD, then id), with its one-sentence reason. `gsdM` unknown (null/absent): ranked
 * by DEM use and id only. Returns null when nothing fits.
 */
export function pickDefaultModel(
  models: readonly LoadedModel[],
  opts: { hasDem: boolean; gsdM?: number | null; opticalBands?: readonly BandSource[] },
): ModelPick<LoadedModel> | null {
  return pickModel(models, (m) => pickableFromCard(m.card), opts);
}
