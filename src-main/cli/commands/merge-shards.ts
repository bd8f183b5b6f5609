/** `scarp merge-shards --out result.gpkg shard_1.gpkg … shard_N.gpkg [--overwrite] [--json]` (docs/cluster.md). */
import type { MergeShardsResult, ScarpApi } from '../../../src-shared/api';
import { parseCommandArgs } from '../args';
import { UsageError } from '../errors';

function summary(r: MergeShardsResult): string {
  return [
    `Merged ${r.shards} shard${r.shards === 1 ? '' : 's'} of run ${r.run}:`,
    `Landslides:  ${r.features} polygons, ${(r.totalAreaM2 / 10_000).toFixed(2)} ha (${r.fromShards} finished in the shards, ${r.joined} vectorised across shard edges from ${r.stitchedRows} stitched rows)`,
    `Inventory:   ${r.out}`,
    `CPU:         shards ${r.shardCpuS.toFixed(1)} s in all, merge ${r.mergeCpuS.toFixed(1)} s (${r.seconds.toFixed(1)} s wall)`,
    ...r.warnings.map((w) => `Warning:     ${w}`),
  ].join('\n');
}

export async function runMergeShards(service: ScarpApi, args: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(args, { out: { type: 'string' }, overwrite: { type: 'boolean' }, json: { type: 'boolean' } }, true);
  if (!v.out) throw new UsageError('merge-shards needs --out <file.gpkg|file.geojson>');
  if (positionals.length === 0) throw new UsageError('merge-shards needs the shard files (e.g. shard_*.gpkg)');
  const r = await service.mergeShards({ shards: positionals, out: v.out, overwrite: v.overwrite ?? false });
  process.stdout.write(v.json ? `${JSON.stringify(r, null, 2)}\n` : `${summary(r)}\n`);
  return 0;
}
