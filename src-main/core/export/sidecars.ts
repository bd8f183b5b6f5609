import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ScarpError } from '../../../src-shared/errors';

/**
 * A file beside the data that GDAL and QGIS read for every format of the same name — `<name>.qml`
 * (the style: for `<name>.shp`, `.geojson`, `.zip`) and `<name>.prj` (the CRS: for `<name>.shp` and
 * `<name>.csv`) — so several formats of one inventory in one folder share it. An identical one is no
 * collision (kept). A different `.qml` is a style the user saved: kept, with a warning, unless
 * overwriting. A different `.prj` would make GDAL read this export in another CRS: OUTPUT_EXISTS
 * unless overwriting — and even then while the other data file that reads it is there (replacing
 * it would move that file's features).
 */
export interface Sidecar {
  path: string;
  content: string;
  kind: 'style' | 'crs';
  /** The other data files of the same name that read this sidecar (a .prj: the .shp and the .csv). */
  readBy?: string[];
}

export function sidecarAction(s: Sidecar, overwrite: boolean, warnings: string[]): 'write' | 'keep' {
  if (!existsSync(s.path)) return 'write';
  if (readFileSync(s.path, 'utf8') === s.content) return 'keep';
  const reader = (s.readBy ?? []).find((p) => existsSync(p));
  if (s.kind === 'crs' && reader) {
    throw new ScarpError({
      code: 'OUTPUT_EXISTS',
      message: `${s.path} holds another CRS, read by ${basename(reader)} beside it: GDAL and QGIS would read this export in that CRS, and replacing it would move ${basename(reader)}.`,
      hint: 'Export with the same CRS as the other files of that name, or choose another name.',
      file: s.path,
      options: ['crs'],
    });
  }
  if (overwrite) return 'write';
  if (s.kind === 'style') {
    warnings.push(`${s.path} is a different QGIS style, kept as it is (allow overwriting to replace it with Scarp's).`);
    return 'keep';
  }
  throw new ScarpError({
    code: 'OUTPUT_EXISTS',
    message: `${s.path} already exists with another CRS: GDAL and QGIS would read this export in that CRS.`,
    hint: 'Export with the same CRS as the other files of that name, choose another name, or allow overwriting.',
    file: s.path,
    options: ['overwrite', 'crs'],
  });
}

