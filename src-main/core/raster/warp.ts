/**
 * Warp a band onto a target grid by windows, reading only the source window each target window needs.
 * Kernels follow gdalwarp: bilinear (4-sample, or a tent stretched over the footprint when down-sampling by more
 * than ~5 %), nearest, or area average; a target pixel is nodata when the source pixel containing its centre is
 * nodata or outside, otherwise valid neighbours are averaged with renormalised weights.
 */
import type { Grid, Window } from '../../../src-shared/geo';
import type { BandData, GridBandSource } from './types';
import type { BandProvider } from './band-provider';
import { createPixelMapper, sourceWindowOf, type PixelMap } from './pixel-map';
import { createTransformer } from '../geo';
import { boxAverage, nearestAt, snapScale, tentAt, type BandWindow } from './resample';
import { assertWindow, clipWindow } from './grid';

/**
 * When the target grid is the source grid shifted by whole pixels (same CRS, same pixel size, no
 * rotation), every target pixel centre falls exactly on a source pixel centre: bilinear and
 * nearest then return that pixel's value (the other weights are 0), so the warp is a window copy.
 * Returns the shift (target pixel + shift = source pixel), or null when the grids are not aligned.
 */
export function alignedShift(target: Grid, source: Grid): { dx: number; dy: number } | null {
  const t = target.geoTransform;
  const s = source.geoTransform;
  if (t[2] !== 0 || t[4] !== 0 || s[2] !== 0 || s[4] !== 0) return null;
  if (!createTransformer(target.crs, source.crs).identity) return null;
  const n = Math.max(target.width, target.height, 1);
  // Scale equal to within 1e-6 px of drift across the whole target; offsets whole to within 1e-6 px.
  if (Math.abs(t[1] / s[1] - 1) * n > 1e-6 || Math.abs(t[5] / s[5] - 1) * n > 1e-6) return null;
  const ox = (t[0] - s[0]) / s[1];
  const oy = (t[3] - s[3]) / s[5];
  const dx = Math.round(ox);
  const dy = Math.round(oy);
  if (Math.abs(ox - dx) > 1e-6 || Math.abs(oy - dy) > 1e-6) return null;
  return { dx, dy };
}

/** A band on a grid that is the source grid shifted by whole pixels: reads are window copies. */
function shiftedBand(src: BandProvider, target: Grid, shift: { dx: number; dy: number }): GridBandSource {
  return {
    grid: target,
    async readWindow(w: Window): Promise<BandData> {
      assertWindow(w);
      const sw = { x: w.x + shift.dx, y: w.y + shift.dy, width: w.width, height: w.height };
      const inside = clipWindow(sw, src.grid);
      if (inside && inside.width === sw.width && inside.height === sw.height) {
        const data = await src.read(sw);
        // Never hand out a provider's internal buffer (callers may keep or modify what they get).
        return data.length === w.width * w.height ? data : data.slice(0, w.width * w.height);
      }
      const out = new Float32Array(w.width * w.height).fill(NaN);
      if (!inside) return out;
      const data = await src.read(inside);
      for (let j = 0; j < inside.height; j++) {
        out.set(data.subarray(j * inside.width, (j + 1) * inside.width), (inside.y - sw.y + j) * w.width + (inside.x - sw.x));
      }
      return out;
    },
  };
}

export type WarpMethod = 'bilinear' | 'nearest' | 'average';

export interface WarpOptions {
  method?: WarpMethod;
  /** Values are angles in degrees: interpolate their unit vectors (aspect). */
  circular?: boolean;
  /** Coordinate interpolation tolerance in source pixels (default 0.01). */
  maxErrorPx?: number;
  /** Largest source window read at once, in pixels (default 16 M); bigger target windows are split. */
  maxSourcePixels?: number;
}

export function warpBand(src: BandProvider, target: Grid, opts: WarpOptions = {}): GridBandSource {
  const method = opts.method ?? 'bilinear';
  if (method !== 'average') {
    const shift = alignedShift(target, src.grid);
    if (shift) return shiftedBand(src, target, shift);
  }
  const mapper = createPixelMapper(target, src.grid);
  const fp = mapper.footprint();
  const scaleX = fp.kx > 1 ? snapScale(1 / fp.kx) : 1;
  const scaleY = fp.ky > 1 ? snapScale(1 / fp.ky) : 1;
  const tent = scaleX < 0.95 || scaleY < 0.95;
  const margin =
    method === 'nearest' ? 0 : method === 'average' ? Math.ceil(Math.max(fp.kx, fp.ky) / 2) + 1 : (tent ? Math.max(Math.ceil(1 / scaleX), Math.ceil(1 / scaleY)) : 1) + 1;
  const maxPixels = opts.maxSourcePixels ?? 16 * 1024 * 1024;

  const sample = (bw: BandWindow, map: PixelMap, out: Float32Array): void => {
    const n = map.fx.length;
    for (let k = 0; k < n; k++) {
      const fx = map.fx[k] as number;
      const fy = map.fy[k] as number;
      if (!Number.isFinite(fx) || !Number.isFinite(fy)) continue;
      if (method === 'nearest') out[k] = nearestAt(bw, fx, fy);
      else if (method === 'average') out[k] = boxAverage(bw, fx - fp.kx / 2, fy - fp.ky / 2, fx + fp.kx / 2, fy + fp.ky / 2);
      else out[k] = tentAt(bw, fx, fy, scaleX, scaleY);
    }
  };

  const readInto = async (w: Window): Promise<Float32Array> => {
    const out = new Float32Array(w.width * w.height).fill(NaN);
    const map = mapper.map(w, { maxErrorPx: opts.maxErrorPx });
    const sw = sourceWindowOf(map, src.grid, margin);
    if (!sw) return out;
    if (sw.width * sw.height > maxPixels && (w.width > 1 || w.height > 1)) {
      // Split the target window so each part reads a bounded source window.
      const halves: Window[] =
        w.width >= w.height
          ? [{ ...w, width: Math.ceil(w.width / 2) }, { ...w, x: w.x + Math.ceil(w.width / 2), width: w.width - Math.ceil(w.width / 2) }]
          : [{ ...w, height: Math.ceil(w.height / 2) }, { ...w, y: w.y + Math.ceil(w.height / 2), height: w.height - Math.ceil(w.height / 2) }];
      for (const h of halves) {
        if (h.width <= 0 || h.height <= 0) continue;
        const part = await readInto(h);
        for (let j = 0; j < h.height; j++) out.set(part.subarray(j * h.width, (j + 1) * h.width), (h.y - w.y + j) * w.width + (h.x - w.x));
      }
      return out;
    }
    const data = await src.read(sw);
    if (!opts.circular) {
      sample({ data, width: sw.width, height: sw.height, x0: sw.x, y0: sw.y }, map, out);
      return out;
    }
    const s = new Float32Array(data.length);
    const c = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const a = ((data[i] as number) * Math.PI) / 180;
      s[i] = Math.sin(a);
      c[i] = Math.cos(a);
    }
    const os = new Float32Array(out.length).fill(NaN);
    const oc = new Float32Array(out.length).fill(NaN);
    sample({ data: s, width: sw.width, height: sw.height, x0: sw.x, y0: sw.y }, map, os);
    sample({ data: c, width: sw.width, height: sw.height, x0: sw.x, y0: sw.y }, map, oc);
    for (let i = 0; i < out.length; i++) {
      const y = os[i] as number;
      const x = oc[i] as number;
      if (Number.isNaN(x) || Number.isNaN(y)) continue;
      let deg = (Math.atan2(y, x) * 180) / Math.PI;
      if (deg < 0) deg += 360;
      out[i] = deg >= 360 ? 0 : deg;
    }
    return out;
  };

  return {
    grid: target,
    async readWindow(window: Window): Promise<BandData> {
      assertWindow(window);
      return readInto(window);
    },
  };
}
