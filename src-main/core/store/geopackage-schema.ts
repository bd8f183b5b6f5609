/**
 * GeoPackage 1.3 core schema on better-sqlite3: the required gpkg_* tables, spatial reference
 * systems, feature-table registration and the R-tree spatial index extension with its triggers.
 * The project store (issue 4) builds on these functions; nothing here knows about landslides.
 */
import type Database from 'better-sqlite3';
import type { Bounds, CrsInfo } from '../../../src-shared/geo';
import { readGpkgHeader } from '../vector/geopackage-geometry';

type Db = Database.Database;

/** 'GPKG' */
export const GPKG_APPLICATION_ID = 0x47504b47;
/** GeoPackage 1.3.0 */
export const GPKG_USER_VERSION = 10300;

export const WGS84_WKT =
  'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]';

/** First srs_id used for CRSs without an EPSG code. */
export const CUSTOM_SRS_ID_BASE = 100000;

/** Quote an SQL identifier. */
export function q(id: string): string {
  return `"${id.replace(/"/g, '""')}"`;
}

/**
 * Register the SQL functions the R-tree triggers call (GeoPackage spec: ST_IsEmpty, ST_MinX,
 * ST_MaxX, ST_MinY, ST_MaxY). Every connection that may insert/update features needs them.
 */
export function registerGpkgFunctions(db: Db): void {
  const env = (blob: unknown, pick: 'minX' | 'maxX' | 'minY' | 'maxY'): number | null => {
    if (!(blob instanceof Uint8Array)) return null;
    const h = readGpkgHeader(blob);
    if (h.empty || !h.envelope) return null;
    return h.envelope[pick];
  };
  const opts = { deterministic: true, directOnly: false } as const;
  db.function('ST_IsEmpty', opts, (blob: unknown) => {
    if (!(blob instanceof Uint8Array)) return null;
    return readGpkgHeader(blob).empty ? 1 : 0;
  });
  db.function('ST_MinX', opts, (blob: unknown) => env(blob, 'minX'));
  db.function('ST_MaxX', opts, (blob: unknown) => env(blob, 'maxX'));
  db.function('ST_MinY', opts, (blob: unknown) => env(blob, 'minY'));
  db.function('ST_MaxY', opts, (blob: unknown) => env(blob, 'maxY'));
}

/** Create the core tables and the three required SRS rows; sets application_id and user_version. */
export function createGpkgCore(db: Db): void {
  db.pragma(`application_id = ${GPKG_APPLICATION_ID}`);
  db.pragma(`user_version = ${GPKG_USER_VERSION}`);
  db.exec(`
    CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
      srs_name TEXT NOT NULL,
      srs_id INTEGER NOT NULL PRIMARY KEY,
      organization TEXT NOT NULL,
      organization_coordsys_id INTEGER NOT NULL,
      definition TEXT NOT NULL,
      description TEXT
    );
    CREATE TABLE IF NOT EXISTS gpkg_contents (
      table_name TEXT NOT NULL PRIMARY KEY,
      data_type TEXT NOT NULL,
      identifier TEXT UNIQUE,
      description TEXT DEFAULT '',
      last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
      min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
      srs_id INTEGER,
      CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
    );
    CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
      table_name TEXT NOT NULL,
      column_name TEXT NOT NULL,
      geometry_type_name TEXT NOT NULL,
      srs_id INTEGER NOT NULL,
      z TINYINT NOT NULL,
      m TINYINT NOT NULL,
      CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
      CONSTRAINT uk_gc_table_name UNIQUE (table_name),
      CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
      CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
    );
    CREATE TABLE IF NOT EXISTS gpkg_extensions (
      table_name TEXT,
      column_name TEXT,
      extension_name TEXT NOT NULL,
      definition TEXT NOT NULL,
      scope TEXT NOT NULL,
      CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)
    );
  `);
  const ins = db.prepare(
    'INSERT OR IGNORE INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, definition, description) VALUES (?, ?, ?, ?, ?, ?)',
  );
  ins.run('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system');
  ins.run('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
  ins.run('WGS 84 geodetic', 4326, 'EPSG', 4326, WGS84_WKT, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
}

/** The srs_id for a CRS, inserting its row when missing (EPSG code as id; custom CRSs from 100000). */
export function ensureSrs(db: Db, crs: CrsInfo): number {
  if (crs.epsg !== null) {
    const row = db.prepare('SELECT srs_id FROM gpkg_spatial_ref_sys WHERE organization = ? COLLATE NOCASE AND organization_coordsys_id = ?').get('EPSG', crs.epsg) as
      | { srs_id: number }
      | undefined;
    if (row) return row.srs_id;
    const taken = db.prepare('SELECT 1 FROM gpkg_spatial_ref_sys WHERE srs_id = ?').get(crs.epsg);
    const id = taken ? nextCustomId(db) : crs.epsg;
    db.prepare('INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, definition, description) VALUES (?, ?, ?, ?, ?, ?)').run(
      crs.name,
      id,
      'EPSG',
      crs.epsg,
      crs.wkt || 'undefined',
      null,
    );
    return id;
  }
  const same = db.prepare("SELECT srs_id FROM gpkg_spatial_ref_sys WHERE organization = 'NONE' AND definition = ? AND srs_id >= ?").get(crs.wkt, CUSTOM_SRS_ID_BASE) as
    | { srs_id: number }
    | undefined;
  if (same) return same.srs_id;
  const id = nextCustomId(db);
  db.prepare('INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, definition, description) VALUES (?, ?, ?, ?, ?, ?)').run(
    crs.name,
    id,
    'NONE',
    id,
    crs.wkt || 'undefined',
    crs.proj4,
  );
  return id;
}

function nextCustomId(db: Db): number {
  const r = db.prepare('SELECT MAX(srs_id) AS m FROM gpkg_spatial_ref_sys').get() as { m: number | null };
  return Math.max(CUSTOM_SRS_ID_BASE, (r.m ?? 0) + 1);
}

export interface FeatureTableDef {
  table: string;
  geometryColumn: string;
  /** e.g. 'MULTIPOLYGON' */
  geometryType: string;
  srsId: number;
  /** Column definitions after the fid and geometry columns, e.g. ['"name" TEXT', ...]. */
  columns: string[];
  /** Extra table constraints (CHECKs). */
  constraints?: string[];
  identifier?: string;
  description?: string;
}

/**
 * Create a feature table (fid INTEGER PRIMARY KEY AUTOINCREMENT, geometry column, user columns),
 * register it in gpkg_contents/gpkg_geometry_columns and create its R-tree index. Triggers keep the
 * index current; pass `triggers: false` to fill the index in bulk first and call createRtreeTriggers after.
 */
export function createFeatureTable(db: Db, def: FeatureTableDef, opts: { triggers?: boolean } = {}): void {
  const cols = [`"fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL`, `${q(def.geometryColumn)} ${def.geometryType}`, ...def.columns, ...(def.constraints ?? [])];
  db.exec(`CREATE TABLE ${q(def.table)} (\n  ${cols.join(',\n  ')}\n)`);
  db.prepare('INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?, ?, ?, ?, ?)').run(
    def.table,
    'features',
    def.identifier ?? def.table,
    def.description ?? '',
    def.srsId,
  );
  db.prepare('INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) VALUES (?, ?, ?, ?, 0, 0)').run(
    def.table,
    def.geometryColumn,
    def.geometryType,
    def.srsId,
  );
  createRtree(db, def.table, def.geometryColumn);
  if (opts.triggers !== false) createRtreeTriggers(db, def.table, def.geometryColumn);
}

export function rtreeName(table: string, column: string): string {
  return `rtree_${table}_${column}`;
}

/** The R-tree virtual table and its gpkg_extensions row. */
export function createRtree(db: Db, table: string, column: string): void {
  db.exec(`CREATE VIRTUAL TABLE ${q(rtreeName(table, column))} USING rtree(id, minx, maxx, miny, maxy)`);
  db.prepare('INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) VALUES (?, ?, ?, ?, ?)').run(
    table,
    column,
    'gpkg_rtree_index',
    'http://www.geopackage.org/spec120/#extension_rtree',
    'write-only',
  );
}

/** The six R-tree maintenance triggers of the GeoPackage 1.2/1.3 specification (as GDAL writes them). */
export function createRtreeTriggers(db: Db, table: string, column: string, fid = 'fid'): void {
  const t = q(table);
  const c = column.replace(/"/g, '""');
  const r = q(rtreeName(table, column));
  const n = (suffix: string): string => q(`${rtreeName(table, column)}_${suffix}`);
  const vals = `(NEW."${fid}", ST_MinX(NEW."${c}"), ST_MaxX(NEW."${c}"), ST_MinY(NEW."${c}"), ST_MaxY(NEW."${c}"))`;
  db.exec(`
    CREATE TRIGGER ${n('insert')} AFTER INSERT ON ${t} WHEN (new."${c}" NOT NULL AND NOT ST_IsEmpty(NEW."${c}"))
    BEGIN INSERT OR REPLACE INTO ${r} VALUES ${vals}; END;
    CREATE TRIGGER ${n('update1')} AFTER UPDATE OF "${c}" ON ${t} WHEN OLD."${fid}" = NEW."${fid}" AND (NEW."${c}" NOTNULL AND NOT ST_IsEmpty(NEW."${c}"))
    BEGIN INSERT OR REPLACE INTO ${r} VALUES ${vals}; END;
    CREATE TRIGGER ${n('update2')} AFTER UPDATE OF "${c}" ON ${t} WHEN OLD."${fid}" = NEW."${fid}" AND (NEW."${c}" ISNULL OR ST_IsEmpty(NEW."${c}"))
    BEGIN DELETE FROM ${r} WHERE id = OLD."${fid}"; END;
    CREATE TRIGGER ${n('update3')} AFTER UPDATE ON ${t} WHEN OLD."${fid}" != NEW."${fid}" AND (NEW."${c}" NOTNULL AND NOT ST_IsEmpty(NEW."${c}"))
    BEGIN DELETE FROM ${r} WHERE id = OLD."${fid}"; INSERT OR REPLACE INTO ${r} VALUES ${vals}; END;
    CREATE TRIGGER ${n('update4')} AFTER UPDATE ON ${t} WHEN OLD."${fid}" != NEW."${fid}" AND (NEW."${c}" ISNULL OR ST_IsEmpty(NEW."${c}"))
    BEGIN DELETE FROM ${r} WHERE id IN (OLD."${fid}", NEW."${fid}"); END;
    CREATE TRIGGER ${n('delete')} AFTER DELETE ON ${t} WHEN old."${c}" NOT NULL
    BEGIN DELETE FROM ${r} WHERE id = OLD."${fid}"; END;
  `);
}

/** Refresh gpkg_contents' extent (given, else from the R-tree, which rounds outwards to float32) and last_change. */
export function updateContentsExtent(db: Db, table: string, column: string, bounds?: Bounds | null): void {
  if (bounds && Number.isFinite(bounds.minX)) {
    db.prepare("UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?").run(
      bounds.minX,
      bounds.minY,
      bounds.maxX,
      bounds.maxY,
      table,
    );
    return;
  }
  const r = db.prepare(`SELECT MIN(minx) AS minx, MIN(miny) AS miny, MAX(maxx) AS maxx, MAX(maxy) AS maxy FROM ${q(rtreeName(table, column))}`).get() as {
    minx: number | null;
    miny: number | null;
    maxx: number | null;
    maxy: number | null;
  };
  db.prepare("UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?").run(
    r.minx,
    r.miny,
    r.maxx,
    r.maxy,
    table,
  );
}

/**
 * One metadata document about a table (GeoPackage metadata extension: gpkg_metadata +
 * gpkg_metadata_reference, created with their gpkg_extensions rows when missing). With
 * `standardUri` 'http://gdal.org' and GDAL's multi-domain XML, GDAL and QGIS list the items as the
 * layer's metadata; other documents GDAL shows as GPKG_METADATA_ITEM_n.
 */
export function addGpkgMetadata(db: Db, doc: { table: string; standardUri: string; mimeType: string; metadata: string }): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS gpkg_metadata (
      id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,
      md_scope TEXT NOT NULL DEFAULT 'dataset',
      md_standard_uri TEXT NOT NULL,
      mime_type TEXT NOT NULL DEFAULT 'text/xml',
      metadata TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (
      reference_scope TEXT NOT NULL,
      table_name TEXT,
      column_name TEXT,
      row_id_value INTEGER,
      timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
      md_file_id INTEGER NOT NULL,
      md_parent_id INTEGER,
      CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
      CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id)
    );
  `);
  for (const t of ['gpkg_metadata', 'gpkg_metadata_reference']) {
    const has = db.prepare("SELECT 1 FROM gpkg_extensions WHERE table_name = ? AND column_name IS NULL AND extension_name = 'gpkg_metadata'").get(t);
    if (!has) db.prepare("INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) VALUES (?, NULL, 'gpkg_metadata', 'http://www.geopackage.org/spec121/#extension_metadata', 'read-write')").run(t);
  }
  const id = db.prepare("INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) VALUES ('dataset', ?, ?, ?)").run(doc.standardUri, doc.mimeType, doc.metadata).lastInsertRowid;
  db.prepare("INSERT INTO gpkg_metadata_reference (reference_scope, table_name, md_file_id) VALUES ('table', ?, ?)").run(doc.table, id);
}

/** GDAL's metadata XML of a table's items (what GDAL itself writes into gpkg_metadata). */
export function gdalMetadataDocument(items: Record<string, string>): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return `<GDALMultiDomainMetadata>\n  <Metadata>\n${Object.entries(items).map(([k, v]) => `    <MDI key="${esc(k)}">${esc(v)}</MDI>`).join('\n')}\n  </Metadata>\n</GDALMultiDomainMetadata>`;
}
