/**
 * `scarp merge-shards --out result.gpkg shard*.gpkg`: the inventory one detection run would have
 * written, from the shard files of `detect --shard K/N` (run-shard.ts).
 *
 * Polygons a shard finished alone are taken as they are. The rows around each seam — the shards'
 * stored final rows under held-back polygons (their foreground) and the rows two shards share, whose weighted sums are
 * added and divided here exactly as one run blends — are stitched into one band per seam and
 * vectorised once with the run's threshold, minimum area and simplification: every polygon that
 * reaches a seam comes out whole, with attributes computed over all its pixels.
 */
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import type { MergeShardsResult } from '../../../../src-shared/api';
import { ScarpError } from '../../../../src-shared/errors';
import { SeparatingPolygonizer, offsetPixels, vectorizePolygon, type InventoryPolygon, type ValueRows } from '../../vector';
import { ShardFileReader } from '../../store/shard-file';
import { discardOutputs, planOutput } from '../../util/atomic-output';
import { finishOutputs } from '../inventory-output';
import type { InventoryMeta } from '../../export/inventory';
import { SHARD_FORMAT, type ShardDescription } from './shard-format';
import { scatterRow } from '../../vector/sparse-rows';

interface Span {
  y0: number;
  y1: number;
}

interface Shard {
  path: string;
  reader: ShardFileReader;
  d: ShardDescription;
}

const CHUNK_ROWS = 128;

function badShards(message: string, hint: string, file?: string): ScarpError {
  return new ScarpError({ code: 'INVALID_ARGUMENT', message, hint, file });
}

/** Sorted, merged union of spans (touching spans join). */
export function unionSpans(spans: Span[]): Span[] {
  const s = spans.filter((r) => r.y1 > r.y0).sort((a, b) => a.y0 - b.y0);
  const out: Span[] = [];
  for (const r of s) {
    const last = out[out.length - 1];
    if (last && r.y0 <= last.y1) last.y1 = Math.max(last.y1, r.y1);
    else out.push({ ...r });
  }
  return out;
}

function describe(path: string, reader: ShardFileReader): ShardDescription {
  const d = reader.description as Partial<ShardDescription> | null;
  if (!d || d.format !== SHARD_FORMAT || !d.part || !d.run || !d.edges || typeof d.fingerprint !== 'string') {
    throw badShards(`${path} is a shard file of another format (${String(d?.format ?? 'none')}; this Scarp reads ${SHARD_FORMAT}).`, 'Run the shards and the merge with the same Scarp version.', path);
  }
  return d as ShardDescription;
}

/** Check the shards form one whole run: same run, same N, each K once. */
function checkSet(shards: Shard[]): void {
  const first = shards[0]!;
  for (const s of shards) {
    if (s.d.fingerprint !== first.d.fingerprint) {
      const a = first.d.run as unknown as Record<string, unknown>;
      const b = s.d.run as unknown as Record<string, unknown>;
      const differ = Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
      throw badShards(
        `${s.path} belongs to another run than ${first.path} (they differ in ${differ.join(', ') || 'their run'}).`,
        'Merge only the shards of one `scarp detect … --shard K/N` command line.',
        s.path,
      );
    }
    if (s.d.part.count !== first.d.part.count) {
      throw badShards(`${s.path} is shard ${s.d.part.index}/${s.d.part.count}, ${first.path} is shard ${first.d.part.index}/${first.d.part.count}: the shard counts differ.`, 'Give the shards of one run, all cut with the same N.', s.path);
    }
  }
  const n = first.d.part.count;
  const byIndex = new Map<number, Shard[]>();
  for (const s of shards) byIndex.set(s.d.part.index, [...(byIndex.get(s.d.part.index) ?? []), s]);
  const twice = [...byIndex.entries()].filter(([, l]) => l.length > 1);
  if (twice.length > 0) {
    throw badShards(
      `Shard${twice.length > 1 ? 's' : ''} given more than once: ${twice.map(([k, l]) => `${k}/${n} (${l.map((s) => s.path).join(', ')})`).join('; ')}.`,
      'Give each shard file once (a re-run shard replaces its file; remove the old copy).',
    );
  }
  const missing: number[] = [];
  for (let k = 1; k <= n; k++) if (!byIndex.has(k)) missing.push(k);
  if (missing.length > 0) {
    const shown = missing.length > 20 ? `${missing.slice(0, 20).join(', ')} … (${missing.length} in all)` : missing.join(', ');
    throw badShards(
      `Shard${missing.length > 1 ? 's' : ''} ${shown} of ${n} ${missing.length > 1 ? 'are' : 'is'} missing: ${shards.length} of ${n} given.`,
      `Run the missing shard${missing.length > 1 ? 's' : ''} (scarp detect … --shard K/${n}) and merge again; a shard that failed leaves no file.`,
    );
  }
  shards.sort((a, b) => a.d.part.index - b.d.part.index);
  for (let k = 1; k < shards.length; k++) {
    if (shards[k]!.d.part.tileRows.first !== shards[k - 1]!.d.part.tileRows.end) {
      throw badShards(`${shards[k]!.path}: its tile rows do not continue those of shard ${k}/${n}.`, 'The shard files are damaged or were edited; run the shards again.', shards[k]!.path);
    }
  }
}

/** The polygons of one run, joined from its shard files (checked: one run, every shard once). */
export interface MergedShards {
  polygons: Array<Pick<InventoryPolygon, 'geometry' | 'attributes'>>;
  /** The first shard's description: the run, its grid, scene name and run id. */
  description: ShardDescription;
  shards: number;
  fromShards: number;
  stitchedRows: number;
  shardCpuS: number;
  /** The shards' warnings (the scene checks each ran), each once. */
  warnings: string[];
}

/** Read, check and join the shard files `paths` (absolute, distinct) in memory. */
export function joinShards(paths: readonly string[]): MergedShards {
  const shards: Shard[] = [];
  try {
    for (const path of paths) {
      const reader = ShardFileReader.open(path);
      shards.push({ path, reader, d: describe(path, reader) });
    }
    checkSet(shards);
    const { run } = shards[0]!.d;
    const W = run.grid.width;
    const H = run.grid.height;

    const polygons: MergedShards['polygons'] = [];
    for (const s of shards) {
      for (const f of s.reader.features()) {
        const r = f.record;
        polygons.push({
          geometry: f.geometry,
          attributes: { area_m2: r.area_m2, perimeter_m: r.perimeter_m, prob_mean: r.prob_mean, prob_max: r.prob_max, slope_mean: r.slope_mean, elev_min: r.elev_min, elev_max: r.elev_max, aspect_mean: r.aspect_mean, dem_coverage: r.dem_coverage },
        });
      }
    }
    const fromShards = polygons.length;

    // Rows to stitch, and the seam rows a joined polygon must reach (the others were finished in a shard).
    const stitch: Span[] = [];
    const seams: Span[] = [];
    for (const { d } of shards) {
      const { touched, final } = d.part;
      if (touched.y1 <= touched.y0) continue;
      stitch.push({ y0: touched.y0, y1: final.y0 }, { y0: final.y1, y1: touched.y1 });
      seams.push({ y0: touched.y0, y1: final.y0 }, { y0: final.y1, y1: touched.y1 });
      if (final.y1 > final.y0) {
        stitch.push({ y0: final.y0, y1: d.edges.topEnd }, { y0: d.edges.bottomStart, y1: final.y1 });
        if (final.y0 > 0) seams.push({ y0: final.y0, y1: final.y0 + 1 });
        if (final.y1 < H) seams.push({ y0: final.y1 - 1, y1: final.y1 });
      }
    }
    const regions = unionSpans(stitch);
    const seamSpans = unionSpans(seams);
    const reachesSeam = (y0: number, y1: number) => seamSpans.some((s) => s.y0 < y1 && y0 < s.y1);

    let stitchedRows = 0;
    const stitcher = new Stitcher(W, shards[0]!.d.terrain);
    for (const region of regions) {
      stitchedRows += region.y1 - region.y0;
      const polygonizer = new SeparatingPolygonizer({ width: W, height: region.y1 - region.y0, connectivity: 8 }, run.separation, run.seedThreshold ?? null);
      const opts = { grid: run.grid, minAreaM2: run.minAreaM2, simplifyM: run.simplifyM };
      const take = (list: ReturnType<SeparatingPolygonizer['push']>) => {
        for (const p of list) {
          if (!reachesSeam(region.y0 + p.component.minY, region.y0 + p.component.maxY)) continue;
          const v = vectorizePolygon(offsetPixels(p, 0, region.y0), opts);
          if (v) polygons.push(v);
        }
      };
      for (let c0 = region.y0; c0 < region.y1; c0 += CHUNK_ROWS) {
        const c1 = Math.min(region.y1, c0 + CHUNK_ROWS);
        const { values, mask } = stitcher.rows(shards, c0, c1, run.threshold);
        take(polygonizer.push(c0 - region.y0, mask, values));
      }
      take(polygonizer.finish());
    }
    // Each shard ran the same scene checks: a warning they share is said once.
    const warnings = [...new Set(shards.flatMap((x) => (Array.isArray(x.d.warnings) ? x.d.warnings : [])))];
    return { polygons, description: shards[0]!.d, shards: shards.length, fromShards, stitchedRows, shardCpuS: shards.reduce((s, x) => s + x.d.timings.cpuS, 0), warnings };
  } finally {
    for (const s of shards) s.reader.close();
  }
}

/** The provenance of a merged run: its model and threshold, its scene; the run id every shard shares. */
export function shardRunMeta(d: ShardDescription): InventoryMeta {
  // A shard file edited by hand may lack any of these: the provenance says what it has.
  const m = d.run.model as Partial<ShardDescription['run']['model']> | undefined;
  return { modelId: m?.id ?? null, modelName: m?.name ?? null, modelSha256: m?.sha256 ?? null, threshold: d.run.threshold ?? null, runId: d.runId ?? null, scenes: typeof d.scene === 'string' ? [{ name: d.scene, role: null, date: null }] : [], provider: d.provider ?? null };
}

export async function mergeShards(req: { shards: string[]; out: string; overwrite: boolean }): Promise<MergeShardsResult> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const paths = req.shards.map((p) => resolve(p));
  const seen = new Set<string>();
  for (const p of paths) {
    if (seen.has(p)) throw badShards(`${p} is given twice.`, 'Give each shard file once.', p);
    seen.add(p);
  }
  const out = planOutput(req.out, ['.gpkg', '.geojson', '.json'], req.overwrite, 'inventory');
  if (seen.has(out.finalPath)) throw badShards(`The output ${out.finalPath} is one of the shard files.`, 'Write the merged inventory to a new file.', out.finalPath);
  try {
    const m = joinShards(paths);
    const first = m.description;
    await finishOutputs({ path: out.finalPath, polygons: m.polygons, ctx: { scene: first.scene, run: first.runId, crs: first.run.grid.crs, meta: shardRunMeta(first) }, overwrite: req.overwrite }, []);
    const cpu = process.cpuUsage(cpu0);
    return {
      out: out.finalPath,
      shards: m.shards,
      features: m.polygons.length,
      totalAreaM2: m.polygons.reduce((s, p) => s + p.attributes.area_m2, 0),
      fromShards: m.fromShards,
      joined: m.polygons.length - m.fromShards,
      stitchedRows: m.stitchedRows,
      shardCpuS: m.shardCpuS,
      mergeCpuS: (cpu.user + cpu.system) / 1e6,
      seconds: (performance.now() - t0) / 1000,
      run: first.runId,
      warnings: m.warnings,
    };
  } catch (e) {
    discardOutputs([out]);
    throw e;
  }
}

/**
 * Rows [c0, c1) of the run (at most CHUNK_ROWS): a shard's stored final rows (foreground runs) as
 * they are, shared rows summed over their shards and divided. The buffers are reused from chunk to
 * chunk: only the mask is cleared, values are read at mask pixels only, and every mask pixel's
 * values are written for the chunk.
 */
class Stitcher {
  private readonly probability: Float32Array;
  private readonly slope?: Float32Array;
  private readonly elevation?: Float32Array;
  private readonly aspect?: Float32Array;
  private readonly acc: Float64Array;
  private readonly weight: Float64Array;
  private readonly invalid: Uint8Array;
  private readonly mask: Uint8Array;
  private readonly kind = new Uint8Array(CHUNK_ROWS);
  private readonly hasTerrain = new Uint8Array(CHUNK_ROWS);

  constructor(
    private readonly W: number,
    terrain: boolean,
  ) {
    const n = CHUNK_ROWS * W;
    this.probability = new Float32Array(n);
    if (terrain) {
      this.slope = new Float32Array(n);
      this.elevation = new Float32Array(n);
      this.aspect = new Float32Array(n);
    }
    this.acc = new Float64Array(n);
    this.weight = new Float64Array(n);
    this.invalid = new Uint8Array(n);
    this.mask = new Uint8Array(n);
  }

  rows(shards: Shard[], c0: number, c1: number, threshold: number): { values: ValueRows; mask: Uint8Array } {
    const { W, acc, weight, invalid, probability, mask, kind, hasTerrain } = this;
    const n = c1 - c0;
    const FINAL = 1;
    const PARTIAL = 2;
    mask.fill(0, 0, n * W);
    kind.fill(0);
    hasTerrain.fill(0);
    const dst: ValueRows = { probability, slope: this.slope, elevation: this.elevation, aspect: this.aspect };
    for (const s of shards) {
      const { touched } = s.d.part;
      if (touched.y1 <= c0 || touched.y0 >= c1) continue;
      for (const row of s.reader.rows(c0, c1)) {
        const i = row.y - c0;
        const o = i * W;
        if (row.kind === 'final') {
          // The row's foreground under held-back polygons (held-rows.ts); the rest is background.
          if (kind[i] !== 0) throw corrupt(s.path, row.y);
          kind[i] = FINAL;
          const runs = row.get('runs')!;
          // Flipped bytes can inflate to whole values that are no row of this run: refuse, do not scatter them.
          let covered = 0;
          for (let r = 0; r < runs.length; r += 2) {
            if (!(runs[r]! >= 0 && runs[r]! <= runs[r + 1]! && runs[r + 1]! <= W)) throw corrupt(s.path, row.y);
            covered += runs[r + 1]! - runs[r]!;
          }
          const sparse = { runs, probability: row.get('probability')!, slope: row.get('slope'), elevation: row.get('elevation'), aspect: row.get('aspect') };
          for (const v of [sparse.probability, sparse.slope, sparse.elevation, sparse.aspect]) if (v && v.length !== covered) throw corrupt(s.path, row.y);
          scatterRow(sparse, o, dst);
          for (let r = 0; r < runs.length; r += 2) mask.fill(1, o + runs[r]!, o + runs[r + 1]!);
          continue;
        }
        if (kind[i] === FINAL) throw corrupt(s.path, row.y);
        const a = row.get('acc')!;
        const w = row.get('weight')!;
        const inv = row.get('invalid')!;
        if (a.length !== W || w.length !== W || inv.length !== W) throw corrupt(s.path, row.y);
        if (kind[i] === 0) {
          kind[i] = PARTIAL;
          acc.set(a, o);
          weight.set(w, o);
          invalid.set(inv, o);
        } else {
          for (let x = 0; x < W; x++) {
            acc[o + x] += a[x]!;
            weight[o + x] += w[x]!;
            invalid[o + x] |= inv[x]!;
          }
        }
        // Terrain: a shared row's is the same in every shard (the whole row): inflated once.
        if (this.slope && hasTerrain[i] === 0) {
          const sl = row.get('slope');
          if (sl) {
            hasTerrain[i] = 1;
            this.slope.set(sl, o);
            this.elevation!.set(row.get('elevation')!, o);
            this.aspect!.set(row.get('aspect')!, o);
          }
        }
      }
    }
    for (let i = 0; i < n; i++) {
      if (kind[i] === 0) throw corrupt(shards.map((s) => s.path).join(', '), c0 + i);
      if (kind[i] !== PARTIAL) continue;
      // A shared row's terrain is stored by one of its shards (run-shard.ts): none is a damaged set.
      if (this.slope && hasTerrain[i] === 0) throw corrupt(shards.map((s) => s.path).join(', '), c0 + i);
      const o = i * W;
      for (let x = 0; x < W; x++) {
        const w = weight[o + x]!;
        // Thresholded as stored (float32), as one run thresholds its probability.
        const p = invalid[o + x] === 1 || !(w > 0) ? Number.NaN : Math.fround(acc[o + x]! / w);
        probability[o + x] = p;
        mask[o + x] = p >= threshold ? 1 : 0;
      }
    }
    const view = (a: Float32Array | undefined) => a?.subarray(0, n * W);
    const values: ValueRows = { probability: view(probability) };
    if (this.slope) Object.assign(values, { slope: view(this.slope), elevation: view(this.elevation), aspect: view(this.aspect) });
    return { values, mask: mask.subarray(0, n * W) };
  }
}

function corrupt(path: string, y: number): ScarpError {
  return new ScarpError({
    code: 'INVALID_ARGUMENT',
    message: `Row ${y} of the run is missing from the shard files (${path}), or stored twice.`,
    hint: 'The shard files are damaged or come from different runs; run the shards again.',
  });
}
