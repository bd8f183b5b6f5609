/**
 * The optional hooks a detection run calls so that something else (the project store) can keep
 * the probability as it streams, resume an interrupted run and receive the inventory. Without
 * hooks, runDetection behaves exactly as before (files only).
 */
import type { Grid, Window } from '../../../src-shared/geo';
import type { LoadedModel, TilePlan } from '../inference';
import type { InventoryPolygon } from '../vector';
import type { InventoryMeta } from '../export/inventory';

export interface DetectionContext {
  model: LoadedModel;
  /** The grid the model runs on (the scene, or the scene resampled to the model's GSD). */
  workGrid: Grid;
  /** The processed window of workGrid; rows/tiles are relative to it. */
  region: Window;
  resampled: boolean;
  plan: TilePlan;
  /** Tiles per ORT batch (fixed for the run, so a resumed run feeds the same batches). */
  batchSize: number;
  threshold: number;
  /** The seed threshold (hysteresis), null when none applies. */
  seedThreshold: number | null;
  /** Test-time flips averaged (part of what a resumed run must match). */
  tta: boolean;
}

export interface DetectionBegin {
  /** Run id (recorded in the inventory). */
  runId: string;
  /** Region rows before this are already stored (resume); 0 for a fresh run. */
  startRow: number;
}

export interface ProbabilityRows {
  /** First region row. */
  y: number;
  height: number;
  /** height × region.width probabilities; NaN where undefined (no imagery, outside the AOI). */
  probability: Float32Array;
}

export interface DetectionEnd {
  runId: string;
  polygons: readonly InventoryPolygon[];
  provider: string;
  timings: { totalS: number; inferenceS: number; vectoriseS: number };
  tiles: number;
}

export interface DetectionHooks {
  begin(ctx: DetectionContext): Promise<DetectionBegin> | DetectionBegin;
  /** Finished probability rows from startRow on, in order. */
  rows(rows: ProbabilityRows): Promise<void> | void;
  /**
   * After inference: every region row, in order, from the kept copy (so that a resumed run
   * vectorises exactly what an uninterrupted one does). The run polygonises these instead of the
   * streamed rows.
   */
  vectorRows(): AsyncIterable<ProbabilityRows>;
  /** The inventory; called once, after the other outputs are complete. */
  end(result: DetectionEnd): Promise<void> | void;
  /** The run failed or was cancelled (not called when the process dies). */
  fail(error: unknown): void;
  /** What the outputs record of where the run belongs (a project: its name, event and imagery); after begin. */
  provenance?(): InventoryMeta;
}
