/**
 * The time, position and direction a JPEG photo was taken, from its EXIF block (APP1 "Exif", a TIFF
 * structure): DateTimeOriginal (+ OffsetTimeOriginal), GPSLatitude/Longitude with their N/S, E/W
 * references, GPSImgDirection. Only what field evidence needs, so no dependency: the few tags are
 * read by offset with every bound checked. A photo with no EXIF, or a damaged one, gives what could
 * be read (possibly nothing) and never an error: the picture itself is still a good photo.
 */

export interface PhotoExif {
  /** ISO 8601; with the offset when the camera recorded it, else local time as shot (no zone). */
  time?: string;
  lon?: number;
  lat?: number;
  /** Direction the camera faced, degrees clockwise from north (true or magnetic: `directionRef`). */
  direction?: number;
  directionRef?: 'T' | 'M';
}

const EXIF_IFD = 0x8769;
const GPS_IFD = 0x8825;
const DATE_TIME_ORIGINAL = 0x9003;
const OFFSET_TIME_ORIGINAL = 0x9011;
/** Bytes of one value of each TIFF field type (1 BYTE, 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL, 7 UNDEFINED, 9 SLONG, 10 SRATIONAL, 13 IFD). */
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8, 13: 4 };

interface Entry {
  type: number;
  count: number;
  /** Offset of the value (inline or pointed to) from the start of the TIFF block. */
  at: number;
}

/** The TIFF block of the APP1 Exif segment, or null. */
function tiffBlock(b: Buffer): Buffer | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) return null;
    const marker = b[p + 1]!;
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      p += 2;
      continue;
    }
    // Start of scan or end of image: EXIF comes before either.
    if (marker === 0xda || marker === 0xd9) return null;
    const len = b.readUInt16BE(p + 2);
    if (len < 2 || p + 2 + len > b.length) return null;
    if (marker === 0xe1 && len >= 8 && b.toString('latin1', p + 4, p + 10) === 'Exif\0\0') return b.subarray(p + 10, p + 2 + len);
    p += 2 + len;
  }
  return null;
}

/** What a photo's EXIF says of its time, position and direction ({} when nothing). */
export function readExif(jpeg: Buffer): PhotoExif {
  const t = tiffBlock(jpeg);
  if (!t || t.length < 8) return {};
  const order = t.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return {};
  const le = order === 'II';
  const u16 = (o: number): number => (le ? t.readUInt16LE(o) : t.readUInt16BE(o));
  const u32 = (o: number): number => (le ? t.readUInt32LE(o) : t.readUInt32BE(o));
  const i32 = (o: number): number => (le ? t.readInt32LE(o) : t.readInt32BE(o));
  if (u16(2) !== 42) return {};

  /** The entries of the IFD at `off` by tag (empty when it lies outside the block). */
  const ifd = (off: number): Map<number, Entry> => {
    const out = new Map<number, Entry>();
    if (off < 8 || off + 2 > t.length) return out;
    const n = u16(off);
    for (let i = 0; i < n; i++) {
      const e = off + 2 + i * 12;
      if (e + 12 > t.length) break;
      const type = u16(e + 2);
      const count = u32(e + 4);
      const size = (TYPE_SIZE[type] ?? 0) * count;
      if (size === 0) continue;
      const at = size <= 4 ? e + 8 : u32(e + 8);
      if (at + size > t.length) continue;
      out.set(u16(e), { type, count, at });
    }
    return out;
  };
  const ascii = (e: Entry | undefined): string | null => (e && e.type === 2 ? t.toString('latin1', e.at, e.at + e.count).replace(/\0.*$/s, '').trim() : null);
  const rationals = (e: Entry | undefined): number[] | null => {
    if (!e || (e.type !== 5 && e.type !== 10)) return null;
    const v: number[] = [];
    for (let i = 0; i < e.count; i++) {
      const num = e.type === 5 ? u32(e.at + i * 8) : i32(e.at + i * 8);
      const den = e.type === 5 ? u32(e.at + i * 8 + 4) : i32(e.at + i * 8 + 4);
      v.push(den === 0 ? NaN : num / den);
    }
    return v;
  };
  const pointer = (m: Map<number, Entry>, tag: number): number => {
    const e = m.get(tag);
    return e && (e.type === 4 || e.type === 13) && e.count === 1 ? u32(e.at) : -1;
  };

  const out: PhotoExif = {};
  const ifd0 = ifd(u32(4));
  const exif = ifd(pointer(ifd0, EXIF_IFD));
  const dt = ascii(exif.get(DATE_TIME_ORIGINAL));
  const m = dt ? /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(dt) : null;
  if (m && m[1] !== '0000') {
    const offset = ascii(exif.get(OFFSET_TIME_ORIGINAL));
    const zone = offset && /^[+-]\d{2}:\d{2}$/.test(offset) ? offset : '';
    const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${zone}`;
    if (!Number.isNaN(Date.parse(zone ? iso : `${iso}Z`))) out.time = iso;
  }

  const gps = ifd(pointer(ifd0, GPS_IFD));
  const dms = (v: number[] | null): number | null => (v && v.length === 3 && v.every((x) => Number.isFinite(x) && x >= 0) ? v[0]! + v[1]! / 60 + v[2]! / 3600 : null);
  const lat = dms(rationals(gps.get(2)));
  const lon = dms(rationals(gps.get(4)));
  const latRef = ascii(gps.get(1));
  const lonRef = ascii(gps.get(3));
  if (lat !== null && lon !== null && (latRef === 'N' || latRef === 'S') && (lonRef === 'E' || lonRef === 'W') && lat <= 90 && lon <= 180) {
    out.lat = latRef === 'S' ? -lat : lat;
    out.lon = lonRef === 'W' ? -lon : lon;
  }
  const dir = rationals(gps.get(17));
  if (dir && dir.length === 1 && Number.isFinite(dir[0]) && dir[0]! >= 0 && dir[0]! <= 360) {
    out.direction = dir[0]!;
    const ref = ascii(gps.get(16));
    if (ref === 'T' || ref === 'M') out.directionRef = ref;
  }
  return out;
}
