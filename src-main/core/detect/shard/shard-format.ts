/**
 * What a shard file says about itself (its `scarp_shard` description): the format, the run every
 * shard of one detection shares and the shard's part. Written by run-shard.ts, read by
 * merge-shards.ts and batch/run-batch.ts; kept apart so that reading shard files loads nothing of
 * the detection (ONNX Runtime, the raster readers).
 */
import type { DetectResult } from '../../../../src-shared/api';
import type { Grid } from '../../../../src-shared/geo';
import type { ShardPart } from '../../inference/shards';
import type { SeparateOptions } from '../../vector/separate';

/** 2: final rows hold their foreground runs only (held-rows.ts). 3: the run separates touching landslides. */
export const SHARD_FORMAT = 'scarp-shard/3';

/** What every shard of one run shares; the merge refuses shards whose `run` differs. */
export interface ShardRun {
  image: string;
  dem: string | null;
  aoi: string | null;
  model: { id: string; name: string; sha256: string };
  threshold: number;
  /** The seed threshold (hysteresis: vector/separate.ts), present only when one applies. */
  seedThreshold?: number;
  minAreaM2: number;
  simplifyM: number;
  /** How blobs of touching landslides are cut (vector/separate.ts), or null to keep them whole. */
  separation: SeparateOptions | null;
  tta: boolean;
  batchSize: number;
  layout: unknown;
  /** The grid the probability rows live on (the AOI's window of the work grid). */
  grid: Grid;
  plan: { width: number; height: number; tileSize: number; overlap: number; tileRows: number; tiles: number };
}

/** The `scarp_shard` description (JSON). */
export interface ShardDescription {
  format: typeof SHARD_FORMAT;
  /** sha256 of `run`: equal for every shard of one run. */
  fingerprint: string;
  /** The run id every polygon of the run carries (derived from the fingerprint). */
  runId: string;
  scene: string;
  run: ShardRun;
  part: ShardPart;
  /** Stored final rows: [part.final.y0, topEnd) and [bottomStart, part.final.y1). */
  edges: { topEnd: number; bottomStart: number };
  terrain: boolean;
  features: number;
  heldBack: number;
  tiles: number;
  provider: string;
  /** Seconds: wall time of the shard, of inference, of vectorising; CPU time of the process (user + system). */
  timings: { totalS: number; inferenceS: number; vectoriseS: number; cpuS: number };
  warnings: string[];
  /** Fields of the DetectResult the merge reports again. */
  result: Pick<DetectResult, 'model' | 'modelReason' | 'gsdM' | 'resampled' | 'gsdPlan' | 'usedDem'>;
}
