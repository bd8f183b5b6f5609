/**
 * Where a raster says it has no data, as the reader applies it (src-main/core/raster/validity.ts):
 * one list for `scarp info` and the project panel, in the order the reader weighs them.
 */
import type { RasterInfo } from './geo';

export type ValidityPart =
  | { kind: 'value'; value: number; from: 'tag' | 'aux.xml' }
  | { kind: 'mask'; where: 'internal' | 'sidecar' }
  | { kind: 'alpha'; band: number }
  | { kind: 'black' };

/** The validity rules a raster declares or gets (empty: every pixel is data). `band` is 1-based. */
export function validityParts(i: Pick<RasterInfo, 'nodata' | 'nodataFrom' | 'maskBand' | 'alphaBand' | 'blackIsNodata'>): ValidityPart[] {
  const parts: ValidityPart[] = [];
  if (i.nodata !== null) parts.push({ kind: 'value', value: i.nodata, from: i.nodataFrom === 'aux.xml' ? 'aux.xml' : 'tag' });
  if (i.maskBand) parts.push({ kind: 'mask', where: i.maskBand });
  if (i.alphaBand !== undefined) parts.push({ kind: 'alpha', band: i.alphaBand + 1 });
  if (i.blackIsNodata) parts.push({ kind: 'black' });
  return parts;
}
