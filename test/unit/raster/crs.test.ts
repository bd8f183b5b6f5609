import { describe, expect, it } from 'vitest';
import { crsFromEpsg, createTransformer, transformBounds, metresPerDegree, pixelAreaM2, pixelSizeMetres, WGS84 } from '../../../src-main/core/raster';
import { crsFromGeoKeys } from '../../../src-main/core/raster/geokeys';
import { proj4StringFromWkt } from '../../../src-main/core/geo';
import { geoKeysForCrs } from '../../../src-main/core/raster/geokeys-write';

describe('CRS utilities', () => {
  it('crsFromEpsg loads one code from epsg-index with proj4, WKT, units', () => {
    const utm = crsFromEpsg(32647);
    expect(utm).toMatchObject({ epsg: 32647, name: 'WGS 84 / UTM zone 47N', isGeographic: false, metresPerUnit: 1 });
    expect(utm.proj4).toBe('+proj=utm +zone=47 +datum=WGS84 +units=m +no_defs');
    expect(utm.wkt).toMatch(/AUTHORITY\["EPSG","32647"\]\]$/);
    expect(crsFromEpsg(4326)).toMatchObject({ isGeographic: true, metresPerUnit: null });
    expect(crsFromEpsg(2229).metresPerUnit).toBeCloseTo(0.3048006, 6); // NAD83 / California zone 5 (ftUS)
    expect(() => crsFromEpsg(30000)).toThrow(expect.objectContaining({ code: 'UNKNOWN_CRS' }));
  });

  it('metres per degree on the WGS 84 ellipsoid (reference values)', () => {
    const eq = metresPerDegree(0);
    expect(eq.y).toBeCloseTo(110574.3, 0);
    expect(eq.x).toBeCloseTo(111319.5, 0);
    const m45 = metresPerDegree(45);
    expect(m45.y).toBeCloseTo(111131.78, 1);
    expect(m45.x).toBeCloseTo(78847.0, 0);
  });

  it('transformer and densified bounds', () => {
    const t = createTransformer(WGS84, crsFromEpsg(32647));
    const [x, y] = t.forward(99, 0);
    expect(x).toBeCloseTo(500000, 3);
    expect(y).toBeCloseTo(0, 3);
    const [lon, lat] = t.inverse(x, y);
    expect(lon).toBeCloseTo(99, 9);
    expect(lat).toBeCloseTo(0, 9);
    // A UTM box's northern edge bulges in latitude: densified bounds enclose the edge midpoints.
    const b = transformBounds({ minX: 300000, minY: 6000000, maxX: 700000, maxY: 6500000 }, crsFromEpsg(32647), WGS84);
    const [, midLat] = t.inverse(500000, 6500000);
    expect(b.maxY).toBeGreaterThanOrEqual(midLat - 1e-9);
    expect(createTransformer(WGS84, crsFromEpsg(4326)).identity).toBe(true);
  });

  it('pixel size and area in metres, projected and geographic', () => {
    const g = { width: 10, height: 10, geoTransform: [0, 2, 0, 0, 0, -3] as [number, number, number, number, number, number], crs: crsFromEpsg(32647) };
    expect(pixelAreaM2(g)).toBe(6);
    const geo = { width: 10, height: 10, geoTransform: [10, 0.001, 0, 45.005, 0, -0.001] as [number, number, number, number, number, number], crs: WGS84 };
    const s = pixelSizeMetres(geo);
    expect(s.x).toBeCloseTo(78.847, 2);
    expect(s.y).toBeCloseTo(111.133, 2);
    expect(pixelAreaM2(geo)).toBeCloseTo(s.x * s.y, 6);
  });

  it('GeoKeys round trip for a user-defined LCC and a WKT citation', () => {
    const keys = {
      GTModelTypeGeoKey: 1, GeographicTypeGeoKey: 4326, ProjectedCSTypeGeoKey: 32767, ProjCoordTransGeoKey: 8, ProjLinearUnitsGeoKey: 9001,
      ProjStdParallel1GeoKey: 30, ProjStdParallel2GeoKey: 35, ProjFalseOriginLongGeoKey: 100, ProjFalseOriginLatGeoKey: 28,
      ProjFalseOriginEastingGeoKey: 1000, ProjFalseOriginNorthingGeoKey: 0,
    };
    const crs = crsFromGeoKeys(keys, 'x.tif');
    expect(crs.proj4).toContain('+proj=lcc +lat_1=30 +lat_2=35 +lat_0=28 +lon_0=100 +x_0=1000');
    expect(proj4StringFromWkt(crs.wkt)).toContain('+proj=lcc +lat_1=30 +lat_2=35 +lat_0=28 +lon_0=100 +x_0=1000');
    const written = geoKeysForCrs(crs);
    expect(written.directory.slice(0, 4)).toEqual([1, 1, 0, (written.directory.length - 4) / 4]);
    expect(() => crsFromGeoKeys({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32767, GeographicTypeGeoKey: 4326, ProjCoordTransGeoKey: 23 }, 'r.tif')).toThrow(/r\.tif/);
  });
});
