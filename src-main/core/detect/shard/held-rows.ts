/**
 * The final rows a shard may have to hand over, kept in memory as their foreground only.
 *
 * A shard's merge needs, from its own (final) rows, only the pixels of the polygons it holds back
 * (those touching its first or last final row): their mask and the values their attributes are
 * computed from. Everything else in a final row is either below the threshold (the merge reads it
 * as background) or belongs to a polygon the shard finished, which no held-back polygon touches.
 * So a row is kept as its foreground runs and their values, and rows no polygon still to come can
 * reach are let go as the scan moves on (`release`): memory stays bounded by the open polygons.
 */
import type { SparseRow } from '../../vector/sparse-rows';

/**
 * The final rows [y0, y1) of a shard, fed in order, kept while a polygon that may be held back can
 * cover them: those touching the first row (when a shard lies above) until all of them have closed,
 * and those still open (when a shard lies below: any of them may reach the last row).
 */
export class HeldRows {
  private rows: SparseRow[] = [];
  private topOpen: boolean;

  constructor(
    private readonly final: { y0: number; y1: number },
    private readonly neighbours: { above: boolean; below: boolean },
  ) {
    this.topOpen = neighbours.above;
  }

  add(rows: readonly SparseRow[]): void {
    for (const r of rows) this.rows.push(r);
  }

  /**
   * After the polygonizer took the rows added so far: `openFrom` is the first row of its open
   * polygons (Polygonizer.openFromRow, in grid rows), `topEnd` the end of the rows of the closed
   * polygons that touch the first row. Lets go of the rows no held-back polygon can cover.
   */
  settle(openFrom: number, topEnd: number): void {
    // Polygons touching the first row are open from it; once none is, no other can touch it.
    if (this.topOpen && openFrom > this.final.y0) this.topOpen = false;
    if (!this.topOpen) this.release(topEnd, this.neighbours.below ? openFrom : this.final.y1);
  }

  /** Let go of the rows in [y0, y1). */
  private release(y0: number, y1: number): void {
    if (y1 <= y0) return;
    if (!this.rows.some((r) => r.y >= y0 && r.y < y1)) return;
    this.rows = this.rows.filter((r) => r.y < y0 || r.y >= y1);
  }

  /** The rows held inside the spans [y0, y1), in row order. */
  within(spans: ReadonlyArray<{ y0: number; y1: number }>): SparseRow[] {
    return this.rows.filter((r) => spans.some((s) => r.y >= s.y0 && r.y < s.y1));
  }

  get size(): number {
    return this.rows.length;
  }
}
