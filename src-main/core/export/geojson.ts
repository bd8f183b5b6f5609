/**
 * RFC 7946 GeoJSON export: WGS 84 longitude/latitude (reprojected with proj4), shells
 * counter-clockwise and holes clockwise (after reprojection), 7 decimals (~1 cm), a feature `id`,
 * no `crs` member. Written as a stream to a temporary file in the target folder and renamed into
 * place; nothing is left behind on failure.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CrsInfo } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';
import { createTransformer, WGS84, type Transformer } from '../geo';
import { orientMultiPolygon, type FlatMultiPolygon } from '../vector/geometry';

export type GeoJsonValue = string | number | boolean | null;

export interface GeoJsonFeatureInput {
  id: number | string;
  /** In the writer's source CRS. */
  geometry: FlatMultiPolygon;
  properties: Record<string, GeoJsonValue>;
}

export interface GeoJsonWriterOptions {
  /** CRS of the input geometries. */
  crs: CrsInfo;
  overwrite?: boolean;
  /** Decimal places (default 7). */
  precision?: number;
  /** Foreign members of the FeatureCollection (RFC 7946 §6.1), e.g. `scarp`: the provenance. */
  members?: Record<string, unknown>;
}

function fmt(v: number, scale: number): string {
  const r = Math.round(v * scale) / scale;
  return Object.is(r, -0) ? '0' : String(r);
}

/** Serialise one multipolygon (already in lon/lat) as GeoJSON geometry text. */
export function multiPolygonToGeoJsonText(mp: FlatMultiPolygon, precision = 7): string {
  const scale = 10 ** precision;
  const parts: string[] = [];
  for (const p of mp) {
    const rings: string[] = [];
    for (const r of p) {
      const pts: string[] = [];
      for (let k = 0; k < r.length; k += 2) pts.push(`[${fmt(r[k] as number, scale)},${fmt(r[k + 1] as number, scale)}]`);
      rings.push(`[${pts.join(',')}]`);
    }
    parts.push(`[${rings.join(',')}]`);
  }
  return `{"type":"MultiPolygon","coordinates":[${parts.join(',')}]}`;
}

function unwritable(path: string, err: unknown): ScarpError {
  return new ScarpError(
    { code: 'FILE_UNWRITABLE', message: `Cannot write ${path}: ${(err as Error).message ?? String(err)}`, hint: 'Check that the folder exists, is writable and has free space.', file: path },
    { cause: err },
  );
}

export class GeoJsonWriter {
  private fd: number | null;
  private buf: string[] = [];
  private bufLen = 0;
  private first = true;
  private readonly tx: Transformer;
  private readonly precision: number;
  count = 0;

  private constructor(
    readonly path: string,
    private readonly tmp: string,
    fd: number,
    crs: CrsInfo,
    precision: number,
    private readonly overwrite: boolean,
    members: Record<string, unknown> = {},
  ) {
    this.fd = fd;
    this.tx = createTransformer(crs, WGS84);
    this.precision = precision;
    const extra = Object.entries(members).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)},`).join('');
    this.write(`{"type":"FeatureCollection",${extra}"features":[\n`);
  }

  static create(path: string, opts: GeoJsonWriterOptions): GeoJsonWriter {
    const out = resolve(path);
    if (!opts.overwrite && existsSync(out)) {
      throw new ScarpError({ code: 'OUTPUT_EXISTS', message: `${out} already exists`, hint: 'Choose another name, or allow overwriting to replace it.', options: ['overwrite'], file: out });
    }
    const tmp = join(dirname(out), `.${basename(out)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    let fd: number;
    try {
      fd = openSync(tmp, 'wx');
    } catch (err) {
      throw unwritable(out, err);
    }
    return new GeoJsonWriter(out, tmp, fd, opts.crs, opts.precision ?? 7, opts.overwrite ?? false, opts.members);
  }

  private write(s: string): void {
    this.buf.push(s);
    this.bufLen += s.length;
    if (this.bufLen > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.fd === null || this.buf.length === 0) return;
    writeSync(this.fd, this.buf.join(''));
    this.buf = [];
    this.bufLen = 0;
  }

  add(f: GeoJsonFeatureInput): void {
    if (this.fd === null) throw new ScarpError({ code: 'INTERNAL', message: 'GeoJSON writer already closed' });
    try {
      let g = f.geometry;
      if (!this.tx.identity) {
        g = g.map((p) =>
          p.map((r) => {
            const o = new Float64Array(r.length);
            for (let k = 0; k < r.length; k += 2) {
              const [x, y] = this.tx.forward(r[k] as number, r[k + 1] as number);
              o[k] = x;
              o[k + 1] = y;
            }
            return o;
          }),
        );
      }
      g = orientMultiPolygon(g, true);
      const id = typeof f.id === 'number' ? String(f.id) : JSON.stringify(f.id);
      const props = JSON.stringify(f.properties, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
      this.write(`${this.first ? '' : ',\n'}{"type":"Feature","id":${id},"properties":${props},"geometry":${multiPolygonToGeoJsonText(g, this.precision)}}`);
      this.first = false;
      this.count++;
    } catch (err) {
      this.abort();
      if (err instanceof ScarpError) throw err;
      throw unwritable(this.path, err);
    }
  }

  commit(): { path: string; count: number } {
    if (this.fd === null) throw new ScarpError({ code: 'INTERNAL', message: 'GeoJSON writer already closed' });
    try {
      this.write('\n]}\n');
      this.flush();
      closeSync(this.fd);
      this.fd = null;
      if (!this.overwrite && existsSync(this.path)) {
        throw new ScarpError({ code: 'OUTPUT_EXISTS', message: `${this.path} appeared while writing`, file: this.path });
      }
      renameSync(this.tmp, this.path);
    } catch (err) {
      this.abort();
      if (err instanceof ScarpError) throw err;
      throw unwritable(this.path, err);
    }
    return { path: this.path, count: this.count };
  }

  abort(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        /* ignore */
      }
      this.fd = null;
    }
    rmSync(this.tmp, { force: true });
  }
}

/** Write features to a new RFC 7946 GeoJSON file. */
export async function writeGeoJson(
  path: string,
  features: Iterable<GeoJsonFeatureInput> | AsyncIterable<GeoJsonFeatureInput>,
  opts: GeoJsonWriterOptions,
): Promise<{ path: string; count: number }> {
  const w = GeoJsonWriter.create(path, opts);
  try {
    for await (const f of features) w.add(f);
  } catch (err) {
    w.abort();
    throw err;
  }
  return w.commit();
}
