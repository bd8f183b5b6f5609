/**
 * The fuzz corpus: malformed rasters, DEMs, areas of interest and import files made from real crops
 * of the shared data. Valid variants come from GDAL (gdal_translate, gdal_create, ogr2ogr, VRTs);
 * they are then truncated, byte-flipped, tag-edited, looped and placed behind odd paths. Every case
 * lives in its own folder (so leftovers are visible) and names the `scarp` command to run on it.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants as zlibConstants, deflateRawSync } from 'node:zlib';
import { addWorkflowCases } from './corpus-workflows';
import * as T from './tiff-edit';

export type CaseKind = 'raster' | 'dem' | 'aoi' | 'import' | 'pair' | 'package' | 'shards' | 'batch';

export interface FuzzCase {
  id: string;
  kind: CaseKind;
  /** What was done to the input, for the report. */
  what: string;
  /** The case's own folder: inputs live here and outputs go here (made by make()). */
  dir: string;
  /** Write the case's inputs into dir (lazily, so a corpus of thousands holds no bytes). */
  make: () => void;
  /** `scarp` arguments. */
  args: string[];
  /** Files a successful run writes (relative to dir; a name ending in / stands for a folder and what is in it). */
  outputs: string[];
  /** Inputs a run must leave byte for byte as they were when it ends in an error (a project a merge goes into). */
  intact?: string[];
  /** What a run may leave whether it succeeds or not (a batch's working folder, which a rerun continues). */
  kept?: string[];
  /** The imagery the case runs on (for the scene-area check of a success). */
  image?: string;
}

export interface CorpusOptions {
  seed: number;
  /** Target number of cases (the corpus is scaled to about this many). */
  count: number;
  dataDir: string;
}

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
}

// ---------------------------------------------------------------------------------------------
// Base files (valid), made once per corpus.

interface Base {
  dir: string;
  img512: string;
  img256: string;
  dsm256: string;
  /** Valid imagery variants by name (classic little-endian TIFFs can be tag-edited). */
  variants: Array<{ name: string; path: string; classicLE: boolean }>;
  demVariants: Array<{ name: string; path: string }>;
  /** Imagery whose validity is an alpha band or GDAL's internal mask band (with an overview and its mask). */
  validityVariants: Array<{ name: string; path: string; classicLE: boolean }>;
  /** An image whose mask is a `.msk` sidecar (`${mskImage}.msk`), and an image declaring no validity. */
  mskImage: string;
  untagged: string;
  /** A baseline TIFF (no georeferencing tags, no sidecars): its georeferencing comes from a .tfw and an .aux.xml made per case. */
  baseline: string;
  shp: string;
  geojsonUtm: string;
  kml: string;
  gpkg: string;
}

const SITE_B = { x: 1600, y: 600 };

export function vrtDem(dsm: string, out: string, o: { gt?: number[]; offset?: number; ratio?: number; nodata?: string; bands?: number; size?: [number, number]; srcWin?: [number, number, number, number]; srs?: string }): void {
  const info = JSON.parse(spawnSync('gdalinfo', ['-json', dsm], { encoding: 'utf8' }).stdout) as { size: [number, number]; geoTransform: number[]; coordinateSystem: { wkt: string } };
  const [w, h] = o.size ?? info.size;
  const gt = o.gt ?? info.geoTransform;
  const src = o.srcWin ?? [0, 0, info.size[0], info.size[1]];
  const bands = Array.from({ length: o.bands ?? 1 }, (_, i) => `
  <VRTRasterBand dataType="Float32" band="${i + 1}">
    ${o.nodata !== undefined ? `<NoDataValue>${o.nodata}</NoDataValue>` : ''}
    <ComplexSource>
      <SourceFilename relativeToVRT="0">${dsm}</SourceFilename>
      <SourceBand>1</SourceBand>
      <SrcRect xOff="${src[0]}" yOff="${src[1]}" xSize="${src[2]}" ySize="${src[3]}"/>
      <DstRect xOff="0" yOff="0" xSize="${w}" ySize="${h}"/>
      ${o.ratio !== undefined ? `<ScaleRatio>${o.ratio}</ScaleRatio>` : ''}
      ${o.offset !== undefined ? `<ScaleOffset>${o.offset}</ScaleOffset>` : ''}
    </ComplexSource>
  </VRTRasterBand>`).join('');
  const srs = o.srs ?? info.coordinateSystem.wkt;
  const xml = `<VRTDataset rasterXSize="${w}" rasterYSize="${h}">
  <SRS>${srs.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')}</SRS>
  <GeoTransform>${gt.join(', ')}</GeoTransform>${bands}
</VRTDataset>`;
  writeFileSync(`${out}.vrt`, xml);
  run('gdal_translate', ['-q', `${out}.vrt`, out]);
}

export function buildBase(dir: string, dataDir: string): Base {
  mkdirSync(dir, { recursive: true });
  const rgbSrc = join(dataDir, 'jinsha-uav/siteB_rgb.tif');
  const dsmSrc = join(dataDir, 'jinsha-uav/siteB_dsm.tif');
  const p = (n: string): string => join(dir, n);
  const win = (x: number, y: number, s: number): string[] => ['-srcwin', String(x), String(y), String(s), String(s)];
  run('gdal_translate', ['-q', ...win(SITE_B.x, SITE_B.y, 512), '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE', rgbSrc, p('img512.tif')]);
  run('gdal_translate', ['-q', ...win(SITE_B.x + 128, SITE_B.y + 128, 256), '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE', rgbSrc, p('img256.tif')]);
  run('gdal_translate', ['-q', ...win(SITE_B.x + 128, SITE_B.y + 128, 256), dsmSrc, p('dsm256.tif')]);

  // Variants of the 256² crop: one model tile, so a run that succeeds costs a second, not five.
  const img = p('img256.tif');
  const variants: Base['variants'] = [];
  const add = (name: string, args: string[], classicLE = true, src = img, tool = 'gdal_translate'): void => {
    const out = p(`v_${name}.tif`);
    run(tool, ['-q', ...args, src, out]);
    variants.push({ name, path: out, classicLE });
  };
  add('strip-none', ['-co', 'COMPRESS=NONE']);
  add('strip-lzw', ['-co', 'COMPRESS=LZW']);
  add('tiled-deflate', ['-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE']);
  add('tiled-deflate-pred2', ['-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE', '-co', 'PREDICTOR=2']);
  add('strip-packbits', ['-co', 'COMPRESS=PACKBITS']);
  add('tiled-jpeg-ycbcr', ['-co', 'TILED=YES', '-co', 'COMPRESS=JPEG', '-co', 'PHOTOMETRIC=YCBCR']);
  add('tiled-zstd', ['-co', 'TILED=YES', '-co', 'COMPRESS=ZSTD']);
  add('tiled-webp', ['-co', 'TILED=YES', '-co', 'COMPRESS=WEBP']);
  add('tiled-lzma', ['-co', 'TILED=YES', '-co', 'COMPRESS=LZMA']);
  add('cog', ['-of', 'COG', '-co', 'BLOCKSIZE=128', '-co', 'COMPRESS=DEFLATE', '-co', 'OVERVIEWS=AUTO']);
  add('band-interleave', ['-co', 'TILED=YES', '-co', 'INTERLEAVE=BAND', '-co', 'COMPRESS=DEFLATE']);
  add('uint16', ['-ot', 'UInt16', '-scale', '0', '255', '0', '10000', '-co', 'TILED=YES']);
  add('float32', ['-ot', 'Float32', '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE']);
  add('one-band', ['-b', '1', '-co', 'TILED=YES']);
  add('four-band', ['-b', '1', '-b', '2', '-b', '3', '-b', '1', '-co', 'TILED=YES']);
  add('pixel-is-point', ['-mo', 'AREA_OR_POINT=Point', '-co', 'TILED=YES']);
  add('wgs84', ['-t_srs', 'EPSG:4326', '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE'], true, img, 'gdalwarp');
  add('bigtiff', ['-co', 'BIGTIFF=YES', '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE'], false);
  add('big-endian', ['-co', 'ENDIANNESS=BIG', '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE'], false);

  // Validity forms: an alpha band (gdalwarp -dstalpha: transparent corners), GDAL's internal mask
  // with an overview and its mask (JPEG orthophotos), a .msk sidecar, and no declared validity.
  const rgba = p('v_rgba.tif');
  run('gdalwarp', ['-q', '-dstalpha', '-t_srs', 'EPSG:4326', '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE', img, rgba]);
  const masked = p('v_jpeg-internal-mask.tif');
  run('gdal_translate', ['-q', '-b', '1', '-b', '2', '-b', '3', '-mask', '4', '-co', 'COMPRESS=JPEG', '-co', 'PHOTOMETRIC=YCBCR', '-co', 'TILED=YES', '-co', 'BLOCKXSIZE=128', '-co', 'BLOCKYSIZE=128', '--config', 'GDAL_TIFF_INTERNAL_MASK', 'YES', rgba, masked]);
  run('gdaladdo', ['-q', '--config', 'GDAL_TIFF_INTERNAL_MASK', 'YES', masked, '2']);
  const validityVariants: Base['validityVariants'] = [
    { name: 'rgba', path: rgba, classicLE: true },
    { name: 'jpeg-internal-mask', path: masked, classicLE: true },
  ];
  const mskImage = p('v_msk-sidecar.tif');
  run('gdal_translate', ['-q', '-b', '1', '-b', '2', '-b', '3', '-mask', '4', '-co', 'TILED=YES', '--config', 'GDAL_TIFF_INTERNAL_MASK', 'NO', rgba, mskImage]);
  const untagged = p('v_untagged.tif');
  run('gdal_translate', ['-q', '-b', '1', '-b', '2', '-b', '3', '-a_nodata', 'none', rgba, untagged]);
  const baseline = p('v_baseline.tif');
  run('gdal_translate', ['-q', '--config', 'GDAL_PAM_ENABLED', 'NO', '-co', 'PROFILE=BASELINE', img, baseline]);

  const dsm = p('dsm256.tif');
  const info = JSON.parse(spawnSync('gdalinfo', ['-json', dsm], { encoding: 'utf8' }).stdout) as { geoTransform: number[] };
  const gt = info.geoTransform;
  const demVariants: Base['demVariants'] = [];
  const dem = (name: string, o: Parameters<typeof vrtDem>[2]): void => {
    const out = p(`d_${name}.tif`);
    vrtDem(dsm, out, o);
    demVariants.push({ name, path: out });
  };
  dem('valid', {});
  dem('all-nodata', { ratio: 0, offset: -9999, nodata: '-9999' });
  dem('all-nan', { ratio: 0, offset: NaN });
  dem('plus-inf', { ratio: 0, offset: Infinity });
  dem('minus-inf', { ratio: 1e39, offset: 0 });
  dem('huge-values', { ratio: 1e30, offset: 0 });
  dem('constant-zero', { ratio: 0, offset: 0 });
  dem('below-sea', { ratio: 1, offset: -20000 });
  dem('one-by-one', { size: [1, 1], gt: [gt[0]!, 128, 0, gt[3]!, 0, -128] });
  dem('three-band', { bands: 3 });
  dem('overlap-10pc', { gt: [gt[0]! + 0.9 * 128, gt[1]!, 0, gt[3]!, 0, gt[5]!] });
  dem('no-overlap', { gt: [gt[0]! + 10_000, gt[1]!, 0, gt[3]!, 0, gt[5]!] });
  dem('rotated', { gt: [gt[0]!, gt[1]! * 0.9, 0.05, gt[3]!, 0.05, gt[5]! * 0.9] });
  dem('tiny-pixels', { gt: [gt[0]!, 1e-9, 0, gt[3]!, 0, -1e-9] });
  dem('huge-pixels', { gt: [gt[0]!, 1e7, 0, gt[3]!, 0, -1e7] });
  dem('origin-1e9', { gt: [1e9, gt[1]!, 0, 1e9, 0, gt[5]!] });
  dem('coarse-30m', { size: [5, 5], gt: [gt[0]!, 30, 0, gt[3]!, 0, -30] });
  dem('wgs84-degrees', { srs: 'EPSG:4326', gt: [98.7, 0.00001, 0, 31.13, 0, -0.00001] });
  dem('flat-nan-nodata', { nodata: 'nan' });
  run('gdalwarp', ['-q', '-t_srs', 'EPSG:4326', dsm, p('d_warped-4326.tif')]);
  demVariants.push({ name: 'warped-4326', path: p('d_warped-4326.tif') });
  run('gdal_translate', ['-q', '-ot', 'Int16', dsm, p('d_int16.tif')]);
  demVariants.push({ name: 'int16', path: p('d_int16.tif') });

  // Vectors.
  const shpDir = join(dataDir, 'balakot');
  for (const ext of ['shp', 'shx', 'dbf', 'prj', 'cpg']) copyFileSync(join(shpDir, `landslides.${ext}`), p(`landslides.${ext}`));
  copyFileSync(join(dataDir, 'jinsha-uav/siteB_landslides.geojson'), p('siteB_utm.geojson'));
  run('ogr2ogr', ['-q', '-f', 'KML', p('siteB.kml'), p('siteB_utm.geojson')]);
  run('ogr2ogr', ['-q', '-f', 'GPKG', p('siteB.gpkg'), p('siteB_utm.geojson')]);
  return {
    dir,
    img512: p('img512.tif'),
    img256: p('img256.tif'),
    dsm256: dsm,
    variants,
    demVariants,
    validityVariants,
    mskImage,
    untagged,
    baseline,
    shp: p('landslides.shp'),
    geojsonUtm: p('siteB_utm.geojson'),
    kml: p('siteB.kml'),
    gpkg: p('siteB.gpkg'),
  };
}

// ---------------------------------------------------------------------------------------------
// Mutations.

type Mutation = { what: string; bytes: (b: Buffer) => Buffer | null };

function flips(r: () => number, n: number, region: 'header' | 'any'): Mutation {
  return {
    what: `${n} byte flip(s) in the ${region === 'header' ? 'first 2 KiB' : 'file'}`,
    bytes: (b) => {
      const out = Buffer.from(b);
      const span = region === 'header' ? Math.min(out.length, 2048) : out.length;
      for (let i = 0; i < n; i++) {
        const at = Math.floor(r() * span);
        out[at] = (out[at] as number) ^ (1 << Math.floor(r() * 8));
      }
      return out;
    },
  };
}

const truncate = (f: number): Mutation => ({ what: `truncated to ${(f * 100).toFixed(1)} %`, bytes: (b) => b.subarray(0, Math.max(0, Math.floor(b.length * f))) });

function tagMutations(): Mutation[] {
  const m: Mutation[] = [];
  const set = (tag: number, name: string, values: number[], type?: number): void => {
    m.push({ what: `${name} = ${values.slice(0, 4).join(',')}${values.length > 4 ? '…' : ''}`, bytes: (b) => T.setTag(b, tag, values, type) });
  };
  const each = (tag: number, name: string, fill: number): void => {
    m.push({ what: `every ${name} = ${fill}`, bytes: (b) => { const v = T.tagValues(b, tag); return v ? T.setTag(b, tag, v.map(() => fill)) : null; } });
  };
  for (const v of [0, 1, 200_000, 60_000, 2 ** 31 - 1, 4294967295]) set(256, 'ImageWidth', [v], 4);
  for (const v of [0, 200_000, 4294967295]) set(257, 'ImageLength', [v], 4);
  for (const v of [0, 1, 15, 65536]) set(322, 'TileWidth', [v], 4);
  for (const v of [0, 65535]) set(323, 'TileLength', [v], 4);
  for (const v of [0, 1, 4294967295]) set(278, 'RowsPerStrip', [v], 4);
  set(258, 'BitsPerSample', [12, 12, 12]);
  set(258, 'BitsPerSample', [0, 0, 0]);
  set(258, 'BitsPerSample', [64, 64, 64]);
  set(258, 'BitsPerSample', [8]);
  for (const v of [5, 1, 7, 8, 32773, 34887, 50000, 50001, 34925, 9999, 0]) set(259, 'Compression', [v], 3);
  for (const v of [3, 6, 5, 99]) set(262, 'Photometric', [v], 3);
  for (const v of [0, 1, 4, 255, 65535]) set(277, 'SamplesPerPixel', [v], 3);
  for (const v of [2, 0, 7]) set(284, 'PlanarConfiguration', [v], 3);
  for (const v of [2, 3, 7]) set(317, 'Predictor', [v], 3);
  set(339, 'SampleFormat', [3, 3, 3], 3);
  set(339, 'SampleFormat', [2, 2, 2], 3);
  set(339, 'SampleFormat', [9, 9, 9], 3);
  for (const [tag, name] of [[324, 'TileOffsets'], [273, 'StripOffsets']] as const) {
    each(tag, name, 0x7fffffff);
    each(tag, name, 0);
    m.push({ what: `${name} count shrunk to 1`, bytes: (b) => { const v = T.tagValues(b, tag); return v ? T.setTag(b, tag, v.slice(0, 1)) : null; } });
  }
  for (const [tag, name] of [[325, 'TileByteCounts'], [279, 'StripByteCounts']] as const) {
    each(tag, name, 0);
    each(tag, name, 0x7fffffff);
    each(tag, name, 3);
  }
  for (const v of [[0, 0, 0], [-0.5, 0.5, 0], [1e-12, 1e-12, 0], [1e12, 1e12, 0], [NaN, NaN, 0], [Infinity, 0.5, 0], [0.5, 1e-300, 0]]) set(33550, 'ModelPixelScale', v, 12);
  for (const v of [[0, 0, 0, 1e9, 1e9, 0], [0, 0, 0, NaN, 3444891, 0], [0, 0, 0, 3.65e190, 3444891, 0], [0, 0, 0, -1e20, 0, 0], [0, 0, 0, 470534, Infinity, 0], [0, 0, 0, 0, 0, 0]]) set(33922, 'ModelTiepoint', v, 12);
  m.push({ what: 'one flipped tiepoint byte', bytes: (b) => { const e = T.entries(b).find((x) => x.tag === 33922); if (!e) return null; const out = Buffer.from(b); const at = e.valueAt + 3 * 8 + 7; out[at] = (out[at] as number) ^ 0x40; return out; } });
  for (const code of [0, 1, 32767, 65535, 4326, 3857, 2000]) {
    m.push({
      what: `GeoKey 3072/2048 (CRS) = ${code}`,
      bytes: (b) => {
        const v = T.tagValues(b, 34735);
        if (!v) return null;
        const out = [...v];
        for (let i = 4; i + 3 < out.length; i += 4) if (out[i] === 3072 || out[i] === 2048) out[i + 3] = code;
        return T.setTag(b, 34735, out);
      },
    });
  }
  m.push({ what: 'GeoKeyDirectory count says 4000 keys', bytes: (b) => { const v = T.tagValues(b, 34735); return v ? T.setTag(b, 34735, [v[0]!, v[1]!, v[2]!, 4000, ...v.slice(4)]) : null; } });
  for (const s of ['nan', '1e400', 'abc', '-inf', '', '0x10', '-9999'.repeat(100)]) set(42113, `GDAL_NODATA '${s.slice(0, 12)}'`, [...Buffer.from(`${s}\0`)], 2);
  for (const [tag, name] of [[256, 'ImageWidth'], [257, 'ImageLength'], [273, 'StripOffsets'], [324, 'TileOffsets'], [325, 'TileByteCounts'], [33550, 'ModelPixelScale'], [33922, 'ModelTiepoint'], [34735, 'GeoKeyDirectory'], [258, 'BitsPerSample'], [277, 'SamplesPerPixel'], [259, 'Compression'], [322, 'TileWidth']] as const) {
    m.push({ what: `${name} removed`, bytes: (b) => T.dropTag(b, tag) });
  }
  m.push({ what: 'IFD0 links to itself', bytes: (b) => T.linkNext(b, T.ifd0Offset(b)) });
  m.push({ what: 'IFD0 links to the header', bytes: (b) => T.linkNext(b, 0) });
  m.push({ what: 'IFD0 links past the end', bytes: (b) => T.linkNext(b, b.length + 1000) });
  m.push({ what: 'IFD0 links to an odd offset inside pixel data', bytes: (b) => T.linkNext(b, Math.floor(b.length / 2) | 1) });
  m.push({ what: 'header points IFD0 past the end', bytes: (b) => { const out = Buffer.from(b); out.writeUInt32LE(b.length + 8, 4); return out; } });
  m.push({ what: 'IFD0 entry count 65535', bytes: (b) => { const out = Buffer.from(b); out.writeUInt16LE(65535, T.ifd0Offset(b)); return out; } });
  m.push({ what: 'IFD0 entry count 0', bytes: (b) => { const out = Buffer.from(b); out.writeUInt16LE(0, T.ifd0Offset(b)); return out; } });
  m.push({
    what: 'last IFD links back to IFD0 (cycle)',
    bytes: (b) => {
      let at = T.ifd0Offset(b);
      const seen = new Set<number>();
      for (;;) {
        seen.add(at);
        const link = T.nextLinkAt(b, at);
        const next = b.readUInt32LE(link);
        if (next === 0 || seen.has(next) || next >= b.length) {
          const out = Buffer.from(b);
          out.writeUInt32LE(T.ifd0Offset(b), link);
          return out;
        }
        at = next;
      }
    },
  });
  return m;
}

// ---------------------------------------------------------------------------------------------
// Cases.

export function buildCorpus(root: string, opts: CorpusOptions): FuzzCase[] {
  const base = buildBase(join(root, 'base'), opts.dataDir);
  const r = rng(opts.seed);
  const cases: FuzzCase[] = [];
  const scale = opts.count / 1000;
  const add = (kind: CaseKind, what: string, args: string[], outputs: string[], make: (dir: string) => void, image?: string, keep: { intact?: string[]; kept?: string[] } = {}): void => {
    const id = `${kind}-${String(cases.length).padStart(4, '0')}`;
    const dir = join(root, 'cases', id);
    cases.push({
      id,
      kind,
      what,
      dir,
      args,
      outputs,
      ...keep,
      image: image ? join(dir, image) : undefined,
      make: () => {
        mkdirSync(dir, { recursive: true });
        make(dir);
      },
    });
  };
  // Imagery: `info`, detect to GeoJSON + probability, detect into a new project, detect to GeoPackage.
  const rasterArgs = (file: string): { args: string[]; outputs: string[] } => {
    switch (cases.length % 5) {
      case 0:
        return { args: ['info', file, '--json'], outputs: [] };
      case 1:
        return { args: ['detect', '--image', file, '--out', 'out.geojson', '--probability', 'prob.tif', '--json'], outputs: ['out.geojson', 'out.qml', 'prob.tif', 'prob.qml'] };
      case 2:
        return { args: ['detect', '--image', file, '--project', 'p.gpkg', '--json'], outputs: ['p.gpkg'] };
      default:
        return { args: ['detect', '--image', file, '--out', 'out.gpkg', '--json'], outputs: ['out.gpkg'] };
    }
  };
  const addRaster = (what: string, src: string, m: Mutation | null): void => {
    const a = rasterArgs('in.tif');
    add('raster', what, a.args, a.outputs, (d) => {
      const bytes = m ? m.bytes(readFileSync(src)) : readFileSync(src);
      writeFileSync(join(d, 'in.tif'), bytes ?? readFileSync(src));
    }, 'in.tif');
  };
  /** Mutations drawn now (so the corpus is fixed by the seed), applied when a case is made. */
  const drawFlips = (n: number, region: 'header' | 'any'): Mutation => flips(rng(Math.floor(r() * 2 ** 32)), n, region);

  // 1. Imagery: every valid variant as is, then mutated.
  const tags = tagMutations();
  for (const v of base.variants) {
    addRaster(`${v.name}: valid`, v.path, null);
    const muts: Mutation[] = [];
    for (const f of [0.001, 0.05, 0.3, 0.6, 0.9, 0.999]) muts.push(truncate(f));
    for (let i = 0; i < Math.max(1, Math.round(6 * scale)); i++) muts.push(drawFlips(1 + Math.floor(r() * 3), 'header'));
    for (let i = 0; i < Math.max(1, Math.round(3 * scale)); i++) muts.push(drawFlips(1 + Math.floor(r() * 50), 'any'));
    if (v.classicLE) for (let i = 0; i < Math.max(4, Math.round(14 * scale)); i++) muts.push(tags[Math.floor(r() * tags.length)]!);
    for (const m of muts) addRaster(`${v.name}: ${m.what}`, v.path, m);
  }
  // Every tag edit on the tiled and the striped base file.
  const tiled = base.variants.find((v) => v.name === 'tiled-deflate')!.path;
  const striped = base.variants.find((v) => v.name === 'strip-none')!.path;
  for (const m of tags) addRaster(`tiled-deflate: ${m.what}`, tiled, m);
  for (const m of tags) if (r() < 0.5 * Math.min(1, scale * 1.2)) addRaster(`strip-none: ${m.what}`, striped, m);

  // 2. Special files and odd paths.
  const special = (what: string, name: string, make: (dir: string) => void, cmd?: 'info' | 'detect'): void => {
    const a = cmd === 'info' ? { args: ['info', name, '--json'], outputs: [] } : cmd === 'detect' ? { args: ['detect', '--image', name, '--out', 'out.gpkg', '--json'], outputs: ['out.gpkg'] } : rasterArgs(name);
    add('raster', what, a.args, a.outputs, make);
  };
  for (const cmd of ['info', 'detect'] as const) {
    special(`FIFO named .tif (${cmd})`, 'fifo.tif', (d) => run('mkfifo', [join(d, 'fifo.tif')]), cmd);
    special(`folder named .tif (${cmd})`, 'dir.tif', (d) => mkdirSync(join(d, 'dir.tif')), cmd);
    special(`link to /dev/zero named .tif (${cmd})`, 'zero.tif', (d) => symlinkSync('/dev/zero', join(d, 'zero.tif')), cmd);
    special(`symlink loop (${cmd})`, 'a.tif', (d) => { symlinkSync(join(d, 'b.tif'), join(d, 'a.tif')); symlinkSync(join(d, 'a.tif'), join(d, 'b.tif')); }, cmd);
    special(`dangling symlink (${cmd})`, 'link.tif', (d) => symlinkSync(join(d, 'gone.tif'), join(d, 'link.tif')), cmd);
    special(`/dev/null (${cmd})`, '/dev/null', () => undefined, cmd);
    for (const [w, what] of [[200_000, '200k²'], [60_000, '60k²'], [45_000, '45k²']] as const) {
      special(`sparse ${what} valid GeoTIFF (${cmd})`, 'huge.tif', (d) =>
        run('gdal_create', ['-q', '-outsize', String(w), String(w), '-bands', '3', '-ot', 'Byte', '-a_srs', 'EPSG:32647', '-a_ullr', '470000', '3450000', String(470000 + w / 2), String(3450000 - w / 2), '-co', 'TILED=YES', '-co', 'SPARSE_OK=TRUE', '-co', 'BIGTIFF=YES', join(d, 'huge.tif')]),
      cmd);
    }
  }
  special('empty file', 'e.tif', (d) => writeFileSync(join(d, 'e.tif'), ''));
  special('header only', 'h.tif', (d) => writeFileSync(join(d, 'h.tif'), Buffer.from([0x49, 0x49, 42, 0, 8, 0, 0, 0])));
  special('path with spaces and unicode', 'ça été — scène 1.tif', (d) => copyFileSync(base.img512, join(d, 'ça été — scène 1.tif')));
  special('file name of 300 characters', `${'x'.repeat(296)}.tif`, () => undefined);
  special('a folder path that does not exist', 'nowhere/at/all.tif', () => undefined);
  special('/proc/self/mem', '/proc/self/mem', () => undefined);
  special('a PNG named .tif', 'p.tif', (d) => writeFileSync(join(d, 'p.tif'), Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')));

  // 3. DEMs (on the 256² crop of the same scene).
  const demCase = (what: string, make: (dir: string) => void, withProject: boolean): void => {
    const out = withProject ? ['--project', 'p.gpkg'] : ['--out', 'out.gpkg'];
    add('dem', what, ['detect', '--image', 'img.tif', '--dem', 'dem.tif', ...out, '--json'], [withProject ? 'p.gpkg' : 'out.gpkg'], (d) => {
      copyFileSync(base.img256, join(d, 'img.tif'));
      make(d);
    }, 'img.tif');
  };
  base.demVariants.forEach((v, i) => demCase(`DEM ${v.name}`, (d) => copyFileSync(v.path, join(d, 'dem.tif')), i % 3 === 1));
  const demMuts: Mutation[] = [truncate(0.01), truncate(0.4), truncate(0.95)];
  for (let i = 0; i < Math.round(30 * scale); i++) demMuts.push(drawFlips(1 + Math.floor(r() * 3), 'header'));
  for (let i = 0; i < Math.round(10 * scale); i++) demMuts.push(drawFlips(1 + Math.floor(r() * 40), 'any'));
  for (let i = 0; i < Math.round(60 * scale); i++) demMuts.push(tags[Math.floor(r() * tags.length)]!);
  demMuts.forEach((m, i) =>
    demCase(`DEM: ${m.what}`, (d) => writeFileSync(join(d, 'dem.tif'), m.bytes(readFileSync(base.dsm256)) ?? readFileSync(base.dsm256)), i % 4 === 1),
  );
  demCase('DEM is a FIFO', (d) => run('mkfifo', [join(d, 'dem.tif')]), false);
  demCase('DEM is a folder', (d) => mkdirSync(join(d, 'dem.tif')), false);

  // 4. Areas of interest.
  const gtImg = (JSON.parse(spawnSync('gdalinfo', ['-json', base.img256], { encoding: 'utf8' }).stdout) as { geoTransform: number[] }).geoTransform;
  const x0 = gtImg[0]!;
  const y0 = gtImg[3]!;
  const ring = (x: number, y: number, w: number, h: number): number[][] => [[x, y], [x + w, y], [x + w, y - h], [x, y - h], [x, y]];
  const fc = (geom: unknown, crs = true): string =>
    JSON.stringify({ type: 'FeatureCollection', ...(crs ? { crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32647' } } } : {}), features: [{ type: 'Feature', properties: {}, geometry: geom }] });
  const validAoi = fc({ type: 'Polygon', coordinates: [ring(x0 + 20, y0 - 20, 60, 60)] });
  const aoiTexts: Array<[string, () => string, string]> = [
    ['valid polygon inside', () => validAoi, 'aoi.geojson'],
    ['deep nesting 200k', () => `{"type":"Polygon","coordinates":${'['.repeat(200_000)}${']'.repeat(200_000)}}`, 'aoi.geojson'],
    ['deep nesting 5k', () => `{"type":"Polygon","coordinates":${'['.repeat(5000)}1${']'.repeat(5000)}}`, 'aoi.geojson'],
    ['ring of 2 points', () => fc({ type: 'Polygon', coordinates: [[[x0 + 1, y0 - 1], [x0 + 50, y0 - 50]]] }), 'aoi.geojson'],
    ['ring of 4 identical points', () => fc({ type: 'Polygon', coordinates: [[[x0 + 1, y0 - 1], [x0 + 1, y0 - 1], [x0 + 1, y0 - 1], [x0 + 1, y0 - 1]]] }), 'aoi.geojson'],
    ['zero-area ring (a line)', () => fc({ type: 'Polygon', coordinates: [[[x0 + 1, y0 - 1], [x0 + 50, y0 - 50], [x0 + 100, y0 - 100], [x0 + 1, y0 - 1]]] }), 'aoi.geojson'],
    ['unclosed ring', () => fc({ type: 'Polygon', coordinates: [ring(x0 + 10, y0 - 10, 50, 50).slice(0, 4)] }), 'aoi.geojson'],
    ['bow-tie ring', () => fc({ type: 'Polygon', coordinates: [[[x0 + 10, y0 - 10], [x0 + 100, y0 - 100], [x0 + 100, y0 - 10], [x0 + 10, y0 - 100], [x0 + 10, y0 - 10]]] }), 'aoi.geojson'],
    ['outside the scene', () => fc({ type: 'Polygon', coordinates: [ring(x0 + 50_000, y0, 60, 60)] }), 'aoi.geojson'],
    ['empty FeatureCollection', () => JSON.stringify({ type: 'FeatureCollection', features: [] }), 'aoi.geojson'],
    ['features null', () => JSON.stringify({ type: 'FeatureCollection', features: null }), 'aoi.geojson'],
    ['geometry null', () => fc(null), 'aoi.geojson'],
    ['a Point', () => fc({ type: 'Point', coordinates: [x0 + 10, y0 - 10] }), 'aoi.geojson'],
    ['a LineString', () => fc({ type: 'LineString', coordinates: [[x0 + 10, y0 - 10], [x0 + 90, y0 - 90]] }), 'aoi.geojson'],
    ['strings as coordinates', () => fc({ type: 'Polygon', coordinates: [[['a', 'b'], ['c', 'd'], ['e', 'f'], ['a', 'b']]] }), 'aoi.geojson'],
    ['1e308 coordinates', () => fc({ type: 'Polygon', coordinates: [[[1e308, 1e308], [-1e308, 1e308], [-1e308, -1e308], [1e308, 1e308]]] }), 'aoi.geojson'],
    ['UTM coordinates without crs', () => fc({ type: 'Polygon', coordinates: [ring(x0 + 20, y0 - 20, 60, 60)] }, false), 'aoi.geojson'],
    ['unknown crs member', () => JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'EPSG:999999' } }, features: [] }), 'aoi.geojson'],
    ['truncated JSON', () => validAoi.slice(0, 80), 'aoi.geojson'],
    ['empty file', () => '', 'aoi.geojson'],
    ['BOM then JSON', () => `\uFEFF${validAoi}`, 'aoi.geojson'],
    ['JSON null', () => 'null', 'aoi.geojson'],
    ['JSON number', () => '42', 'aoi.geojson'],
    ['a million vertices', () => fc({ type: 'Polygon', coordinates: [Array.from({ length: 1_000_001 }, (_, i) => { const a = (2 * Math.PI * i) / 1_000_000; return [x0 + 64 + 50 * Math.cos(a), y0 - 64 + 50 * Math.sin(a)]; })] }), 'aoi.geojson'],
    ['100k features', () => JSON.stringify({ type: 'FeatureCollection', features: Array.from({ length: 100_000 }, (_, i) => ({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring(x0 + (i % 100), y0 - Math.floor(i / 1000), 1, 1)] } })) }), 'aoi.geojson'],
    ['broken KML', () => '<kml><Document><Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>1,2 3,4', 'aoi.kml'],
    ['KML with entity expansion', () => `<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "${'x'.repeat(1000)}"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><kml><Document><name>&c;</name></Document></kml>`, 'aoi.kml'],
    ['not JSON at all', () => 'hello world', 'aoi.geojson'],
    ['an AOI that is a FIFO', () => '\0fifo', 'aoi.geojson'],
  ];
  const aoiCase = (what: string, text: () => string | Buffer, name: string, withProject: boolean): void => {
    const out = withProject ? ['--project', 'p.gpkg'] : ['--out', 'out.geojson'];
    add('aoi', what, ['detect', '--image', 'img.tif', '--aoi', name, ...out, '--json'], withProject ? ['p.gpkg'] : ['out.geojson', 'out.qml'], (d) => {
      copyFileSync(base.img256, join(d, 'img.tif'));
      const t = text();
      if (t === '\0fifo') run('mkfifo', [join(d, name)]);
      else writeFileSync(join(d, name), t);
    }, 'img.tif');
  };
  aoiTexts.forEach(([what, text, name], i) => aoiCase(`AOI ${what}`, text, name, i % 5 === 2));
  for (let i = 0; i < Math.round(70 * scale); i++) {
    const m = i % 3 === 0 ? truncate(r()) : drawFlips(1 + Math.floor(r() * 4), 'any');
    aoiCase(`AOI: ${m.what}`, () => m.bytes(Buffer.from(validAoi)) ?? '', 'aoi.geojson', i % 6 === 1);
  }

  // 5. Imports into a new project.
  const importCase = (what: string, files: () => Record<string, Buffer | string>, main: string): void => {
    add('import', what, ['import', '--project', 'p.gpkg', '--file', main, '--json'], ['p.gpkg'], (d) => {
      for (const [name, bytes] of Object.entries(files())) writeFileSync(join(d, name), bytes);
    });
  };
  const shpPart = (e: string): Buffer => readFileSync(base.shp.replace(/shp$/, e));
  const shpSet = (over: Partial<Record<string, ((b: Buffer) => Buffer | null) | null>>) => (): Record<string, Buffer> => {
    const out: Record<string, Buffer> = {};
    for (const e of ['shp', 'shx', 'dbf', 'prj', 'cpg']) {
      const f = over[e];
      if (f === null) continue;
      const v = f ? f(shpPart(e)) : shpPart(e);
      if (v) out[`l.${e}`] = v;
    }
    return out;
  };
  importCase('shapefile valid', shpSet({}), 'l.shp');
  for (const f of [0.1, 0.5, 0.9, 0.999]) importCase(`.shp ${truncate(f).what}`, shpSet({ shp: truncate(f).bytes }), 'l.shp');
  for (const f of [0.1, 0.5]) importCase(`.shx ${truncate(f).what}`, shpSet({ shx: truncate(f).bytes }), 'l.shp');
  for (const f of [0.01, 0.5, 0.99]) importCase(`.dbf ${truncate(f).what}`, shpSet({ dbf: truncate(f).bytes }), 'l.shp');
  importCase('.shx missing', shpSet({ shx: null }), 'l.shp');
  importCase('.dbf missing', shpSet({ dbf: null }), 'l.shp');
  importCase('.prj missing', shpSet({ prj: null }), 'l.shp');
  importCase('.prj garbage', shpSet({ prj: () => Buffer.from('PROJCS["nonsense",GEOGCS[') }), 'l.shp');
  for (let i = 0; i < Math.round(25 * scale); i++) {
    const m = drawFlips(1 + Math.floor(r() * 6), i % 2 ? 'header' : 'any');
    importCase(`.shp: ${m.what}`, shpSet({ shp: m.bytes }), 'l.shp');
  }
  for (let i = 0; i < Math.round(10 * scale); i++) {
    const m = drawFlips(1 + Math.floor(r() * 3), 'header');
    importCase(`.dbf: ${m.what}`, shpSet({ dbf: m.bytes }), 'l.shp');
    importCase(`.shx: ${m.what}`, shpSet({ shx: m.bytes }), 'l.shp');
  }
  const gj = (): Buffer => readFileSync(base.geojsonUtm);
  importCase('GeoJSON UTM with crs', () => ({ 'l.geojson': gj() }), 'l.geojson');
  importCase('GeoJSON UTM without crs', () => ({ 'l.geojson': JSON.stringify({ ...(JSON.parse(gj().toString('utf8')) as object), crs: undefined }) }), 'l.geojson');
  importCase('GeoJSON deep nesting 200k', () => ({ 'l.geojson': `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":${'['.repeat(200_000)}${']'.repeat(200_000)}}}]}` }), 'l.geojson');
  add('import', 'GeoJSON of 300 MB (sparse)', ['import', '--project', 'p.gpkg', '--file', 'big.geojson', '--json'], ['p.gpkg'], (d) => {
    writeFileSync(join(d, 'big.geojson'), '{"type":"FeatureCollection","features":[');
    run('truncate', ['-s', '300M', join(d, 'big.geojson')]);
  });
  for (let i = 0; i < Math.round(25 * scale); i++) {
    const m = i % 3 === 0 ? truncate(r()) : drawFlips(1 + Math.floor(r() * 5), 'any');
    importCase(`GeoJSON: ${m.what}`, () => ({ 'l.geojson': m.bytes(gj())! }), 'l.geojson');
  }
  const kml = (): Buffer => readFileSync(base.kml);
  importCase('KML valid', () => ({ 'l.kml': kml() }), 'l.kml');
  for (let i = 0; i < Math.round(15 * scale); i++) {
    const m = i % 3 === 0 ? truncate(r()) : drawFlips(1 + Math.floor(r() * 5), 'any');
    importCase(`KML: ${m.what}`, () => ({ 'l.kml': m.bytes(kml())! }), 'l.kml');
  }
  const kmz = (): Buffer => zip([['doc.kml', kml()]]);
  importCase('KMZ valid', () => ({ 'l.kmz': kmz() }), 'l.kmz');
  importCase('KMZ expanding to 1 GiB', () => ({ 'l.kmz': zipOfZeros('doc.kml', 1 << 30) }), 'l.kmz');
  importCase('KMZ with no KML inside', () => ({ 'l.kmz': zip([['readme.txt', Buffer.from('hi')]]) }), 'l.kmz');
  for (let i = 0; i < Math.round(10 * scale); i++) {
    const m = i % 2 === 0 ? truncate(r()) : drawFlips(1 + Math.floor(r() * 5), 'any');
    importCase(`KMZ: ${m.what}`, () => ({ 'l.kmz': m.bytes(kmz())! }), 'l.kmz');
  }
  const gpkg = (): Buffer => readFileSync(base.gpkg);
  importCase('GeoPackage valid', () => ({ 'l.gpkg': gpkg() }), 'l.gpkg');
  for (let i = 0; i < Math.round(10 * scale); i++) {
    const m = i % 3 === 0 ? truncate(r()) : drawFlips(1 + Math.floor(r() * 20), 'any');
    importCase(`GeoPackage: ${m.what}`, () => ({ 'l.gpkg': m.bytes(gpkg())! }), 'l.gpkg');
  }

  // 6. Pairs, single-date scenes, packages, shards and batches (corpus-workflows.ts).
  addWorkflowCases({
    baseDir: base.dir,
    img256: base.img256,
    img512: base.img512,
    dsm256: base.dsm256,
    plainGpkg: base.gpkg,
    geojsonUtm: base.geojsonUtm,
    mutation: (i) => drawFlips(1 + Math.floor(r() * (i % 2 ? 40 : 3)), i % 2 ? 'any' : 'header'),
    truncate,
    scale,
    add,
  });

  // 7. Validity forms (alpha, internal mask band, .msk and .aux.xml sidecars), last and with their
  // own random stream so that the cases above keep their ids and contents.
  const rv = rng(opts.seed ^ 0x5ca1ab1e);
  const vFlips = (n: number, region: 'header' | 'any'): Mutation => flips(rng(Math.floor(rv() * 2 ** 32)), n, region);
  for (const v of base.validityVariants) {
    addRaster(`${v.name}: valid`, v.path, null);
    const muts: Mutation[] = [0.05, 0.3, 0.6, 0.9, 0.999].map(truncate);
    for (let i = 0; i < Math.max(1, Math.round(6 * scale)); i++) muts.push(vFlips(1 + Math.floor(rv() * 3), 'header'));
    for (let i = 0; i < Math.max(1, Math.round(4 * scale)); i++) muts.push(vFlips(1 + Math.floor(rv() * 50), 'any'));
    for (let i = 0; i < Math.max(4, Math.round(10 * scale)); i++) muts.push(tags[Math.floor(rv() * tags.length)]!);
    for (const m of muts) addRaster(`${v.name}: ${m.what}`, v.path, m);
  }
  const sidecarCase = (what: string, image: string, sidecar: string, make: (dir: string, sidecarPath: string) => void): void => {
    const a = rasterArgs('in.tif');
    add('raster', what, a.args, a.outputs, (d) => {
      copyFileSync(image, join(d, 'in.tif'));
      make(d, join(d, `in.tif${sidecar}`));
    }, 'in.tif');
  };
  const msk = readFileSync(`${base.mskImage}.msk`);
  const mskMuts: Mutation[] = [0.05, 0.35, 0.65, 0.95].map(truncate);
  for (let i = 0; i < Math.max(2, Math.round(6 * scale)); i++) mskMuts.push(vFlips(1 + Math.floor(rv() * 3), 'header'));
  for (let i = 0; i < Math.max(2, Math.round(4 * scale)); i++) mskMuts.push(vFlips(1 + Math.floor(rv() * 30), 'any'));
  for (let i = 0; i < Math.max(4, Math.round(12 * scale)); i++) mskMuts.push(tags[Math.floor(rv() * tags.length)]!);
  sidecarCase('.msk sidecar: valid', base.mskImage, '.msk', (_d, s) => writeFileSync(s, msk));
  for (const m of mskMuts) sidecarCase(`.msk sidecar: ${m.what}`, base.mskImage, '.msk', (_d, s) => writeFileSync(s, m.bytes(msk) ?? msk));
  sidecarCase('.msk sidecar: a named pipe', base.mskImage, '.msk', (_d, s) => run('mkfifo', [s]));
  sidecarCase('.msk sidecar: a folder', base.mskImage, '.msk', (_d, s) => mkdirSync(s));
  sidecarCase('.msk sidecar: empty', base.mskImage, '.msk', (_d, s) => writeFileSync(s, ''));
  sidecarCase('.msk sidecar: the image itself (3 bands)', base.mskImage, '.msk', (_d, s) => copyFileSync(base.mskImage, s));
  sidecarCase('.msk sidecar: of another size', base.mskImage, '.msk', (_d, s) => {
    run('gdal_translate', ['-q', '-of', 'GTiff', '-outsize', '50%', '50%', `${base.mskImage}.msk`, s]);
  });
  const pam = (body: string): string => `<PAMDataset>\n  <PAMRasterBand band="1">\n${body}  </PAMRasterBand>\n</PAMDataset>\n`;
  const auxes: Array<[string, (s: string) => void]> = [
    ['nodata 0', (s) => writeFileSync(s, pam('    <NoDataValue>0</NoDataValue>\n'))],
    ['nodata text that is not a number', (s) => writeFileSync(s, pam('    <NoDataValue>abc</NoDataValue>\n'))],
    ['nodata 1e999', (s) => writeFileSync(s, pam('    <NoDataValue>1e999</NoDataValue>\n'))],
    ['nodata nan', (s) => writeFileSync(s, pam('    <NoDataValue>nan</NoDataValue>\n'))],
    ['unclosed elements', (s) => writeFileSync(s, '<PAMDataset><PAMRasterBand band="1"><NoDataValue>0')],
    ['200,000 unclosed band elements', (s) => writeFileSync(s, `<PAMDataset>${'<PAMRasterBand band="2" '.repeat(200_000)}`)],
    ['5 MiB of padding', (s) => writeFileSync(s, pam(`<!--${' '.repeat(5 * 2 ** 20)}-->\n    <NoDataValue>0</NoDataValue>\n`))],
    ['binary garbage', (s) => writeFileSync(s, Buffer.from(Array.from({ length: 4096 }, () => Math.floor(rv() * 256))))],
    ['a named pipe', (s) => run('mkfifo', [s])],
    ['a folder', (s) => mkdirSync(s)],
    ['a link to /dev/zero', (s) => symlinkSync('/dev/zero', s)],
  ];
  for (const [what, make] of auxes) sidecarCase(`.aux.xml: ${what}`, base.untagged, '.aux.xml', (_d, s) => make(s));

  // 8. Georeferencing from sidecars (a baseline TIFF: no tags): world files and .aux.xml geotransforms
  // and SRSs, valid and broken.
  const img256Info = JSON.parse(spawnSync('gdalinfo', ['-json', base.img256], { encoding: 'utf8' }).stdout) as { geoTransform: number[]; coordinateSystem: { wkt: string } };
  const [gx, ga, , gy, , ge] = img256Info.geoTransform as [number, number, number, number, number, number];
  const srs = img256Info.coordinateSystem.wkt.replace(/\s*\n\s*/g, '');
  const tfwOk = `${ga}\n0\n0\n${ge}\n${gx + ga / 2}\n${gy + ge / 2}\n`;
  const auxSrs = (extra = ''): string => `<PAMDataset><SRS>${srs}</SRS>${extra}</PAMDataset>`;
  const georefCase = (what: string, files: { tfw?: string | Buffer | 'fifo' | 'dir'; aux?: string }): void => {
    const a = rasterArgs('in.tif');
    add('raster', `georeferencing sidecars: ${what}`, a.args, a.outputs, (d) => {
      copyFileSync(base.baseline, join(d, 'in.tif'));
      const tfw = join(d, 'in.tfw');
      if (files.tfw === 'fifo') run('mkfifo', [tfw]);
      else if (files.tfw === 'dir') mkdirSync(tfw);
      else if (files.tfw !== undefined) writeFileSync(tfw, files.tfw);
      if (files.aux !== undefined) writeFileSync(join(d, 'in.tif.aux.xml'), files.aux);
    }, 'in.tif');
  };
  georefCase('a .tfw and an SRS in .aux.xml', { tfw: tfwOk, aux: auxSrs() });
  georefCase('a geotransform and an SRS in .aux.xml', { aux: auxSrs(`<GeoTransform>${img256Info.geoTransform.join(', ')}</GeoTransform>`) });
  georefCase('a .tfw without any CRS', { tfw: tfwOk });
  georefCase('a .tfw of five lines', { tfw: tfwOk.split('\n').slice(0, 5).join('\n'), aux: auxSrs() });
  georefCase('a .tfw with a zero pixel size', { tfw: `0\n0\n0\n0\n${gx}\n${gy}\n`, aux: auxSrs() });
  georefCase('a .tfw with 1e308 pixels', { tfw: `1e308\n0\n0\n-1e308\n${gx}\n${gy}\n`, aux: auxSrs() });
  georefCase('a .tfw of text', { tfw: 'not a world file\n', aux: auxSrs() });
  georefCase('a .tfw of binary garbage', { tfw: Buffer.from(Array.from({ length: 512 }, () => Math.floor(rv() * 256))), aux: auxSrs() });
  georefCase('a .tfw that is a named pipe', { tfw: 'fifo', aux: auxSrs() });
  georefCase('a .tfw that is a folder', { tfw: 'dir', aux: auxSrs() });
  georefCase('a .tfw of 10 MiB', { tfw: `${tfwOk}${' '.repeat(10 * 2 ** 20)}`, aux: auxSrs() });
  georefCase('an .aux.xml geotransform of three numbers', { aux: auxSrs('<GeoTransform>1, 2, 3</GeoTransform>') });
  georefCase('an .aux.xml geotransform of zeros', { aux: auxSrs('<GeoTransform>0, 0, 0, 0, 0, 0</GeoTransform>') });
  georefCase('an .aux.xml SRS of garbage', { tfw: tfwOk, aux: '<PAMDataset><SRS>PROJCS["x",GEOGCS[</SRS></PAMDataset>' });
  georefCase('an .aux.xml SRS of a proj string', { tfw: tfwOk, aux: '<PAMDataset><SRS>+proj=robin +datum=WGS84</SRS></PAMDataset>' });
  georefCase('an .aux.xml SRS with entities', { tfw: tfwOk, aux: `<PAMDataset><SRS>${srs.replace(/"/g, '&quot;')}</SRS></PAMDataset>` });
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Minimal ZIP writing (stored deflate entries) for KMZ cases.

function crc32(b: Buffer): number {
  let c = ~0;
  for (let i = 0; i < b.length; i++) {
    c ^= b[i] as number;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function zipEntries(files: Array<{ name: string; crc: number; size: number; data: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(f.crc, 14);
    local.writeUInt32LE(f.data.length, 18);
    local.writeUInt32LE(f.size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt32LE(f.crc, 16);
    cd.writeUInt32LE(f.data.length, 20);
    cd.writeUInt32LE(f.size >>> 0, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, f.data);
    central.push(cd, name);
    offset += 30 + name.length + f.data.length;
  }
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cdBuf, end]);
}

export function zip(files: Array<[string, Buffer]>): Buffer {
  return zipEntries(files.map(([name, b]) => ({ name, crc: crc32(b), size: b.length, data: deflateRawSync(b) })));
}

/**
 * A zip whose one entry inflates to `size` zero bytes: non-final deflate blocks of a zero chunk
 * repeated (each compressed on its own, so no `size` buffer is ever held), then a final empty block.
 * Its CRC is left 0: a reader must refuse the size before it gets to check it.
 */
export function zipOfZeros(name: string, size: number): Buffer {
  const chunk = 1 << 24;
  const block = deflateRawSync(Buffer.alloc(chunk), { level: 9, finishFlush: zlibConstants.Z_SYNC_FLUSH });
  const blocks = Array.from({ length: Math.ceil(size / chunk) }, () => block);
  const data = Buffer.concat([...blocks, deflateRawSync(Buffer.alloc(0))]);
  return zipEntries([{ name, crc: 0, size: blocks.length * chunk, data }]);
}
