/** Terrain values fed to the polygonizer for per-polygon attributes (slope, elevation, aspect). */
import type { Grid, Window } from '../../../src-shared/geo';
import { terrainBand, type GridBandSource, type RasterSource } from '../raster';
import type { ValueRows } from '../vector';

export class AttributeBands {
  private readonly slope: GridBandSource;
  private readonly elevation: GridBandSource;
  private readonly aspect: GridBandSource;

  constructor(dem: RasterSource, workGrid: Grid, private readonly region: Window) {
    this.slope = terrainBand(dem, 'slope', workGrid);
    this.elevation = terrainBand(dem, 'dem', workGrid);
    this.aspect = terrainBand(dem, 'aspect', workGrid);
  }

  /** Rows y … y + rows − 1 of the processed region. */
  async read(y: number, rows: number): Promise<Omit<ValueRows, 'probability'>> {
    const w: Window = { x: this.region.x, y: this.region.y + y, width: this.region.width, height: rows };
    const [slope, elevation, aspect] = await Promise.all([this.slope.readWindow(w), this.elevation.readWindow(w), this.aspect.readWindow(w)]);
    return { slope, elevation, aspect };
  }
}
