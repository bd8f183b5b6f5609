import type { EvalRequest, EvalResult, ScarpApi } from '../../../src-shared/api';
import { numberOption, parseCommandArgs } from '../args';
import { UsageError } from '../errors';

function parseRows(value: string | undefined): [number, number] | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+):(\d+)$/.exec(value);
  if (!m || Number(m[1]) >= Number(m[2])) throw new UsageError(`--rows must be start:end with start < end, got '${value}'`);
  return [Number(m[1]), Number(m[2])];
}

export function formatEvalResult(r: EvalResult): string {
  const pct = (x: number): string => (Number.isNaN(x) ? 'n/a' : x.toFixed(4));
  return [
    `Pixels:      ${r.pixels} evaluated (TP ${r.tp}, FP ${r.fp}, FN ${r.fn}, TN ${r.tn})`,
    `No pred.:    ${r.noPrediction} of them (no prediction value there; counted as not predicted)`,
    `Precision:   ${pct(r.precision)}`,
    `Recall:      ${pct(r.recall)}`,
    `F1:          ${pct(r.f1)}`,
    `IoU:         ${pct(r.iou)}`,
    ...(r.warnings ?? []).map((w) => `Warning:     ${w}`),
  ].join('\n');
}

export async function runEval(service: ScarpApi, args: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(args, {
    prediction: { type: 'string' },
    reference: { type: 'string' },
    threshold: { type: 'string' },
    'ignore-value': { type: 'string' },
    aoi: { type: 'string' },
    rows: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (!v.prediction || !v.reference) throw new UsageError('eval needs --prediction and --reference');
  if (v.aoi && v.rows) throw new UsageError('eval takes --aoi or --rows, not both');
  const request: EvalRequest = {
    prediction: v.prediction,
    reference: v.reference,
    threshold: numberOption('threshold', v.threshold),
    ignoreValue: numberOption('ignore-value', v['ignore-value']),
    aoi: v.aoi,
    rows: parseRows(v.rows),
  };
  const result = await service.evaluate(request);
  process.stdout.write(v.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatEvalResult(result)}\n`);
  return 0;
}
