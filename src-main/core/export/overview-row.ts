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

export type HalveOptions = Parameters<typeof halveRows>[4];

/** Sizes of `count` pyramid levels from width × height down, each half the one above (rounded up). */
export function halvedSizes(width: number, height: number, count: number): Array<{ width: number; height: number }> {
  const out: Array<{ width: number; height: number }> = [];
  for (let i = 0, w = width, h = height; i < count; i++, w = Math.ceil(w / 2), h = Math.ceil(h / 2)) out.push({ width: w, height: h });
  return out;
}

/**
 * The pyramid of a raster that arrives row by row (one array per band): level 0 is the full
 * resolution, each next level is made by halveRows from pairs of rows of the level above (a last odd
 * row alone). Every row of every level goes, in order, to `row(level, y, bands)`, which buffers it
 * and writes its tiles: the one overview driver of the COG and GeoPackage writers.
 */
export class RowPyramid {
  private readonly ys: number[];
  private readonly pending: Array<Float32Array[] | null>;

  constructor(
    private readonly levels: ReadonlyArray<{ width: number; height: number }>,
    private readonly row: (level: number, y: number, bands: Float32Array[]) => void | Promise<void>,
    private readonly halve: HalveOptions = {},
  ) {
    this.ys = levels.map(() => 0);
    this.pending = levels.map(() => null);
  }

  /** The next full-resolution row (one array per band; may be reused by the caller afterwards). */
  push(bands: Float32Array[]): Promise<void> {
    return this.feed(0, bands);
  }

  private async feed(li: number, rows: Float32Array[]): Promise<void> {
    const L = this.levels[li]!;
    const y = this.ys[li]!;
    this.ys[li] = y + 1;
    await this.row(li, y, rows);
    const next = this.levels[li + 1];
    if (!next) return;
    if (y % 2 === 0 && y !== L.height - 1) {
      this.pending[li] = rows.map((r) => r.slice());
      return;
    }
    const odd = y % 2 === 1;
    const a = odd ? this.pending[li]! : rows;
    const out = a.map((top, b) => halveRows(top, odd ? rows[b]! : null, L.width, next.width, this.halve));
    this.pending[li] = null;
    await this.feed(li + 1, out);
  }
}
