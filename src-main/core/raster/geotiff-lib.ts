/**
 * geotiff.js with Scarp's decoders: DEFLATE through node:zlib (several times faster than pako) and JPEG that
 * converts YCbCr (GDAL's PHOTOMETRIC=YCBCR) to RGB as libjpeg does. Registration is global to geotiff.js and
 * done once, before the first read.
 */
import './worker-shim';
import { inflateSync } from 'node:zlib';
import { addDecoder, BaseDecoder, getDecoder, fromFile, GeoTIFF, GeoTIFFImage } from 'geotiff';
import type { ImageFileDirectory } from 'geotiff';
import { ycbcrToRgbInPlace } from './ycbcr';
import { lzwDecode } from './lzw';
import { ZSTDDecoder } from 'zstddec';

export { fromFile, GeoTIFF, GeoTIFFImage };
export type { ImageFileDirectory };

/** Bytes a decoded block can hold (decoders never produce more: a deflate or LZW bomb stays bounded). */
function blockBytes(p: BlockParams): number {
  const bits = Array.isArray(p.bitsPerSample) ? Math.max(...p.bitsPerSample) : p.bitsPerSample;
  const samples = p.planarConfiguration === 2 ? 1 : Math.max(1, p.samplesPerPixel ?? 1);
  return Math.max(1, p.tileWidth * p.tileHeight * samples * Math.ceil(Math.max(1, bits) / 8));
}

class ZlibDeflateDecoder extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    const max = blockBytes((this as unknown as { parameters: BlockParams }).parameters);
    const out = inflateSync(new Uint8Array(buffer), { maxOutputLength: max + 65536 });
    return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
  }
}

/**
 * ZSTD into a buffer of the block's size (one-shot ZSTD_decompress): geotiff.js's streaming decoder
 * never returns on some corrupt data (a hang, found by the fuzzer). An error or a size other than
 * expected is thrown as corruption.
 */
const zstd = new ZSTDDecoder();
class BoundedZstdDecoder extends BaseDecoder {
  override async decodeBlock(buffer: ArrayBufferLike): Promise<ArrayBufferLike> {
    await zstd.init();
    const max = blockBytes((this as unknown as { parameters: BlockParams }).parameters);
    const out = zstd.decode(new Uint8Array(buffer), max);
    if (out.length > max) throw new Error('ZSTD data is corrupt');
    return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
  }
}

class BoundedLzwDecoder extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    const out = lzwDecode(new Uint8Array(buffer), blockBytes((this as unknown as { parameters: BlockParams }).parameters));
    return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
  }
}

interface BlockParams {
  tileWidth: number;
  tileHeight: number;
  bitsPerSample: number | number[];
  planarConfiguration: number;
  samplesPerPixel?: number;
}

interface JpegParams {
  tileWidth: number;
  tileHeight: number;
  predictor: number;
  bitsPerSample: number | number[];
  planarConfiguration: number;
  JPEGTables?: Uint8Array;
  photometric?: number;
  subsampling?: [number, number];
  samplesPerPixel?: number;
}

type DecoderCtor = new (p: JpegParams) => BaseDecoder;

async function baseParams(fd: ImageFileDirectory): Promise<JpegParams> {
  const tiled = !fd.hasTag('StripOffsets');
  const width = Number(await fd.loadValue('ImageWidth'));
  const height = Number(await fd.loadValue('ImageLength'));
  const bits = (await fd.loadValue('BitsPerSample')) as number | number[] | Uint16Array;
  return {
    tileWidth: tiled ? Number(await fd.loadValue('TileWidth')) : width,
    tileHeight: tiled ? Number(await fd.loadValue('TileLength')) : Number((await fd.loadValue('RowsPerStrip')) ?? height) || height,
    planarConfiguration: Number((await fd.loadValue('PlanarConfiguration')) ?? 1),
    bitsPerSample: typeof bits === 'number' ? bits : Array.from(bits),
    predictor: Number((await fd.loadValue('Predictor')) ?? 1),
    samplesPerPixel: Number((await fd.loadValue('SamplesPerPixel')) ?? 1) || 1,
  };
}

/** Decoder parameters as geotiff.js computes them internally (its getDecoderParameters is not exported). */
export async function decoderParams(compression: number, fd: ImageFileDirectory): Promise<Record<string, unknown>> {
  const base = (await baseParams(fd)) as unknown as Record<string, unknown>;
  if (compression === 7) {
    const sub = (await fd.loadValue('YCbCrSubSampling')) as ArrayLike<number> | undefined;
    return {
      ...base,
      JPEGTables: await fd.loadValue('JPEGTables'),
      photometric: Number(await fd.loadValue('PhotometricInterpretation')),
      subsampling: sub && sub.length >= 2 ? [Number(sub[0]), Number(sub[1])] : [2, 2],
    };
  }
  if (compression === 34887) return { ...base, LercParameters: await fd.loadValue('LercParameters') };
  if (compression === 50001) return { ...base, samplesPerPixel: Number(await fd.loadValue('SamplesPerPixel')) || 4 };
  return base;
}

let registered: Promise<void> | null = null;

/** Register Scarp's decoders with geotiff.js (idempotent). */
export function ensureDecoders(): Promise<void> {
  registered ??= (async () => {
    // geotiff.js does not export its JPEG decoder class; take it from an instance before overriding id 7.
    const probe = await getDecoder(7, { tileWidth: 1, tileHeight: 1, predictor: 1, bitsPerSample: 8, planarConfiguration: 1 });
    const JpegBase = probe.constructor as DecoderCtor;
    class YCbCrJpegDecoder extends JpegBase {
      private readonly p: JpegParams;
      constructor(p: JpegParams) {
        super(p);
        this.p = p;
      }
      override async decodeBlock(buffer: ArrayBufferLike): Promise<ArrayBufferLike> {
        const out = await super.decodeBlock(buffer);
        if (this.p.photometric === 6 && this.p.planarConfiguration === 1) {
          const bytes = new Uint8Array(out);
          const [sx, sy] = this.p.subsampling ?? [2, 2];
          const h = Math.floor(bytes.length / (3 * this.p.tileWidth));
          ycbcrToRgbInPlace(bytes, this.p.tileWidth, h, sx, sy);
        }
        return out;
      }
    }
    const params = (code: number) => async (fd: ImageFileDirectory) => (await decoderParams(code, fd)) as never;
    addDecoder([8, 32946], async () => ZlibDeflateDecoder, params(8), false);
    addDecoder(5, async () => BoundedLzwDecoder, params(5), false);
    addDecoder(50000, async () => BoundedZstdDecoder, params(50000), false);
    addDecoder(
      7,
      async () => YCbCrJpegDecoder as unknown as typeof BaseDecoder,
      async (fd: ImageFileDirectory) => (await decoderParams(7, fd)) as never,
      false,
    );
  })();
  return registered;
}
