/**
 * CSV summary (one row per landslide) and a short printable HTML report (SVG map snapshot of the
 * polygons, counts by status, total area, area histogram, model and run). Both are plain text
 * written by hand: there is nothing to encode beyond RFC 4180 quoting and HTML escaping.
 */
import type { CrsInfo } from '../../../src-shared/geo';
import { createTransformer, WGS84 } from '../geo';
import { multiPolygonBounds, pointOnSurface, type FlatMultiPolygon } from '../vector/geometry';
import { fieldRow, type ExportField, type FieldKind } from './fields';
import { LANDSLIDE_STATUSES, type LandslideStatus } from '../store/landslides-schema';
import { STATUS_STYLE } from '../store/project/qgis-style';
import { countsInInventory } from '../../../src-shared/vocabulary';
import { describeStatusFilter, type InventoryFeature, type InventoryFilter, type InventoryMeta } from './inventory';
import { provenanceRows, type Provenance } from './provenance';

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** GDAL's CSV column types (the .csvt beside the .csv) of the export kinds. */
export const CSVT_TYPES: Record<FieldKind, string> = { integer: 'Integer', real: 'Real', boolean: 'Integer(Boolean)', date: 'Date', datetime: 'DateTime', string: 'String' };

/**
 * A CSV table of the inventory for features already in the output CRS `crs`: every export field
 * (fields.ts), then `x`/`y` of a point on each polygon's surface (vector/geometry.ts pointOnSurface:
 * inside the polygon, unlike a centroid) in `crs`, the same point as `lon`/`lat` in WGS 84 (for
 * spreadsheets and phones), and with `wkt` the polygon as WKT in `crs`. UTF-8 with a BOM so spreadsheet
 * programs read non-ASCII right (GDAL skips it). `csvt` is the .csvt GDAL reads the column types from
 * (numbers, dates; x/y or the WKT as the geometry), so the table opens typed and placed in QGIS; the
 * caller writes the .prj of `crs` beside it.
 */
export function inventoryCsv(features: Iterable<InventoryFeature>, fields: readonly ExportField[], crs: CrsInfo, opts: { wkt?: boolean } = {}): { csv: string; csvt: string } {
  const tx = createTransformer(crs, WGS84);
  const geographic = crs.epsg === 4326 || tx.identity;
  const decimals = geographic ? 7 : 3;
  const header = [...fields.map((f) => f.name), 'x', 'y', 'lon', 'lat', ...(opts.wkt ? ['wkt'] : [])];
  // One geometry for GDAL: the polygon when written, else the point.
  const types = [...fields.map((f) => CSVT_TYPES[f.kind]), ...(opts.wkt ? ['Real', 'Real'] : ['CoordX', 'CoordY']), 'Real', 'Real', ...(opts.wkt ? ['WKT'] : [])];
  const lines = [header.map(csvCell).join(',')];
  for (const f of features) {
    const [x, y] = pointOnSurface(f.geometry);
    const [lon, lat] = tx.forward(x, y);
    const row = fieldRow(f, fields);
    const cells: unknown[] = fields.map((fld) => {
      const v = row[fld.name];
      return typeof v === 'boolean' ? (v ? 1 : 0) : v;
    });
    cells.push(x.toFixed(decimals), y.toFixed(decimals), lon.toFixed(7), lat.toFixed(7));
    if (opts.wkt) cells.push(multiPolygonWkt(f.geometry, decimals));
    lines.push(cells.map(csvCell).join(','));
  }
  return { csv: `\ufeff${lines.join('\r\n')}\r\n`, csvt: `${types.map((t) => `"${t}"`).join(',')}\r\n` };
}

/** MULTIPOLYGON WKT with `decimals` places. */
function multiPolygonWkt(mp: FlatMultiPolygon, decimals: number): string {
  const ring = (r: ArrayLike<number>): string => {
    const pts: string[] = [];
    for (let k = 0; k + 1 < r.length; k += 2) pts.push(`${(r[k] as number).toFixed(decimals)} ${(r[k + 1] as number).toFixed(decimals)}`);
    return `(${pts.join(',')})`;
  };
  return `MULTIPOLYGON(${mp.map((p) => `(${p.map(ring).join(',')})`).join(',')})`;
}

const esc = (s: unknown): string => String(s ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const rgb = (c: [number, number, number], a = 1): string => `rgba(${c[0]},${c[1]},${c[2]},${a})`;

export interface ReportOptions {
  title?: string;
  filter?: InventoryFilter;
  meta?: InventoryMeta;
  crs: CrsInfo;
  generatedAt?: Date;
  /** The output's provenance (provenance.ts): the report's header. */
  provenance?: Provenance;
}

/** Area histogram bins (log10 m², half-decade steps). */
export function areaHistogram(areas: number[]): Array<{ from: number; to: number; count: number }> {
  if (areas.length === 0) return [];
  const lo = Math.floor(Math.log10(Math.max(1, Math.min(...areas))) * 2) / 2;
  const hi = Math.ceil(Math.log10(Math.max(10, Math.max(...areas))) * 2) / 2;
  const bins: Array<{ from: number; to: number; count: number }> = [];
  for (let e = lo; e < hi - 1e-9; e += 0.5) bins.push({ from: 10 ** e, to: 10 ** (e + 0.5), count: 0 });
  for (const a of areas) {
    const i = Math.min(bins.length - 1, Math.max(0, Math.floor((Math.log10(Math.max(1, a)) - lo) / 0.5)));
    bins[i]!.count++;
  }
  return bins;
}

function mapSvg(features: InventoryFeature[], w = 720, h = 480): string {
  if (features.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><text x="20" y="40">No landslides</text></svg>`;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const f of features) {
    const b = multiPolygonBounds(f.geometry);
    minX = Math.min(minX, b.minX); minY = Math.min(minY, b.minY); maxX = Math.max(maxX, b.maxX); maxY = Math.max(maxY, b.maxY);
  }
  const pad = 10;
  const s = Math.min((w - 2 * pad) / Math.max(maxX - minX, 1e-9), (h - 2 * pad) / Math.max(maxY - minY, 1e-9));
  // Centred in the frame: the spare width (a tall inventory) or height (a wide one) split on both sides.
  const ox = (w - (maxX - minX) * s) / 2;
  const oy = (h - (maxY - minY) * s) / 2;
  const X = (x: number): string => (ox + (x - minX) * s).toFixed(1);
  const Y = (y: number): string => (h - oy - (y - minY) * s).toFixed(1);
  const paths = features.map((f) => {
    let d = '';
    for (const p of f.geometry) for (const r of p) {
      for (let k = 0; k < r.length - 2; k += 2) d += `${k === 0 ? 'M' : 'L'}${X(r[k] as number)},${Y(r[k + 1] as number)}`;
      d += 'Z';
    }
    const st = STATUS_STYLE[f.record.status];
    return `<path d="${d}" fill="${rgb(st.fill, 0.5)}" stroke="${rgb(st.outline)}" stroke-width="0.6" fill-rule="evenodd"><title>${esc(`#${f.fid} ${f.record.status} ${f.record.area_m2.toFixed(0)} m²`)}</title></path>`;
  });
  const scaleM = niceLength((maxX - minX) / 4);
  const bar = scaleM * s;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" style="border:1px solid #999;background:#fafafa;width:100%;height:auto;display:block">${paths.join('')}
<g><rect x="${pad}" y="${h - 22}" width="${bar.toFixed(1)}" height="4" fill="#333"/><text x="${pad}" y="${h - 26}" font-size="11">${scaleM >= 1000 ? `${scaleM / 1000} km` : `${scaleM} m`}</text></g></svg>`;
}

function niceLength(x: number): number {
  const e = 10 ** Math.floor(Math.log10(Math.max(x, 1e-9)));
  for (const m of [5, 2, 1]) if (m * e <= x) return m * e;
  return e;
}

/** The printable HTML report. Geometry is drawn in its own (projected) CRS. */
export function inventoryReportHtml(features: InventoryFeature[], opts: ReportOptions): string {
  // Totals follow the counting rule (countsInInventory): rejected landslides a filter let through are
  // drawn and listed by status, but are not counted in the totals, area or histogram.
  const counts = new Map<LandslideStatus, number>();
  const counted = features.filter((f) => countsInInventory(f.record.status));
  let total = 0;
  for (const f of features) counts.set(f.record.status, (counts.get(f.record.status) ?? 0) + 1);
  for (const f of counted) total += f.record.area_m2;
  const uncounted = features.length - counted.length;
  const hist = areaHistogram(counted.map((f) => f.record.area_m2));
  const maxCount = Math.max(1, ...hist.map((b) => b.count));
  const bw = 40;
  const histSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="${hist.length * bw + 40}" height="170">${hist
    .map((b, i) => {
      const hh = (b.count / maxCount) * 120;
      return `<rect x="${20 + i * bw}" y="${140 - hh}" width="${bw - 4}" height="${hh}" fill="#c0392b"/><text x="${20 + i * bw + (bw - 4) / 2}" y="${135 - hh}" font-size="10" text-anchor="middle">${b.count}</text><text x="${20 + i * bw}" y="155" font-size="9">${fmtArea(b.from)}</text>`;
    })
    .join('')}</svg>`;
  const m = opts.meta ?? {};
  const f = opts.filter;
  const rows = LANDSLIDE_STATUSES.filter((s) => counts.has(s)).map((s) => `<tr><td><span class="sw" style="background:${rgb(STATUS_STYLE[s].fill, 0.6)}"></span>${esc(STATUS_STYLE[s].label)}</td><td>${counts.get(s)}</td></tr>`);
  // The event names the report; the file name is no title.
  const title = opts.title ?? (m.eventName ? `Landslide inventory: ${m.eventName}` : 'Landslide inventory');
  const p = opts.provenance;
  const header = p
    ? `<table class="meta" id="provenance">${provenanceRows(p).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join('')}</table>`
    : `<div>Generated ${esc((opts.generatedAt ?? new Date()).toISOString())} by Scarp</div>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:780px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}
.sw{display:inline-block;width:12px;height:12px;margin-right:6px;border:1px solid #555;vertical-align:middle}
.meta td:first-child{color:#666}
@media print{body{margin:0} svg{page-break-inside:avoid}}
</style></head><body>
<h1>${esc(title)}</h1>
${header}
<h2>Map</h2>
${mapSvg(features)}
<div style="font-size:11px;color:#666">CRS: ${esc(opts.crs.name)}${opts.crs.epsg ? ` (EPSG:${opts.crs.epsg})` : ''}</div>
<h2>Summary</h2>
<table class="meta">
<tr><td>Landslides</td><td id="count">${counted.length}</td></tr>
${uncounted ? `<tr><td>Rejected (not counted)</td><td id="rejected">${uncounted}</td></tr>` : ''}
<tr><td>Total area</td><td id="total-area">${(total / 1e6).toFixed(4)} km² (${total.toFixed(0)} m²)</td></tr>
${m.eventName ? `<tr><td>Event</td><td>${esc(m.eventName)}</td></tr>` : ''}
<tr><td>Model</td><td id="model">${esc(m.modelName ?? m.modelId ?? '—')}</td></tr>
<tr><td>Run</td><td id="run">${esc(m.runId ?? '—')}${m.runStartedAt ? `, ${esc(m.runStartedAt)}` : ''}${m.threshold != null ? `, threshold ${m.threshold}` : ''}</td></tr>
<tr><td>Filter</td><td id="filter">${esc(describeStatusFilter(f))}${f?.minAreaM2 !== undefined ? `, ≥ ${f.minAreaM2} m²` : ''}${f?.maxAreaM2 !== undefined ? `, ≤ ${f.maxAreaM2} m²` : ''}</td></tr>
</table>
<h2>By status</h2>
<table><tr><th>Status</th><th>Count</th></tr>${rows.join('')}</table>
<h2>Area distribution (m², log bins)</h2>
${histSvg}
</body></html>
`;
}

function fmtArea(a: number): string {
  return a >= 1e6 ? `${(a / 1e6).toPrecision(2)}km²` : a >= 1000 ? `${(a / 1000).toPrecision(2)}k` : a.toPrecision(2);
}
