/**
 * Export the inventory to GIS formats. Each format writes into a hidden staging folder beside the
 * destination and is renamed into place only when complete (see staging.ts); existing outputs are
 * refused unless `overwrite`. Formats: GeoPackage (with its QGIS style in layer_styles), Shapefile
 * (folder or .zip), GeoJSON (RFC 7946), KML, KMZ, CSV summary and HTML report; each vector format
 * gets a .qml beside it where the format has no place for one.
 */
import type { ProgressSink } from '../../../src-shared/api';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import JSZip from 'jszip';
import type { CrsInfo } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { WGS84 } from '../geo';
import { LandslideGpkgWriter, openGpkgDatabase } from '../store/geopackage-writer';
import { landslideQml, createQgisStyle } from '../store/project/qgis-style';
import { writeGeoJson } from './geojson';
import { attributeRow, hasProvenance, provenanceOf, resolveCrs, selectFeatures, type Inventory, type InventoryFeature, type InventoryFilter, type OutputCrsChoice } from './inventory';
import { inventoryToKml, kmlToKmz } from './kml';
import { readParts, writeShapefileParts } from './shapefile';
import { checkCancelled, Staging, staged } from './staging';
import type { RasterRowSource } from './cog';
import { addProbabilityCoverage } from './gpkg-raster';
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
  /** GeoPackage only: a run's probability, added as a tiled gridded coverage layer (gpkg-raster.ts). */
  probability?: { source: RasterRowSource; table?: string; description?: string };
}

export interface ExportResult {
  format: string;
  files: string[];
  count: number;
  crs: { epsg: number | null; name: string };
  warnings: string[];
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
  // CSV (lon/lat + area) and HTML (map drawn in the project CRS) ignore the choice for geometry.
  return resolveCrs(choice ?? 'project', projectCrs);
}

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
  // Features in the output CRS (the HTML map and CSV centroids work from the project CRS).
  const geomCrs = fmt === 'csv' || fmt === 'html' ? inv.crs : crs;
  const features: InventoryFeature[] = [];
  for (const f of selectFeatures(inv, geomCrs, opts.filter)) {
    features.push(f);
    if ((features.length & 1023) === 0) checkCancelled(opts.signal);
  }
  if (opts.probability && fmt !== 'gpkg') {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `The probability raster can be added to a GeoPackage export only, not to ${fmt}.`, hint: 'Export to a GeoPackage, or export the probability alone as a Cloud-Optimized GeoTIFF.', options: ['format-gpkg', 'format-probability'] });
  }
  const name = opts.layerName ?? stem(out);
  let targets: string[];
  const dir = resolve(out, '..');
  switch (fmt) {
    case 'gpkg': requireExt(out, ['.gpkg'], 'GeoPackage'); targets = [out]; break;
    case 'geojson': requireExt(out, ['.geojson', '.json'], 'GeoJSON'); targets = [out, beside(out, '.qml')]; break;
    case 'kml': requireExt(out, ['.kml'], 'KML'); targets = [out]; break;
    case 'kmz': requireExt(out, ['.kmz'], 'KMZ'); targets = [out]; break;
    case 'csv': requireExt(out, ['.csv'], 'CSV'); targets = [out]; break;
    case 'html': requireExt(out, ['.html', '.htm'], 'HTML report'); targets = [out]; break;
    case 'shp-zip': requireExt(out, ['.zip'], 'zipped Shapefile'); targets = [out]; break;
    case 'shp':
      if (extname(out).toLowerCase() === '.shp') targets = ['.shp', '.shx', '.dbf', '.prj', '.cpg', '.qml'].map((e) => beside(out, e));
      else {
        // A folder named `out` holding <name>.shp …
        if (existsSync(out) && !statSync(out).isDirectory()) throw new ScarpError({ code: 'OUTPUT_EXISTS', message: `${out} exists and is not a folder.`, file: out });
        targets = [out];
      }
      break;
  }
  Staging.checkFree(targets, overwrite);
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
          return w.add({ geometry: f.geometry, properties: { ...f.record, ...provenanceOf(f) } });
        });
        w.commit();
        const db = openGpkgDatabase(tmp);
        try {
          db.exec('BEGIN');
          // Keep the project's feature ids (negative first, so no id collides midway).
          const upd = db.prepare('UPDATE landslides SET fid = ? WHERE fid = ?');
          ids.forEach((id, i) => upd.run(-(i + 1), id));
          features.forEach((f, i) => upd.run(f.fid, -(i + 1)));
          db.prepare("UPDATE sqlite_sequence SET seq = (SELECT MAX(fid) FROM landslides) WHERE name = 'landslides'").run();
          createQgisStyle(db);
          db.exec('COMMIT');
          if (opts.probability) {
            const r = await addProbabilityCoverage(db, opts.probability.source, { table: opts.probability.table, description: opts.probability.description, signal: opts.signal });
            if (r.tiles === 0) warnings.push('The run has no probability values; the raster layer holds no tiles.');
          }
        } finally {
          db.close();
        }
        break;
      }
      case 'geojson': {
        const prov = hasProvenance(features);
        await writeGeoJson(
          s.file(out),
          features.map((f) => ({ id: f.fid, geometry: f.geometry, properties: attributeRow(f, prov) })),
          { crs },
        );
        writeFileSync(s.file(targets[1]!), landslideQml());
        break;
      }
      case 'kml':
      case 'kmz': {
        const kml = inventoryToKml(features, name);
        writeFileSync(s.file(out), fmt === 'kml' ? kml : await kmlToKmz(kml));
        break;
      }
      case 'csv':
        writeFileSync(s.file(out), inventoryCsv(features, inv.crs));
        break;
      case 'html':
        writeFileSync(s.file(out), inventoryReportHtml(features, { crs: inv.crs, filter: opts.filter, meta: inv.meta }));
        break;
      case 'shp':
      case 'shp-zip': {
        const folder = fmt === 'shp' && extname(out).toLowerCase() !== '.shp';
        const base = fmt === 'shp' && !folder ? beside(out, '') : folder ? join(out, name) : join(s.dir, `zip-${name}`);
        const part = (e: string): string => (fmt === 'shp-zip' ? `${base}${e}` : s.file(`${base}${e}`));
        const paths = { shp: part('.shp'), shx: part('.shx'), dbf: part('.dbf'), prj: part('.prj'), cpg: part('.cpg'), qml: part('.qml') };
        const prov = hasProvenance(features);
        const res = await writeShapefileParts(paths, features, features.map((f) => ({ fid: f.fid, ...attributeRow(f, prov) })), crs);
        warnings.push(...res.warnings);
        if (fmt === 'shp-zip') {
          const zip = new JSZip();
          const bytes = readParts(paths);
          for (const [ext, buf] of Object.entries(bytes)) zip.file(`${name}.${ext}`, buf);
          writeFileSync(s.file(out), await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 6 } }));
        }
        break;
      }
    }
    opts.onProgress?.({ stage: 'write', done: 1, total: 1 });
    checkCancelled(opts.signal);
  });
  return { format: fmt, files, count: features.length, crs: { epsg: crs.epsg, name: crs.name }, warnings };
}
