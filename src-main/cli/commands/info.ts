import type { ScarpApi } from '../../../src-shared/api';
import type { RasterInfo } from '../../../src-shared/geo';
import { validityParts } from '../../../src-shared/validity';
import { parseCommandArgs } from '../args';
import { UsageError } from '../errors';

/** One line: the nodata value (or none), then the masks and rules that also mark no data. */
function formatValidity(i: RasterInfo): string {
  const parts = validityParts(i);
  const value = parts.find((p) => p.kind === 'value');
  const head = value?.kind === 'value' ? `${value.value}${value.from === 'aux.xml' ? ' (from aux.xml)' : ''}` : 'none';
  const rest = parts.flatMap((p) =>
    p.kind === 'mask' ? [`${p.where === 'sidecar' ? 'mask file .msk' : 'internal mask'} (0 = no data)`] : p.kind === 'alpha' ? [`alpha band ${p.band} (0 = no data)`] : p.kind === 'black' ? ['pixels 0 in every band read as no data'] : [],
  );
  return [head, ...rest].join('; ');
}

function formatInfo(i: RasterInfo): string {
  const b = i.bounds;
  const w = i.boundsWgs84;
  const lines = [
    `File:        ${i.path}`,
    `Size:        ${i.width} × ${i.height} px, ${i.bandCount} band(s) of ${i.dataType}`,
    `CRS:         ${i.crs.epsg ? `EPSG:${i.crs.epsg} ` : ''}${i.crs.name}${i.crsFrom ? ' (from its .aux.xml)' : ''}`,
    ...(i.georefFrom ? [`Georef:      from ${i.georefFrom === 'aux.xml' ? 'its .aux.xml (GDAL reads it before the tags in the file)' : 'its world file (.tfw): the file has no georeferencing tags'}`] : []),
    `GSD:         ${i.gsd.x.toPrecision(4)} × ${i.gsd.y.toPrecision(4)} m`,
    `Bounds:      ${b.minX}, ${b.minY} — ${b.maxX}, ${b.maxY}`,
    `WGS 84:      ${w.minX.toFixed(6)}, ${w.minY.toFixed(6)} — ${w.maxX.toFixed(6)}, ${w.maxY.toFixed(6)}`,
    `NoData:      ${formatValidity(i)}`,
    ...(i.elevationUnit ? [`Unit:        ${i.elevationUnit.name} (${i.elevationUnit.metres} m); used as a DEM it is read in metres`] : []),
    `Layout:      ${i.tiled ? `tiled ${i.blockSize.width}×${i.blockSize.height}` : `striped (${i.blockSize.height} rows)`}, ${i.compression}${i.bigTiff ? ', BigTIFF' : ''}`,
    `Overviews:   ${i.overviews.length ? i.overviews.map((o) => `${o.width}×${o.height}`).join(', ') : 'none'}`,
  ];
  return lines.join('\n');
}

export async function runInfo(service: ScarpApi, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' } }, true);
  if (positionals.length !== 1) throw new UsageError('info takes exactly one raster path');
  const info = await service.rasterInfo({ path: positionals[0] });
  process.stdout.write(values.json ? `${JSON.stringify(info, null, 2)}\n` : `${formatInfo(info)}\n`);
  return 0;
}
