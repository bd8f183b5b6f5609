/**
 * Streaming blend of overlapping tile predictions into a probability raster.
 *
 * Every tile is weighted by a separable window w(x, y) = wx(x) · wy(y): 1 in the tile's core and a
 * squared-sine taper across the zone it shares with a neighbour (no taper on image edges). With a
 * regular overlap the two tapers sum to exactly 1 (sin² + cos²), and the result is always divided by
 * the sum of the weights, so any positive window gives a weighted mean: a constant output blends to
 * exactly that constant and no seam appears where tiles meet.
 *
 * Memory is O(width × tileSize): tiles arrive in plan (row-major) order; only the accumulator rows
 * of the tile row in progress (plus its overlap with the previous one) are kept, in a ring of
 * `tileSize` rows, and rows are handed to the sink as soon as no later tile touches them.
 *
 * Precision: weighted sums accumulate in float64 and the weight sum of a pixel is not stored but
 * recomputed when the row is emitted (Σ over tile rows of wy · Σ over included tiles of wx, all in
 * float64), then the quotient is rounded once to float32. This is what makes a constant come back
 * bit-exact (float32 sums would be off by an ulp here and there) at the memory cost float32
 * weighted sums + float32 weight sums would have had.
 */
import type { TilePlan } from './tiling';
import { ScarpError } from '../../../src-shared/errors';

/**
 * Receives finished rows: rows[i] is image row y + i (width float32 values, NaN where no tile ran).
 * With `BlenderOptions.sums`, `sums` holds each row's weighted sum and weight sum before the division
 * (a shard's rows that another shard's tiles also reach: detect/shard/).
 */
export type RowSink = (y: number, rows: Float32Array[], sums?: RowSums) => void | Promise<void>;

/** Per emitted row: Σ w·p and Σ w over this plan's included tiles (float64, as accumulated). */
export interface RowSums {
  acc: Float64Array[];
  weight: Float64Array[];
}

/** 1-D window over a span of `size` pixels with tapers of the given lengths at each end. */
export function taperWindow(size: number, taperBefore: number, taperAfter: number): Float64Array {
  const w = new Float64Array(size).fill(1);
  const lo = Math.min(taperBefore, Math.floor(size / 2));
  const hi = Math.min(taperAfter, Math.floor(size / 2));
  for (let i = 0; i < lo; i++) {
    const s = Math.sin((Math.PI / 2) * ((i + 0.5) / lo));
    w[i] = s * s;
  }
  for (let j = 0; j < hi; j++) {
    const s = Math.sin((Math.PI / 2) * ((j + 0.5) / hi));
    w[size - 1 - j] = s * s;
  }
  return w;
}

export interface BlenderOptions {
  /** Rows before this are not emitted (a resumed run that already wrote them). Default 0. */
  startRow?: number;
  /** Rows from this one on are not emitted (a shard: no tile of its part reaches them). Default: the height. */
  endRow?: number;
  /** Also hand the sink each row's weighted sum and weight sum (RowSums). */
  sums?: boolean;
}

export class StreamingBlender {
  private readonly plan: TilePlan;
  private readonly sink: RowSink;
  private readonly startRow: number;
  private readonly endRow: number;
  private readonly withSums: boolean;
  private readonly wx: Float64Array[];
  private readonly wy: Float64Array[];
  /** Ring of accumulator rows; image row y lives in ring[y % cap]. */
  private readonly ring: Float64Array[];
  private readonly cap: number;
  /** Per tile row: number of included tiles, and the index of its last included tile. */
  private readonly rowIncluded: number[];
  private readonly rowLastTile: number[];
  /** Per tile row: the first image row no later tile row touches once this one is complete. */
  private readonly emitUntil: number[];
  /** Σ wx of the included tiles of a tile row, per column; built when the row opens, dropped when done. */
  private readonly colWeights = new Map<number, Float64Array>();
  private nextEmit: number;
  private lastTile = -1;
  private rowsEmitted = 0;
  private finished = false;

  constructor(plan: TilePlan, sink: RowSink, options: BlenderOptions = {}) {
    this.plan = plan;
    this.sink = sink;
    this.startRow = Math.max(0, Math.min(plan.height, options.startRow ?? 0));
    this.endRow = Math.max(this.startRow, Math.min(plan.height, options.endRow ?? plan.height));
    this.withSums = options.sums ?? false;
    this.wx = plan.cols.map((c) => taperWindow(c.size, c.overlapBefore, c.overlapAfter));
    this.wy = plan.rows.map((r) => taperWindow(r.size, r.overlapBefore, r.overlapAfter));
    this.cap = Math.max(1, ...plan.rows.map((r) => r.size));
    this.ring = Array.from({ length: this.cap }, () => new Float64Array(plan.width));
    const nRows = plan.rows.length;
    this.rowIncluded = new Array<number>(nRows).fill(0);
    this.rowLastTile = new Array<number>(nRows).fill(-1);
    for (const t of plan.included) {
      const tile = plan.tiles[t]!;
      this.rowIncluded[tile.row]!++;
      this.rowLastTile[tile.row] = t;
    }
    this.emitUntil = new Array<number>(nRows).fill(plan.height);
    let next = plan.height;
    for (let r = nRows - 1; r >= 0; r--) {
      this.emitUntil[r] = next;
      if (this.rowIncluded[r]! > 0) next = plan.rows[r]!.start;
    }
    this.nextEmit = 0;
  }

  /** Rows handed to the sink so far. */
  get emitted(): number {
    return this.rowsEmitted;
  }

  /**
   * Add one tile's prediction: `values` is window.height × window.width, row-major. Tiles must come
   * in increasing plan order (the included ones; a resumed run may start part-way).
   */
  async add(tileIndex: number, values: Float32Array): Promise<void> {
    if (this.finished) throw internal('blender already finished');
    const tile = this.plan.tiles[tileIndex];
    if (!tile || tile.skip) throw internal(`tile ${tileIndex} is not an included tile of the plan`);
    if (tileIndex <= this.lastTile) throw internal(`tiles must be added in plan order (${tileIndex} after ${this.lastTile})`);
    const { x: x0, y: y0, width: w, height: h } = tile.window;
    if (values.length !== w * h) throw internal(`tile ${tileIndex}: ${values.length} values for a ${w}×${h} window`);
    this.lastTile = tileIndex;

    if (!this.colWeights.has(tile.row)) {
      // A new tile row: rows above it can no longer be touched.
      if (this.nextEmit < y0) await this.emitRows(y0);
      this.openRow(tile.row);
    }
    if (this.nextEmit > y0 && this.nextEmit < y0 + h && this.nextEmit > this.startRow) {
      throw internal(`tile ${tileIndex} reaches rows already emitted`);
    }

    const wx = this.wx[tile.col]!;
    const wy = this.wy[tile.row]!;
    for (let ty = 0; ty < h; ty++) {
      const acc = this.ring[(y0 + ty) % this.cap]!;
      const wyv = wy[ty]!;
      const src = ty * w;
      for (let tx = 0; tx < w; tx++) acc[x0 + tx]! += wyv * wx[tx]! * values[src + tx]!;
    }

    if (this.rowLastTile[tile.row] === tileIndex) await this.emitRows(this.emitUntil[tile.row]!);
  }

  /** Emit every remaining row (NaN where no tile ran). */
  async finish(): Promise<void> {
    if (this.finished) return;
    await this.emitRows(this.plan.height);
    this.finished = true;
    this.colWeights.clear();
  }

  private openRow(r: number): void {
    const cw = new Float64Array(this.plan.width);
    const nCols = this.plan.cols.length;
    for (let c = 0; c < nCols; c++) {
      const t = this.plan.tiles[r * nCols + c]!;
      if (t.skip) continue;
      const wx = this.wx[c]!;
      const x0 = t.window.x;
      for (let i = 0; i < wx.length; i++) cw[x0 + i]! += wx[i]!;
    }
    this.colWeights.set(r, cw);
  }

  /** Finalise rows [nextEmit, until): divide by the weight sum, hand over, reset the ring rows. */
  private async emitRows(until: number): Promise<void> {
    if (until <= this.nextEmit) return;
    const W = this.plan.width;
    const out: Float32Array[] = [];
    const sums: RowSums | undefined = this.withSums ? { acc: [], weight: [] } : undefined;
    let firstY = -1;
    const scratch = new Float64Array(W);
    for (let y = this.nextEmit; y < until; y++) {
      const acc = this.ring[y % this.cap]!;
      if (y >= this.startRow && y < this.endRow) {
        const wsum = sums ? new Float64Array(W) : scratch.fill(0);
        for (const [r, cw] of this.colWeights) {
          const span = this.plan.rows[r]!;
          const k = y - span.start;
          if (k < 0 || k >= span.size) continue;
          const wyv = this.wy[r]![k]!;
          for (let x = 0; x < W; x++) wsum[x]! += wyv * cw[x]!;
        }
        const row = new Float32Array(W);
        for (let x = 0; x < W; x++) {
          const s = wsum[x]!;
          row[x] = s > 0 ? acc[x]! / s : NaN;
        }
        if (firstY < 0) firstY = y;
        out.push(row);
        if (sums) {
          sums.acc.push(acc.slice());
          sums.weight.push(wsum);
        }
      }
      acc.fill(0);
    }
    this.nextEmit = until;
    // Tile rows that end above the emitted rows are done.
    for (const r of [...this.colWeights.keys()]) {
      const span = this.plan.rows[r]!;
      if (span.start + span.size <= until) this.colWeights.delete(r);
    }
    if (out.length > 0) {
      this.rowsEmitted += out.length;
      await this.sink(firstY, out, sums);
    }
  }
}

function internal(message: string): ScarpError {
  return new ScarpError({ code: 'INTERNAL', message: `Blending: ${message}` });
}
