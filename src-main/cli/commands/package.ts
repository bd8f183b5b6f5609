/**
 * `scarp package --project P [--aoi area.geojson] [--imagery-gsd m] [--rasters …] [--dry-run] --out field.gpkg`: one
 * self-contained GeoPackage for a field laptop (issue 17): the landslides in the area, the imagery,
 * hillshade and probability as GeoPackage raster tiles, the event metadata. Opens in Scarp with no
 * access to the original files, and in QGIS/QField. `scarp merge` brings the field work back.
 */
import type { PackageResponse, ScarpApi } from '../../../src-shared/api';
import { numberOption, parseCommandArgs } from '../args';
import { UsageError } from '../errors';

const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MB`;

const RASTER_KINDS = ['imagery', 'hillshade', 'probability'] as const;
type RasterKind = (typeof RASTER_KINDS)[number];

function summary(r: PackageResponse): string {
  if (r.dryRun) {
    const lines = [`Field package ${r.out} (not written): ${r.landslides} landslides, ${r.evidence} photos and notes, about ${mb(r.estimatedBytes)}; ${mb(r.freeBytes)} free on its disk.`];
    for (const x of r.rasters) lines.push(`  ${x.table}: ${x.kind}, ${x.width} × ${x.height} px at ${x.gsd.toPrecision(3)} m, about ${mb(x.estimatedBytes)}`);
    if (r.estimatedBytes > r.freeBytes) lines.push('It would not fit: free some space, write to another disk, or package a smaller area or a coarser imagery resolution.');
    return lines.join('\n');
  }
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
    rasters: { type: 'string' },
    'dry-run': { type: 'boolean' },
    overwrite: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (!v.project || !v.out) throw new UsageError('package needs --project and --out');
  const gsd = numberOption('imagery-gsd', v['imagery-gsd']);
  if (gsd !== undefined && !(gsd > 0)) throw new UsageError(`--imagery-gsd must be a positive number of metres, got '${v['imagery-gsd']}'`);
  let rasters: RasterKind[] | undefined;
  if (v.rasters !== undefined) {
    const named = v.rasters.split(',').map((x) => x.trim()).filter((x) => x !== '');
    const bad = named.find((x) => !(RASTER_KINDS as readonly string[]).includes(x));
    if (bad !== undefined) throw new UsageError(`--rasters takes ${RASTER_KINDS.join(', ')} (comma-separated, or empty for none), got '${bad}'`);
    rasters = named as RasterKind[];
  }
  const r = await service.packageProject({ project: v.project, out: v.out, aoi: v.aoi, imageryGsd: gsd, rasters, dryRun: v['dry-run'] === true, overwrite: v.overwrite === true });
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(v.json ? `${JSON.stringify(r, null, 2)}\n` : `${summary(r)}\n`);
  return 0;
}
