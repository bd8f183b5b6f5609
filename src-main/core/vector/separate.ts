/**
 * Touching landslides, told apart. A thresholded probability map joins neighbouring landslides
 * (and the stable ground between them) into one connected blob wherever the probability between
 * them stays above the threshold; an inventory then holds one polygon for several landslides, and
 * an operator who rejects that polygon rejects the real landslides inside it too.
 *
 * Each blob is cut along its probability valleys: pixels are flooded from the highest probability
 * down (union-find over 8-neighbours); where two flooded parts meet, they stay apart when both are
 * significant, i.e. the peak of each rises at least `dynamic` above the meeting level (the saddle)
 * and each already covers `minPartPixels` pixels above it; otherwise the lesser one joins the other.
 * This is the watershed of the probability with markers chosen by dynamics and area (Grimaud 1992;
 * Vachier & Meyer's area extinction values), computed in one sorted pass. Every pixel of the blob
 * goes to exactly one part, so the mapped pixels (and every pixel metric) are unchanged; only the
 * polygons differ.
 *
 * `SeparatingPolygonizer` is a `Polygonizer` whose emitted blobs are cut so: it keeps the
 * foreground of the rows still under open blobs (sparse-rows.ts) and re-polygonizes each part of a
 * cut blob on its own. Hand-written: no maintained JavaScript library offers a marker-by-dynamics
 * watershed short of OpenCV's WebAssembly build (~8 MB), and this pass is a counting sort plus
 * union-find (bench/separate.bench.ts: 2.5–3.4× the plain polygonizer (1,500² / 3,000²) on a field of many multi-peak
 * blobs; 0.17 s for all of site B).
 */
import { Polygonizer, type PixelPolygon, type PolygonizerOptions, type RowBand } from './polygonize';
import type { ValueRows } from './pixel-stats';
import { sparseRows, type SparseRow } from './sparse-rows';
import { offsetPixels } from './vectorize';

export interface SeparateOptions {
  /** How far (in probability) each part's peak must rise above the saddle joining it to another. */
  dynamic: number;
  /** Fewest pixels each part must cover above that saddle. */
  minPartPixels: number;
  /** The mask's threshold, when known: a blob whose peak is under floor + dynamic has no valley that deep. */
  floor?: number;
}

/** A probability valley this deep separates two landslides (calibrated probabilities: 0.95 → 0.45). */
export const SEPARATION_DYNAMIC = 0.5;
/** Parts smaller than this (m², above their saddle) are not landslides of their own. */
export const SEPARATION_MIN_PART_M2 = 100;

/**
 * Bounds on the work kept for cutting: a blob whose bounding box holds more pixels is kept whole
 * (≈ 25 bytes a window pixel while it is cut), and the rows under open blobs are kept up to this
 * many foreground pixels (≈ 16 bytes each); a blob whose first rows were let go is kept whole.
 */
export const SEPARATION_MAX_WINDOW_PIXELS = 8_000_000;
export const SEPARATION_MAX_KEPT_PIXELS = 8_000_000;

/**
 * The options for a grid whose pixels cover `pixelAreaM2`, a run that drops polygons under
 * `minAreaM2` and thresholds the probability at `threshold`.
 */
export function separationFor(pixelAreaM2: number, minAreaM2: number, threshold?: number): SeparateOptions {
  const m2 = Math.max(SEPARATION_MIN_PART_M2, minAreaM2);
  const o: SeparateOptions = { dynamic: SEPARATION_DYNAMIC, minPartPixels: Math.max(4, Math.ceil(m2 / pixelAreaM2)) };
  if (threshold !== undefined) o.floor = threshold;
  return o;
}

/**
 * Cut the member pixels of a window (row-major, `width` × `height`) into parts: labels 0 outside,
 * 1..count inside, numbered in raster order of their first pixel.
 */
export function separateParts(width: number, height: number, member: Uint8Array, probability: Float32Array, opts: SeparateOptions): { labels: Int32Array; count: number } {
  const n = width * height;
  // Counting sort of the members by probability, highest first (65,536 levels; ties in raster order).
  const LEVELS = 65536;
  const key = (p: number): number => LEVELS - 1 - Math.min(LEVELS - 1, Math.max(0, Math.floor(p * (LEVELS - 1))));
  const counts = new Int32Array(LEVELS + 1);
  let members = 0;
  for (let i = 0; i < n; i++) {
    if (member[i] === 0) continue;
    counts[key(probability[i]!) + 1]!++;
    members++;
  }
  for (let k = 0; k < LEVELS; k++) counts[k + 1]! += counts[k]!;
  const order = new Int32Array(members);
  for (let i = 0; i < n; i++) if (member[i] !== 0) order[counts[key(probability[i]!)]!++] = i;

  const parent = new Int32Array(n).fill(-1);
  const peak = new Float32Array(n);
  const area = new Int32Array(n);
  const find = (a: number): number => {
    let r = a;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[a] !== r) {
      const next = parent[a]!;
      parent[a] = r;
      a = next;
    }
    return r;
  };
  const roots = new Int32Array(8);
  const { dynamic, minPartPixels } = opts;
  for (let o = 0; o < members; o++) {
    const i = order[o]!;
    const v = probability[i]!;
    parent[i] = i;
    peak[i] = v;
    area[i] = 1;
    const x = i % width;
    const y = (i - x) / width;
    let nr = 0;
    for (let dy = -1; dy <= 1; dy++) {
      const yy = y + dy;
      if (yy < 0 || yy >= height) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx;
        if ((dx === 0 && dy === 0) || xx < 0 || xx >= width) continue;
        const j = yy * width + xx;
        if (parent[j]! < 0) continue;
        const r = find(j);
        let seen = false;
        for (let k = 0; k < nr; k++) if (roots[k] === r) seen = true;
        if (!seen) roots[nr++] = r;
      }
    }
    // The pixel joins its highest neighbouring part first (ties: the lower root index).
    for (let a = 1; a < nr; a++) {
      const r = roots[a]!;
      let b = a - 1;
      while (b >= 0 && (peak[roots[b]!]! < peak[r]! || (peak[roots[b]!]! === peak[r]! && roots[b]! > r))) {
        roots[b + 1] = roots[b]!;
        b--;
      }
      roots[b + 1] = r;
    }
    for (let k = 0; k < nr; k++) {
      const ci = find(i);
      const r = find(roots[k]!);
      if (ci === r) continue;
      // Both significant: the valley between them is deep enough and both are big enough above it.
      if (peak[ci]! - v >= dynamic && area[ci]! >= minPartPixels && peak[r]! - v >= dynamic && area[r]! >= minPartPixels) continue;
      const [keep, join] = peak[ci]! > peak[r]! || (peak[ci]! === peak[r]! && ci < r) ? [ci, r] : [r, ci];
      parent[join] = keep;
      area[keep]! += area[join]!;
    }
  }

  const labels = new Int32Array(n);
  const labelOf = new Int32Array(n).fill(0);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (parent[i]! < 0) continue;
    const r = find(i);
    if (labelOf[r] === 0) labelOf[r] = ++count;
    labels[i] = labelOf[r]!;
  }
  return { labels, count };
}

/**
 * A polygon of a `SeparatingPolygonizer`: `component` is the bounding box of the blob it was cut
 * from, `peak` that blob's highest probability (null without probability).
 */
export interface SeparatedPolygon extends PixelPolygon {
  component: PixelPolygon['bbox'];
  peak: number | null;
}

/** The seed rule (hysteresis): a blob is a landslide when its peak probability reaches `seed` (null: every blob). */
export function meetsSeed(peak: number | null, seed: number | null): boolean {
  return seed === null || (peak !== null && peak >= seed);
}

const VALUE_KEYS = ['probability', 'slope', 'elevation', 'aspect'] as const;

/**
 * A Polygonizer whose blobs are cut into parts along probability valleys (`separate`: null keeps
 * them whole). With a `seed` threshold (hysteresis: the card's `seedThreshold`), a blob whose peak
 * probability stays under it is dropped whole before it is cut, so every part of a kept blob stays,
 * seeded or not (training/scarp_train/hysteresis.py is the twin that chose it). The probability must
 * come with every band of rows. Polygon ids are 1-based in order of emission, as the Polygonizer's.
 */
export class SeparatingPolygonizer {
  private readonly inner: Polygonizer;
  private kept: SparseRow[] = [];
  private keptPixels = 0;
  private nextId = 1;

  constructor(
    opts: PolygonizerOptions,
    private readonly separate: SeparateOptions | null,
    private readonly seed: number | null = null,
  ) {
    this.inner = new Polygonizer(opts);
  }

  get rowsDone(): number {
    return this.inner.rowsDone;
  }

  get openFromRow(): number {
    return this.inner.openFromRow;
  }

  push(y: number, mask: RowBand['mask'], values?: ValueRows): SeparatedPolygon[] {
    if (this.seed !== null && !values?.probability) throw new Error('SeparatingPolygonizer: a seed threshold needs the probability with every band of rows');
    if (this.separate && values?.probability) {
      for (const r of sparseRows(y, this.inner.width, mask instanceof Uint8Array ? mask : Uint8Array.from(mask), { ...values, probability: values.probability })) {
        this.kept.push(r);
        this.keptPixels += r.probability.length;
      }
    }
    const out = this.cut(this.inner.push(y, mask, values));
    // Let go of the rows above every open blob, and of the oldest rows beyond the budget.
    const from = this.inner.openFromRow;
    let k = 0;
    while (k < this.kept.length && (this.kept[k]!.y < from || this.keptPixels > SEPARATION_MAX_KEPT_PIXELS)) this.keptPixels -= this.kept[k++]!.probability.length;
    if (k > 0) this.kept = this.kept.slice(k);
    return out;
  }

  finish(): SeparatedPolygon[] {
    const out = this.cut(this.inner.finish());
    this.kept = [];
    this.keptPixels = 0;
    return out;
  }

  private cut(blobs: PixelPolygon[]): SeparatedPolygon[] {
    const out: SeparatedPolygon[] = [];
    for (const p of blobs) {
      if (!meetsSeed(p.stats.probMax, this.seed)) continue;
      const parts = this.separate && this.mayCut(p, this.separate) ? this.partsOf(p, this.separate) : null;
      for (const q of parts ?? [p]) out.push({ ...q, id: this.nextId++, component: p.bbox, peak: p.stats.probMax });
    }
    return out;
  }

  /** Whether a blob is worth cutting: room for two parts, a peak high enough, a bounded window. */
  private mayCut(p: PixelPolygon, o: SeparateOptions): boolean {
    if (p.stats.pixelCount < 2 * o.minPartPixels) return false;
    if (o.floor !== undefined && p.stats.probMax !== null && p.stats.probMax - o.floor < o.dynamic) return false;
    return (p.bbox.maxX - p.bbox.minX) * (p.bbox.maxY - p.bbox.minY) <= SEPARATION_MAX_WINDOW_PIXELS;
  }

  /** The parts of a blob, or null when it stays whole (or its rows were not kept). */
  private partsOf(p: PixelPolygon, opts: SeparateOptions): PixelPolygon[] | null {
    const { minX: x0, minY: y0, maxX, maxY } = p.bbox;
    const w = maxX - x0;
    const h = maxY - y0;
    const rows = this.kept.filter((r) => r.y >= y0 && r.y < maxY);
    if (rows.length !== h) return null;
    const keys = VALUE_KEYS.filter((k) => rows.some((r) => r[k] !== undefined));
    const dense: ValueRows = {};
    for (const k of keys) dense[k] = new Float32Array(w * h).fill(Number.NaN);
    const fg = new Uint8Array(w * h);
    for (const r of rows) {
      const o = (r.y - y0) * w - x0;
      let s = 0;
      for (let q = 0; q < r.runs.length; q += 2) {
        const a = r.runs[q]!;
        const b = r.runs[q + 1]!;
        const lo = Math.max(a, x0);
        const hi = Math.min(b, maxX);
        if (hi > lo) {
          fg.fill(1, o + lo, o + hi);
          for (const k of keys) dense[k]!.set(r[k]!.subarray(s + lo - a, s + hi - a), o + lo);
        }
        s += b - a;
      }
    }
    const member = blobIn(fg, w, h);
    const { labels, count } = separateParts(w, h, member, dense.probability!, opts);
    if (count <= 1) return null;

    const boxes = Array.from({ length: count + 1 }, () => ({ minX: w, minY: h, maxX: 0, maxY: 0 }));
    for (let i = 0; i < w * h; i++) {
      const l = labels[i]!;
      if (l === 0) continue;
      const b = boxes[l]!;
      const x = i % w;
      const yy = (i - x) / w;
      if (x < b.minX) b.minX = x;
      if (yy < b.minY) b.minY = yy;
      if (x + 1 > b.maxX) b.maxX = x + 1;
      if (yy + 1 > b.maxY) b.maxY = yy + 1;
    }
    const fixed = sharedCorners(labels, w, h, count, x0, y0);
    const parts: PixelPolygon[] = [];
    for (let l = 1; l <= count; l++) {
      const b = boxes[l]!;
      const pw = b.maxX - b.minX;
      const ph = b.maxY - b.minY;
      const mask = new Uint8Array(pw * ph);
      const values: ValueRows = {};
      for (const k of keys) values[k] = new Float32Array(pw * ph);
      for (let yy = 0; yy < ph; yy++) {
        const from = (yy + b.minY) * w + b.minX;
        const at = yy * pw;
        for (let x = 0; x < pw; x++) if (labels[from + x] === l) mask[at + x] = 1;
        // Values under other parts do not count: the polygonizer reads them under the mask only.
        for (const k of keys) values[k]!.set(dense[k]!.subarray(from, from + pw), at);
      }
      const pz = new Polygonizer({ width: pw, height: ph, connectivity: 8 });
      for (const q of [...pz.push(0, mask, values), ...pz.finish()]) parts.push({ ...offsetPixels(q, x0 + b.minX, y0 + b.minY), fixedCorners: fixed[l]! });
    }
    return parts;
  }
}

/**
 * For each label, the pixel corners (absolute: window origin x0, y0 added) where it meets another
 * label: the vertices of a boundary two parts share.
 */
function sharedCorners(labels: Int32Array, w: number, h: number, count: number, x0: number, y0: number): Int32Array[] {
  const lists: number[][] = Array.from({ length: count + 1 }, () => []);
  const around = [0, 0, 0, 0];
  for (let cy = 0; cy <= h; cy++) {
    for (let cx = 0; cx <= w; cx++) {
      let n = 0;
      for (const [dx, dy] of CORNER_PIXELS) {
        const x = cx + dx;
        const y = cy + dy;
        if (x < 0 || y < 0 || x >= w || y >= h) continue;
        const l = labels[y * w + x]!;
        if (l === 0) continue;
        let seen = false;
        for (let k = 0; k < n; k++) if (around[k] === l) seen = true;
        if (!seen) around[n++] = l;
      }
      if (n < 2) continue;
      for (let k = 0; k < n; k++) lists[around[k]!]!.push(x0 + cx, y0 + cy);
    }
  }
  return lists.map((l) => Int32Array.from(l));
}

const CORNER_PIXELS = [
  [-1, -1],
  [0, -1],
  [-1, 0],
  [0, 0],
] as const;

/** The 8-connected component of `fg` that touches all four sides of its window (the blob whose bounding box it is). */
function blobIn(fg: Uint8Array, w: number, h: number): Uint8Array {
  const member = new Uint8Array(w * h);
  const queue = new Int32Array(w * h);
  for (let y0 = 0; y0 < h; y0++) {
    const start = y0 * w;
    if (fg[start] === 0 || member[start] !== 0) continue;
    // Flood this component (marking it 2 until it is known to be the blob).
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    member[start] = 2;
    let top = false;
    let bottom = false;
    let right = false;
    while (head < tail) {
      const i = queue[head++]!;
      const x = i % w;
      const y = (i - x) / w;
      if (y === 0) top = true;
      if (y === h - 1) bottom = true;
      if (x === w - 1) right = true;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          const j = yy * w + xx;
          if (fg[j] === 0 || member[j] !== 0) continue;
          member[j] = 2;
          queue[tail++] = j;
        }
      }
    }
    const isBlob = top && bottom && right;
    for (let k = 0; k < tail; k++) member[queue[k]!] = isBlob ? 1 : 3;
    if (isBlob) {
      for (let k = 0; k < member.length; k++) if (member[k] !== 1) member[k] = 0;
      return member;
    }
  }
  return new Uint8Array(w * h);
}
