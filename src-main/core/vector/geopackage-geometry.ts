/**
 * GeoPackage binary geometry (OGC 12-128r18 §2.1.3): "GP" header, version 0, flags (little endian,
 * XY envelope), srs_id, envelope [minx, maxx, miny, maxy], then ISO WKB. Encoding of MultiPolygons
 * (what the landslides table holds) and decoding of Polygon/MultiPolygon (2D, Z and M dropped) for
 * reading GeoPackages written by us or by GDAL.
 */
import type { Bounds } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { multiPolygonBounds, type FlatMultiPolygon, type FlatPolygon } from './geometry';

const WKB_POLYGON = 3;
const WKB_MULTIPOLYGON = 6;

/** Byte size of the GeoPackage blob for a multipolygon. */
function blobSize(mp: FlatMultiPolygon): number {
  let n = 8 + 32 + 9;
  for (const p of mp) {
    n += 9;
    for (const r of p) n += 4 + (r.length >> 1) * 16;
  }
  return n;
}

/** Encode a multipolygon as a GeoPackage geometry blob; an empty multipolygon gets the empty flag and no envelope. */
export function encodeGpkgMultiPolygon(mp: FlatMultiPolygon, srsId: number, bounds?: Bounds): Buffer {
  const empty = mp.length === 0;
  const size = empty ? 8 + 9 : blobSize(mp);
  const buf = Buffer.allocUnsafe(size);
  buf[0] = 0x47; // G
  buf[1] = 0x50; // P
  buf[2] = 0; // version 1 (0)
  // flags: bit0 little endian, bits1-3 envelope (1 = XY), bit4 empty.
  buf[3] = empty ? 0b10001 : 0b00011;
  buf.writeInt32LE(srsId, 4);
  let o = 8;
  if (!empty) {
    const { minX, minY, maxX, maxY } = bounds ?? multiPolygonBounds(mp);
    buf.writeDoubleLE(minX, 8);
    buf.writeDoubleLE(maxX, 16);
    buf.writeDoubleLE(minY, 24);
    buf.writeDoubleLE(maxY, 32);
    o = 40;
  }
  buf[o] = 1;
  buf.writeUInt32LE(WKB_MULTIPOLYGON, o + 1);
  buf.writeUInt32LE(mp.length, o + 5);
  o += 9;
  for (const p of mp) {
    buf[o] = 1;
    buf.writeUInt32LE(WKB_POLYGON, o + 1);
    buf.writeUInt32LE(p.length, o + 5);
    o += 9;
    for (const r of p) {
      const n = r.length >> 1;
      buf.writeUInt32LE(n, o);
      o += 4;
      for (let k = 0; k < r.length; k++) {
        buf.writeDoubleLE(r[k] as number, o);
        o += 8;
      }
    }
  }
  return buf;
}

export interface GpkgHeader {
  srsId: number;
  empty: boolean;
  envelope: Bounds | null;
  /** Offset of the WKB in the blob. */
  wkbOffset: number;
}

function badBlob(msg: string): ScarpError {
  return new ScarpError({ code: 'CORRUPT_FILE', message: `Invalid GeoPackage geometry: ${msg}` });
}

export function readGpkgHeader(b: Uint8Array): GpkgHeader {
  if (b.length < 8 || b[0] !== 0x47 || b[1] !== 0x50) throw badBlob('missing "GP" magic');
  const flags = b[3] as number;
  const le = (flags & 1) === 1;
  const envCode = (flags >> 1) & 7;
  const empty = ((flags >> 4) & 1) === 1;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const srsId = dv.getInt32(4, le);
  const envLen = [0, 32, 48, 48, 64][envCode];
  if (envLen === undefined) throw badBlob(`envelope code ${envCode}`);
  if (b.length < 8 + envLen) throw badBlob(`${b.length} bytes, too short for its ${envLen}-byte envelope`);
  let envelope: Bounds | null = null;
  if (envLen > 0) {
    envelope = { minX: dv.getFloat64(8, le), maxX: dv.getFloat64(16, le), minY: dv.getFloat64(24, le), maxY: dv.getFloat64(32, le) };
  }
  return { srsId, empty, envelope, wkbOffset: 8 + envLen };
}

/** Read WKB (ISO or EWKB-free 2D/Z/M variants) polygon or multipolygon into flat 2D polygons. */
export function decodeWkbPolygons(b: Uint8Array, offset = 0): FlatMultiPolygon {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let o = offset;
  const count = (le: boolean): number => {
    if (o + 4 > b.length) throw badBlob('truncated WKB');
    const n = dv.getUint32(o, le);
    o += 4;
    return n;
  };
  const readGeom = (out: FlatMultiPolygon, depth: number): void => {
    if (o + 5 > b.length) throw badBlob('truncated WKB');
    if (depth > 8) throw badBlob('geometry collections nested more than 8 deep');
    const le = b[o] === 1;
    let type = dv.getUint32(o + 1, le);
    o += 5;
    // ISO: 1000s for Z, 2000s for M, 3000s for ZM; old-style 0x80000000 Z flag.
    let dims = 2;
    if (type & 0x80000000) {
      dims = 3;
      type &= 0xffff;
    }
    if (type & 0x40000000) {
      dims += 1;
      type &= 0xffff;
    }
    const iso = Math.floor(type / 1000);
    if (iso === 1 || iso === 2) dims = 3;
    if (iso === 3) dims = 4;
    type %= 1000;
    if (type === WKB_POLYGON) {
      const nr = count(le);
      const poly: FlatPolygon = [];
      for (let r = 0; r < nr; r++) {
        const np = count(le);
        if (o + np * dims * 8 > b.length) throw badBlob('truncated ring');
        const ring = new Float64Array(np * 2);
        for (let k = 0; k < np; k++) {
          ring[2 * k] = dv.getFloat64(o, le);
          ring[2 * k + 1] = dv.getFloat64(o + 8, le);
          o += dims * 8;
        }
        poly.push(ring);
      }
      if (poly.length > 0) out.push(poly);
    } else if (type === WKB_MULTIPOLYGON || type === 7) {
      const n = count(le);
      for (let k = 0; k < n; k++) readGeom(out, depth + 1);
    } else {
      throw new ScarpError({ code: 'UNSUPPORTED_FORMAT', message: `Geometry type ${type} is not a polygon; only (multi)polygons are supported here` });
    }
  };
  const out: FlatMultiPolygon = [];
  readGeom(out, 0);
  return out;
}

/** Decode a GeoPackage geometry blob holding a polygon or multipolygon. */
export function decodeGpkgPolygons(b: Uint8Array): FlatMultiPolygon {
  const h = readGpkgHeader(b);
  if (h.empty) return [];
  return decodeWkbPolygons(b, h.wkbOffset);
}
