/**
 * Rendering one XYZ tile of a raster layer: the tile's Web Mercator pixel centres are mapped to
 * source pixels (proj4 on a mesh, interpolated: createPixelMapper), the covering source window is
 * read at about the tile's resolution (from overviews where the file has them:
 * readWindowResampled), sampled bilinearly and coloured (contrast stretch, hillshade, colour ramp,
 * threshold).
 */
import type { Window } from '../../../src-shared/geo';
import { createPixelMapper } from '../raster/pixel-map';
import { hornDerivative } from '../raster/terrain-kernels';
import type { RasterSource } from '../raster/types';
import type { BandStretch } from '../raster/percentiles';
import { boundsIntersect, tileBounds, tileGrid, TILE_SIZE } from './mercator';
import { RAMPS, type Ramp } from './ramps';
import type { Bounds } from '../../../src-shared/geo';

export type { BandStretch };

export type TileLayerKind = 'imagery' | 'falsecolor' | 'hillshade' | 'slope' | 'probability' | 'change' | 'mask';


/** What a tile renderer needs to know about a layer (see TileService for how it is built). */
export interface RenderLayer {
  kind: TileLayerKind;
  source: RasterSource;
  /** 0-based source bands read, in display order (1 for single-band layers, 3 for colour). */
  bands: number[];
  /** Per displayed band, for imagery. */
  stretch: BandStretch[];
  /** Mask threshold. */
  threshold: number;
  /** Layer extent in EPSG:3857. */
  bounds3857: Bounds;
}

export interface RenderedTile {
  rgba: Uint8Array;
  size: number;
  /** How the tile was read: source window, read size and the mesh step of the reprojection. */
  debug: { window: Window; readWidth: number; readHeight: number; meshStep: number };
}

/** Bilinear sample of a band at fractional buffer coordinates (pixel centres at i + 0.5); NaN-aware. */
function sampleBilinear(d: Float32Array, w: number, h: number, u: number, v: number): number {
  const x = u - 0.5;
  const y = v - 0.5;
  let x0 = Math.floor(x);
  let y0 = Math.floor(y);
  const tx = x - x0;
  const ty = y - y0;
  let x1 = x0 + 1;
  let y1 = y0 + 1;
  if (x0 < 0) x0 = 0;
  if (y0 < 0) y0 = 0;
  if (x1 > w - 1) x1 = w - 1;
  if (y1 > h - 1) y1 = h - 1;
  if (x0 > w - 1) x0 = w - 1;
  if (y0 > h - 1) y0 = h - 1;
  const a = d[y0 * w + x0]!;
  const b = d[y0 * w + x1]!;
  const c = d[y1 * w + x0]!;
  const e = d[y1 * w + x1]!;
  if (a === a && b === b && c === c && e === e) {
    return (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + e * tx) * ty;
  }
  // Near nodata: nearest neighbour, so edges stay crisp and nodata never bleeds into values.
  const nx = Math.min(w - 1, Math.max(0, Math.floor(u)));
  const ny = Math.min(h - 1, Math.max(0, Math.floor(v)));
  return d[ny * w + nx]!;
}

function applyRamp(value: number, ramp: Ramp, out: Uint8Array, o: number): void {
  const [d0, d1] = ramp.domain;
  let i = Math.round(((value - d0) / (d1 - d0)) * 255);
  if (i < 0) i = 0;
  else if (i > 255) i = 255;
  out[o] = ramp.lut[i * 4]!;
  out[o + 1] = ramp.lut[i * 4 + 1]!;
  out[o + 2] = ramp.lut[i * 4 + 2]!;
  out[o + 3] = ramp.lut[i * 4 + 3]!;
}

/** Render tile z/x/y of a layer as RGBA, or null when the tile does not touch the layer. */
export async function renderTileRgba(layer: RenderLayer, z: number, x: number, y: number, size = TILE_SIZE): Promise<RenderedTile | null> {
  if (!boundsIntersect(tileBounds(z, x, y), layer.bounds3857)) return null;
  const info = layer.source.info;
  const target = tileGrid(z, x, y, size);
  const mapper = createPixelMapper(target, info);
  const { kx, ky } = mapper.footprint(size / 2, size / 2);
  const k = Math.max(1, Math.min(kx, ky));
  // Mesh error tolerance: a fifth of an output pixel, in source pixels.
  const map = mapper.map({ x: 0, y: 0, width: size, height: size }, { maxErrorPx: Math.max(0.01, 0.2 * k), meshStep: 32 });
  const { fx, fy } = map;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < fx.length; i++) {
    const a = fx[i]!;
    const b = fy[i]!;
    if (a === a && b === b) {
      if (a < minX) minX = a;
      if (a > maxX) maxX = a;
      if (b < minY) minY = b;
      if (b > maxY) maxY = b;
    }
  }
  if (!(minX < info.width && maxX > 0 && minY < info.height && maxY > 0)) return null;
  const terrain = layer.kind === 'hillshade' || layer.kind === 'slope';
  // Margin in source pixels: one read pixel for bilinear, two for the 3×3 terrain kernel.
  const pad = Math.ceil(k * (terrain ? 2 : 1)) + 1;
  const x0 = Math.max(0, Math.floor(minX) - pad);
  const y0 = Math.max(0, Math.floor(minY) - pad);
  const x1 = Math.min(info.width, Math.ceil(maxX) + pad);
  const y1 = Math.min(info.height, Math.ceil(maxY) + pad);
  const win: Window = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  if (win.width <= 0 || win.height <= 0) return null;
  const rw = Math.max(1, Math.round(win.width / k));
  const rh = Math.max(1, Math.round(win.height / k));
  const data = rw === win.width && rh === win.height ? await layer.source.readWindow(win, layer.bands) : await layer.source.readWindowResampled(win, rw, rh, layer.bands);
  const sx = win.width / rw;
  const sy = win.height / rh;

  let bands = data;
  if (terrain) {
    const gsd = info.gsd;
    const dem = data[0]!;
    bands = [
      hornDerivative(layer.kind as 'hillshade' | 'slope', dem, rw, rh, {
        ewres: gsd.x * sx,
        nsres: -gsd.y * sy,
        computeEdges: true,
        edges: { left: x0 === 0, top: y0 === 0, right: x1 === info.width, bottom: y1 === info.height },
      }),
    ];
  }

  const n = size * size;
  const rgba = new Uint8Array(n * 4);
  const nb = bands.length;
  const vals = new Float64Array(nb);
  const stretch = layer.stretch;
  for (let i = 0; i < n; i++) {
    const a = fx[i]!;
    const b = fy[i]!;
    if (!(a >= 0 && b >= 0 && a < info.width && b < info.height)) continue;
    const u = (a - x0) / sx;
    const v = (b - y0) / sy;
    let ok = true;
    for (let c = 0; c < nb; c++) {
      const s = sampleBilinear(bands[c]!, rw, rh, u, v);
      if (s !== s) {
        ok = false;
        break;
      }
      vals[c] = s;
    }
    if (!ok) continue;
    const o = i * 4;
    switch (layer.kind) {
      case 'imagery':
      case 'falsecolor': {
        for (let c = 0; c < 3; c++) {
          const st = stretch[Math.min(c, stretch.length - 1)]!;
          const t = (vals[Math.min(c, nb - 1)]! - st.low) / (st.high - st.low || 1);
          rgba[o + c] = t <= 0 ? 0 : t >= 1 ? 255 : Math.round(t * 255);
        }
        rgba[o + 3] = 255;
        break;
      }
      case 'hillshade': {
        const g = Math.max(0, Math.min(255, Math.round(vals[0]!)));
        rgba[o] = g;
        rgba[o + 1] = g;
        rgba[o + 2] = g;
        rgba[o + 3] = 255;
        break;
      }
      case 'slope':
        applyRamp(vals[0]!, RAMPS.slope, rgba, o);
        break;
      case 'probability':
        if (vals[0]! >= 0) applyRamp(vals[0]!, RAMPS.probability, rgba, o);
        break;
      case 'change':
        if (vals[0]! >= 0) applyRamp(vals[0]!, RAMPS.change, rgba, o);
        break;
      case 'mask':
        if (vals[0]! >= layer.threshold) applyRamp(1, RAMPS.mask, rgba, o);
        break;
    }
  }
  return { rgba, size, debug: { window: win, readWidth: rw, readHeight: rh, meshStep: map.meshStep } };
}
