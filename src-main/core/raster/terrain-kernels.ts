/**
 * Horn 3×3 terrain derivatives exactly as gdaldem (GDAL 3.6) computes them: float32 neighbour sums, double
 * maths, float32 results. Nodata (NaN) handling and edges follow gdaldem: without computeEdges an output pixel is
 * nodata when any of its 9 inputs is nodata or it lies on the raster edge; with computeEdges (gdaldem
 * -compute_edges) missing neighbours beyond the raster edge are extrapolated (2a − b) and nodata neighbours take
 * the centre value. Outputs are NaN where gdaldem writes its nodata value (-9999 for slope/aspect, 0 for
 * hillshade).
 */

export type DerivativeKind = 'slope' | 'aspect' | 'hillshade';

export interface TerrainParams {
  /**
   * Signed pixel size in metres along x (geotransform[1]-like) and y (geotransform[5]-like, negative for
   * north-up), either constant or one value per window row (geographic DEMs: metres per degree at the row's
   * latitude). To reproduce gdaldem on a geographic DEM with `-s 111120`, pass the geotransform terms × 111120.
   */
  ewres: number | Float64Array;
  nsres: number | Float64Array;
  /** Vertical exaggeration (gdaldem -z; default 1). */
  zFactor?: number;
  /** gdaldem -compute_edges (default false). */
  computeEdges?: boolean;
  /**
   * Which sides of the window are the raster's own edges (default: all, i.e. the window is the whole raster).
   * Border pixels on other sides are halo: their outputs are NaN (the caller reads a 1-pixel halo).
   */
  edges?: { left: boolean; top: boolean; right: boolean; bottom: boolean };
  /** Aspect from metric gradients (dx/ewres, dy/nsres); gdaldem ignores the pixel size (default false). */
  aspectUsesPixelSize?: boolean;
  /** gdaldem -zero_for_flat: flat cells get aspect 0 instead of nodata. */
  zeroForFlat?: boolean;
  /** Hillshade sun azimuth and altitude in degrees (gdaldem defaults 315, 45). */
  azimuth?: number;
  altitude?: number;
}

const f = Math.fround;
const RAD2DEG = 180 / Math.PI;
const DEG2RAD = Math.PI / 180;

/** Compute a Horn derivative over a window of `w` × `h` DEM values (NaN = nodata). */
export function hornDerivative(kind: DerivativeKind, src: Float32Array, w: number, h: number, p: TerrainParams): Float32Array {
  const out = new Float32Array(w * h).fill(NaN);
  const edges = p.edges ?? { left: true, top: true, right: true, bottom: true };
  const ce = p.computeEdges ?? false;
  const z = p.zFactor ?? 1;
  const ew = (j: number): number => (typeof p.ewres === 'number' ? p.ewres : (p.ewres[j] as number));
  const ns = (j: number): number => (typeof p.nsres === 'number' ? p.nsres : (p.nsres[j] as number));
  const az = (p.azimuth ?? 315) * DEG2RAD;
  const alt = (p.altitude ?? 45) * DEG2RAD;
  const zs = z / 8;
  const sinAlt254 = 254 * Math.sin(alt);
  const cosAzCosAltZ254 = 254 * Math.cos(az) * Math.cos(alt) * zs;
  const sinAzCosAltZ254 = 254 * Math.sin(az) * Math.cos(alt) * zs;
  const squareZ = zs * zs;
  const win = new Float64Array(9);
  const at = (x: number, y: number): number => src[y * w + x] as number;
  const interpol = (a: number, b: number): number => f(2 * a - b);

  const compute = (y: number, o: number, w0: number, w1: number, w2: number, w3: number, w5: number, w6: number, w7: number, w8: number, ewY: number, nsY: number): void => {
    // Float32 sums in gdaldem's evaluation order.
    const sLeft = f(f(f(w0 + w3) + w3) + w6);
    const sRight = f(f(f(w2 + w5) + w5) + w8);
    const sBottom = f(f(f(w6 + w7) + w7) + w8);
    const sTop = f(f(f(w0 + w1) + w1) + w2);
    if (kind === 'slope') {
      const dx = (f(sLeft - sRight) * z) / ewY;
      const dy = (f(sBottom - sTop) * z) / nsY;
      out[o] = Math.atan(Math.sqrt(dx * dx + dy * dy) / 8) * RAD2DEG;
    } else if (kind === 'aspect') {
      let dx = f(sRight - sLeft);
      let dy = f(sBottom - sTop);
      if (dx === 0 && dy === 0) {
        if (p.zeroForFlat) out[o] = 0;
        return;
      }
      if (p.aspectUsesPixelSize) {
        dx /= Math.abs(ewY);
        dy /= Math.abs(nsY);
      }
      let a = f(Math.atan2(dy, -dx) * RAD2DEG);
      a = a > 90 ? f(450 - a) : f(90 - a);
      out[o] = a === 360 ? 0 : a;
    } else {
      const hx = f(sLeft - sRight) * (1 / ewY);
      const hy = f(sBottom - sTop) * (1 / nsY);
      const cang254 = (sinAlt254 - (hy * cosAzCosAltZ254 - hx * sinAzCosAltZ254)) / Math.sqrt(1 + squareZ * (hx * hx + hy * hy));
      out[o] = cang254 <= 0 ? 1 : 1 + cang254;
    }
  };

  // Interior: all nine neighbours inside the window.
  for (let y = 1; y < h - 1; y++) {
    const ewY = ew(y);
    const nsY = ns(y);
    const r0 = (y - 1) * w;
    const r1 = y * w;
    const r2 = (y + 1) * w;
    for (let x = 1; x < w - 1; x++) {
      const c = src[r1 + x] as number;
      if (c !== c) continue;
      let w0 = src[r0 + x - 1] as number, w1 = src[r0 + x] as number, w2 = src[r0 + x + 1] as number;
      let w3 = src[r1 + x - 1] as number, w5 = src[r1 + x + 1] as number;
      let w6 = src[r2 + x - 1] as number, w7 = src[r2 + x] as number, w8 = src[r2 + x + 1] as number;
      // NaN in any neighbour: nodata, or the centre value with computeEdges (gdaldem).
      if (w0 !== w0 || w1 !== w1 || w2 !== w2 || w3 !== w3 || w5 !== w5 || w6 !== w6 || w7 !== w7 || w8 !== w8) {
        if (!ce) continue;
        if (w0 !== w0) w0 = c;
        if (w1 !== w1) w1 = c;
        if (w2 !== w2) w2 = c;
        if (w3 !== w3) w3 = c;
        if (w5 !== w5) w5 = c;
        if (w6 !== w6) w6 = c;
        if (w7 !== w7) w7 = c;
        if (w8 !== w8) w8 = c;
      }
      compute(y, r1 + x, w0, w1, w2, w3, w5, w6, w7, w8, ewY, nsY);
    }
  }

  // Window borders: halo (NaN) or the raster's own edges (gdaldem's edge rules).
  for (let y = 0; y < h; y++) {
    const top = y === 0;
    const bottom = y === h - 1;
    if ((top && !edges.top) || (bottom && !edges.bottom)) continue;
    for (let x = 0; x < w; x++) {
      if (!top && !bottom && x > 0 && x < w - 1) continue;
      const left = x === 0;
      const right = x === w - 1;
      if ((left && !edges.left) || (right && !edges.right)) continue;
      {
        if (!ce || w < 2 || h < 2) continue;
        if (top || bottom) {
          // gdaldem's first/last line: columns clamp, the missing line is extrapolated.
          const jmin = left ? x : x - 1;
          const jmax = right ? x : x + 1;
          const cols = [jmin, x, jmax];
          if (top && bottom) continue;
          for (let c = 0; c < 3; c++) {
            const col = cols[c] as number;
            const mid = at(col, y);
            if (top) {
              win[c] = interpol(mid, at(col, y + 1));
              win[3 + c] = mid;
              win[6 + c] = at(col, y + 1);
            } else {
              win[c] = at(col, y - 1);
              win[3 + c] = mid;
              win[6 + c] = interpol(mid, at(col, y - 1));
            }
          }
        } else {
          for (let r = 0; r < 3; r++) {
            const row = y - 1 + r;
            if (left) {
              win[3 * r] = interpol(at(x, row), at(x + 1, row));
              win[3 * r + 1] = at(x, row);
              win[3 * r + 2] = at(x + 1, row);
            } else {
              win[3 * r] = at(x - 1, row);
              win[3 * r + 1] = at(x, row);
              win[3 * r + 2] = interpol(at(x, row), at(x - 1, row));
            }
          }
        }
      }
      const c = win[4] as number;
      if (Number.isNaN(c)) continue;
      let bad = false;
      for (let k = 0; k < 9; k++) {
        if (Number.isNaN(win[k] as number)) {
          if (ce) win[k] = c;
          else {
            bad = true;
            break;
          }
        }
      }
      if (bad) continue;
      compute(y, y * w + x, win[0] as number, win[1] as number, win[2] as number, win[3] as number, win[5] as number, win[6] as number, win[7] as number, win[8] as number, ew(y), ns(y));
    }
  }
  return out;
}
