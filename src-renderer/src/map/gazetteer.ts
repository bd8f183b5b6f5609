/**
 * Place search for the Go to box (issue 16): an offline gazetteer of GeoNames' cities of 15,000 people
 * or more (resources/gazetteer/cities15000.tsv, CC BY 4.0, made by scripts/make-gazetteer.mjs). A query
 * matches a place when it starts its name, its ASCII name or one of its alternate names, ignoring case,
 * accents and punctuation ("medellin" finds Medellín, "sao paulo" São Paulo); the matches are ranked by
 * population. Pure functions: the file is read by gazetteer-load.ts (renderer) or a test.
 */

export interface Place {
  name: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  lat: number;
  lng: number;
  population: number;
}

export interface PlaceMatch extends Place {
  /** The alternate name the query matched, when it matched neither the name nor the ASCII name. */
  alias?: string;
}

interface Entry extends Place {
  /** Folded name, ASCII name and alternate names (fold()), without repeats. */
  keys: string[];
  /** Alternate names, parallel to keys from index `aliasFrom` on. */
  aliases: string[];
  aliasFrom: number;
}

export interface Gazetteer {
  readonly entries: readonly Entry[];
}

/** The best this many matches are offered. */
export const PLACE_MATCHES = 8;

/** Letters that Unicode does not decompose into a base letter and a mark. */
const LETTERS: Record<string, string> = { ø: 'o', đ: 'd', ð: 'd', ł: 'l', ß: 'ss', æ: 'ae', œ: 'oe', ı: 'i', þ: 'th', ħ: 'h' };

/** Lower case, no accents (combining diacritics), hyphens and dots as spaces, no apostrophes, one space between words. */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    // Latin, Greek and Cyrillic accents only: Devanagari vowel signs are marks too, and carry the word.
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[øđðłßæœıþħ]/g, (c) => LETTERS[c] ?? c)
    .replace(/['’‘`ʻʼ]/g, '')
    .replace(/[-‐–.,_/()]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Read the gazetteer file: `#` lines are comments; columns name, ascii, alternates, country, lat, lon, population. */
export function parseGazetteer(text: string): Gazetteer {
  const entries: Entry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [name = '', ascii = '', alternates = '', country = '', lat = '', lng = '', population = ''] = line.split('\t');
    const e: Entry = { name, country, lat: Number(lat), lng: Number(lng), population: Number(population) || 0, keys: [], aliases: [], aliasFrom: 0 };
    if (!name || !Number.isFinite(e.lat) || !Number.isFinite(e.lng)) continue;
    for (const n of [name, ascii]) if (n && !e.keys.includes(fold(n))) e.keys.push(fold(n));
    e.aliasFrom = e.keys.length;
    for (const a of alternates ? alternates.split(',') : []) {
      const k = fold(a);
      if (k && !e.keys.includes(k)) {
        e.keys.push(k);
        e.aliases.push(a);
      }
    }
    entries.push(e);
  }
  entries.sort((a, b) => b.population - a.population);
  return { entries };
}

/** Whether a query is worth searching: at least two characters after folding, a letter among them. */
export function isPlaceQuery(text: string): boolean {
  const q = fold(text);
  return q.length >= 2 && /\p{L}/u.test(q);
}

/** The most populous places whose name (or ASCII or alternate name) starts with the query, best first. */
export function searchPlaces(g: Gazetteer, text: string, limit = PLACE_MATCHES): PlaceMatch[] {
  if (!isPlaceQuery(text)) return [];
  const q = fold(text);
  const out: PlaceMatch[] = [];
  for (const e of g.entries) {
    const i = e.keys.findIndex((k) => k.startsWith(q));
    if (i < 0) continue;
    const m: PlaceMatch = { name: e.name, country: e.country, lat: e.lat, lng: e.lng, population: e.population };
    if (i >= e.aliasFrom) m.alias = e.aliases[i - e.aliasFrom];
    out.push(m);
    if (out.length >= limit) break;
  }
  return out;
}
