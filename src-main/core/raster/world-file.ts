/**
 * ESRI world files (`.tfw`, `.tifw`, `.tiffw`, `.wld`): six lines, the pixel size and rotation
 * terms and the centre of the top-left pixel. GDAL reads them for a TIFF without georeferencing
 * tags (ArcGIS and many orthophoto deliveries write TIFF + TFW). Found as GDAL's GDALReadWorldFile
 * finds them: the first that exists among the extensions, case variants included.
 */
import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';

const EXTENSIONS = ['tfw', 'tifw', 'tiffw', 'wld'];
/** Six numbers take well under 1 KiB; a larger file is not a world file. */
const MAX_BYTES = 64 * 1024;

export type WorldFile = { file: string; geoTransform: number[] } | { file: string; problem: string };

/** The world file beside `path` and the geotransform it gives (GDAL's convention), what is wrong with it, or null when there is none. */
export function readWorldFile(path: string): WorldFile | null {
  const base = path.slice(0, path.length - extname(path).length);
  for (const ext of EXTENSIONS) {
    for (const e of [ext, ext.toUpperCase()]) {
      const file = `${base}.${e}`;
      let size: number;
      try {
        const st = statSync(file);
        if (!st.isFile()) return { file, problem: 'is not a regular file' };
        size = st.size;
      } catch {
        continue;
      }
      if (size > MAX_BYTES) return { file, problem: `is ${size} bytes, not six numbers` };
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        return { file, problem: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'read error'})` };
      }
      const v = text.split(/\s+/).filter((s) => s.length > 0).slice(0, 6).map(Number);
      if (v.length < 6 || !v.every(Number.isFinite)) return { file, problem: 'does not hold six numbers (pixel size x, rotation, rotation, pixel size y, x and y of the top-left pixel centre)' };
      const [a, d, b, e2, c, f] = v as [number, number, number, number, number, number];
      // The file gives the centre of the top-left pixel; a geotransform its corner.
      return { file, geoTransform: [c - 0.5 * a - 0.5 * b, a, b, f - 0.5 * d - 0.5 * e2, d, e2] };
    }
  }
  return null;
}
