/**
 * Per-polygon pixel statistics accumulated while scanning (probability, slope, elevation, aspect),
 * stored column-wise in typed arrays indexed by component id so no object is made per pixel.
 * NaN values are skipped; aspect values outside [0, 360] (e.g. gdaldem's -9999 for flat cells) too.
 */
import { growFloat64 } from './growable';

/** Value bands fed with the same rows as the mask (row-major, width × rows, NaN = nodata). */
export interface ValueRows {
  /** Model probability 0..1. */
  probability?: Float32Array;
  /** Slope in degrees. */
  slope?: Float32Array;
  /** Elevation (DEM) in metres. */
  elevation?: Float32Array;
  /** Aspect in degrees clockwise from north, 0..360. */
  aspect?: Float32Array;
}

export interface PixelStats {
  pixelCount: number;
  probMean: number | null;
  probMax: number | null;
  slopeMean: number | null;
  elevMin: number | null;
  elevMax: number | null;
  /** Circular mean of aspect in degrees [0, 360), null when no valid aspect or the vectors cancel out. */
  aspectMean: number | null;
  /** Share (0..1) of the pixels with a valid elevation; null when no DEM was fed. */
  demCoverage: number | null;
}

const DEG = Math.PI / 180;

/** Circular mean (degrees in [0, 360)) of angles given as sums of sin and cos; null if undefined. */
export function circularMeanDeg(sinSum: number, cosSum: number, n: number): number | null {
  if (n <= 0) return null;
  // Resultant length relative to n: below 1e-9 the mean direction is undefined (e.g. 0° and 180°).
  if (Math.hypot(sinSum, cosSum) / n < 1e-9) return null;
  let d = Math.atan2(sinSum, cosSum) / DEG;
  if (d < 0) d += 360;
  if (d >= 360) d -= 360;
  // Round-off guard so 359.9999999999 next to 0 reads as 0.
  if (Math.abs(d - 360) < 1e-9) d = 0;
  return d;
}

export class StatsTable {
  private cap = 0;
  count = new Float64Array(0);
  private probN: Float64Array<ArrayBuffer> | null = null;
  private probSum = new Float64Array(0);
  private probMax = new Float64Array(0);
  private slopeN: Float64Array<ArrayBuffer> | null = null;
  private slopeSum = new Float64Array(0);
  private elevN: Float64Array<ArrayBuffer> | null = null;
  private elevMin = new Float64Array(0);
  private elevMax = new Float64Array(0);
  private aspN: Float64Array<ArrayBuffer> | null = null;
  private aspSin = new Float64Array(0);
  private aspCos = new Float64Array(0);

  /** Make room for ids < n. */
  ensure(n: number): void {
    if (n <= this.cap) return;
    let c = Math.max(1024, this.cap);
    while (c < n) c *= 2;
    this.count = growFloat64(this.count, c);
    if (this.probN) {
      this.probN = growFloat64(this.probN, c);
      this.probSum = growFloat64(this.probSum, c);
      this.probMax = growFloat64(this.probMax, c, -Infinity);
    }
    if (this.slopeN) {
      this.slopeN = growFloat64(this.slopeN, c);
      this.slopeSum = growFloat64(this.slopeSum, c);
    }
    if (this.elevN) {
      this.elevN = growFloat64(this.elevN, c);
      this.elevMin = growFloat64(this.elevMin, c, Infinity);
      this.elevMax = growFloat64(this.elevMax, c, -Infinity);
    }
    if (this.aspN) {
      this.aspN = growFloat64(this.aspN, c);
      this.aspSin = growFloat64(this.aspSin, c);
      this.aspCos = growFloat64(this.aspCos, c);
    }
    this.cap = c;
  }

  private enable(values: ValueRows): void {
    const c = this.cap;
    if (values.probability && !this.probN) {
      this.probN = new Float64Array(c);
      this.probSum = new Float64Array(c);
      this.probMax = new Float64Array(c).fill(-Infinity);
    }
    if (values.slope && !this.slopeN) {
      this.slopeN = new Float64Array(c);
      this.slopeSum = new Float64Array(c);
    }
    if (values.elevation && !this.elevN) {
      this.elevN = new Float64Array(c);
      this.elevMin = new Float64Array(c).fill(Infinity);
      this.elevMax = new Float64Array(c).fill(-Infinity);
    }
    if (values.aspect && !this.aspN) {
      this.aspN = new Float64Array(c);
      this.aspSin = new Float64Array(c);
      this.aspCos = new Float64Array(c);
    }
  }

  /** Add the pixels [offset, offset + len) of the value rows to component `id` (pixel count is kept by the caller). */
  accumulate(id: number, values: ValueRows, offset: number, len: number): void {
    this.enable(values);
    const end = offset + len;
    const p = values.probability;
    if (p && this.probN) {
      let n = 0;
      let s = 0;
      let m = this.probMax[id] as number;
      for (let k = offset; k < end; k++) {
        const v = p[k] as number;
        if (v === v) {
          n++;
          s += v;
          if (v > m) m = v;
        }
      }
      this.probN[id] += n;
      this.probSum[id] += s;
      this.probMax[id] = m;
    }
    const sl = values.slope;
    if (sl && this.slopeN) {
      let n = 0;
      let s = 0;
      for (let k = offset; k < end; k++) {
        const v = sl[k] as number;
        if (v === v) {
          n++;
          s += v;
        }
      }
      this.slopeN[id] += n;
      this.slopeSum[id] += s;
    }
    const el = values.elevation;
    if (el && this.elevN) {
      let n = 0;
      let lo = this.elevMin[id] as number;
      let hi = this.elevMax[id] as number;
      for (let k = offset; k < end; k++) {
        const v = el[k] as number;
        if (v === v) {
          n++;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      this.elevN[id] += n;
      this.elevMin[id] = lo;
      this.elevMax[id] = hi;
    }
    const as = values.aspect;
    if (as && this.aspN) {
      let n = 0;
      let ss = 0;
      let cs = 0;
      for (let k = offset; k < end; k++) {
        const v = as[k] as number;
        if (v >= 0 && v <= 360) {
          n++;
          ss += Math.sin(v * DEG);
          cs += Math.cos(v * DEG);
        }
      }
      this.aspN[id] += n;
      this.aspSin[id] += ss;
      this.aspCos[id] += cs;
    }
  }

  /** Fold component `from` into `into`. */
  merge(into: number, from: number): void {
    this.count[into] += this.count[from] as number;
    if (this.probN) {
      this.probN[into] += this.probN[from] as number;
      this.probSum[into] += this.probSum[from] as number;
      if ((this.probMax[from] as number) > (this.probMax[into] as number)) this.probMax[into] = this.probMax[from] as number;
    }
    if (this.slopeN) {
      this.slopeN[into] += this.slopeN[from] as number;
      this.slopeSum[into] += this.slopeSum[from] as number;
    }
    if (this.elevN) {
      this.elevN[into] += this.elevN[from] as number;
      if ((this.elevMin[from] as number) < (this.elevMin[into] as number)) this.elevMin[into] = this.elevMin[from] as number;
      if ((this.elevMax[from] as number) > (this.elevMax[into] as number)) this.elevMax[into] = this.elevMax[from] as number;
    }
    if (this.aspN) {
      this.aspN[into] += this.aspN[from] as number;
      this.aspSin[into] += this.aspSin[from] as number;
      this.aspCos[into] += this.aspCos[from] as number;
    }
  }

  get(id: number): PixelStats {
    const probN = this.probN ? (this.probN[id] as number) : 0;
    const slopeN = this.slopeN ? (this.slopeN[id] as number) : 0;
    const elevN = this.elevN ? (this.elevN[id] as number) : 0;
    const aspN = this.aspN ? (this.aspN[id] as number) : 0;
    return {
      pixelCount: this.count[id] as number,
      probMean: probN > 0 ? (this.probSum[id] as number) / probN : null,
      probMax: probN > 0 ? (this.probMax[id] as number) : null,
      slopeMean: slopeN > 0 ? (this.slopeSum[id] as number) / slopeN : null,
      elevMin: elevN > 0 ? (this.elevMin[id] as number) : null,
      elevMax: elevN > 0 ? (this.elevMax[id] as number) : null,
      aspectMean: aspN > 0 ? circularMeanDeg(this.aspSin[id] as number, this.aspCos[id] as number, aspN) : null,
      demCoverage: this.elevN && (this.count[id] as number) > 0 ? Math.min(1, elevN / (this.count[id] as number)) : null,
    };
  }
}
