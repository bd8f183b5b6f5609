/** Running GDAL's command-line tools, the behavioural reference for every format and algorithm. */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';

export const hasGdal = spawnSync('gdalinfo', ['--version']).status === 0;
if (!hasGdal && process.env.CI === 'true') throw new Error('CI=true but gdal-bin is not installed.');

/** Run a GDAL tool and return stdout; throws with stderr on failure. */
export function gdal(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Run one of GDAL's Python sample utilities with the system Python that has osgeo. */
export function gdalPython(module: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('/usr/bin/python3', ['-m', module, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function gdalinfoJson(path: string, extra: string[] = []): Record<string, unknown> {
  return JSON.parse(gdal('gdalinfo', ['-json', ...extra, path])) as Record<string, unknown>;
}

/** Real QGIS (python3-qgis) for the tests that open our files as a QGIS user does; CI installs it. */
export const hasQgis = spawnSync('/usr/bin/python3', ['-c', 'import qgis.core'], { env: { ...process.env, QT_QPA_PLATFORM: 'offscreen' } }).status === 0;
if (!hasQgis && process.env.CI === 'true') throw new Error('CI=true but python3-qgis is not installed.');

/** Run a Python fixture script (test/fixtures/<name>) with the system Python; its stdout parsed as JSON. */
export function pythonFixture<T>(name: string, args: string[]): T {
  const r = spawnSync('/usr/bin/python3', [new URL(`../fixtures/${name}`, import.meta.url).pathname, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, QT_QPA_PLATFORM: 'offscreen', XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
  });
  if (r.status !== 0) throw new Error(`${name} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

/**
 * A small uint16 GeoTIFF written by GDAL from given pixel values (no NumPy): the bands go to a raw
 * file read by a VRT (VRTRawRasterBand, with each band's description), which gdal_translate turns
 * into a GeoTIFF, so descriptions land in GDAL_METADATA as GDAL writes them.
 */
export function writeUint16Tiff(
  path: string,
  o: { width: number; height: number; bands: ArrayLike<number>[]; descriptions?: string[]; geoTransform: number[]; epsg: number; nodata?: number },
): void {
  const n = o.width * o.height;
  const raw = `${path}.raw`;
  const buf = Buffer.alloc(n * 2 * o.bands.length);
  o.bands.forEach((b, i) => {
    if (b.length !== n) throw new Error(`band ${i + 1}: ${b.length} values for ${n} pixels`);
    for (let k = 0; k < n; k++) buf.writeUInt16LE(b[k]!, (i * n + k) * 2);
  });
  writeFileSync(raw, buf);
  const bands = o.bands
    .map(
      (_, i) => `  <VRTRasterBand dataType="UInt16" band="${i + 1}" subClass="VRTRawRasterBand">
    ${o.descriptions?.[i] ? `<Description>${o.descriptions[i]}</Description>` : ''}
    ${o.nodata !== undefined ? `<NoDataValue>${o.nodata}</NoDataValue>` : ''}
    <SourceFilename relativeToVRT="0">${raw}</SourceFilename>
    <ImageOffset>${i * n * 2}</ImageOffset><PixelOffset>2</PixelOffset><LineOffset>${o.width * 2}</LineOffset><ByteOrder>LSB</ByteOrder>
  </VRTRasterBand>`,
    )
    .join('\n');
  const vrt = `${path}.vrt`;
  writeFileSync(vrt, `<VRTDataset rasterXSize="${o.width}" rasterYSize="${o.height}">
  <SRS>EPSG:${o.epsg}</SRS>
  <GeoTransform>${o.geoTransform.join(', ')}</GeoTransform>
${bands}
</VRTDataset>`);
  try {
    execFileSync('gdal_translate', ['-q', '-co', 'COMPRESS=LZW', vrt, path], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GDAL_PAM_ENABLED: 'NO' } });
  } finally {
    rmSync(raw, { force: true });
    rmSync(vrt, { force: true });
  }
}
