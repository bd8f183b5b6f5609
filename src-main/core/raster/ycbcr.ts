/**
 * YCbCr → RGB for JPEG-in-TIFF as GDAL writes it (PHOTOMETRIC=YCBCR, 2×2 chroma subsampling). geotiff.js's JPEG
 * decoder returns the YCbCr samples with chroma replicated; this converts them the way libjpeg(-turbo) does when
 * GDAL/libtiff decode with JPEGCOLORMODE=RGB: "fancy" (triangle) chroma upsampling and the fixed-point JFIF
 * colour conversion, so results match GDAL up to IDCT rounding.
 */

const SCALEBITS = 16;
const ONE_HALF = 1 << (SCALEBITS - 1);
const fix = (x: number): number => Math.floor(x * (1 << SCALEBITS) + 0.5);

const crR = new Int32Array(256);
const cbB = new Int32Array(256);
const crG = new Float64Array(256);
const cbG = new Float64Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  crR[i] = Math.floor((fix(1.402) * x + ONE_HALF) / 65536);
  cbB[i] = Math.floor((fix(1.772) * x + ONE_HALF) / 65536);
  crG[i] = -fix(0.71414) * x;
  cbG[i] = -fix(0.34414) * x + ONE_HALF;
}

const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);

/** Upsample one downsampled chroma plane (cw × ch) to w × h like libjpeg's h2v2/h2v1/h1v2 fancy upsamplers. */
export function fancyUpsample(src: Uint8Array, cw: number, ch: number, sx: number, sy: number, w: number, h: number): Uint8Array {
  // Vertical pass (h1v2 / h2v2 use a 3:1 weighting between nearest and next-nearest rows).
  const out = new Uint8Array(w * h);
  if (sx === 2 && sy === 2) {
    const colsum = new Int32Array(cw);
    for (let oy = 0; oy < h; oy++) {
      const r0 = Math.min(ch - 1, oy >> 1);
      const r1 = (oy & 1) === 0 ? Math.max(0, r0 - 1) : Math.min(ch - 1, r0 + 1);
      for (let c = 0; c < cw; c++) colsum[c] = (src[r0 * cw + c] as number) * 3 + (src[r1 * cw + c] as number);
      const row = new Uint8Array(cw * 2);
      if (cw === 1) {
        row[0] = ((colsum[0] as number) * 4 + 8) >> 4;
        row[1] = ((colsum[0] as number) * 4 + 7) >> 4;
      } else {
        for (let c = 0; c < cw; c++) {
          const t = colsum[c] as number;
          const l = c > 0 ? (colsum[c - 1] as number) : -1;
          const n = c < cw - 1 ? (colsum[c + 1] as number) : -1;
          row[2 * c] = l < 0 ? (t * 4 + 8) >> 4 : (t * 3 + l + 8) >> 4;
          row[2 * c + 1] = n < 0 ? (t * 4 + 7) >> 4 : (t * 3 + n + 7) >> 4;
        }
      }
      out.set(row.subarray(0, w), oy * w);
    }
    return out;
  }
  if (sx === 2 && sy === 1) {
    for (let oy = 0; oy < h; oy++) {
      const r = Math.min(ch - 1, oy);
      const base = r * cw;
      for (let c = 0; c < cw; c++) {
        const t = src[base + c] as number;
        const o = oy * w + 2 * c;
        if (cw === 1) {
          out[o] = t;
          if (2 * c + 1 < w) out[o + 1] = t;
          continue;
        }
        const a = c === 0 ? t : (t * 3 + (src[base + c - 1] as number) + 1) >> 2;
        const b = c === cw - 1 ? t : (t * 3 + (src[base + c + 1] as number) + 2) >> 2;
        if (2 * c < w) out[o] = a;
        if (2 * c + 1 < w) out[o + 1] = b;
      }
    }
    return out;
  }
  // Other factors: replicate (what libjpeg's int_upsample does).
  for (let oy = 0; oy < h; oy++) {
    const r = Math.min(ch - 1, Math.floor(oy / sy));
    for (let ox = 0; ox < w; ox++) out[oy * w + ox] = src[r * cw + Math.min(cw - 1, Math.floor(ox / sx))] as number;
  }
  return out;
}

/**
 * Convert a pixel-interleaved YCbCr buffer (w × h × 3, chroma replicated by sx × sy as geotiff.js returns it)
 * to RGB in place.
 */
export function ycbcrToRgbInPlace(buf: Uint8Array, w: number, h: number, sx: number, sy: number): void {
  const cw = Math.ceil(w / sx);
  const ch = Math.ceil(h / sy);
  let cb: Uint8Array;
  let cr: Uint8Array;
  if (sx === 1 && sy === 1) {
    cb = new Uint8Array(w * h);
    cr = new Uint8Array(w * h);
    for (let i = 0; i < w * h; i++) {
      cb[i] = buf[3 * i + 1] as number;
      cr[i] = buf[3 * i + 2] as number;
    }
  } else {
    const cbs = new Uint8Array(cw * ch);
    const crs = new Uint8Array(cw * ch);
    for (let r = 0; r < ch; r++) {
      for (let c = 0; c < cw; c++) {
        const p = 3 * (r * sy * w + c * sx);
        cbs[r * cw + c] = buf[p + 1] as number;
        crs[r * cw + c] = buf[p + 2] as number;
      }
    }
    cb = fancyUpsample(cbs, cw, ch, sx, sy, w, h);
    cr = fancyUpsample(crs, cw, ch, sx, sy, w, h);
  }
  for (let i = 0; i < w * h; i++) {
    const y = buf[3 * i] as number;
    const b = cb[i] as number;
    const r = cr[i] as number;
    buf[3 * i] = clamp(y + (crR[r] as number));
    buf[3 * i + 1] = clamp(y + Math.floor(((cbG[b] as number) + (crG[r] as number)) / 65536));
    buf[3 * i + 2] = clamp(y + (cbB[b] as number));
  }
}
