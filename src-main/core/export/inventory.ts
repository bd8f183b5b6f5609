/**
 * What every vector exporter consumes: inventory features (geometry in the layer CRS + the
 * `landslides` attributes + optional imported extras), the filters the user picks (status, area)
 * and the output CRS choice (project CRS, WGS 84 or any EPSG code).
 */
import type { CrsInfo } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { createTransformer, crsFromEpsg, WGS84 } from '../geo';
import { mapCoords, orientMultiPolygon, type FlatMultiPolygon } from '../vector/geometry';
import { LANDSLIDE_STATUSES, type AttrValue, type LandslideRecord, type LandslideStatus } from '../store/landslides-schema';
import { countsInInventory, REJECTED_STATUS, type RunLayerKind } from '../../../src-shared/vocabulary';

export type { AttrValue };

export interface InventoryFeature {
  /** The GeoPackage fid (feature id in every export). */
  fid: number;
  geometry: FlatMultiPolygon;
  record: LandslideRecord;
  /** Import provenance given beside the record (e.g. straight from an import): overrides record.source. */
  source?: string | null;
  /** Imported attributes that have no `landslides` column: overrides record.attrs (its JSON text). */
  attrs?: Record<string, AttrValue> | null;
}

export interface InventoryMeta {
  projectName?: string;
  eventName?: string | null;
  eventDate?: string | null;
  eventTrigger?: string | null;
  imagerySource?: string | null;
  imageryDate?: string | null;
  scenes?: Array<{ name: string; role: string | null; date: string | null }>;
  modelId?: string | null;
  modelSha256?: string | null;
  modelName?: string | null;
  runId?: string | null;
  runStartedAt?: string | null;
  threshold?: number | null;
  provider?: string | null;
  /** The kinds of runs the landslides come from (what `confidence` means); default: the model run's kind. */
  layerKinds?: RunLayerKind[];
}

/** An inventory as exporters read it. `features` may be iterated more than once (an array or a re-iterable). */
export interface Inventory {
  crs: CrsInfo;
  features: Iterable<InventoryFeature>;
  meta?: InventoryMeta;
}

export interface InventoryFilter {
  /** Keep only these statuses (default: the statuses that count, countsInInventory: all but rejected). */
  statuses?: LandslideStatus[];
  /** Also write the rejected landslides (the default leaves them out; with `statuses`, adds them). */
  includeRejected?: boolean;
  minAreaM2?: number;
  maxAreaM2?: number;
}

/** 'project' (the layer's CRS), 'wgs84', or an EPSG code. */
export type OutputCrsChoice = 'project' | 'wgs84' | number;

export function parseStatuses(s: string | string[] | undefined): LandslideStatus[] | undefined {
  if (s === undefined) return undefined;
  const list = (Array.isArray(s) ? s : s.split(',')).map((x) => x.trim()).filter(Boolean);
  for (const x of list) {
    if (!(LANDSLIDE_STATUSES as readonly string[]).includes(x)) {
      throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Unknown status "${x}"`, hint: `Use one or more of ${LANDSLIDE_STATUSES.join(', ')}.` });
    }
  }
  return list as LandslideStatus[];
}

export function parseCrsChoice(s: string | number | undefined): OutputCrsChoice {
  if (s === undefined || s === 'project') return 'project';
  if (typeof s === 'number') return s;
  const t = s.trim().toLowerCase();
  if (t === 'wgs84' || t === 'wgs 84' || t === 'epsg:4326' || t === '4326' || t === 'crs84') return 'wgs84';
  const m = /^(?:epsg:)?(\d{4,6})$/.exec(t);
  if (!m) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Output CRS "${s}" is not understood`, hint: 'Use project, wgs84 or an EPSG code such as EPSG:32645.' });
  return Number(m[1]);
}

export function resolveCrs(choice: OutputCrsChoice, projectCrs: CrsInfo): CrsInfo {
  if (choice === 'project') return projectCrs;
  if (choice === 'wgs84') return WGS84;
  return crsFromEpsg(choice);
}

/** Whether a status is exported under a filter: the chosen statuses, else those that count; rejected too when asked. */
export function statusPasses(status: LandslideStatus, flt: InventoryFilter | undefined): boolean {
  if (flt?.includeRejected && status === REJECTED_STATUS) return true;
  return flt?.statuses && flt.statuses.length > 0 ? flt.statuses.includes(status) : countsInInventory(status);
}

/** The status filter in words (the HTML report states it). */
export function describeStatusFilter(flt: InventoryFilter | undefined): string {
  const chosen = flt?.statuses && flt.statuses.length > 0 ? flt.statuses.join(', ') : null;
  if (chosen) return flt?.includeRejected && !flt.statuses!.includes(REJECTED_STATUS) ? `${chosen}, ${REJECTED_STATUS}` : chosen;
  return flt?.includeRejected ? 'all statuses (rejected included)' : `all but ${REJECTED_STATUS}`;
}

export function passesFilter(f: InventoryFeature, flt: InventoryFilter | undefined): boolean {
  if (!statusPasses(f.record.status, flt)) return false;
  const a = f.record.area_m2;
  if (flt?.minAreaM2 !== undefined && !(a >= flt.minAreaM2)) return false;
  if (flt?.maxAreaM2 !== undefined && !(a <= flt.maxAreaM2)) return false;
  return true;
}

/** Filtered features with geometry reprojected to `to` (shells counter-clockwise). */
export function* selectFeatures(inv: Inventory, to: CrsInfo, flt?: InventoryFilter): Generator<InventoryFeature> {
  const tx = createTransformer(inv.crs, to);
  for (const f of inv.features) {
    if (!passesFilter(f, flt)) continue;
    if (tx.identity) yield f;
    else yield { ...f, geometry: orientMultiPolygon(mapCoords(f.geometry, tx.forward), true) };
  }
}

/** A feature's provenance: `source` and `attrs` (JSON text), from the overrides or the record. */
export function provenanceOf(f: InventoryFeature): { source: string | null; attrs: string | null } {
  const source = f.source !== undefined ? f.source ?? null : f.record.source ?? null;
  const attrs = f.attrs !== undefined ? (f.attrs && Object.keys(f.attrs).length > 0 ? JSON.stringify(f.attrs) : null) : f.record.attrs ?? null;
  return { source, attrs };
}
