/**
 * The model's last feature map at labelled pixels: a pass of the network over the tiles that hold
 * labels (features output fetched beside the probability), keeping each labelled pixel once, from
 * the tile in which it lies farthest from a tile edge (as the blended detection weights it most).
 * At most `maxPerDecision` pixels of one decision are kept (a deterministic spatial subsample), so a
 * huge polygon neither fills memory nor slows the fit.
 *
 * A rejected polygon says only that it is mostly not a landslide (it may still hold some): of its
 * sampled pixels, only the half the base model finds least likely landslide are kept as negatives.
 *
 * Anchors: about one unlabelled pixel in `ANCHOR_EVERY` of the same tiles, with the base head's own
 * probability as its target (fit-head.ts says why); together they weigh `anchorShare` × the total
 * weight of the decisions.
 */
import type { Window } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import type { TilePlan, TileSpec } from '../inference';
import type { TensorData } from '../inference/worker-protocol';
import type { LabelRaster } from './labels';
import type { HeadParameters, LabelSamples } from './fit-head';

const ANCHOR_EVERY = 61;

export interface AnchorOptions {
  head: HeadParameters;
  temperature: number;
  /** Anchors' total weight relative to the decisions' (0: no anchors). */
  share: number;
}

/** For each position along one axis, the tile row/column that owns it (farthest from its tile's inner edges). */
function owners(spans: Map<number, { start: number; size: number }>, length: number): Int32Array {
  const own = new Int32Array(length).fill(-1);
  const best = new Float64Array(length).fill(-1);
  for (const [index, { start, size }] of spans) {
    for (let p = start; p < start + size && p < length; p++) {
      const lo = start === 0 ? Infinity : p - start;
      const hi = start + size >= length ? Infinity : start + size - 1 - p;
      const d = Math.min(lo, hi);
      if (d > best[p]!) {
        best[p] = d;
        own[p] = index;
      }
    }
  }
  return own;
}

/** A small integer hash (deterministic subsampling). */
function hash(x: number, y: number): number {
  let h = Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

export class FeatureSampler {
  private readonly colOwner: Int32Array;
  private readonly rowOwner: Int32Array;
  private readonly keepEvery: Int32Array;
  private features: Float32Array;
  private labels: Float32Array;
  private decisions: Int32Array;
  /** The base head's probability of each sample (anchors' targets; ranks a rejected polygon's pixels). */
  private baseP: Float32Array;
  private n = 0;
  private channels = 0;

  constructor(
    private readonly plan: TilePlan,
    private readonly labelRaster: LabelRaster,
    private readonly anchors: AnchorOptions | null = null,
    maxPerDecision = 3000,
  ) {
    const cols = new Map<number, { start: number; size: number }>();
    const rows = new Map<number, { start: number; size: number }>();
    for (const t of plan.tiles) {
      cols.set(t.col, { start: t.window.x, size: t.window.width });
      rows.set(t.row, { start: t.window.y, size: t.window.height });
    }
    this.colOwner = owners(cols, plan.width);
    this.rowOwner = owners(rows, plan.height);
    const pixels = new Int32Array(labelRaster.weights.length);
    for (const d of labelRaster.decision) if (d >= 0) pixels[d]++;
    this.keepEvery = pixels.map((c) => Math.max(1, Math.ceil(c / maxPerDecision)));
    this.features = new Float32Array(0);
    this.labels = new Float32Array(1024);
    this.decisions = new Int32Array(1024);
    this.baseP = new Float32Array(1024);
  }

  /** Decision index of anchors. */
  private static readonly ANCHOR = -2;

  /** Whether a tile window holds labelled pixels (plan filter for the feature pass). */
  static touches(labels: LabelRaster, w: Window): boolean {
    const L = labels.window;
    const x0 = Math.max(w.x, L.x);
    const y0 = Math.max(w.y, L.y);
    const x1 = Math.min(w.x + w.width, L.x + L.width);
    const y1 = Math.min(w.y + w.height, L.y + L.height);
    for (let y = y0; y < y1; y++) {
      const o = (y - L.y) * L.width - L.x;
      for (let x = x0; x < x1; x++) if (labels.label[o + x] !== 0) return true;
    }
    return false;
  }

  private grow(need: number): void {
    if (need <= this.labels.length) return;
    let cap = this.labels.length;
    while (cap < need) cap *= 2;
    const f = new Float32Array(cap * this.channels);
    f.set(this.features);
    this.features = f;
    const l = new Float32Array(cap);
    l.set(this.labels);
    this.labels = l;
    const d = new Int32Array(cap);
    d.set(this.decisions);
    this.decisions = d;
    const b = new Float32Array(cap);
    b.set(this.baseP);
    this.baseP = b;
  }

  /** `onFeatures` of the tiled inference. */
  readonly add = (tile: TileSpec, out: TensorData, slot: number): void => {
    if (out.dims.length !== 4) throw new ScarpError({ code: 'INVALID_MODEL', message: `The features output has shape [${out.dims.join(', ')}]; expected [N, C, H, W].` });
    const [, C, H, Wt] = out.dims as [number, number, number, number];
    if (this.channels === 0) {
      this.channels = C;
      this.features = new Float32Array(this.labels.length * C);
    }
    const L = this.labelRaster.window;
    const w = tile.window;
    if (w.width > Wt || w.height > H) throw new ScarpError({ code: 'INVALID_MODEL', message: `The features output (${Wt}×${H}) is smaller than its ${w.width}×${w.height} tile.` });
    const plane = H * Wt;
    const base = slot * C * plane;
    const y0 = Math.max(w.y, L.y);
    const y1 = Math.min(w.y + w.height, L.y + L.height);
    const x0 = Math.max(w.x, L.x);
    const x1 = Math.min(w.x + w.width, L.x + L.width);
    // Anchors are taken over the whole tile core, labels inside the labels' window.
    const ay0 = this.anchors ? w.y : y0;
    const ay1 = this.anchors ? w.y + w.height : y1;
    const ax0 = this.anchors ? w.x : x0;
    const ax1 = this.anchors ? w.x + w.width : x1;
    for (let y = ay0; y < ay1; y++) {
      if (this.rowOwner[y] !== tile.row) continue;
      const inRows = y >= y0 && y < y1;
      for (let x = ax0; x < ax1; x++) {
        if (this.colOwner[x] !== tile.col) continue;
        const inside = inRows && x >= x0 && x < x1;
        const k = (y - L.y) * L.width + (x - L.x);
        const lab = inside ? this.labelRaster.label[k]! : 0;
        const h = hash(x, y);
        if (lab === 0) {
          if (this.anchors && this.anchors.share > 0 && h % ANCHOR_EVERY === 0) this.take(out.data, base + (y - w.y) * Wt + (x - w.x), plane, C, -1, FeatureSampler.ANCHOR);
          continue;
        }
        const d = this.labelRaster.decision[k]!;
        if (h % this.keepEvery[d]! !== 0) continue;
        this.take(out.data, base + (y - w.y) * Wt + (x - w.x), plane, C, lab === 1 ? 1 : 0, d);
      }
    }
  };

  /** One sample: `target` −1 = an anchor (the base head's probability). */
  private take(data: Float32Array, p: number, plane: number, C: number, target: number, decision: number): void {
    this.grow(this.n + 1);
    const f = this.n * C;
    for (let c = 0; c < C; c++) this.features[f + c] = data[p + c * plane]!;
    let base = Number.NaN;
    if (this.anchors) {
      const a = this.anchors;
      let z = a.head.bias;
      for (let c = 0; c < C; c++) z += a.head.weights[c]! * this.features[f + c]!;
      base = 1 / (1 + Math.exp(-z / a.temperature));
    }
    if (target < 0) target = base;
    this.baseP[this.n] = base;
    this.labels[this.n] = target;
    this.decisions[this.n] = decision;
    this.n++;
  }

  /** The samples: decisions' pixels weighted by their decision's weight over its kept pixels; anchors share `anchors.share` × that total. */
  samples(): LabelSamples {
    const n = this.n;
    // A rejected polygon: drop the half of its pixels the base model finds most likely landslide.
    const dropped = new Uint8Array(n);
    if (this.anchors) {
      const byDecision = new Map<number, number[]>();
      for (let i = 0; i < n; i++) {
        const d = this.decisions[i]!;
        if (d >= 0 && this.labelRaster.partial[d]) (byDecision.get(d) ?? byDecision.set(d, []).get(d)!).push(i);
      }
      for (const idx of byDecision.values()) {
        idx.sort((a, b) => this.baseP[a]! - this.baseP[b]!);
        for (const i of idx.slice(Math.ceil(idx.length / 2))) dropped[i] = 1;
      }
    }
    const kept = new Int32Array(this.labelRaster.weights.length);
    let anchors = 0;
    for (let i = 0; i < n; i++) {
      const d = this.decisions[i]!;
      if (d === FeatureSampler.ANCHOR) anchors++;
      else if (!dropped[i]) kept[d]++;
    }
    const weights = new Float32Array(n);
    const anchor = new Uint8Array(n);
    // A ring (index decisions + i) belongs to its landslide i.
    const decided = this.labelRaster.weights.length / 2;
    const group = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const d = this.decisions[i]!;
      group[i] = d === FeatureSampler.ANCHOR || dropped[i] ? -1 : d % decided;
    }
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = this.decisions[i]!;
      if (d === FeatureSampler.ANCHOR || dropped[i]) continue;
      weights[i] = this.labelRaster.weights[d]! / kept[d]!;
      total += weights[i]!;
    }
    const each = anchors > 0 ? ((this.anchors?.share ?? 0) * total) / anchors : 0;
    for (let i = 0; i < n; i++) {
      if (this.decisions[i] !== FeatureSampler.ANCHOR) continue;
      weights[i] = each;
      anchor[i] = 1;
    }
    return {
      channels: this.channels,
      features: this.features.subarray(0, n * this.channels),
      labels: this.labels.subarray(0, n),
      weights,
      anchor,
      group,
    };
  }
}
