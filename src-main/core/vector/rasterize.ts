/**
 * Polygons → mask on a grid, by row bands, exactly as `gdal_rasterize` burns polygons by default
 * (GDALdllImageFilledPolygon): a pixel is inside when its centre is, tested per row on the line
 * y + 0.5 with GDAL's rules (half-open edge spans, intersections rounded with floor(x + 0.5),
 * even-odd over all rings of one feature, horizontal edges on the centre line filled separately).
 * Features are burned one after the other (union). Coordinates must be in the grid's CRS.
 */
import type { Grid } from '../../../src-shared/geo';
import { invertGeoTransform, worldToPixel } from '../geo';
import type { FlatMultiPolygon } from './geometry';

interface PixelFeature {
  /** Vertex x/y in pixel space, all rings concatenated. */
  xs: Float64Array;
  ys: Float64Array;
  /** Start offsets of the rings in xs/ys, plus the total at the end. */
  starts: Int32Array;
  minRow: number;
  maxRow: number;
}

export class PolygonRasterizer {
  readonly width: number;
  readonly height: number;
  private readonly features: PixelFeature[];
  private active: PixelFeature[] = [];
  private nextFeature = 0;
  private lastRow = -1;
  private ints = new Int32Array(64);

  constructor(polygons: FlatMultiPolygon[], grid: Pick<Grid, 'width' | 'height' | 'geoTransform'>) {
    this.width = grid.width;
    this.height = grid.height;
    const toPx = invertGeoTransform(grid.geoTransform);
    const feats: PixelFeature[] = [];
    for (const mp of polygons) {
      let n = 0;
      let nr = 0;
      for (const p of mp) for (const r of p) {
        n += r.length >> 1;
        nr++;
      }
      if (n === 0) continue;
      const xs = new Float64Array(n);
      const ys = new Float64Array(n);
      const starts = new Int32Array(nr + 1);
      let k = 0;
      let ri = 0;
      let minY = Infinity;
      let maxY = -Infinity;
      for (const p of mp) {
        for (const r of p) {
          starts[ri++] = k;
          for (let v = 0; v < r.length; v += 2) {
            const [px, py] = worldToPixel(toPx, r[v] as number, r[v + 1] as number);
            xs[k] = px;
            ys[k] = py;
            if (py < minY) minY = py;
            if (py > maxY) maxY = py;
            k++;
          }
        }
      }
      starts[nr] = k;
      // GDAL: miny = (int)dminy, maxy = (int)dmaxy (truncation), clamped to the raster.
      const minRow = Math.max(0, Math.trunc(minY));
      const maxRow = Math.min(this.height - 1, Math.trunc(maxY));
      if (maxRow < minRow || !Number.isFinite(minY)) continue;
      feats.push({ xs, ys, starts, minRow, maxRow });
    }
    feats.sort((p, q) => p.minRow - q.minRow);
    this.features = feats;
  }

  /**
   * Burn rows [y0, y0 + rows) into `out` (width × rows, set to 1 inside, left unchanged outside;
   * a new zeroed array when not given). Rows are best requested in increasing order.
   */
  rasterizeRows(y0: number, rows: number, out?: Uint8Array): Uint8Array {
    const w = this.width;
    const o = out ?? new Uint8Array(w * rows);
    if (y0 <= this.lastRow) {
      this.active = [];
      this.nextFeature = 0;
    }
    for (let r = 0; r < rows; r++) {
      const y = y0 + r;
      if (y < 0 || y >= this.height) continue;
      while (this.nextFeature < this.features.length && (this.features[this.nextFeature] as PixelFeature).minRow <= y) {
        this.active.push(this.features[this.nextFeature++] as PixelFeature);
      }
      if (this.active.length > 0) this.active = this.active.filter((f) => f.maxRow >= y);
      const rowOff = r * w;
      for (const f of this.active) this.burnRow(f, y, o, rowOff);
      this.lastRow = y;
    }
    return o;
  }

  private fill(o: Uint8Array, rowOff: number, x0: number, x1: number): void {
    const a = x0 < 0 ? 0 : x0;
    const b = x1 >= this.width ? this.width - 1 : x1;
    if (a > b) return;
    o.fill(1, rowOff + a, rowOff + b + 1);
  }

  private burnRow(f: PixelFeature, y: number, o: Uint8Array, rowOff: number): void {
    const dy = y + 0.5;
    const xs = f.xs;
    const ys = f.ys;
    const starts = f.starts;
    const maxx = this.width - 1;
    const minx = 0;
    let ints = 0;
    const nParts = starts.length - 1;
    for (let part = 0; part < nParts; part++) {
      const s = starts[part] as number;
      const e = starts[part + 1] as number;
      for (let i = s; i < e; i++) {
        const ind1 = i === s ? e - 1 : i - 1;
        const ind2 = i;
        let dy1 = ys[ind1] as number;
        let dy2 = ys[ind2] as number;
        if ((dy1 < dy && dy2 < dy) || (dy1 > dy && dy2 > dy)) continue;
        let dx1: number;
        let dx2: number;
        if (dy1 < dy2) {
          dx1 = xs[ind1] as number;
          dx2 = xs[ind2] as number;
        } else if (dy1 > dy2) {
          const t = dy1;
          dy1 = dy2;
          dy2 = t;
          dx2 = xs[ind1] as number;
          dx1 = xs[ind2] as number;
        } else {
          // Horizontal edge on the centre line: "bottom" ones are filled separately.
          if ((xs[ind1] as number) > (xs[ind2] as number)) {
            const hx1 = Math.floor((xs[ind2] as number) + 0.5);
            const hx2 = Math.floor((xs[ind1] as number) + 0.5);
            if (hx1 > maxx || hx2 <= minx) continue;
            this.fill(o, rowOff, hx1, hx2 - 1);
          }
          continue;
        }
        if (dy < dy2 && dy >= dy1) {
          const x = ((dy - dy1) * (dx2 - dx1)) / (dy2 - dy1) + dx1;
          if (ints >= this.ints.length) {
            const g = new Int32Array(this.ints.length * 2);
            g.set(this.ints);
            this.ints = g;
          }
          this.ints[ints++] = Math.floor(x + 0.5);
        }
      }
    }
    if (ints < 2) return;
    const list = this.ints.subarray(0, ints);
    list.sort();
    for (let i = 0; i + 1 < ints; i += 2) {
      const a = list[i] as number;
      const b = list[i + 1] as number;
      if (a <= maxx && b > minx) this.fill(o, rowOff, a, b - 1);
    }
  }
}

/** Rasterize a whole grid (small grids and tests); 1 inside any polygon, 0 elsewhere. */
export function rasterizePolygons(polygons: FlatMultiPolygon[], grid: Pick<Grid, 'width' | 'height' | 'geoTransform'>): Uint8Array {
  return new PolygonRasterizer(polygons, grid).rasterizeRows(0, grid.height);
}
