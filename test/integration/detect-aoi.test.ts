/**
 * `scarp detect --aoi` on a real site B crop: the run keeps to the area of interest, and an area of
 * interest reaching past the imagery is named in a warning with the share the imagery covers (as
 * OGR measures the intersection), since the part outside is not mapped at all.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, gdalinfoJson, hasGdal } from '../helpers/gdal';
import { scarp } from '../helpers/cli';

describe.skipIf(!(hasData && hasGdal))('scarp detect --aoi (CLI, real crop of site B)', () => {
  let dir: string;
  let cleanup: () => void;
  let rgb: string;
  let box: { x0: number; y0: number; x1: number; y1: number };
  const aoiFile = (name: string, ring: number[][]): string => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32647' } }, features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } }] }));
    return path;
  };
  const detect = (aoi: string, out: string) => {
    const r = scarp(['detect', '--image', rgb, '--aoi', aoi, '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { features: number; warnings: string[] };
  };

  beforeAll(() => {
    ({ dir, cleanup } = tempDir('detect-aoi'));
    rgb = join(dir, 'rgb.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1900', '2000', '512', '512', dataPath('jinsha-uav/siteB_rgb.tif'), rgb]);
    const gt = gdalinfoJson(rgb).geoTransform as number[];
    box = { x0: gt[0]!, y0: gt[3]! + gt[5]! * 512, x1: gt[0]! + gt[1]! * 512, y1: gt[3]! };
  });
  afterAll(() => cleanup());

  it('an area of interest inside the imagery: no coverage warning, every landslide inside it', () => {
    const { x0, y0, x1, y1 } = box;
    const w = x1 - x0;
    const aoi = aoiFile('inside.geojson', [[x0 + 0.1 * w, y0 + 0.1 * w], [x1 - 0.1 * w, y0 + 0.1 * w], [x1 - 0.1 * w, y1 - 0.1 * w], [x0 + 0.1 * w, y1 - 0.1 * w], [x0 + 0.1 * w, y0 + 0.1 * w]]);
    const out = join(dir, 'inside.gpkg');
    const j = detect(aoi, out);
    expect(j.warnings.join('\n')).not.toMatch(/of the area of interest/);
    expect(j.features).toBeGreaterThan(0);
    const outside = gdal('ogrinfo', ['-q', '-dialect', 'sqlite', '-sql', `select count(*) as n from landslides where st_area(st_difference(geom, st_buffer(GeomFromText('POLYGON((${x0 + 0.1 * w} ${y0 + 0.1 * w}, ${x1 - 0.1 * w} ${y0 + 0.1 * w}, ${x1 - 0.1 * w} ${y1 - 0.1 * w}, ${x0 + 0.1 * w} ${y1 - 0.1 * w}, ${x0 + 0.1 * w} ${y0 + 0.1 * w}))', 32647), 1.0))) > 0.01`, out]);
    expect(outside).toMatch(/n \(Integer\) = 0/);
  });

  it('an area of interest reaching past the imagery: the share inside named (as OGR measures it)', () => {
    const { x0, y0, x1, y1 } = box;
    const w = x1 - x0;
    // A triangle from the middle of the crop to well east of it.
    const ring = [[x0 + 0.5 * w, y0], [x1 + 1.5 * w, (y0 + y1) / 2], [x0 + 0.5 * w, y1], [x0 + 0.5 * w, y0]];
    const aoi = aoiFile('past.geojson', ring);
    const wkt = (r: number[][]) => `POLYGON((${r.map(([x, y]) => `${x} ${y}`).join(', ')}))`;
    const share = Number(
      gdal('/usr/bin/python3', ['-c', `from osgeo import ogr; a = ogr.CreateGeometryFromWkt('${wkt(ring)}'); b = ogr.CreateGeometryFromWkt('${wkt([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]])}'); print(a.Intersection(b).GetArea() / a.GetArea())`]),
    );
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.8);
    const j = detect(aoi, join(dir, 'past.gpkg'));
    expect(j.warnings.join('\n')).toContain(`The imagery rgb.tif covers only ${Math.floor(100 * share)} % of the area of interest past.geojson: the rest is not mapped`);
  });
});
