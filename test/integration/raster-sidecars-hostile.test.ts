/**
 * The validity sidecars and mask subfiles that openRaster reads besides the image itself (a `.aux.xml`
 * nodata, a `.msk` mask, GDAL's internal mask band) get the image's own protection: a named pipe
 * does not block the read, a hostile XML costs linear time, and a damaged mask is a clear error
 * naming the file (a damaged overview mask only drops that overview), never a hang or a crash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasData, dataPath, tempDir } from '../helpers/data';
import { gdal, hasGdal } from '../helpers/gdal';
import { describeRaster, openRaster } from '../../src-main/core/raster';
import { failure, openAndReadAll } from '../helpers/raster-failures';
import { entries, ifd0Offset, linkNext, nextLinkAt, setTag } from '../fuzz/tiff-edit';

const RGB = 'jinsha-uav/siteB_rgb.tif';
const TILE_BYTE_COUNTS = 325;

/** Offsets of every IFD of a classic little-endian TIFF, in chain order. */
function ifdOffsets(b: Buffer): number[] {
  const out: number[] = [];
  for (let at = ifd0Offset(b); at > 0 && at < b.length && out.length < 64; at = b.readUInt32LE(nextLinkAt(b, at))) out.push(at);
  return out;
}

/** `b` with the IFD at `ifdAt` moved to the front of the chain, so that tiff-edit's IFD0 edits reach it. */
function withIfdFirst(b: Buffer, ifdAt: number): Buffer {
  const out = Buffer.from(b);
  const chain = ifdOffsets(b);
  const i = chain.indexOf(ifdAt);
  const prev = chain[i - 1]!;
  out.writeUInt32LE(chain[i + 1] ?? 0, nextLinkAt(out, prev)); // unlink it
  out.writeUInt32LE(chain[0]!, nextLinkAt(out, ifdAt)); // it points at the old first
  out.writeUInt32LE(ifdAt, 4);
  return out;
}

describe.skipIf(!hasData || !hasGdal)('validity sidecars and mask subfiles: no hang, no crash, clear errors', () => {
  let dir: string;
  let cleanup: () => void;
  let rgba: string;
  beforeAll(() => {
    ({ dir, cleanup } = tempDir('raster-sidecars'));
    gdal('gdal_translate', ['-q', '-srcwin', '1050', '1450', '384', '384', dataPath(RGB), join(dir, 'cut.tif')]);
    rgba = join(dir, 'rgba.tif');
    gdal('gdalwarp', ['-q', '-dstalpha', join(dir, 'cut.tif'), rgba]);
  });
  afterAll(() => cleanup());

  /** An 8-bit RGB file with no nodata tag, no alpha and no mask. */
  function untagged(name: string): string {
    const f = join(dir, name);
    gdal('gdal_translate', ['-q', '-b', '1', '-b', '2', '-b', '3', '-a_nodata', 'none', rgba, f]);
    return f;
  }

  /** A file with its mask in a `.msk` sidecar (GDAL 3.6's default for -mask). */
  function withSidecar(name: string): { file: string; msk: string } {
    const file = join(dir, name);
    gdal('gdal_translate', ['-q', '-b', '1', '-b', '2', '-b', '3', '-mask', '4', '-co', 'TILED=YES', '--config', 'GDAL_TIFF_INTERNAL_MASK', 'NO', rgba, file]);
    return { file, msk: `${file}.msk` };
  }

  it('an .aux.xml that is a named pipe or a link to /dev/zero is ignored (one blocked the read forever, the other exhausted memory)', async () => {
    const f = untagged('fifo-aux.tif');
    expect(spawnSync('mkfifo', [`${f}.aux.xml`]).status).toBe(0);
    const info = await describeRaster(f);
    expect(info.nodataFrom).toBeUndefined();
    expect(info.blackIsNodata).toBe(true);
    const z = untagged('zero-aux.tif');
    symlinkSync('/dev/zero', `${z}.aux.xml`);
    expect((await describeRaster(z)).nodataFrom).toBeUndefined();
  });

  it('a hostile .aux.xml (200,000 unclosed band elements) is read in linear time and yields no nodata; a well-formed one with spaced attributes does', async () => {
    const f = untagged('hostile-aux.tif');
    writeFileSync(`${f}.aux.xml`, `<PAMDataset>${'<PAMRasterBand band="2" '.repeat(200_000)}`);
    expect((await describeRaster(f)).nodataFrom).toBeUndefined();
    writeFileSync(`${f}.aux.xml`, '<PAMDataset>\n  <PAMRasterBand band = "1">\n    <NoDataValue>7</NoDataValue>\n  </PAMRasterBand>\n</PAMDataset>\n');
    const info = await describeRaster(f);
    expect(info.nodataFrom).toBe('aux.xml');
    expect(info.nodata).toBe(7);
  });

  it('a .msk sidecar that is a named pipe is refused, naming it', async () => {
    const file = join(dir, 'fifo-msk.tif');
    copyFileSync(untagged('fifo-msk-src.tif'), file);
    expect(spawnSync('mkfifo', [`${file}.msk`]).status).toBe(0);
    await expect(openRaster(file)).rejects.toMatchObject({ code: 'FILE_UNREADABLE', file: `${file}.msk` });
  });

  it('a truncated, looping or mis-tabled .msk is CORRUPT_FILE naming the sidecar', async () => {
    const { file, msk } = withSidecar('bad-msk.tif');
    expect((await describeRaster(file)).maskBand).toBe('sidecar');
    const good = readFileSync(msk);
    const counts = entries(good).find((e) => e.tag === TILE_BYTE_COUNTS)!;
    const damaged: Array<[string, Buffer]> = [
      ['truncated', good.subarray(0, Math.floor(good.length * 0.4))],
      ['a directory chain that loops', linkNext(good, ifd0Offset(good))],
      ['a tile byte-count table one entry short', setTag(good, TILE_BYTE_COUNTS, new Array<number>(Math.max(1, counts.count - 1)).fill(100), 4)!],
    ];
    for (const [what, bytes] of damaged) {
      writeFileSync(msk, bytes);
      const err = await failure(openAndReadAll(file));
      expect(err?.code, what).toBe('CORRUPT_FILE');
      expect(err?.message, what).toContain('.msk');
    }
  });

  it("a damaged internal mask band: at full resolution CORRUPT_FILE naming it; an overview's only drops that overview", async () => {
    const file = join(dir, 'internal.tif');
    gdal('gdal_translate', ['-q', '-b', '1', '-b', '2', '-b', '3', '-mask', '4', '-co', 'COMPRESS=JPEG', '-co', 'PHOTOMETRIC=YCBCR', '-co', 'TILED=YES', '-co', 'BLOCKXSIZE=128', '-co', 'BLOCKYSIZE=128', '--config', 'GDAL_TIFF_INTERNAL_MASK', 'YES', rgba, file]);
    gdal('gdaladdo', ['-q', '--config', 'GDAL_TIFF_INTERNAL_MASK', 'YES', file, '2']);
    const good = readFileSync(file);
    const before = await openRaster(file);
    expect(before.info.maskBand).toBe('internal');
    expect(before.info.overviews.length).toBe(1);
    await before.close();

    // Mask IFDs: NewSubfileType with bit 4 (4 = full resolution, 5 = an overview's).
    const subfile = (at: number): number => entries(good, at).find((e) => e.tag === 254)?.valueAt ?? -1;
    const masks = ifdOffsets(good).filter((at) => subfile(at) >= 0 && (good.readUInt32LE(subfile(at)) & 4) !== 0);
    const full = masks.find((at) => good.readUInt32LE(subfile(at)) === 4)!;
    const ovr = masks.find((at) => good.readUInt32LE(subfile(at)) === 5)!;
    const breakTable = (ifdAt: number): Buffer => {
      // Edit that IFD's byte-count table (tiff-edit reaches IFD0), then restore the original chain order.
      const front = withIfdFirst(good, ifdAt);
      const edited = setTag(front, TILE_BYTE_COUNTS, [100], 4)!;
      edited.writeUInt32LE(ifd0Offset(good), 4);
      const chain = ifdOffsets(good);
      const i = chain.indexOf(ifdAt);
      edited.writeUInt32LE(ifdAt, nextLinkAt(edited, chain[i - 1]!));
      edited.writeUInt32LE(chain[i + 1] ?? 0, nextLinkAt(edited, ifdAt));
      return edited;
    };

    writeFileSync(file, breakTable(full));
    const err = await failure(openAndReadAll(file));
    expect(err?.code).toBe('CORRUPT_FILE');
    expect(err?.message).toContain('mask band');

    writeFileSync(file, breakTable(ovr));
    const src = await openRaster(file);
    try {
      expect(src.info.maskBand).toBe('internal');
      expect(src.info.overviews.length).toBe(0); // read from full resolution instead, its mask applied
      const half = await src.readWindowResampled({ x: 0, y: 0, width: 384, height: 384 }, 192, 192, [0]);
      expect(half[0]!.some((v) => Number.isNaN(v))).toBe(true);
    } finally {
      await src.close();
    }
  });
});
