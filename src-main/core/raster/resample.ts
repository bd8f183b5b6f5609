/**
 * Resampling kernels on float32 windows (NaN = nodata), with GDAL's conventions: pixel-corner coordinates
 * (the centre of pixel i is at i + 0.5) and gdalwarp's nodata rule — a target pixel is nodata when the source
 * pixel that contains it is nodata; otherwise the kernel averages the valid neighbours with renormalised weights.
 */

/** A float32 band window: `data` is width × height, row-major; (x0, y0) is its offset in the full raster. */
export interface BandWindow {
  data: Float32Array;
  width: number;
  height: number;
  x0: number;
  y0: number;
}

/**
 * Bilinear sample at fractional pixel coordinates (fx, fy) of the full raster; NaN when the containing pixel is
 * nodata or outside the window (gdalwarp -r bilinear behaviour, 4-sample formula).
 */
export function bilinearAt(w: BandWindow, fx: number, fy: number): number {
  const cx = Math.floor(fx) - w.x0;
  const cy = Math.floor(fy) - w.y0;
  if (cx < 0 || cy < 0 || cx >= w.width || cy >= w.height) return NaN;
  const centre = w.data[cy * w.width + cx] as number;
  if (Number.isNaN(centre)) return NaN;
  const ix = Math.floor(fx - 0.5) - w.x0;
  const iy = Math.floor(fy - 0.5) - w.y0;
  const dx = fx - 0.5 - Math.floor(fx - 0.5);
  const dy = fy - 0.5 - Math.floor(fy - 0.5);
  let acc = 0;
  let wsum = 0;
  for (let j = 0; j < 2; j++) {
    const yy = iy + j;
    if (yy < 0 || yy >= w.height) continue;
    const wy = j === 0 ? 1 - dy : dy;
    if (wy === 0) continue;
    for (let i = 0; i < 2; i++) {
      const xx = ix + i;
      if (xx < 0 || xx >= w.width) continue;
      const wx = i === 0 ? 1 - dx : dx;
      if (wx === 0) continue;
      const v = w.data[yy * w.width + xx] as number;
      if (Number.isNaN(v)) continue;
      acc += wx * wy * v;
      wsum += wx * wy;
    }
  }
  return wsum < 1e-6 ? NaN : acc / wsum;
}

/** GDAL snaps a down-sampling scale to 1/n when 1/scale is within 0.05 of an integer n. */
export function snapScale(scale: number): number {
  if (!(scale < 1)) return 1;
  const rec = 1 / scale;
  const n = Math.round(rec);
  return Math.abs(rec - n) < 0.05 ? 1 / n : scale;
}

/**
 * gdalwarp's bilinear when down-sampling: a tent kernel stretched by 1/scale (scale = target/source pixel
 * ratio, < 1), so every source pixel under the target pixel contributes (anti-aliasing).
 */
export function tentAt(w: BandWindow, fx: number, fy: number, scaleX: number, scaleY: number): number {
  if (scaleX >= 0.95 && scaleY >= 0.95) return bilinearAt(w, fx, fy);
  const cx = Math.floor(fx) - w.x0;
  const cy = Math.floor(fy) - w.y0;
  if (cx < 0 || cy < 0 || cx >= w.width || cy >= w.height) return NaN;
  if (Number.isNaN(w.data[cy * w.width + cx] as number)) return NaN;
  const rx = scaleX < 1 ? Math.ceil(1 / scaleX) : 1;
  const ry = scaleY < 1 ? Math.ceil(1 / scaleY) : 1;
  const isx = Math.floor(fx - 0.5);
  const isy = Math.floor(fy - 0.5);
  const dx = fx - 0.5 - isx;
  const dy = fy - 0.5 - isy;
  let acc = 0;
  let wsum = 0;
  for (let j = -ry; j <= ry; j++) {
    const yy = isy + j - w.y0;
    if (yy < 0 || yy >= w.height) continue;
    const wy = Math.max(0, 1 - Math.abs((j - dy) * Math.min(1, scaleY)));
    if (wy === 0) continue;
    const row = yy * w.width;
    for (let i = -rx; i <= rx; i++) {
      const xx = isx + i - w.x0;
      if (xx < 0 || xx >= w.width) continue;
      const wx = Math.max(0, 1 - Math.abs((i - dx) * Math.min(1, scaleX)));
      if (wx === 0) continue;
      const v = w.data[row + xx] as number;
      if (Number.isNaN(v)) continue;
      acc += wx * wy * v;
      wsum += wx * wy;
    }
  }
  return wsum < 1e-6 ? NaN : acc / wsum;
}

/** Nearest-neighbour sample (the pixel containing (fx, fy)). */
export function nearestAt(w: BandWindow, fx: number, fy: number): number {
  const cx = Math.floor(fx) - w.x0;
  const cy = Math.floor(fy) - w.y0;
  if (cx < 0 || cy < 0 || cx >= w.width || cy >= w.height) return NaN;
  return w.data[cy * w.width + cx] as number;
}

/**
 * Area average over the source box [x0, x1) × [y0, y1) (full-raster pixel coordinates), each source pixel
 * weighted by the fraction of it the box covers; nodata ignored; NaN when nothing valid (gdalwarp -r average).
 */
export function boxAverage(w: BandWindow, x0: number, y0: number, x1: number, y1: number): number {
  const ia = Math.max(Math.floor(x0), w.x0);
  const ib = Math.min(Math.ceil(x1), w.x0 + w.width);
  const ja = Math.max(Math.floor(y0), w.y0);
  const jb = Math.min(Math.ceil(y1), w.y0 + w.height);
  let acc = 0;
  let wsum = 0;
  for (let j = ja; j < jb; j++) {
    const wy = Math.min(j + 1, y1) - Math.max(j, y0);
    if (wy <= 0) continue;
    const row = (j - w.y0) * w.width - w.x0;
    for (let i = ia; i < ib; i++) {
      const wx = Math.min(i + 1, x1) - Math.max(i, x0);
      if (wx <= 0) continue;
      const v = w.data[row + i] as number;
      if (Number.isNaN(v)) continue;
      acc += wx * wy * v;
      wsum += wx * wy;
    }
  }
  return wsum <= 1e-9 ? NaN : acc / wsum;
}

/**
 * Resample an axis-aligned source window region onto an out grid: target pixel (i, j) covers the source box
 * [sx0 + i·kx, sx0 + (i+1)·kx) × [sy0 + j·ky, …). Area average when down-sampling (k > 1 on both axes),
 * bilinear (GDAL nodata rule) otherwise.
 */
export function resampleAxisAligned(
  w: BandWindow,
  sx0: number,
  sy0: number,
  kx: number,
  ky: number,
  outW: number,
  outH: number,
  method: 'auto' | 'average' | 'bilinear' | 'nearest' = 'auto',
  /** Compute only out rows [j0, j1) into `into` (the full outW × outH array), e.g. by row bands. */
  rows?: { j0: number; j1: number; into: Float32Array },
): Float32Array {
  const out = rows?.into ?? new Float32Array(outW * outH);
  const m = method === 'auto' ? (kx > 1 && ky > 1 ? 'average' : 'bilinear') : method;
  for (let j = rows?.j0 ?? 0; j < (rows?.j1 ?? outH); j++) {
    const ya = sy0 + j * ky;
    for (let i = 0; i < outW; i++) {
      const xa = sx0 + i * kx;
      let v: number;
      if (m === 'average') v = boxAverage(w, xa, ya, xa + kx, ya + ky);
      else if (m === 'nearest') v = nearestAt(w, xa + kx / 2, ya + ky / 2);
      else v = bilinearAt(w, xa + kx / 2, ya + ky / 2);
      out[j * outW + i] = v;
    }
  }
  return out;
}
