import { ProviderPreference, type AdaptModelResult, type ScarpApi } from '../../../src-shared/api';
import { createProgressReporter } from '../progress';
import { simulateCurve, type SimulateResult } from '../../core/adapt/simulate';
import { basename, dirname, extname, join } from 'node:path';
import { numberOption, parseCommandArgs } from '../args';
import { UsageError } from '../errors';

function parseRows(flag: string, value: string | undefined): [number, number] | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+):(\d+)$/.exec(value);
  if (!m || Number(m[1]) >= Number(m[2])) throw new UsageError(`--${flag} must be start:end with start < end, got '${value}'`);
  return [Number(m[1]), Number(m[2])];
}

function formatSimulation(r: SimulateResult): string {
  const f = (x: number): string => (Number.isNaN(x) ? 'n/a' : x.toFixed(4));
  const line = (name: string, m: SimulateResult['before']): string => `${name} P ${f(m.precision)}  R ${f(m.recall)}  F1 ${f(m.f1)}  IoU ${f(m.iou)}`;
  const closed = r.before.f1 < 1 ? (r.after.f1 - r.before.f1) / (1 - r.before.f1) : Number.NaN;
  return [
    `Model:        ${r.model}, ${r.n} corrections asked`,
    `Corrections:  ${r.corrections.confirmed} confirmed, ${r.corrections.rejected} rejected, ${r.corrections.drawn} drawn${r.adapted ? `; head prior λ ${r.lambda}` : ' (not adapted: too few decisions or no landslide among them; only the decisions apply)'}`,
    `Scored rows:  ${r.evalRows.map(([a, b]) => `${a}:${b}`).join(', ')}`,
    ...(r.reference.ignoreInferred ? [`Reference:    ${r.reference.ignoreValue} read as unmapped (the mask holds 0, 1 and ${r.reference.ignoreValue}; --ignore-value says otherwise)`] : []),
    line('Before:      ', r.before),
    line('Decisions:   ', r.decisionsOnly),
    line('After:       ', r.after),
    `Error closed: ${Number.isNaN(closed) ? 'n/a' : `${(100 * closed).toFixed(1)} %`} of 1 − F1`,
    `Time:         features ${r.featureSeconds.toFixed(1)} s, fit ${r.fitSeconds.toFixed(2)} s, re-detection ${r.detectSeconds.adapted.toFixed(1)} s (base ${r.detectSeconds.base.toFixed(1)} s)`,
    `Inventory:    ${r.out} (${r.features.adapted} polygons)${r.outModel ? `\nModel:        ${r.outModel}` : ''}`,
  ].join('\n');
}

function formatProjectAdaptation(r: AdaptModelResult): string {
  const ha = (m2: number): string => `${(m2 / 10_000).toFixed(2)} ha`;
  return [
    `Learned from: ${r.decisions.confirmed} confirmed and ${r.decisions.rejected} rejected landslides (${r.labelPixels.positive} + ${r.labelPixels.negative} pixels)`,
    `Model:        ${r.model.id} (adapted from ${r.baseModel}) → ${r.model.path}`,
    `Run:          ${r.run.project?.runId ?? ''} — unreviewed landslides ${r.changes.before} (${ha(r.changes.areaBeforeM2)}) → ${r.changes.after} (${ha(r.changes.areaAfterM2)})`,
    `Changes:      ${r.difference.added.length} added (${ha(r.difference.areaM2.added)}), ${r.difference.removed.length} removed (${ha(r.difference.areaM2.removed)}), ${r.difference.reshaped.length} reshaped (${ha(r.difference.areaM2.reshapedBefore)} → ${ha(r.difference.areaM2.reshapedAfter)}), ${r.difference.unchanged} unchanged`,
    `Time:         features ${r.featureSeconds.toFixed(1)} s, fit ${r.fitSeconds.toFixed(2)} s, detection ${r.run.timings.totalS.toFixed(1)} s`,
    'Undo:         scarp project undo <project> discards the new run (reviewed landslides never change)',
  ].join('\n');
}

export async function runAdapt(service: ScarpApi, args: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(args, {
    simulate: { type: 'boolean' },
    image: { type: 'string' },
    dem: { type: 'string' },
    model: { type: 'string' },
    reference: { type: 'string' },
    'ignore-value': { type: 'string' },
    'review-rows': { type: 'string' },
    'eval-rows': { type: 'string' },
    corrections: { type: 'string' },
    uninformative: { type: 'boolean' },
    out: { type: 'string' },
    'out-model': { type: 'string' },
    lambda: { type: 'string' },
    ring: { type: 'string' },
    anchors: { type: 'string' },
    'no-separate': { type: 'boolean' },
    provider: { type: 'string' },
    overwrite: { type: 'boolean' },
    json: { type: 'boolean' },
    project: { type: 'string' },
    run: { type: 'string' },
  });
  const provider = v.provider === undefined ? undefined : ProviderPreference.safeParse(v.provider);
  if (provider && !provider.success) throw new UsageError(`--provider must be one of ${ProviderPreference.options.join(', ')}`);
  if (!v.simulate) {
    if (!v.project) throw new UsageError('adapt needs --project <file.gpkg> (or --simulate with a reference mask)');
    const controller = new AbortController();
    const onSigint = (): void => controller.abort();
    process.once('SIGINT', onSigint);
    const progress = createProgressReporter();
    try {
      const r = await service.adaptModel({ project: v.project, run: v.run, outModel: v['out-model'], provider: provider?.data }, progress.sink, controller.signal);
      progress.finish();
      process.stdout.write(v.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatProjectAdaptation(r)}\n`);
      return 0;
    } finally {
      progress.finish();
      process.off('SIGINT', onSigint);
    }
  }
  for (const need of ['image', 'reference', 'review-rows', 'corrections', 'out'] as const) {
    if (v[need] === undefined) throw new UsageError(`adapt --simulate needs --${need}`);
  }
  const corrections = v.corrections!.split(',').map((x) => Number(x.trim()));
  if (corrections.some((n) => !Number.isInteger(n) || n < 0)) throw new UsageError('--corrections must be a whole number ≥ 0, or a comma list of them (a curve: 0,5,10,20,40)');
  const curve = corrections.length > 1;
  const out = v.out!;
  // A curve writes one inventory per N: <out>-n<N>.gpkg.
  const outFor = (n: number): string => (curve ? join(dirname(out), `${basename(out, extname(out))}-n${n}${extname(out) || '.gpkg'}`) : out);
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const results = await simulateCurve({
      image: v.image!,
      dem: v.dem,
      model: v.model,
      reference: v.reference!,
      ignoreValue: numberOption('ignore-value', v['ignore-value']),
      reviewRows: parseRows('review-rows', v['review-rows'])!,
      evalRows: parseRows('eval-rows', v['eval-rows']),
      corrections,
      uninformative: v.uninformative ?? false,
      outFor,
      outModel: v['out-model'],
      overwrite: v.overwrite ?? false,
      lambda: numberOption('lambda', v.lambda),
      ringM: numberOption('ring', v.ring),
      anchorShare: numberOption('anchors', v.anchors),
      separate: !v['no-separate'],
      provider: provider?.data,
      signal: controller.signal,
      onProgress: v.json ? undefined : (m) => process.stderr.write(`${m}…\n`),
    });
    const result = curve ? { curve: results } : results[0]!;
    process.stdout.write(v.json ? `${JSON.stringify(result, null, 2)}\n` : `${results.map(formatSimulation).join('\n\n')}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
