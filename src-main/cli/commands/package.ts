/**
 * `scarp package --project P [--aoi area.geojson] [--imagery-gsd m] --out field.gpkg`: one
 * self-contained GeoPackage for a field laptop (issue 17): the landslides in the area, the imagery,
 * hillshade and probability as GeoPackage raster tiles, the event metadata. Opens in Scarp with no
 * access to the original files, and in QGIS/QField. `scarp merge` brings the field work back.
 */
import type { PackageResponse, ScarpApi } from '../../../src-shared/api';
import { numberOption, parseCommandArgs } from '../args';
import { UsageError } from '../errors';

const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MB`;

function summary(r: PackageResponse): string {
  const lines = [`Field package ${r.out}: ${r.landslides} landslides, ${mb(r.bytes)} (estimated ${mb(r.estimatedBytes)}).`];
  for (const x of r.rasters) lines.push(`  ${x.table}: ${x.kind}, ${x.width} × ${x.height} px at ${x.gsd.toPrecision(3)} m, ${x.tiles} tiles`);
  if (r.rasters.some((x) => x.kind !== 'probability')) lines.push('  The packaged imagery is for viewing and review (8-bit, maybe resampled); detection and adaptation need the original imagery.');
  lines.push(`Bring the field work back with: scarp merge --into <project> --from ${r.out}`);
  return lines.join('\n');
}

export async function runPackage(service: ScarpApi, args: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(args, {
    project: { type: 'string' },
    out: { type: 'string' },
    aoi: { type: 'string' },
    'imagery-gsd': { type: 'string' },
    overwrite: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (!v.project || !v.out) throw new UsageError('package needs --project and --out');
  const gsd = numberOption('imagery-gsd', v['imagery-gsd']);
  if (gsd !== undefined && !(gsd > 0)) throw new UsageError(`--imagery-gsd must be a positive number of metres, got '${v['imagery-gsd']}'`);
  const r = await service.packageProject({ project: v.project, out: v.out, aoi: v.aoi, imageryGsd: gsd, overwrite: v.overwrite === true });
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(v.json ? `${JSON.stringify(r, null, 2)}\n` : `${summary(r)}\n`);
  return 0;
}
