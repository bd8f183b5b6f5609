/** Terrain values fed to the polygonizer for per-polygon attributes (slope, elevation, aspect). */
import type { Grid, Window } from '../../../src-shared/geo';
import { terrainBand, type BandData, type GridBandSource, type RasterSource } from '../raster';
import type { ValueRows } from '../vector';

/**
 * The DEM as the three attribute bands see it: a read whose window lies inside the last window
 * read (or being read) is cut from it instead of decoding and copying the DEM again. Elevation
 * reads window w, slope and aspect read w grown by their 1-pixel halo: one DEM read serves all
 * three.
 */
function sharedReads(dem: RasterSource): RasterSource {
  let last: { w: Window; bands: string; data: Promise<BandData[]> } | null = null;
  const readWindow = (w: Window, bands?: number[]): Promise<BandData[]> => {
    const key = (bands ?? []).join(',');
    const l = last;
    if (l && l.bands === key && w.x >= l.w.x && w.y >= l.w.y && w.x + w.width <= l.w.x + l.w.width && w.y + w.height <= l.w.y + l.w.height) {
      return l.data.then((arrays) =>
        arrays.map((a) => {
          const out = new Float32Array(w.width * w.height);
          for (let j = 0; j < w.height; j++) {
            const s = (w.y - l.w.y + j) * l.w.width + (w.x - l.w.x);
            out.set(a.subarray(s, s + w.width), j * w.width);
          }
          return out;
        }),
      );
    }
    const data = dem.readWindow(w, bands);
    last = { w, bands: key, data };
    data.catch(() => {
      if (last?.data === data) last = null;
    });
    return data;
  };
  return {
    info: dem.info,
    readWindow,
    readWindowResampled: (w, ow, oh, bands) => dem.readWindowResampled(w, ow, oh, bands),
    close: () => dem.close(),
  };
}

export class AttributeBands {
  private readonly slope: GridBandSource;
  private readonly elevation: GridBandSource;
  private readonly aspect: GridBandSource;

  constructor(dem: RasterSource, workGrid: Grid, private readonly region: Window) {
    const shared = sharedReads(dem);
    this.slope = terrainBand(shared, 'slope', workGrid);
    this.elevation = terrainBand(shared, 'dem', workGrid);
    this.aspect = terrainBand(shared, 'aspect', workGrid);
  }

  /**
   * The terrain under the foreground of `mask` (rows y … y + rows − 1, region width): read only
   * over the columns between the first and last foreground pixel, NaN elsewhere; null when the rows
   * have no foreground (the polygonizer reads values under foreground pixels only).
   */
  async readUnder(y: number, rows: number, mask: ArrayLike<number>): Promise<Omit<ValueRows, 'probability'> | null> {
    const W = this.region.width;
    let x0 = W;
    let x1 = 0;
    for (let j = 0; j < rows; j++) {
      const o = j * W;
      let a = 0;
      while (a < x0 && mask[o + a] === 0) a++;
      if (a < x0) x0 = a;
      let b = W;
      while (b > x1 && mask[o + b - 1] === 0) b--;
      if (b > x1) x1 = b;
    }
    return x1 > x0 ? this.read(y, rows, { x0, x1 }) : null;
  }

  /**
   * Rows y … y + rows − 1 of the processed region. With `span`, only columns [x0, x1) are read
   * (the rest is NaN): the polygonizer reads values only under foreground pixels, so the caller
   * passes the span of the foreground and skips the terrain work elsewhere.
   */
  async read(y: number, rows: number, span?: { x0: number; x1: number }): Promise<Omit<ValueRows, 'probability'>> {
    const W = this.region.width;
    const x0 = span ? Math.max(0, span.x0) : 0;
    const x1 = span ? Math.min(W, span.x1) : W;
    const w: Window = { x: this.region.x + x0, y: this.region.y + y, width: Math.max(1, x1 - x0), height: rows };
    // Slope first: it reads the halo window, which elevation and aspect then cut from.
    const [slope, elevation, aspect] = await Promise.all([this.slope.readWindow(w), this.elevation.readWindow(w), this.aspect.readWindow(w)]);
    if (w.width === W) return { slope, elevation, aspect };
    const widen = (a: BandData): Float32Array => {
      const out = new Float32Array(W * rows).fill(NaN);
      for (let j = 0; j < rows; j++) out.set(a.subarray(j * w.width, (j + 1) * w.width), j * W + x0);
      return out;
    };
    return { slope: widen(slope), elevation: widen(elevation), aspect: widen(aspect) };
  }
}
