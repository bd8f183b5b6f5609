/**
 * Export the inventory to GIS formats. Each format writes into a hidden staging folder beside the
 * destination and is renamed into place only when complete (see staging.ts); existing outputs are
 * refused unless `overwrite`. Formats: GeoPackage (with its QGIS style in layer_styles), Shapefile
 * (folder or .zip), GeoJSON (RFC 7946), KML, KMZ, CSV summary and HTML report; each vector format
 * gets a .qml beside it where the format has no place for one. A GeoPackage with the probability
 * coverage gets the probability COG's style (raster-style.ts) as `<name>.qml` beside it: QGIS 3.22
 * reads a GeoPackage raster's default style only from there (its vector layer's comes from
 * layer_styles inside the file, which QGIS reads first).
 */
import type { ProgressSink } from '../../../src-shared/api';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type { CrsInfo } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { toEsriWkt, WGS84 } from '../geo';
import { LandslideGpkgWriter, openGpkgDatabase } from '../store/geopackage-writer';
import { addGpkgMetadata, gdalMetadataDocument, q } from '../store/geopackage-schema';
import { landslideQml, createQgisStyle } from '../store/project/qgis-style';
import { valueKindOf } from '../../../src-shared/vocabulary';
import { writeGeoJson } from './geojson';
import { provenanceOf, describeStatusFilter, resolveCrs, selectFeatures, type Inventory, type InventoryFeature, type InventoryFilter, type OutputCrsChoice } from './inventory';
import { exportFields, fieldRow, type FieldKind } from './fields';
import { inventoryToKml, kmlToKmz } from './kml';
import { readParts, writeShapefileParts } from './shapefile';
import { checkCancelled, Staging, staged } from './staging';
import { sidecarAction, type Sidecar } from './sidecars';
import { layerKindsOf, outputProvenance, provenanceItems, provenanceSidecar, writeProvenanceJson, type Provenance } from './provenance';
import type { RasterRowSource } from './cog';
import { addProbabilityCoverage } from './gpkg-raster';
import { RASTER_DESCRIPTIONS, rasterQml } from './raster-style';
import { inventoryCsv, inventoryReportHtml } from './summary';

export const VECTOR_FORMATS = ['gpkg', 'shp', 'shp-zip', 'geojson', 'kml', 'kmz', 'csv', 'html'] as const;
export type VectorFormat = (typeof VECTOR_FORMATS)[number];

export interface VectorExportOptions {
  format: VectorFormat;
  /** Output file (folder for `shp` without a .shp extension). */
  out: string;
  crs?: OutputCrsChoice;
  filter?: InventoryFilter;
  overwrite?: boolean;
  signal?: AbortSignal;
  /** 'prepare' before features are selected, 'write' as the files are written (before they are committed). */
  onProgress?: ProgressSink;
  /** Layer / file base name inside folders and zips (default: from `out`). */
  layerName?: string;
  /** CSV only: add the polygon as WKT (in the output CRS) in a `wkt` column. */
  wkt?: boolean;
  /** GeoPackage only: a run's probability, added as a tiled gridded coverage layer (gpkg-raster.ts). */
  probability?: { source: RasterRowSource; table?: string; description?: string };
}

export interface ExportResult {
  format: string;
  files: string[];
  count: number;
  /** The CRS of the written coordinates (WGS 84 for GeoJSON and KML/KMZ; CSV: its x/y and WKT, lon/lat beside them are WGS 84). */
  crs: { epsg: number | null; name: string };
  warnings: string[];
  /** The attribute fields written, with their types (fields.ts; a Shapefile may shorten the names). */
  fields?: Array<{ name: string; kind: FieldKind }>;
}

/** Formats fixed to WGS 84 longitude/latitude by their specification. */
const WGS84_ONLY: ReadonlySet<VectorFormat> = new Set(['geojson', 'kml', 'kmz']);

function outputCrs(fmt: VectorFormat, choice: OutputCrsChoice | undefined, projectCrs: CrsInfo): CrsInfo {
  if (WGS84_ONLY.has(fmt)) {
    if (choice !== undefined && choice !== 'wgs84' && choice !== 4326) {
      throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${fmt.toUpperCase()} is always WGS 84 longitude/latitude; another output CRS cannot be chosen.`, hint: 'Leave the output CRS unset, or use GeoPackage/Shapefile for a projected CRS.', options: ['crs'] });
    }
    return WGS84;
  }
  // The HTML report's map is drawn in the project CRS.
  return fmt === 'html' ? projectCrs : resolveCrs(choice ?? 'project', projectCrs);
}

/** GeoPackage column types of the export kinds (GDAL reads them as Integer64, Real, Integer(Boolean), Date, DateTime, String). */
const GPKG_TYPES: Record<FieldKind, string> = { integer: 'INTEGER', real: 'REAL', boolean: 'BOOLEAN', date: 'DATE', datetime: 'DATETIME', string: 'TEXT' };

const stem = (p: string): string => basename(p).replace(/\.[^.]+$/, '');
const beside = (p: string, ext: string): string => join(resolve(p, '..'), `${stem(p)}${ext}`);

function requireExt(out: string, exts: string[], fmt: string): void {
  if (!exts.includes(extname(out).toLowerCase())) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `A ${fmt} export needs a file name ending in ${exts.join(' or ')}, not ${basename(out)}.`, file: resolve(out) });
  }
}

/** Export the (filtered, reprojected) inventory in one format. */
export async function exportInventory(inv: Inventory, opts: VectorExportOptions): Promise<ExportResult> {
  const fmt = opts.format;
  if (!(VECTOR_FORMATS as readonly string[]).includes(fmt)) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Unknown export format "${fmt}"`, hint: `Use one of ${VECTOR_FORMATS.join(', ')}.` });
  }
  const out = resolve(opts.out);
  const overwrite = opts.overwrite ?? false;
  const crs = outputCrs(fmt, opts.crs, inv.crs);
  const warnings: string[] = [];
  opts.onProgress?.({ stage: 'prepare', done: 0, total: 1 });
  checkCancelled(opts.signal);
  // Features in the output CRS (the HTML map is drawn in the project CRS).
  const geomCrs = fmt === 'html' ? inv.crs : crs;
  const features: InventoryFeature[] = [];
  for (const f of selectFeatures(inv, geomCrs, opts.filter)) {
    features.push(f);
    if ((features.length & 1023) === 0) checkCancelled(opts.signal);
  }
  if (opts.probability && fmt !== 'gpkg') {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `The probability raster can be added to a GeoPackage export only, not to ${fmt}.`, hint: 'Export to a GeoPackage, or export the probability alone as a Cloud-Optimized GeoTIFF.', options: ['format-gpkg', 'format-probability'] });
  }
  if (opts.wkt && fmt !== 'csv') throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `A WKT geometry column is written to CSV only, not to ${fmt}.`, options: ['wkt'] });
  const name = opts.layerName ?? stem(out);
  let targets: string[];
  const dir = resolve(out, '..');
  // The QGIS style where QGIS looks for it (a zip's beside the zip) and the CRS beside a .shp or .csv: shared sidecars.
  const values = valueKindOf(layerKindsOf(inv.meta));
  const style: Sidecar = { path: beside(out, '.qml'), content: landslideQml(values), kind: 'style' };
  const prj: Sidecar = { path: beside(out, '.prj'), content: toEsriWkt(crs.wkt), kind: 'crs', readBy: [beside(out, fmt === 'csv' ? '.shp' : '.csv')] };
  let sidecars: Sidecar[] = [];
  switch (fmt) {
    case 'gpkg':
      requireExt(out, ['.gpkg'], 'GeoPackage');
      targets = [out];
      if (opts.probability) sidecars = [{ path: beside(out, '.qml'), content: rasterQml('probability'), kind: 'style' }];
      break;
    case 'geojson': requireExt(out, ['.geojson', '.json'], 'GeoJSON'); targets = [out]; sidecars = [style]; break;
    case 'kml': requireExt(out, ['.kml'], 'KML'); targets = [out]; break;
    case 'kmz': requireExt(out, ['.kmz'], 'KMZ'); targets = [out]; break;
    case 'csv': requireExt(out, ['.csv'], 'CSV'); targets = [out, beside(out, '.csvt')]; sidecars = [prj]; break;
    case 'html': requireExt(out, ['.html', '.htm'], 'HTML report'); targets = [out]; break;
    case 'shp-zip': requireExt(out, ['.zip'], 'zipped Shapefile'); targets = [out]; sidecars = [style]; break;
    case 'shp':
      if (extname(out).toLowerCase() === '.shp') {
        targets = ['.shp', '.shx', '.dbf', '.cpg'].map((e) => beside(out, e));
        sidecars = [prj, style];
      } else {
        // A folder named `out` holding <name>.shp …
        if (existsSync(out) && !statSync(out).isDirectory()) throw new ScarpError({ code: 'OUTPUT_EXISTS', message: `${out} exists and is not a folder.`, file: out });
        targets = [out];
      }
      break;
  }
  // The provenance beside formats with no place for it inside (GeoJSON, GeoPackage and the report carry it within).
  const provFile = ['csv', 'kml', 'kmz', 'shp-zip'].includes(fmt) || (fmt === 'shp' && extname(out).toLowerCase() === '.shp') ? provenanceSidecar(out) : null;
  if (provFile) targets.push(provFile);
  Staging.checkFree(targets, overwrite);
  const prov = outputProvenance(inv.meta, { output: fmt, crs: { epsg: crs.epsg, name: crs.name }, count: features.length, filter: describeStatusFilter(opts.filter) });
  const toWrite = sidecars.filter((sc) => sidecarAction(sc, overwrite, warnings) === 'write');
  const fields = exportFields(features);
  if (!existsSync(dir)) throw new ScarpError({ code: 'FILE_UNWRITABLE', message: `Cannot write ${out}: the folder ${dir} does not exist.`, file: out, hint: 'Create the folder first.' });

  const { files } = await staged(dir, overwrite, async (s) => {
    opts.onProgress?.({ stage: 'write', done: 0, total: 1 });
    checkCancelled(opts.signal);
    switch (fmt) {
      case 'gpkg': {
        const tmp = s.file(out);
        const w = LandslideGpkgWriter.create(tmp, { crs });
        const ids = features.map((f) => {
          checkCancelled(opts.signal);
          return w.add({ geometry: f.geometry, properties: { ...f.record, ...provenanceOf(f), attrs: null } });
        });
        w.commit();
        const db = openGpkgDatabase(tmp);
        try {
          db.exec('BEGIN');
          // The imported fields as typed columns of their own (never the attrs JSON).
          db.exec('ALTER TABLE landslides DROP COLUMN attrs');
          const extra = fields.filter((f) => 'attr' in f.from);
          for (const f of extra) db.exec(`ALTER TABLE landslides ADD COLUMN ${q(f.name)} ${GPKG_TYPES[f.kind]}`);
          if (extra.length > 0) {
            const set = db.prepare(`UPDATE landslides SET ${extra.map((f) => `${q(f.name)} = ?`).join(', ')} WHERE fid = ?`);
            ids.forEach((id, i) => {
              const row = fieldRow(features[i]!, extra);
              set.run(...extra.map((f) => (typeof row[f.name] === 'boolean' ? (row[f.name] ? 1 : 0) : row[f.name])), id);
            });
          }
          // Keep the project's feature ids (negative first, so no id collides midway).
          const upd = db.prepare('UPDATE landslides SET fid = ? WHERE fid = ?');
          ids.forEach((id, i) => upd.run(-(i + 1), id));
          features.forEach((f, i) => upd.run(f.fid, -(i + 1)));
          db.prepare("UPDATE sqlite_sequence SET seq = (SELECT MAX(fid) FROM landslides) WHERE name = 'landslides'").run();
          createQgisStyle(db, values);
          addProvenance(db, 'landslides', prov);
          db.exec('COMMIT');
          if (opts.probability) {
            const r = await addProbabilityCoverage(db, opts.probability.source, { table: opts.probability.table, description: opts.probability.description, signal: opts.signal });
            if (r.tiles === 0) warnings.push('The run has no probability values; the raster layer holds no tiles.');
            db.exec('BEGIN');
            addProvenance(db, r.table, { ...prov, output: 'probability' }, RASTER_DESCRIPTIONS.probability);
            db.exec('COMMIT');
          }
        } finally {
          db.close();
        }
        break;
      }
      case 'geojson': {
        // The feature's id member is its fid; the properties are the other fields.
        const props = fields.filter((f) => f.name !== 'fid');
        await writeGeoJson(
          s.file(out),
          features.map((f) => ({ id: f.fid, geometry: f.geometry, properties: fieldRow(f, props) })),
          { crs, members: { scarp: prov } },
        );
        break;
      }
      case 'kml':
      case 'kmz': {
        const kml = inventoryToKml(features, fields, name);
        writeFileSync(s.file(out), fmt === 'kml' ? kml : await kmlToKmz(kml, name));
        break;
      }
      case 'csv': {
        const t = inventoryCsv(features, fields, crs, { wkt: opts.wkt });
        writeFileSync(s.file(out), t.csv);
        writeFileSync(s.file(targets[1]!), t.csvt);
        break;
      }
      case 'html':
        writeFileSync(s.file(out), inventoryReportHtml(features, { crs: inv.crs, filter: opts.filter, meta: inv.meta, provenance: prov }));
        break;
      case 'shp':
      case 'shp-zip': {
        const folder = fmt === 'shp' && extname(out).toLowerCase() !== '.shp';
        const base = fmt === 'shp' && !folder ? beside(out, '') : folder ? join(out, name) : join(s.dir, `zip-${name}`);
        const part = (e: string): string => (fmt === 'shp-zip' ? `${base}${e}` : s.file(`${base}${e}`));
        // A .shp file's .prj and .qml are shared sidecars (written below); a folder's and a zip's are its own.
        const own = fmt === 'shp-zip' || folder;
        const paths = { shp: part('.shp'), shx: part('.shx'), dbf: part('.dbf'), prj: own ? part('.prj') : null, cpg: part('.cpg'), qml: own ? part('.qml') : null };
        const res = await writeShapefileParts(paths, features, fields, crs, values);
        warnings.push(...res.warnings);
        // A folder's provenance sits beside its .shp; a zip's inside it too.
        if (folder || fmt === 'shp-zip') writeProvenanceJson(part('.shp.scarp.json'), prov);
        if (fmt === 'shp-zip') {
          // Loaded here: a process that never writes a zip does not pay for jszip (docs/cluster.md).
          const { default: JSZip } = await import('jszip');
          const zip = new JSZip();
          const bytes = readParts(paths);
          for (const [ext, buf] of Object.entries(bytes)) zip.file(`${name}.${ext}`, buf);
          zip.file(`${name}.shp.scarp.json`, readFileSync(part('.shp.scarp.json')));
          writeFileSync(s.file(out), await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 6 } }));
        }
        break;
      }
    }
    for (const sc of toWrite) writeFileSync(s.file(sc.path), sc.content);
    if (provFile) writeProvenanceJson(s.file(provFile), prov);
    opts.onProgress?.({ stage: 'write', done: 1, total: 1 });
    checkCancelled(opts.signal);
  });
  return { format: fmt, files, count: features.length, crs: { epsg: crs.epsg, name: crs.name }, warnings, fields: fields.map((f) => ({ name: f.name, kind: f.kind })) };
}

/** The provenance of a GeoPackage table: GDAL's items (listed by GDAL and QGIS) and the whole record as JSON. */
function addProvenance(db: ReturnType<typeof openGpkgDatabase>, table: string, prov: Provenance, description?: string): void {
  const items = provenanceItems(prov);
  addGpkgMetadata(db, { table, standardUri: 'http://gdal.org', mimeType: 'text/xml', metadata: gdalMetadataDocument(description ? { DESCRIPTION: description, ...items } : items) });
  addGpkgMetadata(db, { table, standardUri: 'urn:scarp:provenance:1', mimeType: 'application/json', metadata: JSON.stringify({ scarp: prov }) });
}
