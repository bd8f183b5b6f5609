/** GeoPackage geometry blobs from another program's file: any damage is a CORRUPT_FILE error, never a RangeError. */
import { describe, expect, it } from 'vitest';
import { decodeGpkgPolygons, encodeGpkgMultiPolygon } from '../../../src-main/core/vector/geopackage-geometry';
import { isScarpError } from '../../../src-shared/errors';

const square = [[new Float64Array([0, 0, 10, 0, 10, 10, 0, 10, 0, 0])]];

function codeOf(blob: Uint8Array): string {
  try {
    decodeGpkgPolygons(blob);
    return 'ok';
  } catch (e) {
    return isScarpError(e) ? e.code : `not a ScarpError: ${String(e)}`;
  }
}

describe('decodeGpkgPolygons on damaged blobs', () => {
  it('reads a valid blob back', () => {
    const out = decodeGpkgPolygons(encodeGpkgMultiPolygon(square, 32647));
    expect(Array.from(out[0]![0]!)).toEqual(Array.from(square[0]![0]!));
  });

  it('a header announcing an envelope the blob does not hold', () => {
    expect(codeOf(Buffer.from('47500003deadbeef', 'hex'))).toBe('CORRUPT_FILE');
  });

  it('every truncation of a valid blob', () => {
    const blob = encodeGpkgMultiPolygon(square, 32647);
    const codes = new Set<string>();
    for (let n = 0; n < blob.length; n++) codes.add(codeOf(blob.subarray(0, n)));
    expect([...codes].filter((c) => c !== 'CORRUPT_FILE')).toEqual([]);
  });

  it('ring and polygon counts of 2^32 - 1', () => {
    const blob = Buffer.from(encodeGpkgMultiPolygon(square, 32647));
    const wkb = 8 + 32; // header with an xy envelope
    for (const at of [wkb + 5, wkb + 9 + 5, wkb + 9 + 5 + 4]) {
      const b = Buffer.from(blob);
      b.writeUInt32LE(0xffffffff, at);
      expect(codeOf(b)).toBe('CORRUPT_FILE');
    }
  });

  it('geometry collections nested 10,000 deep', () => {
    const head = Buffer.from(encodeGpkgMultiPolygon(square, 32647).subarray(0, 8 + 32));
    const level = Buffer.from([1, 7, 0, 0, 0, 1, 0, 0, 0]);
    expect(codeOf(Buffer.concat([head, ...Array.from({ length: 10_000 }, () => level)]))).toBe('CORRUPT_FILE');
  });
});
