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

  for (let y = 0; y < h; y++) {
    const top = y === 0;
    const bottom = y === h - 1;
    if ((top && !edges.top) || (bottom && !edges.bottom)) continue;
    for (let x = 0; x < w; x++) {
      const left = x === 0;
      const right = x === w - 1;
      if ((left && !edges.left) || (right && !edges.right)) continue;
      const onEdge = top || bottom || left || right;
      if (onEdge) {
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
      } else {
        win[0] = at(x - 1, y - 1);
        win[1] = at(x, y - 1);
        win[2] = at(x + 1, y - 1);
        win[3] = at(x - 1, y);
        win[4] = at(x, y);
        win[5] = at(x + 1, y);
        win[6] = at(x - 1, y + 1);
        win[7] = at(x, y + 1);
        win[8] = at(x + 1, y + 1);
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
      const w0 = win[0] as number, w1 = win[1] as number, w2 = win[2] as number, w3 = win[3] as number;
      const w5 = win[5] as number, w6 = win[6] as number, w7 = win[7] as number, w8 = win[8] as number;
      // Float32 sums in gdaldem's evaluation order.
      const sLeft = f(f(f(w0 + w3) + w3) + w6);
      const sRight = f(f(f(w2 + w5) + w5) + w8);
      const sBottom = f(f(f(w6 + w7) + w7) + w8);
      const sTop = f(f(f(w0 + w1) + w1) + w2);
      let v: number;
      if (kind === 'slope') {
        const dx = (f(sLeft - sRight) * z) / ew(y);
        const dy = (f(sBottom - sTop) * z) / ns(y);
        v = Math.atan(Math.sqrt(dx * dx + dy * dy) / 8) * RAD2DEG;
      } else if (kind === 'aspect') {
        let dx = f(sRight - sLeft);
        let dy = f(sBottom - sTop);
        if (dx === 0 && dy === 0) {
          if (p.zeroForFlat) out[y * w + x] = 0;
          continue;
        }
        if (p.aspectUsesPixelSize) {
          dx /= Math.abs(ew(y));
          dy /= Math.abs(ns(y));
        }
        let a = f(Math.atan2(dy, -dx) * RAD2DEG);
        a = a > 90 ? f(450 - a) : f(90 - a);
        if (a === 360) a = 0;
        v = a;
      } else {
        const hx = f(sLeft - sRight) * (1 / ew(y));
        const hy = f(sBottom - sTop) * (1 / ns(y));
        const cang254 = (sinAlt254 - (hy * cosAzCosAltZ254 - hx * sinAzCosAltZ254)) / Math.sqrt(1 + squareZ * (hx * hx + hy * hy));
        v = cang254 <= 0 ? 1 : 1 + cang254;
      }
      out[y * w + x] = v;
    }
  }
  return out;
}
