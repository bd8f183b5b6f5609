/**
 * Splitting a tile plan into N shards that separate processes (or machines) run, and that
 * `merge-shards` joins into exactly what one run computes.
 *
 * - A shard is a contiguous range of tile rows, chosen so that the shards hold about equal numbers
 *   of included tiles. Every tile runs in exactly one shard: no tile is computed twice.
 * - Image rows that only the shard's own tiles reach are FINAL there: their blended probability is
 *   bit for bit the single run's (same tiles, same weights, same order). Rows that tiles of two
 *   shards reach (the overlap between two tile rows) are PARTIAL: each shard hands over its
 *   weighted sum and weight sum (blend.ts RowSums) and the merge adds them and divides once.
 */
import { ScarpError } from '../../../src-shared/errors';
import type { TilePlan } from './tiling';

/** 1-based K of N, as on the command line. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** One shard's part of the plan, in tile rows and image rows. */
export interface ShardPart {
  index: number;
  count: number;
  /** Tile rows [first, end) of the plan; empty when first === end (more shards than tile rows). */
  tileRows: { first: number; end: number };
  /** Image rows any tile of the shard reaches: [y0, y1). */
  touched: { y0: number; y1: number };
  /** Image rows only the shard's tiles reach: [y0, y1) inside `touched` (may be empty). */
  final: { y0: number; y1: number };
}

export function checkShardSpec(spec: ShardSpec): void {
  const { index, count } = spec;
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 1 || index > count) {
    throw new ScarpError({
      code: 'INVALID_ARGUMENT',
      message: `Shard ${index}/${count} does not exist: K/N needs whole numbers with 1 ≤ K ≤ N.`,
      hint: 'Give --shard K/N, e.g. --shard 2/8 for the second of eight shards.',
    });
  }
}

/** Tile-row boundaries b[0] = 0 < … ≤ b[N] = rows: shard k runs tile rows [b[k-1], b[k]). */
export function shardBoundaries(plan: TilePlan, count: number): number[] {
  const nRows = plan.rows.length;
  const perRow = new Array<number>(nRows).fill(0);
  for (const t of plan.included) perRow[plan.tiles[t]!.row]!++;
  const total = plan.included.length;
  const cum = [0];
  for (let r = 0; r < nRows; r++) cum.push(cum[r]! + perRow[r]!);
  const b = [0];
  for (let k = 1; k < count; k++) {
    // The first boundary at or past the k-th share of the tiles (rows of skipped tiles go with the next tiles).
    let r = b[k - 1]!;
    while (r < nRows && cum[r]! * count < k * total) r++;
    b.push(r);
  }
  b.push(nRows);
  return b;
}

/** Shard `spec.index` of `spec.count` of the plan. */
export function shardPart(plan: TilePlan, spec: ShardSpec): ShardPart {
  checkShardSpec(spec);
  const b = shardBoundaries(plan, spec.count);
  const first = b[spec.index - 1]!;
  const end = b[spec.index]!;
  if (first === end) return { ...spec, tileRows: { first, end }, touched: { y0: 0, y1: 0 }, final: { y0: 0, y1: 0 } };
  const rows = plan.rows;
  const spanEnd = (r: number) => rows[r]!.start + rows[r]!.size;
  const touched = { y0: rows[first]!.start, y1: spanEnd(end - 1) };
  // Ends of spans grow with the row index, and so do starts: the rows earlier shards reach end at the
  // end of the previous tile row, the rows later shards reach start at the next tile row's start.
  let f0 = touched.y0;
  for (let r = 0; r < first; r++) f0 = Math.max(f0, spanEnd(r));
  let f1 = touched.y1;
  for (let r = end; r < rows.length; r++) f1 = Math.min(f1, rows[r]!.start);
  if (f1 < f0) f1 = f0;
  return { ...spec, tileRows: { first, end }, touched, final: { y0: f0, y1: f1 } };
}

/** The plan with only the shard's tiles included (the others skipped); same grid, spans and weights. */
export function restrictPlan(plan: TilePlan, part: ShardPart): TilePlan {
  const inShard = (row: number) => row >= part.tileRows.first && row < part.tileRows.end;
  const tiles = plan.tiles.map((t) => (inShard(t.row) ? t : { ...t, skip: true }));
  return { ...plan, tiles, included: plan.included.filter((i) => inShard(plan.tiles[i]!.row)) };
}

/** Tiles the shard runs. */
export function shardTileCount(plan: TilePlan, part: ShardPart): number {
  return plan.included.filter((i) => {
    const r = plan.tiles[i]!.row;
    return r >= part.tileRows.first && r < part.tileRows.end;
  }).length;
}
