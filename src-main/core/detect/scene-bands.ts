/**
 * The bands a model asks for, on the grid inference runs on: optical bands from the imagery
 * (resampled to the model's GSD when needed), NDVI, and terrain derived from the DEM at its own
 * resolution and resampled onto that grid.
 *
 * A terrain band normalised `window-center` is centred here, at scene level, on the work grid
 * (after co-registration and any `derivedAtM` derivation): value minus the mean of the valid values
 * in its k × k window (raster/terrain.ts `windowCenterBand`), read per tile with a (k − 1) / 2 halo
 * clipped to the work grid (not to the AOI region), so the values do not depend on tiling or the AOI,
 * and divided by `scale` there. Tile preprocessing then only clips and fills.
 */
import type { Grid, Window } from '../../../src-shared/geo';
import type { BandSource, BandSpec, ModelCard } from '../../../src-shared/model-card';
import { ScarpError } from '../../../src-shared/errors';
import { applyScale, bandIndexOf, ndvi, resampleBands, subGrid, terrainBand, windowCenterBand, type BandLayout, type GridBandSource, type GridBandsSource, type RasterSource } from '../raster';
import type { TileInputs } from '../inference';

const OPTICAL_INDEX: Partial<Record<BandSource, number>> = { red: 0, green: 1, blue: 2, nir: 3 };
/** The roles of the optical indices 0..3. */
export const OPTICAL_ROLES = ['red', 'green', 'blue', 'nir'] as const;

/** The file band (0-based) of each optical index 0..3, or null where the layout has no such band. */
export function opticalFileBands(layout: BandLayout): Array<number | null> {
  return OPTICAL_ROLES.map((r) => bandIndexOf(layout, r));
}
type TerrainSource = 'dem' | 'slope' | 'aspect' | 'hillshade';
const TERRAIN: ReadonlySet<BandSource> = new Set<BandSource>(['dem', 'slope', 'aspect', 'hillshade']);

/** One terrain plane per source, derivation GSD and (window-center) window. */
function terrainKey(b: BandSpec): string {
  const n = b.normalization;
  return `${b.source}@${b.derivedAtM ?? 0}${n.kind === 'window-center' ? `@wc${n.windowM}/${n.scale}` : ''}`;
}

/** Imagery bands on a grid, read together. */
function nativeBands(image: RasterSource, bands: number[]): GridBandsSource {
  return { grid: image.info, bandCount: bands.length, readWindow: (w) => image.readWindow(w, bands) };
}

function offsetWindow(w: Window, by: Window): Window {
  return { x: w.x + by.x, y: w.y + by.y, width: w.width, height: w.height };
}

export interface SceneBandsOptions {
  image: RasterSource;
  dem: RasterSource | null;
  card: ModelCard;
  /** The grid inference runs on (the image grid, or it resampled to the model's GSD). */
  workGrid: Grid;
  resampled: boolean;
  /** The part of workGrid processed (AOI bounding window), in workGrid pixels. */
  region: Window;
  /** Which file band is which, and the reflectance scaling (default: red, green, blue[, nir] by band count, scale 1). */
  layout?: BandLayout;
}

/** Reads everything one tile needs, for every card input, from the sources it names. */
export class SceneBands {
  readonly grid: Grid;
  private readonly optical: GridBandsSource;
  private readonly opticalIndex: number[];
  private readonly terrain = new Map<string, GridBandSource>();

  constructor(private readonly o: SceneBandsOptions) {
    this.grid = subGrid(o.workGrid, o.region);
    const wanted = new Set<number>([0, 1, 2]);
    for (const input of o.card.inputs) {
      for (const b of input.bands) {
        const idx = OPTICAL_INDEX[b.source];
        if (idx !== undefined) wanted.add(idx);
        if (b.source === 'ndvi') [0, 3].forEach((i) => wanted.add(i));
      }
    }
    const needBands = [...wanted].sort((a, b) => a - b);
    const fileBands = o.layout ? opticalFileBands(o.layout) : [0, 1, 2, 3].map((i) => (i < o.image.info.bandCount ? i : null));
    const missing = needBands.filter((i) => fileBands[i] === null || fileBands[i] === undefined);
    if (missing.length > 0) {
      const optical = needBands.length > 3 ? 'red, green, blue and near-infrared' : 'red, green and blue';
      const roles = o.layout && o.layout.from === 'request' ? ` (given as ${o.layout.roles.join(', ')})` : '';
      throw new ScarpError({
        code: 'INCOMPATIBLE_BANDS',
        message: `${o.image.info.path} has ${o.image.info.bandCount} band(s)${roles}, but model '${o.card.id}' needs ${optical}: no ${missing.map((i) => OPTICAL_ROLES[i]).join(', ')} band.`,
        file: o.image.info.path,
        hint: needBands.length > 3 ? 'Use 4-band imagery ordered R, G, B, NIR, or a model that needs RGB only.' : 'Use RGB imagery (bands ordered red, green, blue).',
      });
    }
    this.opticalIndex = needBands;
    const files = needBands.map((i) => fileBands[i]!);
    this.optical = o.resampled ? resampleBands(o.image, o.workGrid, { bands: files }) : nativeBands(o.image, files);
    for (const input of o.card.inputs) {
      for (const b of input.bands) {
        if (b.normalization.kind === 'window-center' && !TERRAIN.has(b.source)) {
          throw new ScarpError({
            code: 'INVALID_MODEL',
            message: `Model '${o.card.id}': band '${b.source}' asks for window-center normalisation, which Scarp applies to terrain bands only.`,
          });
        }
      }
    }
    if (o.dem) {
      for (const input of o.card.inputs) {
        for (const b of input.bands) {
          if (!TERRAIN.has(b.source)) continue;
          const key = terrainKey(b);
          if (!this.terrain.has(key)) {
            // Edges and DSM gaps stay nodata (then the band's fill), as training derives them (gdaldem's default).
            const band = terrainBand(o.dem, b.source as TerrainSource, o.workGrid, { derivedAtM: b.derivedAtM, computeEdges: false });
            this.terrain.set(key, b.normalization.kind === 'window-center' ? windowCenterBand(band, b.normalization.windowM, b.normalization.scale) : band);
          }
        }
      }
    }
  }

  /** Optical bands (in image band order 0..n) for a window of the processed region. */
  async readOptical(w: Window): Promise<Map<number, Float32Array>> {
    const data = await this.optical.readWindow(offsetWindow(w, this.o.region));
    const layout = this.o.layout;
    return new Map(this.opticalIndex.map((band, i) => [band, layout ? applyScale(data[i]!, layout) : data[i]!]));
  }

  /** The raw bands of every card input for one tile window (NaN = nodata). */
  async readTile(w: Window): Promise<TileInputs> {
    const optical = await this.readOptical(w);
    const out: TileInputs = {};
    for (const input of this.o.card.inputs) {
      const hasTerrain = input.bands.some((b) => TERRAIN.has(b.source));
      if (hasTerrain && !this.o.dem) {
        out[input.name] = null;
        continue;
      }
      const bands: Float32Array[] = [];
      for (const b of input.bands) {
        const idx = OPTICAL_INDEX[b.source];
        if (idx !== undefined) bands.push(optical.get(idx)!);
        else if (b.source === 'ndvi') bands.push(ndvi(optical.get(0)!, optical.get(3)!));
        else {
          const src = this.terrain.get(terrainKey(b))!;
          bands.push(await src.readWindow(offsetWindow(w, this.o.region)));
        }
      }
      out[input.name] = bands;
    }
    return out;
  }
}
