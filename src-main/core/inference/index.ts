/** Inference: model registry and cards, ONNX metadata, providers, tiling, blending, the ORT worker. */
export { readOnnxInfo, readOnnxInfoFile, metadataMap, ONNX_FLOAT } from './onnx-metadata';
export type { OnnxInfo, OnnxValueInfo, OnnxDim } from './onnx-metadata';
export { cardFromDeepness, hasDeepnessMetadata, parseLooseJson, DEEPNESS_KEYS } from './deepness';
export {
  CARD_METADATA_KEY,
  loadModelFile,
  listModels,
  resolveModel,
  pickDefaultModel,
  crossCheckCard,
  cardSources,
  usesTerrain,
} from './registry';
export type { LoadedModel, ModelListing } from './registry';
export {
  createSessionWithFallback,
  providerPlan,
  sessionOptions,
  defaultIntraOpThreads,
  parseProviderPreference,
  isProviderName,
  PROVIDER_LABEL,
} from './providers';
export type { ProviderName, ProviderPreference, ProviderAttempt, ProviderOptions, CreatedSession } from './providers';
export { planTiles, planBatches, axisSpans, resumeBatchIndex, maskSkipper } from './tiling';
export type { TilePlan, TileSpec, AxisSpan, TilePlanOptions, CoverageMask } from './tiling';
export { StreamingBlender, taperWindow } from './blend';
export type { RowSink, BlenderOptions } from './blend';
export {
  normalizeBand,
  stretchToUint8,
  writeInputTile,
  extractProbability,
  percentileStretch,
  gainStretch,
  UINT8_REFERENCE_P98,
  isTerrain,
} from './preprocess';
export type { BandStretch, InputBands, TileShape } from './preprocess';
export { planScale, sceneGsdOf, MAX_UPSAMPLING } from './gsd';
export type { ScalePlan } from './gsd';
export { startWorkerRunner, startInProcessRunner } from './runner';
export type { OrtRunner, RunOutput, RunnerOptions } from './runner';
export type { TensorData, TensorMap } from './worker-protocol';
export { runTiledInference, DEFAULT_BATCH_SIZE } from './tiled-inference';
export { applyHead } from './head';
export { flipPlane, flipTensor, flipFeeds, TTA_FLIPS } from './tta';
export type { Flip } from './tta';
export type { TiledInferenceOptions, InferenceStats, InferenceProgress, TileInputs } from './tiled-inference';
