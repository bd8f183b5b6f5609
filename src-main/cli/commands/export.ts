import type { ExportRequest, ScarpApi } from '../../../src-shared/api';
import { numberOption, parseCommandArgs } from '../args';
import { UsageError } from '../errors';
import { cancelOnSigint } from '../cancel';
import { createProgressReporter } from '../progress';

export async function runExport(service: ScarpApi, args: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(args, {
    project: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    crs: { type: 'string' },
    status: { type: 'string' },
    'min-area': { type: 'string' },
    'max-area': { type: 'string' },
    run: { type: 'string' },
    threshold: { type: 'string' },
    overwrite: { type: 'boolean' },
    'with-probability': { type: 'boolean' },
    'include-rejected': { type: 'boolean' },
    wkt: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (!v.project || !v.format || !v.out) throw new UsageError('export needs --project, --format and --out');
  const request = {
    project: v.project,
    format: v.format as ExportRequest['format'],
    out: v.out,
    crs: v.crs,
    status: v.status ? (v.status.split(',').map((s) => s.trim()) as ExportRequest['status']) : undefined,
    minArea: numberOption('min-area', v['min-area']),
    maxArea: numberOption('max-area', v['max-area']),
    run: v.run,
    threshold: numberOption('threshold', v.threshold),
    includeRejected: v['include-rejected'] ?? undefined,
    overwrite: v.overwrite ?? false,
    withProbability: v['with-probability'] ?? undefined,
    wkt: v.wkt ?? undefined,
  } satisfies ExportRequest;
  const progress = createProgressReporter();
  const cancel = cancelOnSigint(progress.sink);
  try {
    const r = await service.exportInventory(request, cancel.sink, cancel.signal);
    progress.finish();
    for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(v.json ? `${JSON.stringify(r, null, 2)}\n` : `Exported ${r.count} ${['probability', 'confidence', 'mask', 'change'].includes(r.format) ? 'pixels' : 'landslides'} (${r.format}, ${r.crs.name}):\n${r.files.map((f) => `  ${f}`).join('\n')}\n`);
  } finally {
    progress.finish();
    cancel.dispose();
  }
  return 0;
}
