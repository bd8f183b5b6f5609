/**
 * Benchmark scenes made from the shared real data with GDAL (never committed: they live in
 * bench/.tmp, which is gitignored, and are reused when present).
 *
 * - `jinshaCrop`: a window of Jinsha site B (RGB + DSM, 0.5 m), e.g. 3072 × 2048.
 * - `jinshaMosaic`: an N × N scene (default 20,000) that mosaics site A/B tiles side by side at
 *   0.5 m through a hand-written VRT (each cell a different source window, so the scene does not
 *   repeat one picture), translated to a tiled DEFLATE GeoTIFF (RGB uint8 + DSM float32).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot, sharedDataDir } from '../../src-main/core/paths';

export const benchTmp = resolve(repoRoot, 'bench/.tmp');

export function ensureTmp(): string {
  mkdirSync(benchTmp, { recursive: true });
  return benchTmp;
}

export function hasGdal(): boolean {
  return spawnSync('gdal_translate', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** The Jinsha UAV folder of the shared data, or null (benchmarks then report `skipped`). */
export function jinshaDir(): string | null {
  const d = sharedDataDir();
  if (!d) return null;
  const j = join(d, 'jinsha-uav');
  return existsSync(join(j, 'siteB_rgb.tif')) && existsSync(join(j, 'siteB_dsm.tif')) ? j : null;
}

function gdal(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${(r.stderr || r.stdout || '').slice(-800)}`);
}

/** Write `out` atomically with gdal_translate (a half-written scene is never reused). */
function translate(args: string[], src: string, out: string): void {
  const tmp = `${out}.part.tif`;
  rmSync(tmp, { force: true });
  gdal('gdal_translate', ['-q', ...args, src, tmp]);
  renameSync(tmp, out);
}

export interface BenchScene {
  image: string;
  dem: string;
  width: number;
  height: number;
  /** True when it was made by this call (false: reused from bench/.tmp). */
  created: boolean;
}

const CO = ['-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE', '-co', 'BLOCKXSIZE=256', '-co', 'BLOCKYSIZE=256'];

/** A width × height crop of Jinsha site B (RGB + DSM), offset (x0, y0). */
export function jinshaCrop(width = 3072, height = 2048, x0 = 100, y0 = 300): BenchScene {
  const dir = jinshaDir();
  if (!dir) throw new Error('no ../shared/data/jinsha-uav (set SCARP_DATA)');
  ensureTmp();
  const tag = `jinshaB-${width}x${height}+${x0}+${y0}`;
  const image = join(benchTmp, `${tag}-rgb.tif`);
  const dem = join(benchTmp, `${tag}-dsm.tif`);
  let created = false;
  for (const [src, out] of [
    [join(dir, 'siteB_rgb.tif'), image],
    [join(dir, 'siteB_dsm.tif'), dem],
  ] as const) {
    if (existsSync(out)) continue;
    translate([...CO, '-srcwin', String(x0), String(y0), String(width), String(height)], src, out);
    created = true;
  }
  return { image, dem, width, height, created };
}

interface SourceInfo {
  path: string;
  width: number;
  height: number;
}

function sizeOf(path: string): SourceInfo {
  const r = spawnSync('gdalinfo', ['-json', path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`gdalinfo ${path} failed`);
  const j = JSON.parse(r.stdout) as { size: [number, number] };
  return { path, width: j.size[0], height: j.size[1] };
}

/**
 * The VRT text of a size × size mosaic at 0.5 m: cells of `cell` px, each filled from site A or B
 * (alternating) with a shifted source window, so neighbouring cells differ.
 */
function mosaicVrt(size: number, sources: SourceInfo[], kind: 'rgb' | 'dsm', cell: number): string {
  const bands = kind === 'rgb' ? 3 : 1;
  const type = kind === 'rgb' ? 'Byte' : 'Float32';
  const nodata = kind === 'rgb' ? '0' : '-9999';
  // Site B's origin, in UTM 47N (EPSG:32647) like the sources.
  const gt = '469734.0, 0.5, 0.0, 3445191.5, 0.0, -0.5';
  const srs = spawnSync('gdalsrsinfo', ['-o', 'wkt', sources[0]!.path], { encoding: 'utf8' }).stdout.trim();
  const n = Math.ceil(size / cell);
  let out = `<VRTDataset rasterXSize="${size}" rasterYSize="${size}">\n<SRS>${escapeXml(srs)}</SRS>\n<GeoTransform>${gt}</GeoTransform>\n`;
  for (let b = 1; b <= bands; b++) {
    const ci = kind === 'rgb' ? ['Red', 'Green', 'Blue'][b - 1] : 'Gray';
    out += `<VRTRasterBand dataType="${type}" band="${b}">\n<NoDataValue>${nodata}</NoDataValue>\n<ColorInterp>${ci}</ColorInterp>\n`;
    for (let cy = 0; cy < n; cy++) {
      for (let cx = 0; cx < n; cx++) {
        const s = sources[(cx + cy) % sources.length]!;
        // Shift the source window per cell (deterministic), staying inside the source.
        const w = Math.min(cell, s.width, size - cx * cell);
        const h = Math.min(cell, s.height, size - cy * cell);
        if (w <= 0 || h <= 0) continue;
        const sx = ((cx * 397 + cy * 131) % Math.max(1, s.width - w + 1)) | 0;
        const sy = ((cy * 283 + cx * 89) % Math.max(1, s.height - h + 1)) | 0;
        out += `<ComplexSource><SourceFilename relativeToVRT="0">${escapeXml(s.path)}</SourceFilename><SourceBand>${b}</SourceBand>`;
        out += `<SrcRect xOff="${sx}" yOff="${sy}" xSize="${w}" ySize="${h}"/><DstRect xOff="${cx * cell}" yOff="${cy * cell}" xSize="${w}" ySize="${h}"/><NODATA>${nodata}</NODATA></ComplexSource>\n`;
      }
    }
    out += '</VRTRasterBand>\n';
  }
  return `${out}</VRTDataset>\n`;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A size × size Jinsha mosaic (RGB + DSM at 0.5 m), tiled DEFLATE GeoTIFFs in bench/.tmp, reused if
 * present. Cells are 2048 px (smaller than both sites, so every cell is a real, shifted window).
 */
export function jinshaMosaic(size = 20000, cell = 2048): BenchScene {
  const dir = jinshaDir();
  if (!dir) throw new Error('no ../shared/data/jinsha-uav (set SCARP_DATA)');
  ensureTmp();
  const image = join(benchTmp, `jinsha-mosaic-${size}-rgb.tif`);
  const dem = join(benchTmp, `jinsha-mosaic-${size}-dsm.tif`);
  let created = false;
  for (const kind of ['rgb', 'dsm'] as const) {
    const out = kind === 'rgb' ? image : dem;
    if (existsSync(out)) continue;
    const names = ['siteA', 'siteB'].filter((s) => existsSync(join(dir, `${s}_${kind}.tif`)));
    const sources = names.map((s) => sizeOf(join(dir, `${s}_${kind}.tif`)));
    const vrt = join(benchTmp, `jinsha-mosaic-${size}-${kind}.vrt`);
    writeFileSync(vrt, mosaicVrt(size, sources, kind, cell));
    translate([...CO, '-co', 'BIGTIFF=IF_SAFER', '--config', 'GDAL_CACHEMAX', '256'], vrt, out);
    rmSync(vrt, { force: true });
    created = true;
  }
  return { image, dem, width: size, height: size, created };
}
