/**
 * Place search for Go to (issue 16): the shipped gazetteer (resources/gazetteer/cities15000.tsv,
 * GeoNames) read as the app reads it; matching ignores case, accents and punctuation, is a prefix of a
 * name, ASCII name or alternate name, ranks by population, offers at most 8, and leaves coordinates alone.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../../src-main/core/paths';
import { fold, isPlaceQuery, parseGazetteer, searchPlaces, PLACE_MATCHES } from '../../../src-renderer/src/map/gazetteer';

const g = parseGazetteer(readFileSync(join(repoRoot, 'resources/gazetteer/cities15000.tsv'), 'utf8'));
const near = (p: { lat: number; lng: number }, lat: number, lng: number): boolean => Math.abs(p.lat - lat) < 0.01 && Math.abs(p.lng - lng) < 0.01;

describe('gazetteer', () => {
  it('holds the GeoNames places of 15,000 people or more, most populous first', () => {
    expect(g.entries.length).toBeGreaterThan(20_000);
    expect(g.entries.every((e, i) => i === 0 || g.entries[i - 1]!.population >= e.population)).toBe(true);
    expect(g.entries.every((e) => Math.abs(e.lat) <= 90 && Math.abs(e.lng) <= 180 && /^[A-Z]{2}$/.test(e.country))).toBe(true);
  });

  it('folds case, accents, special letters and punctuation', () => {
    expect(fold('  Medellín ')).toBe('medellin');
    expect(fold('São Paulo')).toBe('sao paulo');
    expect(fold('Saint-Étienne')).toBe('saint etienne');
    expect(fold('Łódź')).toBe('lodz');
    expect(fold('Tromsø')).toBe('tromso');
    expect(fold("Xi'an")).toBe('xian');
  });

  it('finds a place by the start of its name whatever the accents and case, ranked by population', () => {
    const ktm = searchPlaces(g, 'Kathmandu');
    expect(ktm[0]).toMatchObject({ name: 'Kathmandu', country: 'NP' });
    expect(near(ktm[0]!, 27.70169, 85.3206)).toBe(true);

    const med = searchPlaces(g, 'medellin');
    expect(med[0]).toMatchObject({ name: 'Medellín', country: 'CO' });
    expect(near(med[0]!, 6.25184, -75.56359)).toBe(true);
    expect(searchPlaces(g, 'MEDELLÍN')[0]!.name).toBe('Medellín');

    expect(searchPlaces(g, 'sao paulo')[0]).toMatchObject({ name: 'São Paulo', country: 'BR' });
    // "San" starts hundreds of names: the 8 most populous, in order.
    const san = searchPlaces(g, 'san');
    expect(san).toHaveLength(PLACE_MATCHES);
    expect(san.every((p, i) => i === 0 || san[i - 1]!.population >= p.population)).toBe(true);
    const all = g.entries.filter((e) => e.keys.some((k) => k.startsWith('san')));
    expect(san.map((p) => p.name)).toEqual(all.slice(0, PLACE_MATCHES).map((e) => e.name));
  });

  it('matches alternate names of large cities (other languages and scripts) and says which', () => {
    const ktm = searchPlaces(g, 'काठमाडौं')[0]!;
    expect(ktm).toMatchObject({ name: 'Kathmandu', alias: 'काठमाडौं' });
    expect(searchPlaces(g, '加德滿都')[0]).toMatchObject({ name: 'Kathmandu', alias: '加德滿都' });
    expect(searchPlaces(g, '北京')[0]).toMatchObject({ name: 'Beijing', country: 'CN' });
    expect(searchPlaces(g, '成都')[0]).toMatchObject({ name: 'Chengdu', country: 'CN' });
    expect(searchPlaces(g, 'Katmandú')[0]!.name).toBe('Kathmandu');
  });

  it('offers nothing for coordinates-like or too little text, or a name no place has', () => {
    expect(isPlaceQuery('31.52, 103.47')).toBe(false);
    expect(searchPlaces(g, '31.52, 103.47')).toEqual([]);
    expect(searchPlaces(g, 'k')).toEqual([]);
    expect(searchPlaces(g, 'Qxzqxz')).toEqual([]);
  });
});
