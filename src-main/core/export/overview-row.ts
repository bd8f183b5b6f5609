/**
 * One row of the next overview level from two rows of the level above (`b` null for a last, odd
 * row): the mean of the valid pixels of each 2 × 2 block, or the block's top-left pixel when
 * `average` is false (masks). A block with no valid pixel gets `fill`.
 */
export function halveRows(
  a: Float32Array,
  b: Float32Array | null,
  width: number,
  outWidth: number,
  opts: { average?: boolean; isNodata?: (v: number) => boolean; fill?: number } = {},
): Float32Array {
  const average = opts.average ?? true;
  const isNd = opts.isNodata ?? Number.isNaN;
  const fill = opts.fill ?? Number.NaN;
  const o = new Float32Array(outWidth);
  for (let x = 0; x < outWidth; x++) {
    const x0 = 2 * x;
    const x1 = Math.min(2 * x + 1, width - 1);
    if (!average) {
      o[x] = a[x0]!;
      continue;
    }
    let s = 0;
    let n = 0;
    const add = (v: number): void => {
      if (!isNd(v)) {
        s += v;
        n++;
      }
    };
    add(a[x0]!);
    if (x1 !== x0) add(a[x1]!);
    if (b) {
      add(b[x0]!);
      if (x1 !== x0) add(b[x1]!);
    }
    o[x] = n ? s / n : fill;
  }
  return o;
}
