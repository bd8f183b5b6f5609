/**
 * Where each target pixel centre falls in a source raster: fractional source pixel coordinates (pixel-corner
 * convention, pixel i spans [i, i+1)). Across CRSs, exact proj4 transforms on a coarse mesh are interpolated
 * bilinearly; the mesh is refined until the interpolation error, checked at every mesh-cell centre, is below
 * `maxErrorPx` source pixels (default 0.01), falling back to per-pixel transforms.
 */
import type { Grid, Window } from '../../../src-shared/geo';
import { createTransformer, invertGeoTransform, type Transformer } from '../geo';

export interface PixelMap {
  /** Source pixel x of each target pixel centre in the window (row-major), NaN where it cannot be transformed. */
  fx: Float64Array;
  fy: Float64Array;
  width: number;
  height: number;
  /** Mesh step used (target pixels); 0 = affine (same CRS), 1 = exact per pixel. */
  meshStep: number;
}

export interface PixelMapOptions {
  maxErrorPx?: number;
  /** Initial mesh step in target pixels (default 32). */
  meshStep?: number;
}

export interface PixelMapper {
  map(w: Window, opts?: PixelMapOptions): PixelMap;
  /** Source pixels per target pixel along target x and y, at a target pixel position (default: the grid centre). */
  footprint(px?: number, py?: number): { kx: number; ky: number };
}

export function createPixelMapper(target: Grid, source: Grid): PixelMapper {
  const t: Transformer = createTransformer(target.crs, source.crs);
  const tg = target.geoTransform;
  const inv = invertGeoTransform(source.geoTransform);
  const exact = (px: number, py: number): [number, number] => {
    const wx = tg[0] + tg[1] * px + tg[2] * py;
    const wy = tg[3] + tg[4] * px + tg[5] * py;
    const [sx, sy] = t.forward(wx, wy);
    return [inv[0] + inv[1] * sx + inv[2] * sy, inv[3] + inv[4] * sx + inv[5] * sy];
  };
  const footprintAt = (px = target.width / 2, py = target.height / 2): { kx: number; ky: number } => {
    const [ax, ay] = exact(px - 0.5, py);
    const [bx, by] = exact(px + 0.5, py);
    const [cx, cy] = exact(px, py - 0.5);
    const [dx, dy] = exact(px, py + 0.5);
    const kx = Math.hypot(bx - ax, by - ay);
    const ky = Math.hypot(dx - cx, dy - cy);
    return { kx: Number.isFinite(kx) ? kx : 1, ky: Number.isFinite(ky) ? ky : 1 };
  };
  const map = (w: Window, opts: PixelMapOptions = {}): PixelMap => {
    const n = w.width * w.height;
    const fx = new Float64Array(n);
    const fy = new Float64Array(n);
    if (t.identity) {
      // Affine all the way: compose the two geotransforms.
      for (let j = 0; j < w.height; j++) {
        for (let i = 0; i < w.width; i++) {
          const px = w.x + i + 0.5;
          const py = w.y + j + 0.5;
          const wx = tg[0] + tg[1] * px + tg[2] * py;
          const wy = tg[3] + tg[4] * px + tg[5] * py;
          const k = j * w.width + i;
          fx[k] = inv[0] + inv[1] * wx + inv[2] * wy;
          fy[k] = inv[3] + inv[4] * wx + inv[5] * wy;
        }
      }
      return { fx, fy, width: w.width, height: w.height, meshStep: 0 };
    }
    const maxErr = opts.maxErrorPx ?? 0.01;
    let step = Math.max(1, Math.min(opts.meshStep ?? 32, Math.max(w.width, w.height)));
    while (step > 1) {
      if (meshInterpolate(w, step, exact, fx, fy, maxErr)) return { fx, fy, width: w.width, height: w.height, meshStep: step };
      step = Math.floor(step / 2);
    }
    for (let j = 0; j < w.height; j++) {
      for (let i = 0; i < w.width; i++) {
        const [a, b] = exact(w.x + i + 0.5, w.y + j + 0.5);
        fx[j * w.width + i] = a;
        fy[j * w.width + i] = b;
      }
    }
    return { fx, fy, width: w.width, height: w.height, meshStep: 1 };
  };
  return { map, footprint: footprintAt };
}

/** Node positions along an axis of `n` pixels for a mesh of step `s` (always includes the last pixel). */
function nodes(n: number, s: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n - 1; i += s) out.push(i);
  out.push(n - 1);
  return out;
}

function meshInterpolate(
  w: Window,
  step: number,
  exact: (px: number, py: number) => [number, number],
  fx: Float64Array,
  fy: Float64Array,
  maxErr: number,
): boolean {
  const xs = nodes(w.width, step);
  const ys = nodes(w.height, step);
  const nx = xs.length;
  const mx = new Float64Array(nx * ys.length);
  const my = new Float64Array(nx * ys.length);
  for (let b = 0; b < ys.length; b++) {
    for (let a = 0; a < nx; a++) {
      const [u, v] = exact(w.x + (xs[a] as number) + 0.5, w.y + (ys[b] as number) + 0.5);
      if (!Number.isFinite(u) || !Number.isFinite(v)) return false;
      mx[b * nx + a] = u;
      my[b * nx + a] = v;
    }
  }
  // Check interpolation error at each cell centre.
  for (let b = 0; b + 1 < ys.length; b++) {
    for (let a = 0; a + 1 < nx; a++) {
      const x0 = xs[a] as number;
      const x1 = xs[a + 1] as number;
      const y0 = ys[b] as number;
      const y1 = ys[b + 1] as number;
      if (x1 - x0 < 2 && y1 - y0 < 2) continue;
      const cx = (x0 + x1) / 2;
      const cy = (y0 + y1) / 2;
      const [ex, ey] = exact(w.x + cx + 0.5, w.y + cy + 0.5);
      const k = b * nx + a;
      const ix = 0.25 * ((mx[k] as number) + (mx[k + 1] as number) + (mx[k + nx] as number) + (mx[k + nx + 1] as number));
      const iy = 0.25 * ((my[k] as number) + (my[k + 1] as number) + (my[k + nx] as number) + (my[k + nx + 1] as number));
      if (!(Math.abs(ix - ex) <= maxErr && Math.abs(iy - ey) <= maxErr)) return false;
    }
  }
  // Bilinear interpolation of the mesh.
  let b = 0;
  for (let j = 0; j < w.height; j++) {
    while (b + 2 < ys.length && j > (ys[b + 1] as number)) b++;
    const y0 = ys[b] as number;
    const y1 = ys[Math.min(b + 1, ys.length - 1)] as number;
    const ty = y1 > y0 ? (j - y0) / (y1 - y0) : 0;
    let a = 0;
    for (let i = 0; i < w.width; i++) {
      while (a + 2 < nx && i > (xs[a + 1] as number)) a++;
      const x0 = xs[a] as number;
      const x1 = xs[Math.min(a + 1, nx - 1)] as number;
      const tx = x1 > x0 ? (i - x0) / (x1 - x0) : 0;
      const k = b * nx + a;
      const k1 = Math.min(a + 1, nx - 1) - a;
      const kn = ys.length > 1 && b + 1 < ys.length ? nx : 0;
      const v00x = mx[k] as number, v10x = mx[k + k1] as number, v01x = mx[k + kn] as number, v11x = mx[k + kn + k1] as number;
      const v00y = my[k] as number, v10y = my[k + k1] as number, v01y = my[k + kn] as number, v11y = my[k + kn + k1] as number;
      const o = j * w.width + i;
      fx[o] = (1 - ty) * ((1 - tx) * v00x + tx * v10x) + ty * ((1 - tx) * v01x + tx * v11x);
      fy[o] = (1 - ty) * ((1 - tx) * v00y + tx * v10y) + ty * ((1 - tx) * v01y + tx * v11y);
    }
  }
  return true;
}

/** The source window (clipped to the source) that covers all mapped positions grown by `margin` pixels, or null. */
export function sourceWindowOf(map: PixelMap, source: { width: number; height: number }, margin: number): Window | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let k = 0; k < map.fx.length; k++) {
    const x = map.fx[k] as number;
    const y = map.fy[k] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  if (!Number.isFinite(minX)) return null;
  const x0 = Math.max(0, Math.floor(minX) - margin);
  const y0 = Math.max(0, Math.floor(minY) - margin);
  const x1 = Math.min(source.width, Math.floor(maxX) + margin + 1);
  const y1 = Math.min(source.height, Math.floor(maxY) + margin + 1);
  if (x1 <= x0 || y1 <= y0) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
