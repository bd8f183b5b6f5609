/**
 * Tile plans: which windows of a W × H grid go through the network, in which order, in which batch.
 *
 * - Tiles are `tileSize` squares with `overlap` pixels shared between neighbours (stride =
 *   tileSize − overlap), in a fixed row-major order.
 * - The last tile of each row/column is aligned to the image edge (it overlaps its neighbour more)
 *   so no tile reaches beyond the image. Only when the image is smaller than a tile along an axis
 *   is the tile shorter than `tileSize` there; its tensor is then padded (with nodata → fill) and
 *   the output cropped.
 * - Tiles can be skipped at plan time (outside an AOI, or known to be all nodata).
 * - Batches are fixed chunks of the included tiles: batch k always holds the same tiles, so a
 *   resumed run feeds ORT exactly the same tensors.
 */
import type { Window } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';

/** One tile position along an axis. */
export interface AxisSpan {
  start: number;
  size: number;
  /** Pixels shared with the previous span (0 for the first). */
  overlapBefore: number;
  /** Pixels shared with the next span (0 for the last). */
  overlapAfter: number;
}

export interface TileSpec {
  /** Position in the plan's row-major order. */
  index: number;
  row: number;
  col: number;
  /** The image pixels this tile reads and predicts; width/height < tileSize only for images smaller than a tile. */
  window: Window;
  /** Excluded at plan time (outside the AOI / all nodata): never read, never run. */
  skip: boolean;
}

export interface TilePlan {
  width: number;
  height: number;
  tileSize: number;
  overlap: number;
  stride: number;
  /** The card's tile size; every tensor is tensorHeight × tensorWidth. */
  tensorSize: number;
  /** Spatial size of the tensors fed to the network: tileSize, or less on an axis where the whole image is
   *  smaller than a tile and the plan was made with `fitSmallImage` (rounded up to `multipleOf`). */
  tensorWidth: number;
  tensorHeight: number;
  cols: AxisSpan[];
  rows: AxisSpan[];
  /** Every tile, row-major (index = row * cols.length + col). */
  tiles: TileSpec[];
  /** Indices of the tiles that run, in order. */
  included: number[];
}

export interface TilePlanOptions {
  width: number;
  height: number;
  tileSize: number;
  overlap: number;
  /** The network's size multiple (card tile.multipleOf); tileSize must be a multiple of it. */
  multipleOf?: number;
  /** True for a tile window that needs no inference (entirely outside the AOI / entirely nodata). */
  skip?: (window: Window) => boolean;
  /** Feed an image smaller than a tile as a tensor its own size (rounded up to `multipleOf`), as training's
   *  evaluation does, rather than padded to a whole tile: a decoder that pools over the whole tile (global
   *  pooling, GRN) sees the padding. Only for graphs whose spatial size is not fixed. */
  fitSmallImage?: boolean;
}

/** Tile starts along one axis: stride steps, the last one aligned to the edge. */
export function axisSpans(length: number, tileSize: number, overlap: number): AxisSpan[] {
  if (length <= 0) return [];
  if (length <= tileSize) return [{ start: 0, size: length, overlapBefore: 0, overlapAfter: 0 }];
  const stride = tileSize - overlap;
  const starts: number[] = [];
  for (let s = 0; s + tileSize < length; s += stride) starts.push(s);
  const last = length - tileSize;
  if (starts[starts.length - 1]! < last) starts.push(last);
  return starts.map((start, i) => ({
    start,
    size: tileSize,
    overlapBefore: i === 0 ? 0 : starts[i - 1]! + tileSize - start,
    overlapAfter: i === starts.length - 1 ? 0 : start + tileSize - starts[i + 1]!,
  }));
}

export function planTiles(options: TilePlanOptions): TilePlan {
  const { width, height, tileSize, overlap } = options;
  const multipleOf = options.multipleOf ?? 1;
  const bad = (message: string): never => {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message });
  };
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    bad(`Tile plan: grid size must be positive integers, got ${width} × ${height}.`);
  }
  if (!Number.isInteger(tileSize) || tileSize <= 0) bad(`Tile plan: tile size must be a positive integer, got ${tileSize}.`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= tileSize) {
    bad(`Tile plan: overlap must be an integer in [0, tile size), got ${overlap} for tile size ${tileSize}.`);
  }
  if (tileSize % multipleOf !== 0) bad(`Tile plan: tile size ${tileSize} is not a multiple of ${multipleOf}.`);
  const cols = axisSpans(width, tileSize, overlap);
  const rows = axisSpans(height, tileSize, overlap);
  const tiles: TileSpec[] = [];
  const included: number[] = [];
  for (let r = 0; r < rows.length; r++) {
    for (let c = 0; c < cols.length; c++) {
      const window: Window = { x: cols[c]!.start, y: rows[r]!.start, width: cols[c]!.size, height: rows[r]!.size };
      const skip = options.skip ? options.skip(window) : false;
      const index = tiles.length;
      tiles.push({ index, row: r, col: c, window, skip });
      if (!skip) included.push(index);
    }
  }
  const fit = (n: number): number => (options.fitSmallImage ? Math.min(tileSize, Math.ceil(n / multipleOf) * multipleOf) : tileSize);
  return {
    width, height, tileSize, overlap, stride: tileSize - overlap,
    tensorSize: tileSize, tensorWidth: fit(width), tensorHeight: fit(height),
    cols, rows, tiles, included,
  };
}

/** Fixed batch composition: consecutive chunks of the included tiles. */
export function planBatches(plan: TilePlan, batchSize: number): number[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Batch size must be a positive integer, got ${batchSize}.` });
  }
  const batches: number[][] = [];
  for (let i = 0; i < plan.included.length; i += batchSize) batches.push(plan.included.slice(i, i + batchSize));
  return batches;
}

/**
 * The first batch a run must start from so that every image row from `startRow` on is produced
 * exactly as in an uninterrupted run (tiles reaching into rows ≥ startRow, and the overlap they
 * blend with, are recomputed; rows before startRow are not emitted again).
 */
export function resumeBatchIndex(plan: TilePlan, batches: number[][], startRow: number): number {
  if (startRow <= 0) return 0;
  for (let b = 0; b < batches.length; b++) {
    for (const t of batches[b]!) {
      const w = plan.tiles[t]!.window;
      if (w.y + w.height > startRow) return b;
    }
  }
  return batches.length;
}

/** A coarse mask over the grid (AOI or valid-data), nonzero = keep. mask cell (i, j) covers grid pixels proportionally. */
export interface CoverageMask {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * A `skip` predicate from a coarse mask: a tile is skipped when every mask cell it touches is 0
 * (conservative: a partly covered cell keeps the tile).
 */
export function maskSkipper(mask: CoverageMask, gridWidth: number, gridHeight: number): (w: Window) => boolean {
  if (mask.data.length !== mask.width * mask.height) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'Coverage mask size does not match its data length.' });
  }
  const sx = mask.width / gridWidth;
  const sy = mask.height / gridHeight;
  return (w) => {
    const cx0 = Math.max(0, Math.floor(w.x * sx));
    const cx1 = Math.min(mask.width, Math.ceil((w.x + w.width) * sx));
    const cy0 = Math.max(0, Math.floor(w.y * sy));
    const cy1 = Math.min(mask.height, Math.ceil((w.y + w.height) * sy));
    for (let cy = cy0; cy < cy1; cy++) {
      const base = cy * mask.width;
      for (let cx = cx0; cx < cx1; cx++) if (mask.data[base + cx] !== 0) return false;
    }
    return true;
  };
}
