/**
 * CRS from GeoTIFF GeoKeys: an EPSG code (ProjectedCSTypeGeoKey / GeographicTypeGeoKey) resolved through
 * epsg-index, an ESRI PE / WKT citation (what our writer and GDAL use when there is no code), or a user-defined
 * CRS built from the keys for the common projections (TM, Mercator, LCC 1SP/2SP, Albers, LAEA, old UTM codes).
 */
import type { CrsInfo } from '../../../src-shared/geo';
import { crsFromEpsg, crsFromProj4 } from '../geo/crs';
import { lookupEpsg } from '../geo/epsg';
import { unknownCrs } from '../geo/errors';
import { crsFromWkt } from '../geo/wkt';

export type GeoKeys = Record<string, unknown>;

const USER_DEFINED = 32767;

function num(keys: GeoKeys, name: string): number | undefined {
  const v = keys[name];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (ArrayLike(v) && typeof v[0] === 'number') return v[0];
  return undefined;
}

function ArrayLike(v: unknown): v is ArrayLike<unknown> {
  return typeof v === 'object' && v !== null && 'length' in v;
}

function str(keys: GeoKeys, name: string): string | undefined {
  const v = keys[name];
  return typeof v === 'string' ? v : undefined;
}

const isCode = (v: number | undefined): v is number => v !== undefined && v > 0 && v < USER_DEFINED;

interface GeogPart {
  /** PROJ datum/ellipsoid terms, e.g. "+datum=WGS84" */
  proj: string;
  wkt: string;
  name: string;
}

const ELLIPSOIDS: Record<number, { name: string; a: number; rf: number; proj: string }> = {
  7030: { name: 'WGS 84', a: 6378137, rf: 298.257223563, proj: '+ellps=WGS84' },
  7019: { name: 'GRS 1980', a: 6378137, rf: 298.257222101, proj: '+ellps=GRS80' },
  7043: { name: 'WGS 72', a: 6378135, rf: 298.26, proj: '+ellps=WGS72' },
  7022: { name: 'International 1924', a: 6378388, rf: 297, proj: '+ellps=intl' },
  7008: { name: 'Clarke 1866', a: 6378206.4, rf: 294.978698213898, proj: '+ellps=clrk66' },
  7004: { name: 'Bessel 1841', a: 6377397.155, rf: 299.1528128, proj: '+ellps=bessel' },
  7024: { name: 'Krassowsky 1940', a: 6378245, rf: 298.3, proj: '+ellps=krass' },
};

const DATUM_ELLIPSOID: Record<number, number> = { 6326: 7030, 6269: 7019, 6258: 7019, 6322: 7043, 6230: 7022, 6267: 7008, 6284: 7024 };

function geogFromKeys(keys: GeoKeys, file: string): GeogPart {
  const angular = num(keys, 'GeogAngularUnitsGeoKey');
  if (angular !== undefined && angular !== 9102 && angular !== 9122) throw unknownCrs(file, `angular unit EPSG:${angular} is not degrees`);
  const pm = num(keys, 'GeogPrimeMeridianGeoKey');
  if (pm !== undefined && pm !== 8901) throw unknownCrs(file, `prime meridian EPSG:${pm} is not Greenwich`);
  const gcs = num(keys, 'GeographicTypeGeoKey');
  if (isCode(gcs)) {
    const e = lookupEpsg(gcs);
    if (!e || !/\+proj=longlat/.test(e.proj4)) throw unknownCrs(file, `geographic CRS EPSG:${gcs} is not in the EPSG database`);
    const proj = e.proj4.replace(/\+proj=longlat\s*/, '').replace(/\+no_defs|\+type=crs/g, '').trim();
    return { proj, wkt: e.wkt, name: e.name };
  }
  let ellCode = num(keys, 'GeogEllipsoidGeoKey');
  const datum = num(keys, 'GeogGeodeticDatumGeoKey');
  if (!isCode(ellCode) && isCode(datum)) ellCode = DATUM_ELLIPSOID[datum];
  let a: number | undefined;
  let rf: number | undefined;
  let ellName = 'unknown';
  let proj = '';
  if (isCode(ellCode) && ELLIPSOIDS[ellCode]) {
    const el = ELLIPSOIDS[ellCode];
    ({ a, rf } = el);
    ellName = el.name;
    proj = datum === 6326 ? '+datum=WGS84' : el.proj;
  } else {
    a = num(keys, 'GeogSemiMajorAxisGeoKey');
    rf = num(keys, 'GeogInvFlatteningGeoKey');
    const b = num(keys, 'GeogSemiMinorAxisGeoKey');
    if (a !== undefined && rf === undefined && b !== undefined) rf = b === a ? 0 : a / (a - b);
    if (a === undefined || rf === undefined) throw unknownCrs(file, 'user-defined geographic CRS without a known datum or ellipsoid');
    proj = rf === 0 ? `+a=${a} +b=${a}` : `+a=${a} +rf=${rf}`;
  }
  const gname = str(keys, 'GeogCitationGeoKey') ?? 'unknown';
  const wkt =
    `GEOGCS["${esc(gname)}",DATUM["${datum === 6326 ? 'WGS_1984' : 'unknown'}",SPHEROID["${esc(ellName)}",${a},${rf}]],` +
    `PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]`;
  return { proj, wkt, name: gname };
}

function esc(s: string): string {
  return s.replace(/"/g, "'");
}

const LINEAR_UNITS: Record<number, { toMeter: number; wkt: string }> = {
  9001: { toMeter: 1, wkt: 'UNIT["metre",1]' },
  9002: { toMeter: 0.3048, wkt: 'UNIT["foot",0.3048]' },
  9003: { toMeter: 1200 / 3937, wkt: 'UNIT["US survey foot",0.304800609601219]' },
  9036: { toMeter: 1000, wkt: 'UNIT["kilometre",1000]' },
};

/** CRS of a GeoTIFF from its GeoKeys; throws UNKNOWN_CRS (or NO_GEOREFERENCING is left to the caller when keys are absent). */
export function crsFromGeoKeys(keys: GeoKeys, file: string): CrsInfo {
  const model = num(keys, 'GTModelTypeGeoKey');
  const pcs = num(keys, 'ProjectedCSTypeGeoKey');
  const gcs = num(keys, 'GeographicTypeGeoKey');
  if (model === 3) throw unknownCrs(file, 'geocentric model type');
  if (isCode(pcs)) return crsFromEpsg(pcs, file);

  const citation = [str(keys, 'GTCitationGeoKey'), str(keys, 'PCSCitationGeoKey'), str(keys, 'GeogCitationGeoKey')].find(
    (c) => c !== undefined && /^ESRI PE String = /.test(c),
  );
  if (citation) return crsFromWkt(citation.replace(/^ESRI PE String = /, ''), file);

  const projected = model === 1 || pcs === USER_DEFINED || num(keys, 'ProjCoordTransGeoKey') !== undefined || num(keys, 'ProjectionGeoKey') !== undefined;
  if (!projected) {
    if (isCode(gcs)) return crsFromEpsg(gcs, file);
    if (model === 2 || gcs === USER_DEFINED) {
      const g = geogFromKeys(keys, file);
      return crsFromProj4(`+proj=longlat ${g.proj} +no_defs`, g.name, g.wkt, file);
    }
    throw unknownCrs(file, 'the GeoKeys name no projected or geographic coordinate system');
  }
  return userProjected(keys, file);
}

function userProjected(keys: GeoKeys, file: string): CrsInfo {
  const g = geogFromKeys(keys, file);
  const unitCode = num(keys, 'ProjLinearUnitsGeoKey') ?? 9001;
  const unitSize = num(keys, 'ProjLinearUnitSizeGeoKey');
  const unit = LINEAR_UNITS[unitCode] ?? (unitSize ? { toMeter: unitSize, wkt: `UNIT["unknown",${unitSize}]` } : undefined);
  if (!unit) throw unknownCrs(file, `linear unit EPSG:${unitCode} is not supported`);
  const k = unit.toMeter;
  const name = str(keys, 'PCSCitationGeoKey') ?? str(keys, 'GTCitationGeoKey') ?? 'unnamed';
  const units = k === 1 ? '+units=m' : `+to_meter=${k}`;
  const projection = num(keys, 'ProjectionGeoKey');
  if (isCode(projection) && projection >= 16001 && projection <= 16160 && projection % 100 >= 1 && projection % 100 <= 60) {
    const zone = projection % 100;
    const south = projection >= 16100;
    const lon0 = zone * 6 - 183;
    const def = `+proj=utm +zone=${zone}${south ? ' +south' : ''} ${g.proj} ${units} +no_defs`;
    const wkt = projcs(name, g.wkt, 'Transverse_Mercator', [
      ['latitude_of_origin', 0], ['central_meridian', lon0], ['scale_factor', 0.9996], ['false_easting', 500000], ['false_northing', south ? 10000000 : 0],
    ], unit.wkt);
    return crsFromProj4(def, name, wkt, file);
  }
  const ct = num(keys, 'ProjCoordTransGeoKey');
  const v = (...names: string[]): number => {
    for (const n of names) {
      const x = num(keys, n);
      if (x !== undefined) return x;
    }
    return 0;
  };
  const fe = v('ProjFalseEastingGeoKey', 'ProjFalseOriginEastingGeoKey', 'ProjCenterEastingGeoKey');
  const fn = v('ProjFalseNorthingGeoKey', 'ProjFalseOriginNorthingGeoKey', 'ProjCenterNorthingGeoKey');
  const feFn = `+x_0=${fe * k} +y_0=${fn * k}`;
  let def: string;
  let wkt: string;
  switch (ct) {
    case 1: {
      const lat0 = v('ProjNatOriginLatGeoKey', 'ProjCenterLatGeoKey');
      const lon0 = v('ProjNatOriginLongGeoKey', 'ProjCenterLongGeoKey', 'ProjFalseOriginLongGeoKey');
      const k0 = num(keys, 'ProjScaleAtNatOriginGeoKey') ?? num(keys, 'ProjScaleAtCenterGeoKey') ?? 1;
      def = `+proj=tmerc +lat_0=${lat0} +lon_0=${lon0} +k=${k0} ${feFn} ${g.proj} ${units} +no_defs`;
      wkt = projcs(name, g.wkt, 'Transverse_Mercator', [
        ['latitude_of_origin', lat0], ['central_meridian', lon0], ['scale_factor', k0], ['false_easting', fe], ['false_northing', fn],
      ], unit.wkt);
      break;
    }
    case 7: {
      const lon0 = v('ProjNatOriginLongGeoKey', 'ProjCenterLongGeoKey');
      const lats = num(keys, 'ProjStdParallel1GeoKey');
      if (lats !== undefined && lats !== 0) {
        def = `+proj=merc +lat_ts=${lats} +lon_0=${lon0} ${feFn} ${g.proj} ${units} +no_defs`;
        wkt = projcs(name, g.wkt, 'Mercator_2SP', [['standard_parallel_1', lats], ['central_meridian', lon0], ['false_easting', fe], ['false_northing', fn]], unit.wkt);
      } else {
        const k0 = num(keys, 'ProjScaleAtNatOriginGeoKey') ?? 1;
        def = `+proj=merc +lon_0=${lon0} +k=${k0} ${feFn} ${g.proj} ${units} +no_defs`;
        wkt = projcs(name, g.wkt, 'Mercator_1SP', [['central_meridian', lon0], ['scale_factor', k0], ['false_easting', fe], ['false_northing', fn]], unit.wkt);
      }
      break;
    }
    case 8: {
      const p1 = v('ProjStdParallel1GeoKey');
      const p2 = v('ProjStdParallel2GeoKey');
      const lat0 = v('ProjFalseOriginLatGeoKey', 'ProjNatOriginLatGeoKey');
      const lon0 = v('ProjFalseOriginLongGeoKey', 'ProjNatOriginLongGeoKey');
      def = `+proj=lcc +lat_1=${p1} +lat_2=${p2} +lat_0=${lat0} +lon_0=${lon0} ${feFn} ${g.proj} ${units} +no_defs`;
      wkt = projcs(name, g.wkt, 'Lambert_Conformal_Conic_2SP', [
        ['standard_parallel_1', p1], ['standard_parallel_2', p2], ['latitude_of_origin', lat0], ['central_meridian', lon0], ['false_easting', fe], ['false_northing', fn],
      ], unit.wkt);
      break;
    }
    case 9: {
      const lat0 = v('ProjNatOriginLatGeoKey');
      const lon0 = v('ProjNatOriginLongGeoKey');
      const k0 = num(keys, 'ProjScaleAtNatOriginGeoKey') ?? 1;
      def = `+proj=lcc +lat_1=${lat0} +lat_0=${lat0} +lon_0=${lon0} +k_0=${k0} ${feFn} ${g.proj} ${units} +no_defs`;
      wkt = projcs(name, g.wkt, 'Lambert_Conformal_Conic_1SP', [
        ['latitude_of_origin', lat0], ['central_meridian', lon0], ['scale_factor', k0], ['false_easting', fe], ['false_northing', fn],
      ], unit.wkt);
      break;
    }
    case 10: {
      const lat0 = v('ProjCenterLatGeoKey', 'ProjNatOriginLatGeoKey');
      const lon0 = v('ProjCenterLongGeoKey', 'ProjNatOriginLongGeoKey');
      def = `+proj=laea +lat_0=${lat0} +lon_0=${lon0} ${feFn} ${g.proj} ${units} +no_defs`;
      wkt = projcs(name, g.wkt, 'Lambert_Azimuthal_Equal_Area', [
        ['latitude_of_center', lat0], ['longitude_of_center', lon0], ['false_easting', fe], ['false_northing', fn],
      ], unit.wkt);
      break;
    }
    case 11: {
      const p1 = v('ProjStdParallel1GeoKey');
      const p2 = v('ProjStdParallel2GeoKey');
      const lat0 = v('ProjNatOriginLatGeoKey', 'ProjFalseOriginLatGeoKey', 'ProjCenterLatGeoKey');
      const lon0 = v('ProjNatOriginLongGeoKey', 'ProjFalseOriginLongGeoKey', 'ProjCenterLongGeoKey');
      def = `+proj=aea +lat_1=${p1} +lat_2=${p2} +lat_0=${lat0} +lon_0=${lon0} ${feFn} ${g.proj} ${units} +no_defs`;
      wkt = projcs(name, g.wkt, 'Albers_Conic_Equal_Area', [
        ['standard_parallel_1', p1], ['standard_parallel_2', p2], ['latitude_of_center', lat0], ['longitude_of_center', lon0], ['false_easting', fe], ['false_northing', fn],
      ], unit.wkt);
      break;
    }
    default:
      throw unknownCrs(
        file,
        ct === undefined
          ? 'a user-defined projected CRS with no projection method in its GeoKeys'
          : `user-defined projection method ${ct} (GeoTIFF coordinate transformation code) is not supported`,
      );
  }
  return crsFromProj4(def, name, wkt, file);
}

function projcs(name: string, geogcs: string, method: string, params: Array<[string, number]>, unitWkt: string): string {
  const p = params.map(([n, x]) => `PARAMETER["${n}",${x}]`).join(',');
  return `PROJCS["${esc(name)}",${geogcs},PROJECTION["${method}"],${p},${unitWkt},AXIS["Easting",EAST],AXIS["Northing",NORTH]]`;
}
