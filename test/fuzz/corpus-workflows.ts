/**
 * Fuzz cases for the inputs later issues added beside single images: pre/post-event pairs
 * (`scarp change`), single-date scenes (`scarp bare-ground`), a colleague's field package
 * (`scarp merge`), shard files (`scarp merge-shards`) and scene lists and manifests (`scarp batch`).
 * The valid inputs are made by the real CLI and GDAL from the corpus's real crops; the cases
 * truncate, flip, swap and mislabel them.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { repoRoot } from '../../src-main/core/paths';
import type { CaseKind } from './corpus';

type Mutation = { what: string; bytes: (b: Buffer) => Buffer | null };

export interface WorkflowContext {
  baseDir: string;
  img256: string;
  img512: string;
  dsm256: string;
  /** A plain GeoPackage of polygons (ogr2ogr's, no Scarp tables). */
  plainGpkg: string;
  geojsonUtm: string;
  /** Draw a mutation now (fixed by the corpus seed), applied when a case is made. */
  mutation: (i: number) => Mutation;
  truncate: (f: number) => Mutation;
  scale: number;
  add: (kind: CaseKind, what: string, args: string[], outputs: string[], make: (dir: string) => void, image?: string, keep?: { intact?: string[]; kept?: string[] }) => void;
}

const BIN = resolve(repoRoot, 'bin/scarp.mjs');

function must(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}
const scarp = (args: string[], cwd: string): string => must(process.execPath, [BIN, ...args], cwd);

interface WorkflowBase {
  pre: string;
  preFar: string;
  pre4326: string;
  preCoarse: string;
  preOneBand: string;
  project: string;
  field: string;
  shards: [string, string];
  shardsOther: string;
}

/** The valid inputs, made once: a shifted pre-event crop and its variants, a project and its field package, two shards. */
function buildWorkflowBase(c: WorkflowContext): WorkflowBase {
  const d = join(c.baseDir, 'workflows');
  mkdirSync(d, { recursive: true });
  const p = (n: string): string => join(d, n);
  const gt = (JSON.parse(must('gdalinfo', ['-json', c.img256])) as { geoTransform: number[] }).geoTransform;
  // The "pre-event" image: the crop 64 px north-west of the post one (they share 192 × 192 px).
  must('gdal_translate', ['-q', '-srcwin', '64', '64', '256', '256', c.img512, p('pre.tif')]);
  must('gdal_translate', ['-q', '-a_ullr', String(gt[0]! + 50_000), String(gt[3]!), String(gt[0]! + 50_000 + 128), String(gt[3]! - 128), p('pre.tif'), p('pre-far.tif')]);
  must('gdalwarp', ['-q', '-t_srs', 'EPSG:4326', p('pre.tif'), p('pre-4326.tif')]);
  must('gdal_translate', ['-q', '-tr', '4', '4', '-r', 'average', p('pre.tif'), p('pre-coarse.tif')]);
  must('gdal_translate', ['-q', '-b', '1', p('pre.tif'), p('pre-1band.tif')]);
  // A project of the site B polygons, its field package with three decisions made in the field.
  scarp(['project', 'create', 'a.gpkg', '--json'], d);
  copyFileSync(c.geojsonUtm, p('l.geojson'));
  scarp(['import', '--project', 'a.gpkg', '--file', 'l.geojson', '--json'], d);
  scarp(['package', '--project', 'a.gpkg', '--out', 'field.gpkg', '--rasters', '', '--json'], d);
  const db = new Database(p('field.gpkg'), { readonly: true });
  const uuids = (db.prepare('SELECT uuid FROM landslides ORDER BY fid LIMIT 3').all() as Array<{ uuid: string }>).map((r) => r.uuid);
  db.close();
  scarp(['review', '--project', 'field.gpkg', '--uuid', uuids.join(','), '--status', 'confirmed', '--json'], d);
  // Two shards of one run, and a shard of another run (1 of 2 of the 256² crop).
  scarp(['detect', '--image', c.img512, '--shard', '1/2', '--out', 's1.gpkg', '--json'], d);
  scarp(['detect', '--image', c.img512, '--shard', '2/2', '--out', 's2.gpkg', '--json'], d);
  scarp(['detect', '--image', c.img256, '--shard', '2/2', '--out', 'other.gpkg', '--json'], d);
  return {
    pre: p('pre.tif'),
    preFar: p('pre-far.tif'),
    pre4326: p('pre-4326.tif'),
    preCoarse: p('pre-coarse.tif'),
    preOneBand: p('pre-1band.tif'),
    project: p('a.gpkg'),
    field: p('field.gpkg'),
    shards: [p('s1.gpkg'), p('s2.gpkg')],
    shardsOther: p('other.gpkg'),
  };
}

/** Mutated bytes of a file, or the file as is when the mutation does not apply to it. */
const mutated = (m: Mutation, file: string): Buffer => m.bytes(readFileSync(file)) ?? readFileSync(file);

export function addWorkflowCases(c: WorkflowContext): void {
  const b = buildWorkflowBase(c);
  const n = (k: number): number => Math.max(2, Math.round(k * c.scale));

  // 1. Pairs: scarp change on the 256² post crop with a good, distant, reprojected, coarse, one-band or mutated pre.
  const pairCase = (what: string, makePre: (dir: string) => void, out: 'gpkg' | 'project' | 'geojson'): void => {
    const args = ['change', '--pre', 'pre.tif', '--post', 'post.tif', '--json'];
    const outputs = out === 'gpkg' ? ['out.gpkg'] : out === 'project' ? ['p.gpkg'] : ['out.geojson', 'out.qml', 'score.tif', 'score.qml'];
    const extra = out === 'gpkg' ? ['--out', 'out.gpkg'] : out === 'project' ? ['--project', 'p.gpkg'] : ['--out', 'out.geojson', '--probability', 'score.tif'];
    c.add('pair', what, [...args, ...extra], outputs, (d) => {
      copyFileSync(c.img256, join(d, 'post.tif'));
      makePre(d);
    }, 'post.tif');
  };
  const outs = ['gpkg', 'project', 'geojson'] as const;
  const pres: Array<[string, string]> = [
    ['pre sharing 192 × 192 px', b.pre],
    ['pre 50 km away (no overlap)', b.preFar],
    ['pre in WGS 84 degrees', b.pre4326],
    ['pre at 4 m', b.preCoarse],
    ['pre of one band', b.preOneBand],
    ['pre = post', c.img256],
    ['pre is the DEM', c.dsm256],
  ];
  pres.forEach(([what, file], i) => pairCase(`change, ${what}`, (d) => copyFileSync(file, join(d, 'pre.tif')), outs[i % 3]!));
  for (let i = 0; i < n(24); i++) {
    const m = i % 4 === 0 ? c.truncate([0.01, 0.3, 0.7, 0.98][(i / 4) % 4]!) : c.mutation(i);
    pairCase(`change, pre: ${m.what}`, (d) => writeFileSync(join(d, 'pre.tif'), mutated(m, b.pre)), outs[i % 3]!);
  }
  pairCase('change, pre missing', () => undefined, 'gpkg');
  pairCase('change, pre is a folder', (d) => mkdirSync(join(d, 'pre.tif')), 'gpkg');

  // 2. Single-date scenes: scarp bare-ground on mutated crops.
  for (let i = 0; i < n(10); i++) {
    const m = i % 3 === 0 ? c.truncate(0.2 + 0.2 * (i % 4)) : c.mutation(100 + i);
    const project = i % 2 === 1;
    c.add('pair', `bare-ground, image: ${m.what}`, ['bare-ground', '--image', 'in.tif', ...(project ? ['--project', 'p.gpkg'] : ['--out', 'out.geojson']), '--json'], project ? ['p.gpkg'] : ['out.geojson', 'out.qml'], (d) =>
      writeFileSync(join(d, 'in.tif'), mutated(m, c.img256)),
    'in.tif');
  }

  // 3. A colleague's package merged into a project: on any error the project must be left as it was.
  const mergeCase = (what: string, makeFrom: (dir: string) => void, dryRun = false): void => {
    c.add('package', what, ['merge', '--into', 'a.gpkg', '--from', 'field.gpkg', ...(dryRun ? ['--dry-run'] : []), '--json'], [], (d) => {
      copyFileSync(b.project, join(d, 'a.gpkg'));
      makeFrom(d);
    }, undefined, { intact: ['a.gpkg'] });
  };
  mergeCase('package valid', (d) => copyFileSync(b.field, join(d, 'field.gpkg')));
  mergeCase('package valid, dry run', (d) => copyFileSync(b.field, join(d, 'field.gpkg')), true);
  mergeCase('package is the project itself', (d) => copyFileSync(b.project, join(d, 'field.gpkg')));
  mergeCase('package is a plain GeoPackage (no Scarp tables)', (d) => copyFileSync(c.plainGpkg, join(d, 'field.gpkg')));
  mergeCase('package is a GeoTIFF named .gpkg', (d) => copyFileSync(c.img256, join(d, 'field.gpkg')));
  mergeCase('package is empty', (d) => writeFileSync(join(d, 'field.gpkg'), ''));
  mergeCase('package missing', () => undefined);
  const sql = (what: string, statements: string[]): void =>
    mergeCase(`package: ${what}`, (d) => {
      copyFileSync(b.field, join(d, 'field.gpkg'));
      const db = new Database(join(d, 'field.gpkg'));
      // The R-tree triggers call these (SpatiaLite's, which GDAL provides); the corruption is what the SQL writes.
      for (const f of ['ST_MinX', 'ST_MaxX', 'ST_MinY', 'ST_MaxY']) db.function(f, (_g: unknown) => 0);
      db.function('ST_IsEmpty', (g: unknown) => (g === null ? 1 : 0));
      try {
        for (const s of statements) db.exec(s);
      } finally {
        db.close();
      }
    });
  sql('landslides table dropped', ['DROP TABLE landslides']);
  sql('a geometry blob of garbage', ["UPDATE landslides SET geom = X'47500003DEADBEEF' WHERE fid = (SELECT MIN(fid) FROM landslides)"]);
  sql('every geometry NULL', ['UPDATE landslides SET geom = NULL']);
  sql('a uuid that is not one', ["UPDATE landslides SET uuid = 'x' WHERE fid = (SELECT MAX(fid) FROM landslides)"]);
  sql('the sync states removed (no common state)', ['DELETE FROM scarp_sync_features', 'DELETE FROM scarp_sync_states']);
  sql('a schema version from the future', ["UPDATE scarp_meta SET value = '999' WHERE key = 'schema_version'"]);
  sql('the project id removed', ["DELETE FROM scarp_meta WHERE key = 'project_id'"]);
  sql('the schema version row removed', ["DELETE FROM scarp_meta WHERE key = 'schema_version'"]);
  for (let i = 0; i < n(16); i++) {
    const m = i % 3 === 0 ? c.truncate(0.05 + 0.3 * ((i / 3) % 3)) : c.mutation(200 + i);
    mergeCase(`package: ${m.what}`, (d) => writeFileSync(join(d, 'field.gpkg'), mutated(m, b.field)), i % 5 === 4);
  }

  // 4. Shards joined by scarp merge-shards.
  const shardCase = (what: string, names: string[], make: (dir: string) => void): void => {
    c.add('shards', what, ['merge-shards', '--out', 'm.gpkg', ...names, '--json'], ['m.gpkg'], make);
  };
  const both = (d: string): void => {
    copyFileSync(b.shards[0], join(d, 's1.gpkg'));
    copyFileSync(b.shards[1], join(d, 's2.gpkg'));
  };
  shardCase('shards valid', ['s1.gpkg', 's2.gpkg'], both);
  shardCase('one shard missing', ['s1.gpkg'], both);
  shardCase('one shard given twice', ['s1.gpkg', 's1.gpkg'], both);
  shardCase('a shard of another run', ['s1.gpkg', 'other.gpkg'], (d) => {
    both(d);
    copyFileSync(b.shardsOther, join(d, 'other.gpkg'));
  });
  shardCase('a plain GeoPackage as a shard', ['s1.gpkg', 'plain.gpkg'], (d) => {
    both(d);
    copyFileSync(c.plainGpkg, join(d, 'plain.gpkg'));
  });
  shardCase('a project as a shard', ['s1.gpkg', 'a.gpkg'], (d) => {
    both(d);
    copyFileSync(b.project, join(d, 'a.gpkg'));
  });
  for (let i = 0; i < n(16); i++) {
    const m = i % 3 === 0 ? c.truncate(0.1 + 0.25 * (i % 4)) : c.mutation(300 + i);
    shardCase(`shard 2: ${m.what}`, ['s1.gpkg', 's2.gpkg'], (d) => {
      both(d);
      writeFileSync(join(d, 's2.gpkg'), mutated(m, b.shards[1]));
    });
  }

  // 5. Batches: scene lists and manifests. The output folder is the batch's working state (resumable), kept either way.
  const batchCase = (what: string, scenes: string, make: (dir: string) => void): void => {
    c.add('batch', what, ['batch', '--scenes', scenes, '--out-dir', 'out', '--shards', '1', '--json'], ['out/'], make, undefined, { kept: ['out/'] });
  };
  const img = (d: string, name = 'a.tif'): void => copyFileSync(c.img256, join(d, name));
  batchCase('list of one good and one missing scene', 'list.txt', (d) => {
    img(d);
    writeFileSync(join(d, 'list.txt'), 'a.tif\nmissing.tif\n');
  });
  batchCase('list with comments, blank lines and CRLF', 'list.txt', (d) => {
    img(d);
    writeFileSync(join(d, 'list.txt'), '# scenes\r\n\r\na.tif\r\n');
  });
  batchCase('empty list', 'list.txt', (d) => writeFileSync(join(d, 'list.txt'), ''));
  batchCase('list naming one scene twice', 'list.txt', (d) => {
    img(d);
    writeFileSync(join(d, 'list.txt'), 'a.tif\na.tif\n');
  });
  batchCase('folder without images', 'scenes', (d) => mkdirSync(join(d, 'scenes')));
  batchCase('folder with a good and a truncated image', 'scenes', (d) => {
    mkdirSync(join(d, 'scenes'));
    img(d, 'scenes/a.tif');
    writeFileSync(join(d, 'scenes/b.tif'), readFileSync(c.img256).subarray(0, 5000));
  });
  const manifest = (what: string, text: string, withImage = true): void =>
    batchCase(`manifest: ${what}`, 'm.json', (d) => {
      if (withImage) img(d);
      writeFileSync(join(d, 'm.json'), text);
    });
  manifest('valid', JSON.stringify({ scenes: [{ id: 'a', image: 'a.tif' }] }));
  manifest('truncated JSON', JSON.stringify({ scenes: [{ id: 'a', image: 'a.tif' }] }).slice(0, 20));
  manifest('scenes not a list', JSON.stringify({ scenes: 'a.tif' }));
  manifest('a scene without an image', JSON.stringify({ scenes: [{ id: 'a' }] }));
  manifest('an image path that is a number', JSON.stringify({ scenes: [{ id: 'a', image: 42 }] }));
  manifest('two scenes with one id', JSON.stringify({ scenes: [{ id: 'a', image: 'a.tif' }, { id: 'a', image: 'a.tif' }] }));
  manifest('an id with path separators', JSON.stringify({ scenes: [{ id: '../../escape', image: 'a.tif' }] }));
  manifest('a DEM that does not exist', JSON.stringify({ scenes: [{ id: 'a', image: 'a.tif', dem: 'nope.tif' }] }));
  manifest('JSON null', 'null', false);
  manifest('deep nesting 100k', `{"scenes":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, false);
  manifest('a STAC-like item collection with no assets', JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', id: 'x', properties: {}, assets: {} }] }), false);
  for (let i = 0; i < n(8); i++) {
    const m = i % 2 === 0 ? c.truncate(0.3 + 0.2 * ((i / 2) % 4)) : c.mutation(400 + i);
    batchCase(`scene: ${m.what}`, 'list.txt', (d) => {
      writeFileSync(join(d, 'a.tif'), mutated(m, c.img256));
      writeFileSync(join(d, 'list.txt'), 'a.tif\n');
    });
  }
}
