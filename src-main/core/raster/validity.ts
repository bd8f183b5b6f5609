/**
 * A GeoTIFF's own validity mask besides its nodata value, read as GDAL reads it (RFC 15 mask bands):
 * - an alpha sample (TIFF ExtraSamples 1 or 2: associated or unassociated alpha), as drone and aerial
 *   orthomosaics are delivered (ODM, Pix4D, Metashape and `gdalwarp -dstalpha` write RGBA);
 * - GDAL's mask band: a 1-bit subfile of the same size (NewSubfileType 4; 5 for an overview's
 *   mask), as JPEG-compressed orthophotos carry it (`GDAL_TIFF_INTERNAL_MASK`), or a `.msk` sidecar.
 * A pixel whose alpha or mask is 0 is no data in every band (NaN), like GDAL's mask band; any other
 * value is valid, nodata aside.
 *
 * One rule goes beyond GDAL: 8- or 16-bit imagery of three or more bands that declares no validity
 * at all (no nodata value, alpha or mask) reads a pixel that is 0 in every band as no data. Such
 * files are common (collars of rotated scenes, gaps between mosaicked patches, JPEG/PNG exports),
 * GDAL would read the black as ground, and a detector then sees a hard black edge: on site B at 3 m
 * without its nodata tag F1 fell from 0.82 to 0.41 (8-bit and uint16 alike). A truly black pixel of
 * a photograph (clipped shadow) only loses its value to the fill; reflectance is never 0 in every
 * band. Single-band rasters (DEMs, masks) are left as GDAL reads them.
 */
import { existsSync } from 'node:fs';
import { fromFile, type GeoTIFF, type GeoTIFFImage } from './geotiff-lib';
import { checkCompression, checkLayout } from './guards';
import { sniffRaster } from './sniff';

export type Validity = { kind: 'alpha'; sample: number } | { kind: 'mask'; image: GeoTIFFImage; /** the file holding it (the image, or its .msk) */ file: string } | { kind: 'black'; samples: number };

/** The first alpha sample of an image (0-based), from its ExtraSamples tag, or null. */
export function alphaSampleOf(extraSamples: unknown, samples: number): number | null {
  if (extraSamples === undefined || extraSamples === null) return null;
  const extra = typeof extraSamples === 'number' ? [extraSamples] : Array.from(extraSamples as ArrayLike<number>);
  const first = samples - extra.length;
  if (first < 0) return null;
  const k = extra.findIndex((v) => v === 1 || v === 2);
  return k < 0 ? null : first + k;
}

/**
 * The mask images among `images`, by size ("width×height"), each checked as the imagery's own blocks
 * are (compression, block tables, decoded size). A damaged overview mask is left out (its overview is
 * then not read; the full resolution is); a damaged full-resolution mask is an error naming the
 * file, since without it every gap would read as ground.
 */
async function checkedMasks(path: string, images: GeoTIFFImage[], full: { width: number; height: number }, what: string): Promise<Map<string, GeoTIFFImage>> {
  const out = new Map<string, GeoTIFFImage>();
  for (const im of images) {
    const key = `${im.getWidth()}×${im.getHeight()}`;
    if (out.has(key)) continue;
    const isFull = im.getWidth() === full.width && im.getHeight() === full.height;
    try {
      checkCompression(path, Number((await im.fileDirectory.loadValue('Compression' as never)) ?? 1));
      const bits = Number((await im.fileDirectory.loadValue('BitsPerSample' as never)) ?? 1);
      await checkLayout(path, im, 1, Math.max(1, bits) / 8, im.planarConfiguration, isFull ? what : `${what} (an overview's)`);
    } catch (e) {
      if (isFull) throw e;
      continue;
    }
    out.set(key, im);
  }
  return out;
}

/**
 * GDAL's external mask (`<file>.msk`, what GDAL 3.6 writes by default for `gdal_translate -mask`):
 * every image of it is a mask, the first at full resolution. Null when there is none; the caller
 * closes it with the raster. The sidecar gets the imagery's checks: a regular file, a sound directory
 * chain (sniffRaster), sane blocks.
 */
export async function sidecarMasks(path: string): Promise<{ masks: Map<string, GeoTIFFImage>; tiff: GeoTIFF; path: string } | null> {
  const msk = [`${path}.msk`, `${path}.MSK`].find((p) => existsSync(p));
  if (!msk) return null;
  const sniff = await sniffRaster(msk);
  const tiff = await fromFile(msk);
  try {
    const count = Math.min(sniff.structure.ifdCount, await tiff.getImageCount());
    const images: GeoTIFFImage[] = [];
    for (let i = 0; i < count; i++) {
      const im = await tiff.getImage(i);
      if (im.getSamplesPerPixel() === 1) images.push(im);
    }
    const first = images[0];
    const masks = first ? await checkedMasks(msk, images, { width: first.getWidth(), height: first.getHeight() }, 'the mask sidecar') : new Map<string, GeoTIFFImage>();
    return { masks, tiff, path: msk };
  } catch (e) {
    await Promise.resolve(tiff.close()).catch(() => undefined);
    throw e;
  }
}

/** GDAL's internal mask subfiles of a file, by their size ("width×height"), full resolution and overviews, checked (checkedMasks). */
export async function internalMasks(path: string, tiff: GeoTIFF, count: number, full: { width: number; height: number }): Promise<Map<string, GeoTIFFImage>> {
  const images: GeoTIFFImage[] = [];
  for (let i = 1; i < count; i++) {
    const im = await tiff.getImage(i);
    const sub = Number((await im.fileDirectory.loadValue('NewSubfileType' as never)) ?? 0);
    const photometric = Number((await im.fileDirectory.loadValue('PhotometricInterpretation' as never)) ?? -1);
    if ((sub & 4) === 0 || photometric !== 4 || im.getSamplesPerPixel() !== 1) continue;
    images.push(im);
  }
  return checkedMasks(path, images, full, 'its mask band');
}

/** Whether 8/16-bit imagery of ≥ 3 bands without nodata, alpha or mask reads all-zero pixels as no data (see above). */
export function readsBlackAsNodata(o: { dataType: string; samples: number; nodata: number | null; alpha: boolean; mask: boolean }): boolean {
  return (o.dataType === 'uint8' || o.dataType === 'uint16') && o.samples >= 3 && o.nodata === null && !o.alpha && !o.mask;
}

/**
 * Pixels of a decoded block that the block itself marks as no data (alpha 0, or 0 in every sample
 * for 'black') become NaN in `out` (rows cy0…cy1, columns cx0…cx1 of the block's level).
 */
export function applyBlockValidity(
  validity: Extract<Validity, { kind: 'alpha' | 'black' }>,
  block: { arrays: ArrayLike<number>[]; stride: number; spp: number; interleaved: boolean },
  origin: { x0: number; y0: number },
  rect: { cx0: number; cx1: number; cy0: number; cy1: number },
  window: { x: number; y: number; width: number },
  out: Float32Array[],
): void {
  const samples = validity.kind === 'alpha' ? [validity.sample] : Array.from({ length: validity.samples }, (_, k) => k);
  const srcs = samples.map((k) => (block.interleaved ? block.arrays[0]! : block.arrays[k]!));
  const offs = samples.map((k) => (block.interleaved ? k : 0));
  const n = rect.cx1 - rect.cx0;
  for (let y = rect.cy0; y < rect.cy1; y++) {
    const s0 = ((y - origin.y0) * block.stride + (rect.cx0 - origin.x0)) * block.spp;
    const d = (y - window.y) * window.width + (rect.cx0 - window.x);
    for (let i = 0, s = s0; i < n; i++, s += block.spp) {
      let none = true;
      for (let k = 0; k < srcs.length && none; k++) none = srcs[k]![s + offs[k]!] === 0;
      if (none) for (const o of out) o[d + i] = NaN;
    }
  }
}

/** Pixels of a window (clipped to the level: ax…bx1, ay…by1) whose mask band (internal or .msk) is 0 become NaN in `out`. */
export async function applyMaskBand(
  mask: GeoTIFFImage,
  clip: { ax: number; ay: number; bx1: number; by1: number },
  window: { x: number; y: number; width: number },
  out: Float32Array[],
): Promise<void> {
  const w = clip.bx1 - clip.ax;
  const r = (await mask.readRasters({ window: [clip.ax, clip.ay, clip.bx1, clip.by1], samples: [0], interleave: false })) as unknown as ArrayLike<number>[];
  const m = r[0]!;
  for (let y = clip.ay; y < clip.by1; y++) {
    const s = (y - clip.ay) * w;
    const d = (y - window.y) * window.width + (clip.ax - window.x);
    for (let i = 0; i < w; i++) {
      if (m[s + i] === 0) for (const o of out) o[d + i] = NaN;
    }
  }
}
