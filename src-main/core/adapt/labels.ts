/**
 * The operator's decisions as pixel labels on the detection's region grid.
 *
 * Positive: landslides the operator confirmed, edited, drew or verified in the field. Negative:
 * landslides the operator rejected and areas marked "not a landslide". Also negative, as reviewed
 * background: a ring just outside each positive landslide (from `ringInnerPx` to `ringM` outside its
 * outline) that no other landslide covers. Why: by accepting an outline the operator judged the
 * ground right next to it not to be landslide (otherwise the outline would have been moved); this
 * is the only background the operator demonstrably looked at, and without it a run of
 * confirmations alone would teach the head that everything is landslide. Everything else is
 * unlabelled: an unreviewed pixel says nothing about what the operator thinks.
 *
 * Each decision carries weight 1 (a ring: `ringWeight`), shared by its pixels (fit-head.ts).
 */
import type { Grid, Window } from '../../../src-shared/geo';
import { invertGeoTransform, windowGeoTransform, worldToPixel } from '../geo';
import { multiPolygonBounds, rasterizePolygons, type FlatMultiPolygon } from '../vector';

export type DecisionKind = 'confirmed' | 'rejected' | 'drawn' | 'background';

export interface LabelDecision {
  kind: DecisionKind;
  /** In the grid's CRS. */
  geometry: FlatMultiPolygon;
}

export interface LabelRaster {
  /** The labels' window on the region grid (the bounding box of every labelled pixel). */
  window: Window;
  /** 0 = unlabelled, 1 = landslide, 2 = not landslide; window-sized, row-major. */
  label: Uint8Array;
  /** Decision index per pixel (rings: `decisions.length + index of their landslide`), −1 where unlabelled. */
  decision: Int32Array;
  /** Weight of each decision index. */
  weights: Float64Array;
  /**
   * 1 for a decision that says only "mostly not a landslide" (a rejected polygon: the operator
   * rejects an outline that may still hold some landslide), 0 otherwise (feature-samples.ts keeps the
   * half of its pixels the base model is least sure of).
   */
  partial: Uint8Array;
  counts: { confirmed: number; rejected: number; drawn: number; background: number; positivePixels: number; negativePixels: number };
}

export interface LabelOptions {
  /** Outer width of the reviewed-background ring, metres (0: no ring). Default 5. */
  ringM?: number;
  /** Pixels next to the outline left out of the ring (its edge is uncertain). Default 1. */
  ringInnerPx?: number;
  /** Decision weight of one ring. Default 0.5. */
  ringWeight?: number;
  /** Other landslides (not reviewed) whose pixels the ring must not claim as background. */
  otherLandslides?: FlatMultiPolygon[];
}

const POSITIVE: ReadonlySet<DecisionKind> = new Set(['confirmed', 'drawn']);

/** A geometry's pixel box on the grid, padded and clipped to [0, width) × [0, height). */
function pixelWindow(grid: Pick<Grid, 'width' | 'height' | 'geoTransform'>, mp: FlatMultiPolygon, pad: number): Window | null {
  const b = multiPolygonBounds(mp);
  const inv = invertGeoTransform(grid.geoTransform);
  const corners = [worldToPixel(inv, b.minX, b.minY), worldToPixel(inv, b.maxX, b.maxY), worldToPixel(inv, b.minX, b.maxY), worldToPixel(inv, b.maxX, b.minY)];
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs)) - pad);
  const y0 = Math.max(0, Math.floor(Math.min(...ys)) - pad);
  const x1 = Math.min(grid.width, Math.ceil(Math.max(...xs)) + pad);
  const y1 = Math.min(grid.height, Math.ceil(Math.max(...ys)) + pad);
  if (!(x1 > x0 && y1 > y0)) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

function rasterizeIn(grid: Pick<Grid, 'geoTransform'>, w: Window, polygons: FlatMultiPolygon[]): Uint8Array {
  return rasterizePolygons(polygons, { width: w.width, height: w.height, geoTransform: windowGeoTransform(grid.geoTransform, w) });
}

/** Squared-distance dilation by a disc of radius r (pixels) of a window-sized mask. */
function dilate(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  const ri = Math.ceil(r);
  const offsets: Array<[number, number]> = [];
  for (let dy = -ri; dy <= ri; dy++) for (let dx = -ri; dx <= ri; dx++) if (dx * dx + dy * dy <= r * r) offsets.push([dx, dy]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      for (const [dx, dy] of offsets) {
        const xx = x + dx;
        const yy = y + dy;
        if (xx >= 0 && yy >= 0 && xx < width && yy < height) out[yy * width + xx] = 1;
      }
    }
  }
  return out;
}

/** Rasterise the decisions on `grid` (the detection's region grid). */
export function buildLabels(grid: Pick<Grid, 'width' | 'height' | 'geoTransform'>, decisions: LabelDecision[], opts: LabelOptions = {}): LabelRaster | null {
  const pixelM = Math.hypot(grid.geoTransform[1], grid.geoTransform[4]);
  const ringPx = (opts.ringM ?? 5) / pixelM;
  const innerPx = opts.ringInnerPx ?? 1;
  const pad = Math.ceil(ringPx) + 1;
  const windows = decisions.map((d) => pixelWindow(grid, d.geometry, POSITIVE.has(d.kind) ? pad : 0));
  const present = windows.filter((w): w is Window => w !== null);
  if (present.length === 0) return null;
  const x0 = Math.min(...present.map((w) => w.x));
  const y0 = Math.min(...present.map((w) => w.y));
  const x1 = Math.max(...present.map((w) => w.x + w.width));
  const y1 = Math.max(...present.map((w) => w.y + w.height));
  const window: Window = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  const W = window.width;
  const label = new Uint8Array(W * window.height);
  const decision = new Int32Array(W * window.height).fill(-1);
  const n = decisions.length;
  const weights = new Float64Array(2 * n);
  const partial = new Uint8Array(2 * n);
  decisions.forEach((d, i) => (partial[i] = d.kind === 'rejected' ? 1 : 0));
  const counts = { confirmed: 0, rejected: 0, drawn: 0, background: 0, positivePixels: 0, negativePixels: 0 };

  // Anything a ring must not claim: every landslide in play (reviewed positives and the others).
  const landslides = [...decisions.filter((d) => POSITIVE.has(d.kind)).map((d) => d.geometry), ...(opts.otherLandslides ?? [])];

  // Negatives first, then positives over them: a drawn landslide inside a rejected polygon wins.
  const order = decisions.map((_, i) => i).sort((a, b) => Number(POSITIVE.has(decisions[a]!.kind)) - Number(POSITIVE.has(decisions[b]!.kind)));
  // Rings are burned before any decision, so a decision's own pixels always override them.
  if (ringPx > innerPx) {
    for (const i of order) {
      const d = decisions[i]!;
      const w = windows[i];
      if (!POSITIVE.has(d.kind) || !w) continue;
      const inside = rasterizeIn(grid, w, [d.geometry]);
      const near = dilate(inside, w.width, w.height, innerPx);
      const far = dilate(inside, w.width, w.height, ringPx);
      const others = rasterizeIn(grid, w, landslides);
      let any = false;
      for (let y = 0; y < w.height; y++) {
        for (let x = 0; x < w.width; x++) {
          const k = y * w.width + x;
          if (!far[k] || near[k] || others[k]) continue;
          const o = (w.y + y - y0) * W + (w.x + x - x0);
          if (label[o] === 0) {
            label[o] = 2;
            decision[o] = n + i;
            any = true;
          }
        }
      }
      if (any) weights[n + i] = opts.ringWeight ?? 0.5;
    }
  }
  for (const i of order) {
    const d = decisions[i]!;
    const w = windows[i];
    if (!w) continue;
    const inside = rasterizeIn(grid, w, [d.geometry]);
    const value = POSITIVE.has(d.kind) ? 1 : 2;
    let any = false;
    for (let y = 0; y < w.height; y++) {
      for (let x = 0; x < w.width; x++) {
        if (!inside[y * w.width + x]) continue;
        const o = (w.y + y - y0) * W + (w.x + x - x0);
        label[o] = value;
        decision[o] = i;
        any = true;
      }
    }
    if (any) {
      weights[i] = 1;
      counts[d.kind]++;
    }
  }
  for (const v of label) {
    if (v === 1) counts.positivePixels++;
    else if (v === 2) counts.negativePixels++;
  }
  return { window, label, decision, weights, partial, counts };
}
