/**
 * Coordinates as an operator types and reads them (issue 16, go to): latitude/longitude in decimal
 * degrees or degrees-minutes-seconds, UTM (zone, hemisphere or latitude band, easting, northing) and
 * MGRS (the `mgrs` package, proj4's own), all on WGS 84. Text that is none of these is a
 * BAD_COORDINATES error saying what was wrong with it.
 */
import * as mgrsModule from 'mgrs';
import proj4 from 'proj4';
import { DEFAULT_HINTS, ScarpError } from '@shared/errors';

/** getLetterDesignator is exported by every build of mgrs 2 but missing from its type declarations. */
type Mgrs = typeof mgrsModule & { getLetterDesignator(lat: number): string };
// The browser build takes mgrs's ES module (named exports); Node (unit tests) its CommonJS build, whose
// exports sit under `default` (read with Reflect: the bundler warns on a static `.default` it knows is absent).
const mgrs: Mgrs = (Reflect.get(mgrsModule, 'default') as Mgrs | undefined) ?? (mgrsModule as Mgrs);

export type CoordinateKind = 'decimal' | 'dms' | 'utm' | 'mgrs';

export interface ParsedCoordinates {
  lng: number;
  lat: number;
  kind: CoordinateKind;
  /** For MGRS: the square the reference names (its precision), [west, south, east, north]. */
  cell?: [number, number, number, number];
}

function bad(text: string, why: string): ScarpError {
  return new ScarpError({ code: 'BAD_COORDINATES', message: `“${text}” is not a coordinate Scarp can read: ${why}.`, hint: DEFAULT_HINTS.BAD_COORDINATES, params: { text, why } });
}

function checkLatLng(text: string, lat: number, lng: number): void {
  if (!(Math.abs(lat) <= 90)) throw bad(text, `latitude ${lat} is outside −90…90 (write latitude first)`);
  if (!(Math.abs(lng) <= 180)) throw bad(text, `longitude ${lng} is outside −180…180`);
}

const NUM = String.raw`[-+]?\d+(?:[.,]\d+)?`;
const MGRS_RE = /^(\d{1,2})([C-HJ-NP-X])([A-HJ-NP-Z]{2})(\d*)$/;
const UTM_RE = new RegExp(String.raw`^(?:UTM\s*)?(\d{1,2})\s*([A-Z])\s*[,;\s]\s*(${NUM})\s*(?:M?E)?\s*[,;\s]\s*(${NUM})\s*(?:M?N)?$`);

function num(s: string): number {
  return Number(s.replace(',', '.'));
}

function parseMgrs(text: string, compact: string): ParsedCoordinates | null {
  const m = MGRS_RE.exec(compact);
  if (!m) return null;
  const digits = m[4]!;
  if (digits.length % 2 !== 0 || digits.length > 10) throw bad(text, 'an MGRS reference has as many easting as northing digits (at most 5 each)');
  const zone = Number(m[1]);
  if (zone < 1 || zone > 60) throw bad(text, `UTM zone ${zone} does not exist (1…60)`);
  let cell: [number, number, number, number];
  try {
    cell = mgrs.inverse(compact);
  } catch (e) {
    throw bad(text, e instanceof Error ? e.message.replace(/\.$/, '') : 'not a valid MGRS reference');
  }
  const lng = (cell[0] + cell[2]) / 2;
  const lat = (cell[1] + cell[3]) / 2;
  if (!Number.isFinite(lat) || !Number.isFinite(lng)) throw bad(text, 'not a valid MGRS reference');
  // mgrs reads a 100 km square that does not exist in the band as a place far away: the latitude band must hold the point.
  const bands = [cell[1], lat, cell[3]].map((y) => mgrs.getLetterDesignator(y));
  if (!bands.includes(m[2]!)) throw bad(text, `the square ${m[3]} is not in latitude band ${m[2]} of zone ${zone}`);
  return { lng, lat, kind: 'mgrs', cell };
}

function parseUtm(text: string, upper: string): ParsedCoordinates | null {
  const m = UTM_RE.exec(upper);
  if (!m) return null;
  const zone = Number(m[1]);
  const letter = m[2]!;
  const e = num(m[3]!);
  const n = num(m[4]!);
  if (zone < 1 || zone > 60) throw bad(text, `UTM zone ${zone} does not exist (1…60)`);
  // N and S after the zone are the hemisphere (as GeographicLib writes it); any other letter is the MGRS latitude band.
  if (!/^[C-HJ-NP-X]$/.test(letter) && letter !== 'S') throw bad(text, `“${letter}” is neither a hemisphere (N, S) nor a latitude band (C…X)`);
  const south = letter === 'S' || letter < 'N';
  if (!(e > 100_000 && e < 900_000)) throw bad(text, `easting ${e} m is outside a UTM zone (100000…900000)`);
  if (!(n >= 0 && n <= 10_000_000)) throw bad(text, `northing ${n} m is outside 0…10000000`);
  const [lng, lat] = proj4(`+proj=utm +zone=${zone}${south ? ' +south' : ''} +datum=WGS84 +units=m +no_defs`, 'EPSG:4326', [e, n]) as [number, number];
  checkLatLng(text, lat, lng);
  if (letter !== 'N' && letter !== 'S' && mgrs.getLetterDesignator(lat) !== letter) throw bad(text, `the point is not in latitude band ${letter}`);
  return { lng, lat, kind: 'utm' };
}

interface Angle {
  value: number;
  hemi: string | null;
  dms: boolean;
}

/** One angle: "31.52", "-31.52", "31.52N", "N31.52", "31°31'12.5\"N", "31 31 12.5 N" (O: oeste, west). */
function parseAngle(text: string, part: string): Angle {
  let s = part.trim();
  let hemi: string | null = null;
  const lead = /^([NSEWO])\s*/.exec(s);
  const trail = /\s*([NSEWO])$/.exec(s);
  if (lead) {
    hemi = lead[1]!;
    s = s.slice(lead[0].length);
  } else if (trail) {
    hemi = trail[1]!;
    s = s.slice(0, s.length - trail[0].length);
  }
  const pieces = s
    .replace(/''/g, '"')
    .replace(/[°º˚]/g, ' ')
    .replace(/[′'’]/g, ' ')
    .replace(/[″"”]/g, ' ')
    .trim()
    .split(/\s+/)
    .filter((x) => x !== '');
  if (pieces.length === 0 || pieces.length > 3 || !pieces.every((p) => new RegExp(`^${NUM}$`).test(p))) throw bad(text, `“${part.trim()}” is not an angle`);
  const [d, m = 0, sec = 0] = pieces.map(num) as [number, number?, number?];
  if (pieces.length > 1 && (m! < 0 || m! >= 60 || sec! < 0 || sec! >= 60)) throw bad(text, `minutes and seconds are 0…59 in “${part.trim()}”`);
  const sign = d < 0 || Object.is(d, -0) || s.startsWith('-') ? -1 : 1;
  const value = sign * (Math.abs(d) + m! / 60 + sec! / 3600);
  return { value, hemi, dms: pieces.length > 1 || /[°′'″"]/.test(part) };
}

/**
 * Split "lat, lon" / "lat lon" / "31°N 103°E" / "31 31 12 N 103 28 12 E" into its two angles. A comma
 * is a decimal mark when there is no point and it sits between digits ("31,52 103,47").
 */
function splitPair(text: string, upper: string): [string, string] {
  const semi = upper.split(';');
  if (semi.length === 2) return [semi[0]!, semi[1]!];
  let s = upper.trim();
  const commas = s.split(',').length - 1;
  if (commas === 1 && (s.includes('.') || /,\s|\s,/.test(s) || !/\s/.test(s) || /[^\d\s],|,[^\d\s]/.test(s))) {
    const [a, b] = s.split(',') as [string, string];
    return [a, b];
  }
  if (!s.includes('.')) s = s.replace(/(\d),(\d)/g, '$1.$2');
  if (s.split(',').length === 2) return s.split(',') as [string, string];
  // A hemisphere letter ends the first angle ("31 31 12 N 103 28 12 E").
  const h = /^(.*?\d[^NS]*?[NS])\s*(\S.*)$/.exec(s);
  if (h) return [h[1]!, h[2]!];
  const ws = s.split(/\s+/);
  if (ws.length === 2) return [ws[0]!, ws[1]!];
  if (ws.length === 4 || ws.length === 6) return [ws.slice(0, ws.length / 2).join(' '), ws.slice(ws.length / 2).join(' ')];
  throw bad(text, 'it needs two values, latitude and longitude');
}

function parseLatLng(text: string, upper: string): ParsedCoordinates {
  const [a, b] = splitPair(text, upper).map((p) => parseAngle(text, p)) as [Angle, Angle];
  const isLat = (x: Angle): boolean => x.hemi === 'N' || x.hemi === 'S';
  const isLng = (x: Angle): boolean => x.hemi === 'E' || x.hemi === 'W' || x.hemi === 'O';
  // Hemisphere letters may put longitude first; without them latitude comes first.
  const [la, lo] = isLng(a) || isLat(b) ? [b, a] : [a, b];
  if ((la.hemi && !isLat(la)) || (lo.hemi && !isLng(lo))) throw bad(text, 'one latitude (N/S) and one longitude (E/W) are needed');
  const signed = (x: Angle): number => (x.hemi === 'S' || x.hemi === 'W' || x.hemi === 'O' ? -Math.abs(x.value) : x.value);
  const lat = signed(la);
  const lng = signed(lo);
  checkLatLng(text, lat, lng);
  return { lat, lng, kind: la.dms || lo.dms ? 'dms' : 'decimal' };
}

/** Read a typed coordinate: MGRS, UTM, or latitude/longitude (decimal or DMS). Throws BAD_COORDINATES. */
export function parseCoordinates(input: string): ParsedCoordinates {
  const text = input.trim();
  if (text === '') throw bad(input, 'the text is empty');
  const upper = text.toUpperCase();
  const compact = upper.replace(/\s+/g, '');
  return parseMgrs(text, compact) ?? parseUtm(text, upper) ?? parseLatLng(text, upper);
}

/** MGRS of a point, to 1 m (5 digits each way) by default; null outside MGRS's latitudes (UPS areas). */
export function toMgrs(lng: number, lat: number, digits = 5): string | null {
  if (lat < -80 || lat > 84) return null;
  try {
    const s = mgrs.forward([lng, lat], digits);
    // "47RQP1234567890" → "47R QP 12345 67890", as printed maps write it.
    const m = /^(\d{1,2}[A-Z])([A-Z]{2})(\d*)$/.exec(s);
    if (!m) return s;
    const h = m[3]!.length / 2;
    return [m[1], m[2], m[3]!.slice(0, h), m[3]!.slice(h)].filter((x) => x).join(' ');
  } catch {
    return null;
  }
}

/** UTM of a point in its own zone: "47N 512345 3487654" (metres, rounded). */
export function toUtm(lng: number, lat: number): string {
  const zone = Math.min(60, Math.floor((lng + 180) / 6) + 1);
  const south = lat < 0;
  const [e, n] = proj4('EPSG:4326', `+proj=utm +zone=${zone}${south ? ' +south' : ''} +datum=WGS84 +units=m +no_defs`, [lng, lat]) as [number, number];
  return `${zone}${south ? 'S' : 'N'} ${Math.round(e)} ${Math.round(n)}`;
}

/** The project's CRS as the project reports it (ProjectInfo.crs: the core's CRS definition, its PROJ string). */
export interface ProjectCrs {
  name: string;
  epsg: number | null;
  proj4: string;
}

const toCrs = new Map<string, (p: [number, number]) => [number, number]>();

/** The CRS as the UI names it: "EPSG:32647", or its name when it has no EPSG code. */
export function crsLabel(crs: ProjectCrs): string {
  return crs.epsg !== null ? `EPSG:${crs.epsg}` : crs.name;
}

/**
 * A point in the project's CRS as x then y ("332000.00 3066000.00"): projected coordinates to
 * `digits` decimals of their unit (2: centimetres in metres), geographic ones to 7 decimal degrees;
 * null where the CRS has no value for the point (outside its projection's domain).
 */
export function toProjectCrs(lng: number, lat: number, crs: ProjectCrs, digits = 2): string | null {
  let f = toCrs.get(crs.proj4);
  if (!f) {
    const conv = proj4('EPSG:4326', crs.proj4);
    f = (p) => conv.forward(p) as [number, number];
    toCrs.set(crs.proj4, f);
  }
  let x: number;
  let y: number;
  try {
    [x, y] = f([lng, lat]);
  } catch {
    return null;
  }
  if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
  const d = /\+proj=(longlat|latlong|lonlat|latlon)\b/.test(crs.proj4) ? 7 : digits;
  return `${x.toFixed(d)} ${y.toFixed(d)}`;
}

/** Decimal degrees, latitude first: "31.52000, 103.47000". */
export function toDecimal(lng: number, lat: number, digits = 5): string {
  return `${lat.toFixed(digits)}, ${lng.toFixed(digits)}`;
}

function dms(v: number, pos: string, neg: string): string {
  const a = Math.abs(v);
  let d = Math.floor(a);
  let m = Math.floor((a - d) * 60);
  let s = Math.round(((a - d) * 60 - m) * 60 * 10) / 10;
  if (s >= 60) {
    s = 0;
    m += 1;
  }
  if (m >= 60) {
    m = 0;
    d += 1;
  }
  return `${d}°${String(m).padStart(2, '0')}′${s.toFixed(1).padStart(4, '0')}″${v >= 0 ? pos : neg}`;
}

/** Degrees, minutes, seconds: "31°31′12.0″N 103°28′12.0″E". */
export function toDms(lng: number, lat: number): string {
  return `${dms(lat, 'N', 'S')} ${dms(lng, 'E', 'W')}`;
}
