import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { SHP_POLYGON, writeShpShx } from '../../../src-main/core/export/shp-writer';
import type { FlatMultiPolygon } from '../../../src-main/core/vector/geometry';

const ring = (pts: number[]): Float64Array => Float64Array.from(pts);
// Shell clockwise, hole counter-clockwise (as the exporter hands them over).
const holed: FlatMultiPolygon = [[ring([0, 0, 0, 10, 10, 10, 10, 0, 0, 0]), ring([2, 2, 4, 2, 4, 4, 2, 4, 2, 2])]];
const twoParts: FlatMultiPolygon = [[ring([20, 0, 20, 5, 25, 5, 25, 0, 20, 0])], [ring([30, -3, 30, 1, 31, 1, 31, -3, 30, -3])]];

describe('shapefile .shp/.shx writer', () => {
  it('writes the header, the records and the index per the ESRI layout', () => {
    const { shp, shx } = writeShpShx([holed, twoParts]);
    expect(shp.readInt32BE(0)).toBe(9994);
    expect(shp.readInt32BE(24) * 2).toBe(shp.length);
    expect(shp.readInt32LE(28)).toBe(1000);
    expect(shp.readInt32LE(32)).toBe(SHP_POLYGON);
    expect([36, 44, 52, 60].map((o) => shp.readDoubleLE(o))).toEqual([0, -3, 31, 10]);
    expect(shx.readInt32BE(24) * 2).toBe(shx.length);
    expect(shx.length).toBe(100 + 2 * 8);
    // Record 1: 2 parts (shell + hole), 10 points.
    expect(shx.readInt32BE(100)).toBe(50);
    expect(shp.readInt32BE(100)).toBe(1);
    expect(shp.readInt32BE(104) * 2).toBe(44 + 2 * 4 + 10 * 16);
    expect(shp.readInt32LE(108)).toBe(SHP_POLYGON);
    expect(shp.readInt32LE(108 + 36)).toBe(2);
    expect(shp.readInt32LE(108 + 40)).toBe(10);
    expect([shp.readInt32LE(108 + 44), shp.readInt32LE(108 + 48)]).toEqual([0, 5]);
    // Record 2 follows record 1; its offset is in the index.
    const off2 = shx.readInt32BE(108) * 2;
    expect(off2).toBe(100 + 8 + 44 + 8 + 160);
    expect(shp.readInt32BE(off2)).toBe(2);
    expect(shp.readDoubleLE(off2 + 8 + 4)).toBe(20); // record box xmin
  });

  it('writes an empty geometry as a Null shape and closes an open ring', () => {
    const { shp, shx } = writeShpShx([[], [[ring([0, 0, 0, 1, 1, 1, 1, 0])]]]);
    expect(shp.readInt32BE(104)).toBe(2); // 4 bytes of content
    expect(shp.readInt32LE(108)).toBe(0);
    const off2 = shx.readInt32BE(108) * 2;
    expect(shp.readInt32LE(off2 + 8 + 40)).toBe(5); // 4 points + the closing one
    const last = off2 + 8 + 48 + 4 * 16;
    expect([shp.readDoubleLE(last), shp.readDoubleLE(last + 8)]).toEqual([0, 0]);
  });

  it('gives the same bytes as @mapbox/shp-write (the writer it replaces)', () => {
    type W = (rows: unknown[], t: 'POLYGON', g: number[][][][][], cb: (e: unknown, f: { shp: DataView; shx: DataView }) => void) => void;
    const write = (createRequire(import.meta.url)('@mapbox/shp-write') as { write: W }).write;
    const geoms = [holed, twoParts, holed];
    const coords = geoms.map((mp) => mp.map((p) => p.map((r) => Array.from({ length: r.length / 2 }, (_, k) => [r[2 * k]!, r[2 * k + 1]!]))));
    let old: { shp: DataView; shx: DataView } | null = null;
    write([], 'POLYGON', coords, (_e, f) => (old = f));
    const o = old as unknown as { shp: DataView; shx: DataView };
    const ours = writeShpShx(geoms);
    expect(ours.shp.equals(Buffer.from(o.shp.buffer, o.shp.byteOffset, o.shp.byteLength))).toBe(true);
    expect(ours.shx.equals(Buffer.from(o.shx.buffer, o.shx.byteOffset, o.shx.byteLength))).toBe(true);
  });
});
