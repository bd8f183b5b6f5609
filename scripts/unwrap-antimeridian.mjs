/**
 * Rings of a GeoJSON file that cross the antimeridian (Russia's Chukotka, Fiji in Natural Earth),
 * stored with a jump from +180 to −180 in the middle, made continuous (longitudes past ±180), so
 * that `ogr2ogr -wrapdateline` then splits them at the meridian. Drawn as they were, each jump is an
 * edge across the whole map: lines over the world basemap and a wrongly filled band. Rings around a
 * pole (Antarctica: they do not close once continuous) are left as they are.
 * Usage: node scripts/unwrap-antimeridian.mjs in.geojson out.geojson (scripts/make-world-basemap.sh)
 */
import { readFileSync, writeFileSync } from 'node:fs';

const [src, dst] = process.argv.slice(2);
if (!src || !dst) throw new Error('usage: unwrap-antimeridian.mjs in.geojson out.geojson');
const g = JSON.parse(readFileSync(src, 'utf8'));
let unwrapped = 0;
for (const f of g.features) {
  const polys = f.geometry.type === 'MultiPolygon' ? f.geometry.coordinates : [f.geometry.coordinates];
  for (const p of polys)
    for (let k = 0; k < p.length; k++) {
      const r = p[k];
      if (!r.some((a, i) => i > 0 && Math.abs(a[0] - r[i - 1][0]) > 180)) continue;
      const u = [[...r[0]]];
      for (const [x0, y] of r.slice(1)) {
        let x = x0;
        const prev = u[u.length - 1][0];
        while (x - prev > 180) x -= 360;
        while (x - prev < -180) x += 360;
        u.push([x, y]);
      }
      if (Math.abs(u[u.length - 1][0] - u[0][0]) < 1e-9) {
        p[k] = u;
        unwrapped++;
      }
    }
}
writeFileSync(dst, JSON.stringify(g));
process.stderr.write(`rings made continuous across the antimeridian: ${unwrapped}\n`);
