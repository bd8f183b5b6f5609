import { describe, expect, it } from 'vitest';
import proj4 from 'proj4';
import { crsFromEpsg } from '../../../src-main/core/geo';
import { areaM2, computeAttributes, fromPolygonCoords, perimeterM, meetsMinArea, toleranceInUnits } from '../../../src-main/core/vector';

describe('area and perimeter in metres', () => {
  it('projected CRS: planar measures (with a hole)', () => {
    const utm = crsFromEpsg(32647);
    const mp = [fromPolygonCoords([
      [[0, 0], [100, 0], [100, 50], [0, 50], [0, 0]],
      [[10, 10], [10, 20], [20, 20], [20, 10], [10, 10]],
    ])];
    expect(areaM2(mp, utm)).toBeCloseTo(5000 - 100, 9);
    expect(perimeterM(mp, utm)).toBeCloseTo(300 + 40, 9);
    expect(meetsMinArea(mp, utm, 4900)).toBe(true);
    expect(meetsMinArea(mp, utm, 4901)).toBe(false);
  });

  it('geographic CRS: a 0.01° cell at 31°N matches its UTM area within 0.1 %', () => {
    const wgs = crsFromEpsg(4326);
    const [lon, lat, d] = [98.7, 31.1, 0.01];
    const ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]];
    const geo = areaM2([fromPolygonCoords([ring])], wgs);
    // Reference: project the densified cell to UTM 47N and correct for the scale factor (k ≈ 0.9996…).
    const dense: number[][] = [];
    for (let s = 0; s < 4; s++) for (let k = 0; k < 50; k++) {
      const a = ring[s]!;
      const b = ring[s + 1]!;
      dense.push([a[0]! + ((b[0]! - a[0]!) * k) / 50, a[1]! + ((b[1]! - a[1]!) * k) / 50]);
    }
    const pts = dense.map((p) => proj4('EPSG:4326', '+proj=utm +zone=47 +datum=WGS84', p));
    let s2 = 0;
    for (let i = 0; i < pts.length; i++) {
      const p = pts[i]!;
      const q = pts[(i + 1) % pts.length]!;
      s2 += p[0]! * q[1]! - q[0]! * p[1]!;
    }
    const lon0 = 99;
    const phi = (lat * Math.PI) / 180;
    const dl = ((lon + d / 2 - lon0) * Math.PI) / 180;
    const k = 0.9996 * (1 + (Math.cos(phi) ** 2 * dl * dl) / 2);
    const utmArea = Math.abs(s2) / 2 / (k * k);
    expect(Math.abs(geo - utmArea) / utmArea).toBeLessThan(1e-3);
    expect(geo).toBeGreaterThan(1.0e6);
    // Perimeter: two meridian sides (~1109 m) and two parallels (~953 m).
    const per = perimeterM([fromPolygonCoords([ring])], wgs);
    expect(per).toBeGreaterThan(4100);
    expect(per).toBeLessThan(4140);
    // A 1 m tolerance in degrees there is about 1e-5.
    expect(toleranceInUnits(1, { crs: wgs }, lat)).toBeGreaterThan(0.9e-5);
    expect(toleranceInUnits(1, { crs: wgs }, lat)).toBeLessThan(1.1e-5);
  });

  it('attributes: area/perimeter from geometry, pixel stats passed through, DEM ones null without a DEM', () => {
    const utm = crsFromEpsg(32647);
    const mp = [fromPolygonCoords([[[0, 0], [2, 0], [2, 1], [0, 1], [0, 0]]])];
    const a = computeAttributes(mp, { pixelCount: 8, probMean: 0.6, probMax: 0.9, slopeMean: null, elevMin: null, elevMax: null, aspectMean: null, demCoverage: null }, utm);
    expect(a).toEqual({ area_m2: 2, perimeter_m: 6, prob_mean: 0.6, prob_max: 0.9, slope_mean: null, elev_min: null, elev_max: null, aspect_mean: null, dem_coverage: null });
  });
});
