/**
 * Measuring (issue 16): lengths are GeographicLib's geodesics, checked against Vincenty's inverse
 * formula (an independent method, agreeing to well under a millimetre at these distances), and areas
 * against GDAL: the same polygon projected to a Lambert azimuthal equal-area projection centred on
 * it and measured by OGR.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fmtArea, fmtLength, geodesicLine, pathLength, polygonArea, type LngLat } from '../../../src-renderer/src/map/geodesy';
import { hasGdal } from '../../helpers/gdal';

/** Vincenty (1975) inverse on WGS 84, metres. */
function vincenty([lon1, lat1]: LngLat, [lon2, lat2]: LngLat): number {
  const a = 6378137;
  const f = 1 / 298.257223563;
  const b = a * (1 - f);
  const r = Math.PI / 180;
  const L = (lon2 - lon1) * r;
  const U1 = Math.atan((1 - f) * Math.tan(lat1 * r));
  const U2 = Math.atan((1 - f) * Math.tan(lat2 * r));
  const [sU1, cU1, sU2, cU2] = [Math.sin(U1), Math.cos(U1), Math.sin(U2), Math.cos(U2)];
  let lambda = L;
  let sinS = 0;
  let cosS = 0;
  let sigma = 0;
  let cos2a = 0;
  let cos2sm = 0;
  for (let i = 0; i < 200; i++) {
    const sl = Math.sin(lambda);
    const cl = Math.cos(lambda);
    sinS = Math.hypot(cU2 * sl, cU1 * sU2 - sU1 * cU2 * cl);
    cosS = sU1 * sU2 + cU1 * cU2 * cl;
    sigma = Math.atan2(sinS, cosS);
    const sina = (cU1 * cU2 * sl) / sinS;
    cos2a = 1 - sina * sina;
    cos2sm = cos2a === 0 ? 0 : cosS - (2 * sU1 * sU2) / cos2a;
    const C = (f / 16) * cos2a * (4 + f * (4 - 3 * cos2a));
    const prev = lambda;
    lambda = L + (1 - C) * f * sina * (sigma + C * sinS * (cos2sm + C * cosS * (-1 + 2 * cos2sm * cos2sm)));
    if (Math.abs(lambda - prev) < 1e-13) break;
  }
  const u2 = (cos2a * (a * a - b * b)) / (b * b);
  const A = 1 + (u2 / 16384) * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
  const B = (u2 / 1024) * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
  const dS = B * sinS * (cos2sm + (B / 4) * (cosS * (-1 + 2 * cos2sm * cos2sm) - (B / 6) * cos2sm * (-3 + 4 * sinS * sinS) * (-3 + 4 * cos2sm * cos2sm)));
  return b * A * (sigma - dS);
}

/** Area in m² by GDAL/OGR: the ring in a Lambert azimuthal equal-area projection centred on it. */
function ogrArea(ring: LngLat[], centre: LngLat): number {
  const wkt = `POLYGON((${[...ring, ring[0]!].map((p) => `${p[0]} ${p[1]}`).join(', ')}))`;
  const py = `
from osgeo import ogr, osr
src = osr.SpatialReference(); src.SetFromUserInput('+proj=longlat +datum=WGS84'); src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
dst = osr.SpatialReference(); dst.SetFromUserInput('+proj=laea +lat_0=${centre[1]} +lon_0=${centre[0]} +datum=WGS84')
g = ogr.CreateGeometryFromWkt('${wkt}'); g.AssignSpatialReference(src)
g.Segmentize(0.0005)
g.TransformTo(dst)
print(g.GetArea())`;
  return Number(execFileSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' }).trim());
}

describe('geodesic measurement', () => {
  it('path lengths agree with Vincenty to a millimetre, from metres to hundreds of kilometres', () => {
    const paths: LngLat[][] = [
      [[103.47, 31.52], [103.4701, 31.5201]],
      [[85.32, 27.7], [85.5, 27.9], [86.9, 27.99]],
      [[-70.66, -33.45], [-71.6, -33.05]],
      [[139.69, 35.69], [135.5, 34.69], [130.4, 33.6]],
    ];
    for (const p of paths) {
      let ref = 0;
      for (let i = 1; i < p.length; i++) ref += vincenty(p[i - 1]!, p[i]!);
      expect(Math.abs(pathLength(p) - ref), JSON.stringify(p)).toBeLessThan(1e-3);
    }
    expect(pathLength([[0, 0]])).toBe(0);
  });

  it.skipIf(!hasGdal)('areas agree with GDAL in an equal-area projection within 0.01 %, whichever way the ring turns', () => {
    const rings: Array<{ ring: LngLat[]; centre: LngLat }> = [
      // A landslide-sized quadrilateral (about 4 ha) near Wenchuan.
      { ring: [[103.47, 31.52], [103.4722, 31.5201], [103.4721, 31.5219], [103.4699, 31.5217]], centre: [103.471, 31.521] },
      // A district-sized pentagon in Nepal (hundreds of km²).
      { ring: [[85.2, 27.6], [85.5, 27.62], [85.6, 27.8], [85.35, 27.95], [85.18, 27.8]], centre: [85.4, 27.75] },
    ];
    for (const { ring, centre } of rings) {
      const ref = ogrArea(ring, centre);
      const ccw = polygonArea(ring);
      const cw = polygonArea([...ring].reverse());
      expect(Math.abs(ccw.area - ref) / ref).toBeLessThan(1e-4);
      expect(cw.area).toBeCloseTo(ccw.area, 3);
      let perim = 0;
      for (let i = 0; i < ring.length; i++) perim += vincenty(ring[i]!, ring[(i + 1) % ring.length]!);
      expect(Math.abs(ccw.perimeter - perim)).toBeLessThan(1e-3);
    }
  });

  it('draws a long segment as the geodesic, through points on it', () => {
    const a: LngLat = [139.69, 35.69];
    const b: LngLat = [130.4, 33.6];
    const line = geodesicLine(a, b, 10_000);
    expect(line.length).toBeGreaterThan(50);
    expect(line[0]).toEqual(a);
    expect(line.at(-1)).toEqual(b);
    // Every intermediate point is on the geodesic: the two legs add up to the whole.
    const whole = vincenty(a, b);
    for (const p of line.slice(1, -1)) expect(Math.abs(vincenty(a, p) + vincenty(p, b) - whole)).toBeLessThan(1e-3);
    expect(geodesicLine([0, 0], [0.001, 0])).toEqual([[0, 0], [0.001, 0]]);
  });

  it('writes lengths in m or km and areas in m², ha or km²', () => {
    expect(fmtLength(850.44)).toBe('850.4 m');
    expect(fmtLength(12345.6)).toBe('12.346 km');
    expect(fmtArea(640.4)).toBe('640 m²');
    expect(fmtArea(32_500)).toBe('3.25 ha');
    expect(fmtArea(345_000_000)).toBe('345 km²');
  });
});
