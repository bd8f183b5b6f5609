/**
 * 8-bit rasters stored as compressed square tiles on a fixed grid (RASTER_TILE_SIZE), readable by
 * window: the probability of a run (quantised after blending in float) and the edited mask.
 *
 * Quantisation: 0..254 ↔ probability q / 254 (round to nearest), 255 = no data.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import type { Window } from '../../../../src-shared/geo';
import { RASTER_TILE_SIZE } from './schema';

export const NODATA_U8 = 255;
export const PROB_SCALE = 254;

export function quantise(p: number): number {
  if (Number.isNaN(p)) return NODATA_U8;
  const v = Math.round((p < 0 ? 0 : p > 1 ? 1 : p) * PROB_SCALE);
  return v;
}

export function dequantise(q: number): number {
  return q === NODATA_U8 ? Number.NaN : q / PROB_SCALE;
}

export function compressTile(data: Uint8Array): Buffer {
  return deflateSync(data, { level: 6 });
}

export function decompressTile(blob: Uint8Array, width: number, height: number): Uint8Array {
  const out = inflateSync(blob);
  if (out.length !== width * height) throw new Error(`tile holds ${out.length} bytes, expected ${width}×${height}`);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Size of tile (row, col) of a width × height grid. */
export function tileSize(width: number, height: number, row: number, col: number): { width: number; height: number } {
  const T = RASTER_TILE_SIZE;
  return { width: Math.min(T, width - col * T), height: Math.min(T, height - row * T) };
}

/** Tiles of a grid touched by a window, as [row, col] pairs. */
export function tilesOf(win: Window): Array<[number, number]> {
  const T = RASTER_TILE_SIZE;
  const out: Array<[number, number]> = [];
  for (let r = Math.floor(win.y / T); r * T < win.y + win.height; r++) {
    for (let c = Math.floor(win.x / T); c * T < win.x + win.width; c++) out.push([r, c]);
  }
  return out;
}

/** Copy a tile's pixels into the part of `out` (a window-sized buffer) they cover. */
export function blitTile(tile: Uint8Array, tw: number, th: number, row: number, col: number, win: Window, out: Uint8Array): void {
  const T = RASTER_TILE_SIZE;
  const x0 = Math.max(win.x, col * T);
  const x1 = Math.min(win.x + win.width, col * T + tw);
  const y0 = Math.max(win.y, row * T);
  const y1 = Math.min(win.y + win.height, row * T + th);
  for (let y = y0; y < y1; y++) {
    const src = (y - row * T) * tw + (x0 - col * T);
    out.set(tile.subarray(src, src + (x1 - x0)), (y - win.y) * win.width + (x0 - win.x));
  }
}
