/**
 * Rows kept as their foreground only: the runs of non-zero mask pixels and the values under them.
 * What a streaming consumer keeps of the rows still under open polygons (detect/shard/held-rows.ts,
 * separate.ts) without holding the scene's width × rows of dense values.
 */
import type { ValueRows } from './pixel-stats';

/** One row's foreground: runs [x0, x1) as pairs, and the values of their pixels in run order. */
export interface SparseRow {
  y: number;
  runs: Int32Array;
  probability: Float32Array;
  slope?: Float32Array;
  elevation?: Float32Array;
  aspect?: Float32Array;
}

const TERRAIN = ['slope', 'elevation', 'aspect'] as const;

/** Rows [y, y + mask.length / width) → their foreground (mask ≠ 0) as sparse rows. */
export function sparseRows(y: number, width: number, mask: Uint8Array, values: ValueRows & { probability: Float32Array }): SparseRow[] {
  const n = mask.length / width;
  const out: SparseRow[] = [];
  const runs: number[] = [];
  for (let i = 0; i < n; i++) {
    const o = i * width;
    runs.length = 0;
    let count = 0;
    let x = 0;
    while (x < width) {
      while (x < width && mask[o + x] === 0) x++;
      if (x >= width) break;
      const s = x;
      while (x < width && mask[o + x] !== 0) x++;
      runs.push(s, x);
      count += x - s;
    }
    const pack = (src: Float32Array): Float32Array => {
      const dst = new Float32Array(count);
      let d = 0;
      for (let r = 0; r < runs.length; r += 2) {
        dst.set(src.subarray(o + runs[r]!, o + runs[r + 1]!), d);
        d += runs[r + 1]! - runs[r]!;
      }
      return dst;
    };
    const row: SparseRow = { y: y + i, runs: Int32Array.from(runs), probability: pack(values.probability) };
    for (const k of TERRAIN) {
      const v = values[k];
      if (v) row[k] = pack(v);
    }
    out.push(row);
  }
  return out;
}

/** Write a sparse row's values into dense rows (`dst` arrays, the row starting at `offset`). */
export function scatterRow(row: Pick<SparseRow, 'runs' | 'probability' | 'slope' | 'elevation' | 'aspect'>, offset: number, dst: ValueRows): void {
  const { runs } = row;
  const put = (to: Float32Array | undefined, from: Float32Array | undefined) => {
    if (!to || !from) return;
    let s = 0;
    for (let r = 0; r < runs.length; r += 2) {
      const len = runs[r + 1]! - runs[r]!;
      to.set(from.subarray(s, s + len), offset + runs[r]!);
      s += len;
    }
  };
  put(dst.probability, row.probability);
  for (const k of TERRAIN) put(dst[k], row[k]);
}
