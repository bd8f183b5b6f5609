/**
 * Scarp's one error model (docs/errors.md): every error a user sees carries a code, its parameters,
 * the file it is about, a message and a hint. The core's message and hint are plain words that name
 * no command-line flag: the CLI adds its flags (from `options`), the UI its own words, and a
 * translation keys on `code` + `params`.
 */
export type ScarpErrorCode =
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'FILE_UNWRITABLE'
  | 'OUTPUT_EXISTS'
  | 'UNSUPPORTED_FORMAT'
  | 'CORRUPT_FILE'
  | 'NO_GEOREFERENCING'
  /** Georeferencing present but impossible (non-finite WGS 84 bounds, pixel sizes outside physical limits). */
  | 'BAD_GEOREFERENCING'
  | 'UNKNOWN_CRS'
  | 'NO_OVERLAP'
  | 'INCOMPATIBLE_BANDS'
  | 'ALL_NODATA'
  | 'RESOLUTION_OUT_OF_RANGE'
  /** Declared size (pixels, tiles, decoded bytes, features, nesting) over Scarp's budget. */
  | 'TOO_LARGE'
  /** A DEM that cannot serve the scene (coverage, valid pixels, values, bands). */
  | 'DEM_UNUSABLE'
  | 'INVALID_MODEL'
  | 'INVALID_ARGUMENT'
  | 'CANCELLED'
  | 'INTERNAL'
  // Project store (issue 4)
  | 'NOT_A_PROJECT'
  | 'PROJECT_TOO_NEW'
  | 'PROJECT_LOCKED'
  | 'PROJECT_NOT_OPEN'
  | 'DISK_FULL'
  | 'SCENE_MOVED'
  | 'SCENE_MISMATCH'
  // Learning from corrections (issue 14)
  | 'NOT_ENOUGH_LABELS'
  /** Text that is not a coordinate Scarp reads (go to: lat/lon, DMS, UTM, MGRS). */
  | 'BAD_COORDINATES';

/** Values a message was built from, for translations and scripts (numbers, names, paths). */
export type ScarpErrorParams = Record<string, string | number | boolean>;

export interface ScarpErrorInfo {
  code: ScarpErrorCode;
  /** One or two sentences in plain words; names the file when there is one; never a CLI flag. */
  message: string;
  /** What the user can do about it (plain words, no CLI flag; a default per code when absent). */
  hint?: string;
  /** The file the error is about, when there is one. */
  file?: string;
  params?: ScarpErrorParams;
  /**
   * Request fields the hint refers to (e.g. 'dem', 'overwrite', 'model', 'crs'): the CLI names them
   * as its flags, the UI as its controls.
   */
  options?: string[];
}

/** An error as every door sends it: hint always filled. */
export type ScarpErrorJson = ScarpErrorInfo & { hint: string };

/** Hint per code when the raiser gave none: never empty. */
export const DEFAULT_HINTS: Record<ScarpErrorCode, string> = {
  FILE_NOT_FOUND: 'Check the path (and that the drive is mounted); relative paths are taken from the current folder.',
  FILE_UNREADABLE: 'Check that the file is a regular file you may read.',
  FILE_UNWRITABLE: 'Choose a folder you may write to, with free space.',
  OUTPUT_EXISTS: 'Choose another name, or allow overwriting.',
  UNSUPPORTED_FORMAT: 'Convert the file to a supported format (GeoTIFF for rasters; GeoPackage, Shapefile, GeoJSON or KML for polygons).',
  CORRUPT_FILE: 'Copy or download the file again; if GDAL can read it, re-save it with gdal_translate -of COG in.tif out.tif.',
  NO_GEOREFERENCING: 'Georeference the file first (gdal_translate -a_srs / -a_ullr, or gdalwarp with ground control points).',
  BAD_GEOREFERENCING: 'Check the georeferencing with gdalinfo and set it right (gdal_translate -a_srs EPSG:<code> -a_ullr <ulx> <uly> <lrx> <lry>).',
  UNKNOWN_CRS: 'Assign or convert to an EPSG coordinate system, e.g. gdalwarp -t_srs EPSG:32647 in.tif out.tif.',
  NO_OVERLAP: 'Check that the files cover the same area (gdalinfo shows their bounds).',
  INCOMPATIBLE_BANDS: 'Use imagery with the bands the model needs (red, green, blue; a DEM for terrain models).',
  ALL_NODATA: 'Check the nodata value of the file (gdalinfo) and that it covers the area.',
  RESOLUTION_OUT_OF_RANGE: 'Use imagery within the model\'s resolution range, or choose another model.',
  TOO_LARGE: 'Cut the file into smaller pieces (gdal_translate -srcwin) or use an area of interest.',
  DEM_UNUSABLE: 'Use a DEM that covers the imagery with valid elevations, or run without a DEM.',
  INVALID_MODEL: 'Check the model file and its model card, or choose a shipped model.',
  INVALID_ARGUMENT: 'Check the value and try again.',
  CANCELLED: 'Nothing was written. Run it again to start over (a project run resumes where it stopped).',
  INTERNAL: 'This is a bug in Scarp: please report it with the command and the file that caused it.',
  NOT_A_PROJECT: 'Choose a Scarp project (.gpkg), or a new file name to create one.',
  PROJECT_TOO_NEW: 'Open it with a newer version of Scarp.',
  PROJECT_LOCKED: 'Close the other Scarp window or command using it; a lock left by a crashed run is taken over automatically.',
  PROJECT_NOT_OPEN: 'Open the project first.',
  DISK_FULL: 'Free some disk space and try again; nothing was lost.',
  SCENE_MOVED: 'Locate the file at its new place (relink the scene).',
  SCENE_MISMATCH: 'Add the changed file as a new scene.',
  NOT_ENOUGH_LABELS: 'Review more landslides (confirm, reject or draw them) before adapting the model.',
  BAD_COORDINATES: 'Write latitude then longitude (31.52, 103.47 or 31°31\'12"N 103°28\'12"E), UTM (47N 500000 3487000) or MGRS (47RQP 12345 67890).',
};

export class ScarpError extends Error implements ScarpErrorInfo {
  readonly code: ScarpErrorCode;
  readonly hint?: string;
  readonly file?: string;
  readonly params?: ScarpErrorParams;
  readonly options?: string[];

  constructor(info: ScarpErrorInfo, options?: { cause?: unknown }) {
    super(info.message, options);
    this.name = 'ScarpError';
    this.code = info.code;
    this.hint = info.hint;
    this.file = info.file;
    this.params = info.params;
    this.options = info.options;
  }

  toJSON(): ScarpErrorJson {
    const out: ScarpErrorJson = { code: this.code, message: this.message, hint: this.hint || DEFAULT_HINTS[this.code] };
    if (this.file) out.file = this.file;
    if (this.params) out.params = this.params;
    if (this.options?.length) out.options = this.options;
    return out;
  }
}

export function isScarpError(e: unknown): e is ScarpError {
  return e instanceof ScarpError;
}

/** Any thrown value as a complete error object (an unexpected one becomes INTERNAL). */
export function errorInfoOf(e: unknown): ScarpErrorJson {
  if (isScarpError(e)) return e.toJSON();
  if (e && typeof e === 'object' && typeof (e as ScarpErrorInfo).code === 'string' && (e as ScarpErrorInfo).code in DEFAULT_HINTS && typeof (e as ScarpErrorInfo).message === 'string') {
    // A ScarpErrorInfo that crossed a thread or process boundary.
    return new ScarpError(e as ScarpErrorInfo).toJSON();
  }
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message: message || 'Unexpected error', hint: DEFAULT_HINTS.INTERNAL };
}

/** A ScarpError again from its JSON (after a thread or process boundary). */
export function scarpErrorFrom(info: ScarpErrorInfo): ScarpError {
  return new ScarpError(info);
}
