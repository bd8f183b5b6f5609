/**
 * Provenance of an output, defined once and written into every format: where the landslides come
 * from (event, imagery, model, run, threshold), which Scarp wrote them and when. Renderers: the
 * `<file>.scarp.json` sidecar (Shapefile, CSV, KML/KMZ), the `scarp` foreign member of GeoJSON, the
 * GeoPackage metadata tables, SCARP_* GeoTIFF metadata items and the HTML report header.
 */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { scarpVersion } from '../paths';
import { runLayerKind, valueKindOf, type RunLayerKind } from '../../../src-shared/vocabulary';
import { confidenceDefinition } from '../vector/confidence';
import type { InventoryMeta } from './inventory';

export interface Provenance {
  /** The kind of output (an export format, or `detect`). */
  output: string;
  scarp_version: string;
  written_at: string;
  project: string | null;
  event: { name: string | null; date: string | null; trigger: string | null };
  imagery: { source: string | null; date: string | null; scenes: Array<{ name: string; role: string | null; date: string | null }> };
  model: { id: string | null; name: string | null; sha256: string | null };
  run: { id: string | null; started_at: string | null; threshold: number | null };
  crs: { epsg: number | null; name: string } | null;
  /** What the confidence values mean (vector/confidence.ts). */
  confidence: string;
  /** Landslides written (vector outputs) and the statuses they were chosen from. */
  count?: number;
  filter?: string;
}

/** The kinds of runs an output's landslides come from: as listed, else the kind of its run's model. */
export function layerKindsOf(meta: InventoryMeta | undefined): Set<RunLayerKind> {
  return new Set(meta?.layerKinds ?? (meta?.modelId ? [runLayerKind(meta.modelId)] : []));
}

/** The sidecar name: the output's full file name + `.scarp.json` (never shared by two formats). */
export const provenanceSidecar = (file: string): string => `${file}.scarp.json`;

export function outputProvenance(meta: InventoryMeta | undefined, opts: { output: string; crs?: { epsg: number | null; name: string } | null; count?: number; filter?: string; now?: Date }): Provenance {
  const m = meta ?? {};
  return {
    output: opts.output,
    scarp_version: scarpVersion(),
    written_at: (opts.now ?? new Date()).toISOString(),
    project: m.projectName ?? null,
    event: { name: m.eventName ?? null, date: m.eventDate ?? null, trigger: m.eventTrigger ?? null },
    imagery: { source: m.imagerySource ?? null, date: m.imageryDate ?? null, scenes: m.scenes ?? [] },
    model: { id: m.modelId ?? null, name: m.modelName ?? null, sha256: m.modelSha256 ?? null },
    run: { id: m.runId ?? null, started_at: m.runStartedAt ?? null, threshold: m.threshold ?? null },
    crs: opts.crs ?? null,
    confidence: confidenceDefinition(valueKindOf(layerKindsOf(meta))),
    ...(opts.count !== undefined ? { count: opts.count } : {}),
    ...(opts.filter !== undefined ? { filter: opts.filter } : {}),
  };
}

/** Flat SCARP_* items (GeoTIFF GDAL_METADATA, GeoPackage GDAL metadata): what GDAL and QGIS list as the file's metadata. */
export function provenanceItems(p: Provenance): Record<string, string> {
  const items: Record<string, string> = {
    SCARP_VERSION: p.scarp_version,
    SCARP_WRITTEN_AT: p.written_at,
    SCARP_OUTPUT: p.output,
  };
  const put = (k: string, v: string | number | null | undefined): void => {
    if (v !== null && v !== undefined && v !== '') items[k] = String(v);
  };
  put('SCARP_PROJECT', p.project);
  put('SCARP_EVENT_NAME', p.event.name);
  put('SCARP_EVENT_DATE', p.event.date);
  put('SCARP_EVENT_TRIGGER', p.event.trigger);
  put('SCARP_IMAGERY_SOURCE', p.imagery.source);
  put('SCARP_IMAGERY_DATE', p.imagery.date);
  put('SCARP_IMAGERY_SCENES', p.imagery.scenes.map((s) => s.name).join(', '));
  put('SCARP_MODEL_ID', p.model.id);
  put('SCARP_MODEL_NAME', p.model.name);
  put('SCARP_MODEL_SHA256', p.model.sha256);
  put('SCARP_RUN', p.run.id);
  put('SCARP_RUN_STARTED_AT', p.run.started_at);
  put('SCARP_THRESHOLD', p.run.threshold);
  put('SCARP_CONFIDENCE', p.confidence);
  put('SCARP_COUNT', p.count);
  put('SCARP_FILTER', p.filter);
  return items;
}

/** Write `<file>.scarp.json` (to `path`, which a staged export may point elsewhere). */
export function writeProvenanceJson(path: string, p: Provenance): void {
  writeFileSync(path, `${JSON.stringify({ scarp: p }, null, 2)}\n`);
}

/** The HTML report's header lines: label and value. */
export function provenanceRows(p: Provenance): Array<[string, string]> {
  const ev = [p.event.name, p.event.date, p.event.trigger].filter(Boolean).join(', ');
  const img = [p.imagery.source, p.imagery.date, p.imagery.scenes.map((s) => [s.name, s.role, s.date].filter(Boolean).join(' ')).join('; ')].filter(Boolean).join(', ');
  const model = p.model.id ? `${p.model.name && p.model.name !== p.model.id ? `${p.model.name} (${p.model.id})` : p.model.id}${p.model.sha256 ? `, sha256 ${p.model.sha256}` : ''}` : '—';
  return [
    ['Event', ev || '—'],
    ['Imagery', img || '—'],
    ['Model', model],
    ['Threshold', p.run.threshold !== null ? String(p.run.threshold) : '—'],
    ['Run', p.run.id ? `${p.run.id}${p.run.started_at ? `, ${p.run.started_at}` : ''}` : '—'],
    ['Written', `${p.written_at} by Scarp ${p.scarp_version}${p.project ? ` from ${basename(p.project)}` : ''}`],
  ];
}
