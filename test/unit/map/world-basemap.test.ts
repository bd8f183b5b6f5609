/**
 * The world basemap (resources/basemap, scripts/make-world-basemap.sh): no ring edge spans the map
 * where it is drawn (a ring stored across the antimeridian draws a line over the whole world and
 * fills a wrong band). Antarctica's ring around the pole closes along ±180 south of 80°S, off the
 * Web Mercator map (±85°) or at its very edge.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../src-main/core/paths';

type Ring = Array<[number, number]>;

describe('world basemap', () => {
  it('has no edge across the map north of 80°S and south of 80°N; Russia and Fiji are split at the antimeridian', () => {
    const g = JSON.parse(readFileSync(resolve(repoRoot, 'resources/basemap/ne_50m_countries.geojson'), 'utf8')) as {
      features: Array<{ properties: { name: string }; geometry: { type: string; coordinates: Ring[][] } }>;
    };
    expect(g.features.length).toBe(241);
    const across: string[] = [];
    for (const f of g.features)
      for (const polygon of f.geometry.coordinates)
        for (const ring of polygon)
          for (let i = 1; i < ring.length; i++) {
            const [a, b] = [ring[i - 1]!, ring[i]!];
            if (Math.abs(a[0] - b[0]) > 180 && Math.abs(a[1]) < 80 && Math.abs(b[1]) < 80) across.push(`${f.properties.name} at ${a[1]}°`);
          }
    expect(across).toEqual([]);
    // Russia and Fiji, which cross it, are split there: parts on both sides.
    for (const name of ['Russia', 'Fiji']) {
      const xs = g.features.find((f) => f.properties.name === name)!.geometry.coordinates.flat(2).map((p) => p[0]);
      expect(Math.max(...xs), name).toBe(180);
      expect(Math.min(...xs), name).toBe(-180);
    }
  });
});
