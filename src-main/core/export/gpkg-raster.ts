/**
 * A run's probability as a raster layer inside an exported GeoPackage, in the OGC "tiled gridded
 * coverage data" extension (OGC 17-066r1): 16-bit greyscale PNG tiles, 256 × 256, in the project
 * CRS on the run's grid, with `gpkg_2d_gridded_coverage_ancillary` (scale 1/65532, offset 0, data_null
 * 65535, grid-value-is-area) and one `gpkg_2d_gridded_tile_ancillary` row per tile (scale 1,
 * offset 0). GDAL (3.6) opens it as ONE Float32 band, values = raw × scale, no data where raw = 65535;
 * QGIS reads it through GDAL.
 *
 * Why this and not plain 8-bit PNG `tiles`: GDAL opens a `tiles` table as an RGBA (4-band Byte)
 * image, a picture rather than a probability layer, and 8 bits hold only 1/255 steps. The coverage
 * extension gives a single Float32 band with a documented no-data value and 1/65532 steps.
 * Scale 1/65532 = 1/(254 × 258): the project's 8-bit probabilities q/254 are stored exactly as
 * 258·q, and any probability in [0, 1] round-trips within 0.5/65532 < 1/65535.
 *
 * Geometry: zoom level Z (the highest) is the full-resolution run grid; each lower level halves the
 * resolution (average of valid pixels) down to one tile. The tile matrix set starts at the run
 * grid's top-left corner and spans whole tiles of every level (2^Z tiles at full resolution, as the
 * GeoPackage tile-matrix rules require); gpkg_contents holds the run grid's exact extent, which is
 * what GDAL takes as the raster's size and geotransform. Tiles wholly without data are not stored.
 *
 * Streaming: rows come from the run's row source in bands; every level keeps one tile row in memory.
 */
import { encodePng, encodePngGray16 } from '../util/png';
import Database from 'better-sqlite3';
import { ScarpError } from '../../../src-shared/errors';
import { ensureSrs, q } from '../store/geopackage-schema';
import type { RasterRowSource } from './cog';
import { RowPyramid } from './overview-row';

type Db = Database.Database;

/** A tile pyramid user data table (GeoPackage 1.3, table 2.2.8.1), for tiles and gridded coverages alike. */
function createTilePyramidTable(db: Db, table: string): void {
  db.exec(`CREATE TABLE ${q(table)} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    zoom_level INTEGER NOT NULL,
    tile_column INTEGER NOT NULL,
    tile_row INTEGER NOT NULL,
    tile_data BLOB NOT NULL,
    UNIQUE (zoom_level, tile_column, tile_row)
  )`);
}

export const COVERAGE_EXTENSION_DEF = 'http://docs.opengeospatial.org/is/17-066r1/17-066r1.html';
/** Raw 16-bit value of probability 1 (254 × 258: the project's 8-bit steps are exact). */
export const PROB_RAW_MAX = 65532;
export const PROB_RAW_NULL = 65535;
const TILE = 256;

const EPSG_4979_WKT =
  'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4979"]]';


// ---- the coverage ---------------------------------------------------------------------------------

export interface CoverageOptions {
  /** Table name of the raster layer (default 'probability'). */
  table?: string;
  identifier?: string;
  description?: string;
  signal?: AbortSignal;
}

export interface CoverageResult {
  table: string;
  zoomLevels: number;
  tiles: number;
}

/** The tile matrix tables, and (coverage) the gridded-coverage ancillary tables with their extension rows, once. */
function createTileTables(db: Db, coverage = true): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS gpkg_tile_matrix_set (
      table_name TEXT NOT NULL PRIMARY KEY,
      srs_id INTEGER NOT NULL,
      min_x DOUBLE NOT NULL, min_y DOUBLE NOT NULL, max_x DOUBLE NOT NULL, max_y DOUBLE NOT NULL,
      CONSTRAINT fk_gtms_table_name FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
      CONSTRAINT fk_gtms_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
    );
    CREATE TABLE IF NOT EXISTS gpkg_tile_matrix (
      table_name TEXT NOT NULL,
      zoom_level INTEGER NOT NULL,
      matrix_width INTEGER NOT NULL,
      matrix_height INTEGER NOT NULL,
      tile_width INTEGER NOT NULL,
      tile_height INTEGER NOT NULL,
      pixel_x_size DOUBLE NOT NULL,
      pixel_y_size DOUBLE NOT NULL,
      CONSTRAINT pk_ttm PRIMARY KEY (table_name, zoom_level),
      CONSTRAINT fk_tmm_table_name FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name)
    );
  `);
  if (!coverage) return;
  db.exec(`
    CREATE TABLE IF NOT EXISTS gpkg_2d_gridded_coverage_ancillary (
      id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
      tile_matrix_set_name TEXT NOT NULL UNIQUE,
      datatype TEXT NOT NULL DEFAULT 'integer',
      scale REAL NOT NULL DEFAULT 1.0,
      offset REAL NOT NULL DEFAULT 0.0,
      precision REAL DEFAULT 1.0,
      data_null REAL,
      grid_cell_encoding TEXT DEFAULT 'grid-value-is-center',
      uom TEXT,
      field_name TEXT DEFAULT 'Height',
      quantity_definition TEXT DEFAULT 'Height',
      CONSTRAINT fk_g2dgtct_name FOREIGN KEY (tile_matrix_set_name) REFERENCES gpkg_tile_matrix_set (table_name),
      CHECK (datatype IN ('integer', 'float'))
    );
    CREATE TABLE IF NOT EXISTS gpkg_2d_gridded_tile_ancillary (
      id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
      tpudt_name TEXT NOT NULL,
      tpudt_id INTEGER NOT NULL,
      scale REAL NOT NULL DEFAULT 1.0,
      offset REAL NOT NULL DEFAULT 0.0,
      min REAL DEFAULT NULL,
      max REAL DEFAULT NULL,
      mean REAL DEFAULT NULL,
      std_dev REAL DEFAULT NULL,
      CONSTRAINT fk_g2dgtat_name FOREIGN KEY (tpudt_name) REFERENCES gpkg_contents(table_name),
      UNIQUE (tpudt_name, tpudt_id)
    );
  `);
  db.prepare('INSERT OR IGNORE INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, definition, description) VALUES (?, ?, ?, ?, ?, ?)').run(
    'WGS 84 3D',
    4979,
    'EPSG',
    4979,
    EPSG_4979_WKT,
    'required by the tiled gridded coverage data extension',
  );
  // gpkg_extensions' UNIQUE does not hold for NULL column names: look before inserting.
  const has = db.prepare("SELECT 1 FROM gpkg_extensions WHERE table_name = ? AND column_name IS NULL AND extension_name = 'gpkg_2d_gridded_coverage'");
  const ext = db.prepare('INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) VALUES (?, ?, ?, ?, ?)');
  for (const t of ['gpkg_2d_gridded_coverage_ancillary', 'gpkg_2d_gridded_tile_ancillary']) if (!has.get(t)) ext.run(t, null, 'gpkg_2d_gridded_coverage', COVERAGE_EXTENSION_DEF, 'read-write');
}

interface Level {
  zoom: number;
  width: number;
  height: number;
  /** Tiles across/down holding data (the matrix itself may be larger). */
  across: number;
  buf: Float32Array;
}

const toRaw = (v: number): number => (Number.isNaN(v) ? PROB_RAW_NULL : Math.round((v < 0 ? 0 : v > 1 ? 1 : v) * PROB_RAW_MAX));

/**
 * Add the probability of `src` (values in [0, 1], NaN = no data) as a tiled gridded coverage table
 * to the open GeoPackage `db` (which already has the core tables). Runs in one transaction.
 */
export async function addProbabilityCoverage(db: Db, src: RasterRowSource, opts: CoverageOptions = {}): Promise<CoverageResult> {
  const table = opts.table ?? 'probability';
  const { width, height, geoTransform: gt, crs } = src.grid;
  if (gt[2] !== 0 || gt[4] !== 0 || !(gt[1] > 0) || !(gt[5] < 0)) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: 'The run grid is rotated or not north-up; a GeoPackage raster needs a north-up grid.', hint: 'Export the probability as a Cloud-Optimized GeoTIFF instead.', options: ['format-probability'] });
  }
  const px = gt[1];
  const py = -gt[5];
  const across0 = Math.ceil(width / TILE);
  const down0 = Math.ceil(height / TILE);
  const Z = Math.max(0, Math.ceil(Math.log2(Math.max(across0, down0))));
  const mw0 = Math.ceil(across0 / 2 ** Z);
  const mh0 = Math.ceil(down0 / 2 ** Z);
  const minX = gt[0];
  const maxY = gt[3];
  const tmsMaxX = minX + mw0 * 2 ** Z * TILE * px;
  const tmsMinY = maxY - mh0 * 2 ** Z * TILE * py;

  db.exec('BEGIN');
  try {
    createTileTables(db);
    const srsId = ensureSrs(db, crs);
    createTilePyramidTable(db, table);
    db.prepare('INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      table,
      '2d-gridded-coverage',
      opts.identifier ?? table,
      opts.description ?? '',
      minX,
      maxY - height * py,
      minX + width * px,
      maxY,
      srsId,
    );
    db.prepare('INSERT INTO gpkg_tile_matrix_set (table_name, srs_id, min_x, min_y, max_x, max_y) VALUES (?, ?, ?, ?, ?, ?)').run(table, srsId, minX, tmsMinY, tmsMaxX, maxY);
    const tm = db.prepare('INSERT INTO gpkg_tile_matrix (table_name, zoom_level, matrix_width, matrix_height, tile_width, tile_height, pixel_x_size, pixel_y_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (let z = 0; z <= Z; z++) {
      const f = 2 ** (Z - z);
      tm.run(table, z, mw0 * 2 ** z, mh0 * 2 ** z, TILE, TILE, px * f, py * f);
    }
    db.prepare(
      `INSERT INTO gpkg_2d_gridded_coverage_ancillary (tile_matrix_set_name, datatype, scale, offset, precision, data_null, grid_cell_encoding, uom, field_name, quantity_definition)
       VALUES (?, 'integer', ?, 0.0, ?, ?, 'grid-value-is-area', NULL, 'Probability', 'Landslide probability (0 to 1)')`,
    ).run(table, 1 / PROB_RAW_MAX, 1 / PROB_RAW_MAX, PROB_RAW_NULL);
    db.prepare('INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) VALUES (?, ?, ?, ?, ?)').run(table, 'tile_data', 'gpkg_2d_gridded_coverage', COVERAGE_EXTENSION_DEF, 'read-write');

    const putTile = db.prepare(`INSERT INTO ${q(table)} (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)`);
    const putAnc = db.prepare('INSERT INTO gpkg_2d_gridded_tile_ancillary (tpudt_name, tpudt_id, scale, offset, min, max, mean, std_dev) VALUES (?, ?, 1.0, 0.0, ?, ?, ?, ?)');
    let tiles = 0;

    // Levels from full resolution (zoom Z) down to zoom 0.
    const levels: Level[] = [];
    {
      let w = width;
      let h = height;
      for (let z = Z; z >= 0; z--) {
        const across = Math.ceil(w / TILE);
        levels.push({ zoom: z, width: w, height: h, across, buf: new Float32Array(across * TILE * TILE).fill(NaN) });
        w = Math.ceil(w / 2);
        h = Math.ceil(h / 2);
      }
    }
    const flushTileRow = (L: Level, tr: number): void => {
      const stride = L.across * TILE;
      const samples = new Uint16Array(TILE * TILE);
      for (let tc = 0; tc < L.across; tc++) {
        let n = 0;
        let s = 0;
        let s2 = 0;
        let mn = Infinity;
        let mx = -Infinity;
        for (let r = 0; r < TILE; r++) {
          for (let c = 0; c < TILE; c++) {
            const v = L.buf[r * stride + tc * TILE + c]!;
            const raw = toRaw(v);
            samples[r * TILE + c] = raw;
            if (raw !== PROB_RAW_NULL) {
              const p = raw / PROB_RAW_MAX;
              n++;
              s += p;
              s2 += p * p;
              if (p < mn) mn = p;
              if (p > mx) mx = p;
            }
          }
        }
        if (n === 0) continue;
        const id = putTile.run(L.zoom, tc, tr, encodePngGray16(samples, TILE, TILE)).lastInsertRowid;
        const mean = s / n;
        // Tile statistics in coverage units (probability), after applying the scale.
        putAnc.run(table, id, mn, mx, mean, Math.sqrt(Math.max(0, s2 / n - mean * mean)));
        tiles++;
      }
      L.buf.fill(NaN);
    };
    // Each row of each level into its tile row, written out when full (the pyramid: overview-row.ts).
    const pyramid = new RowPyramid(levels, (li, y, [row]) => {
      const L = levels[li]!;
      L.buf.set(row!, (y % TILE) * L.across * TILE);
      if (y % TILE === TILE - 1 || y === L.height - 1) flushTileRow(L, Math.floor(y / TILE));
    });

    const chunk = Math.max(1, Math.floor((1 << 22) / Math.max(1, width)));
    for (let y = 0; y < height; y += chunk) {
      if (opts.signal?.aborted) throw new ScarpError({ code: 'CANCELLED', message: 'Export cancelled.' });
      const n = Math.min(chunk, height - y);
      const data = await src.read(y, n);
      if (data.length !== n * width) throw new ScarpError({ code: 'INTERNAL', message: `raster source returned ${data.length} values for ${n} rows of ${width}` });
      for (let r = 0; r < n; r++) {
        const row = data instanceof Float32Array ? data.subarray(r * width, (r + 1) * width) : Float32Array.from(data.subarray(r * width, (r + 1) * width));
        await pyramid.push([row]);
      }
    }
    db.exec('COMMIT');
    return { table, zoomLevels: Z + 1, tiles };
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}

// ---- pictures: 8-bit RGBA tiles (imagery, hillshade for viewing) ------------------------------------

/** Rows of a picture: `bands` bands of float values (NaN = no data), turned into RGBA by `rgba`. */
export interface PictureRowSource {
  grid: RasterRowSource['grid'];
  bands: number;
  /** Rows y..y+n of every band (each n × width). */
  read(y: number, n: number): Promise<Float32Array[]> | Float32Array[];
  /** The RGBA of one pixel from its band values (alpha 0: no data). */
  rgba(values: ArrayLike<number>, out: Uint8Array, at: number): void;
}

export interface PictureOptions {
  table: string;
  identifier?: string;
  description?: string;
  signal?: AbortSignal;
}

/**
 * Add `src` as a GeoPackage `tiles` layer (PNG RGBA tiles, 256 × 256, a pyramid from the full
 * resolution down to one tile, same tile-matrix rules as the coverage above) to the GeoPackage at
 * `path`. GDAL opens it as a 4-band Byte raster; QGIS and QField show it as a picture. Tiles wholly
 * without data are not stored. One transaction: on failure nothing of it stays.
 */
export async function addPictureTiles(path: string, src: PictureRowSource, opts: PictureOptions): Promise<CoverageResult> {
  const db = new Database(path, { fileMustExist: true });
  try {
    return await writePicture(db, src, opts);
  } finally {
    db.close();
  }
}

async function writePicture(db: Db, src: PictureRowSource, opts: PictureOptions): Promise<CoverageResult> {
  const table = opts.table;
  const { width, height, geoTransform: gt, crs } = src.grid;
  if (gt[2] !== 0 || gt[4] !== 0 || !(gt[1] > 0) || !(gt[5] < 0)) {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `The raster for ${table} is rotated or not north-up; a GeoPackage tile layer needs a north-up grid.` });
  }
  const nb = src.bands;
  const px = gt[1];
  const py = -gt[5];
  const across0 = Math.ceil(width / TILE);
  const down0 = Math.ceil(height / TILE);
  const Z = Math.max(0, Math.ceil(Math.log2(Math.max(across0, down0))));
  const mw0 = Math.ceil(across0 / 2 ** Z);
  const mh0 = Math.ceil(down0 / 2 ** Z);
  const minX = gt[0];
  const maxY = gt[3];
  db.exec('BEGIN');
  try {
    createTileTables(db, false);
    const srsId = ensureSrs(db, crs);
    createTilePyramidTable(db, table);
    db.prepare('INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      table, 'tiles', opts.identifier ?? table, opts.description ?? '', minX, maxY - height * py, minX + width * px, maxY, srsId,
    );
    db.prepare('INSERT INTO gpkg_tile_matrix_set (table_name, srs_id, min_x, min_y, max_x, max_y) VALUES (?, ?, ?, ?, ?, ?)').run(
      table, srsId, minX, maxY - mh0 * 2 ** Z * TILE * py, minX + mw0 * 2 ** Z * TILE * px, maxY,
    );
    const tm = db.prepare('INSERT INTO gpkg_tile_matrix (table_name, zoom_level, matrix_width, matrix_height, tile_width, tile_height, pixel_x_size, pixel_y_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (let z = 0; z <= Z; z++) tm.run(table, z, mw0 * 2 ** z, mh0 * 2 ** z, TILE, TILE, px * 2 ** (Z - z), py * 2 ** (Z - z));
    const putTile = db.prepare(`INSERT INTO ${q(table)} (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)`);
    let tiles = 0;

    interface PLevel { zoom: number; width: number; height: number; across: number; bufs: Float32Array[] }
    const levels: PLevel[] = [];
    for (let z = Z, w = width, h = height; z >= 0; z--, w = Math.ceil(w / 2), h = Math.ceil(h / 2)) {
      const across = Math.ceil(w / TILE);
      levels.push({ zoom: z, width: w, height: h, across, bufs: Array.from({ length: nb }, () => new Float32Array(across * TILE * TILE).fill(NaN)) });
    }
    const vals = new Float32Array(nb);
    const flush = (L: PLevel, tr: number): void => {
      const stride = L.across * TILE;
      for (let tc = 0; tc < L.across; tc++) {
        const rgba = new Uint8Array(TILE * TILE * 4);
        let any = false;
        for (let r = 0; r < TILE; r++) {
          for (let c = 0; c < TILE; c++) {
            const i = r * stride + tc * TILE + c;
            for (let b = 0; b < nb; b++) vals[b] = L.bufs[b]![i]!;
            src.rgba(vals, rgba, (r * TILE + c) * 4);
            if (rgba[(r * TILE + c) * 4 + 3] !== 0) any = true;
          }
        }
        if (!any) continue;
        putTile.run(L.zoom, tc, tr, encodePng(rgba, TILE, TILE));
        tiles++;
      }
      for (const b of L.bufs) b.fill(NaN);
    };
    const pyramid = new RowPyramid(levels, (li, y, rows) => {
      const L = levels[li]!;
      for (let b = 0; b < nb; b++) L.bufs[b]!.set(rows[b]!, (y % TILE) * L.across * TILE);
      if (y % TILE === TILE - 1 || y === L.height - 1) flush(L, Math.floor(y / TILE));
    });
    const chunk = Math.max(1, Math.floor((1 << 21) / Math.max(1, width)));
    for (let y = 0; y < height; y += chunk) {
      if (opts.signal?.aborted) throw new ScarpError({ code: 'CANCELLED', message: 'Packaging cancelled.' });
      const n = Math.min(chunk, height - y);
      const data = await src.read(y, n);
      for (let r = 0; r < n; r++) await pyramid.push(data.map((d) => d.subarray(r * width, (r + 1) * width)));
    }
    db.exec('COMMIT');
    return { table, zoomLevels: Z + 1, tiles };
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}

/**
 * The probability coverage (addProbabilityCoverage) written into the GeoPackage at `path` (opened
 * here, closed after).
 */
export async function addProbabilityCoverageTo(path: string, src: RasterRowSource, opts: CoverageOptions = {}): Promise<CoverageResult> {
  const db = new Database(path, { fileMustExist: true });
  try {
    return await addProbabilityCoverage(db, src, opts);
  } finally {
    db.close();
  }
}
