/**
 * Area of interest: polygons from a file (GeoJSON, GeoPackage, Shapefile), reprojected to the
 * processing grid's CRS, restricting a run to their bounding window and, inside it, to the
 * pixels whose centres fall inside a polygon (gdal_rasterize's rule).
 */
import type { Grid, Window } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { basename } from 'node:path';
import { gridBounds, windowGeoTransform } from '../geo';
import { overlapArea } from '../edit/polygon-ops';
import { subGrid } from '../raster';
import { multiPolygonArea, multiPolygonBounds, PolygonRasterizer, readPolygons, type FlatMultiPolygon } from '../vector';

export class AoiMask {
  private readonly rasterizer: PolygonRasterizer;

  private constructor(
    readonly path: string,
    readonly window: Window,
    private readonly polygons: FlatMultiPolygon[],
    private readonly regionGrid: Grid,
    /** Share (0..1) of the polygons' area inside the imagery's footprint (planar, in the grid's CRS). */
    readonly imageryShare: number,
  ) {
    this.rasterizer = new PolygonRasterizer(polygons, regionGrid);
  }

  static async load(path: string, grid: Grid): Promise<AoiMask> {
    const layer = await readPolygons(path, { crs: grid.crs });
    const polygons = layer.features.map((f) => f.geometry).filter((g) => g.length > 0);
    if (polygons.length === 0) {
      throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `The area of interest ${path} has no polygons.`, file: path, hint: 'Draw or export at least one polygon.' });
    }
    const [ox, pw, , oy, , ph] = grid.geoTransform;
    const finite = polygons.every((g) => g.every((p) => p.every((r) => r.every((v) => Number.isFinite(v)))));
    if (!finite) {
      throw new ScarpError({
        code: 'INVALID_ARGUMENT',
        message: `The area of interest ${path} has coordinates that do not fall on the Earth in the imagery's coordinate system.`,
        file: path,
        hint: 'Check the coordinates and the coordinate system the file states.',
      });
    }
    // Degenerate rings (fewer than three distinct points, zero area) would silently select nothing.
    const area = polygons.reduce((a, g) => a + multiPolygonArea(g), 0);
    const pixelArea = Math.abs(pw * ph);
    if (!(area >= pixelArea)) {
      throw new ScarpError({
        code: 'INVALID_ARGUMENT',
        message: `The area of interest ${path} encloses ${area === 0 ? 'no area' : 'less than one pixel'}: its rings are degenerate (fewer than three distinct points, or a line).`,
        file: path,
        hint: 'Draw polygons that enclose the area to search.',
        params: { areaUnits: area, pixelArea },
      });
    }
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (const g of polygons) {
      const b = multiPolygonBounds(g);
      const cols = [(b.minX - ox) / pw, (b.maxX - ox) / pw];
      const rows = [(b.minY - oy) / ph, (b.maxY - oy) / ph];
      x0 = Math.min(x0, ...cols);
      x1 = Math.max(x1, ...cols);
      y0 = Math.min(y0, ...rows);
      y1 = Math.max(y1, ...rows);
    }
    const wx0 = Math.max(0, Math.floor(x0));
    const wy0 = Math.max(0, Math.floor(y0));
    const wx1 = Math.min(grid.width, Math.ceil(x1));
    const wy1 = Math.min(grid.height, Math.ceil(y1));
    if (wx1 <= wx0 || wy1 <= wy0) {
      throw new ScarpError({
        code: 'NO_OVERLAP',
        message: `The area of interest ${path} does not overlap the imagery.`,
        file: path,
        hint: 'Check that the polygons cover the scene and that the file states its coordinate system.',
      });
    }
    const window: Window = { x: wx0, y: wy0, width: wx1 - wx0, height: wy1 - wy0 };
    // The share of the area of interest the imagery's footprint holds (a polygon's part outside it cannot be mapped).
    const b = gridBounds(grid);
    const footprint: FlatMultiPolygon = [[Float64Array.of(b.minX, b.minY, b.maxX, b.minY, b.maxX, b.maxY, b.minX, b.maxY, b.minX, b.minY)]];
    const inside = polygons.reduce((a, g) => a + overlapArea(g, footprint), 0);
    return new AoiMask(path, window, polygons, subGrid(grid, window), Math.min(1, inside / area));
  }

  /**
   * The warning when the imagery's footprint holds less than 99 % of the area of interest: the rest is
   * not mapped, and an empty part must not read as "no landslides there".
   */
  footprintWarning(imagery: string): string[] {
    if (this.imageryShare >= 0.99) return [];
    const pct = Math.max(1, Math.floor(100 * this.imageryShare));
    return [
      `The imagery ${basename(imagery)} covers only ${pct} % of the area of interest ${basename(this.path)}: the rest is not mapped, so no landslide there does not mean none happened. Add imagery of the rest (a batch of scenes: scarp batch), or narrow the area of interest.`,
    ];
  }

  /** 1 inside, 0 outside, for rows y … y + n − 1 of the window; rows must be asked for in order. */
  rows(y: number, n: number): Uint8Array {
    return this.rasterizer.rasterizeRows(y, n);
  }

  /**
   * A cw × ch mask over the window, 1 where any part of a cell may be inside (cells with a centre
   * inside, grown by one cell so thin slivers are not lost).
   */
  coarse(cw: number, ch: number): Uint8Array {
    const g = this.regionGrid;
    const sx = g.width / cw;
    const sy = g.height / ch;
    const [ox, pw, rx, oy, ry, ph] = windowGeoTransform(g.geoTransform, { x: 0, y: 0 });
    const coarseGrid = { width: cw, height: ch, geoTransform: [ox, pw * sx, rx, oy, ry, ph * sy] as Grid['geoTransform'] };
    const centres = new PolygonRasterizer(this.polygons, coarseGrid).rasterizeRows(0, ch);
    const out = new Uint8Array(cw * ch);
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        if (!centres[y * cw + x]) continue;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy >= 0 && yy < ch && xx >= 0 && xx < cw) out[yy * cw + xx] = 1;
          }
        }
      }
    }
    // A polygon smaller than one cell has no cell centre inside: mark the cell under its first vertex.
    for (const mp of this.polygons) {
      const r = mp[0]?.[0];
      if (!r || r.length < 2) continue;
      const cx = Math.floor((r[0]! - ox) / (pw * sx));
      const cy = Math.floor((r[1]! - oy) / (ph * sy));
      if (cx >= 0 && cx < cw && cy >= 0 && cy < ch) out[cy * cw + cx] = 1;
    }
    return out;
  }
}
