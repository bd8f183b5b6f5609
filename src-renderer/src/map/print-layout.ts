/**
 * Page layouts for the composed map (map-image.ts): the screen's "map image" (the map's size plus a
 * title band and a sources line) and printed pages (A4/A3, landscape or portrait, 150/300 dpi).
 * Everything is laid out in CSS pixels (1/96 inch), so a printed page and the screen image share one
 * drawing; `pixelWidth`/`pixelHeight` is the raster, `widthPt`/`heightPt` the PDF page (1/72 inch).
 */

export type Paper = 'A4' | 'A3';
export type Orientation = 'landscape' | 'portrait';
export const PAPERS: readonly Paper[] = ['A4', 'A3'];
export const DPIS = [150, 300] as const;
export type Dpi = (typeof DPIS)[number];

/** ISO 216 sizes in millimetres, portrait (width, height). */
export const PAPER_MM: Record<Paper, readonly [number, number]> = { A4: [210, 297], A3: [297, 420] };

export const CSS_PX_PER_MM = 96 / 25.4;
export const PT_PER_MM = 72 / 25.4;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PageLayout {
  /** Page size in CSS pixels. */
  width: number;
  height: number;
  /** The raster's size in device pixels. */
  pixelWidth: number;
  pixelHeight: number;
  /** The PDF page in points (paper only). */
  widthPt: number;
  heightPt: number;
  /** Where the map goes (CSS pixels). */
  map: Rect;
  /** Left/right inset of the title and sources lines. */
  inset: number;
  /** Top of the title band and top of the sources line. */
  headerTop: number;
  footerTop: number;
  /** Dots per inch on paper; null for the screen image. */
  dpi: Dpi | null;
  paper: Paper | null;
}

export const HEADER = 64;
export const FOOTER = 30;
/** Paper margin, 10 mm. */
const MARGIN_MM = 10;

/** The screen's map image: the map as shown (w × h CSS pixels at `ratio` device pixels each), title above, sources below. */
export function screenLayout(w: number, h: number, ratio: number): PageLayout {
  const height = h + HEADER + FOOTER;
  return {
    width: w,
    height,
    pixelWidth: Math.round(w * ratio),
    pixelHeight: Math.round(height * ratio),
    widthPt: (w * 72) / 96,
    heightPt: (height * 72) / 96,
    map: { x: 0, y: HEADER, w, h },
    inset: 16,
    headerTop: 0,
    footerTop: HEADER + h,
    dpi: null,
    paper: null,
  };
}

/** A printed page: 10 mm margins, the title band, the map, the sources line. */
export function paperLayout(paper: Paper, orientation: Orientation, dpi: Dpi): PageLayout {
  const [a, b] = PAPER_MM[paper];
  const [wMm, hMm] = orientation === 'portrait' ? [a, b] : [b, a];
  const width = wMm * CSS_PX_PER_MM;
  const height = hMm * CSS_PX_PER_MM;
  const m = MARGIN_MM * CSS_PX_PER_MM;
  return {
    width,
    height,
    pixelWidth: Math.round((wMm / 25.4) * dpi),
    pixelHeight: Math.round((hMm / 25.4) * dpi),
    widthPt: wMm * PT_PER_MM,
    heightPt: hMm * PT_PER_MM,
    map: { x: m, y: m + HEADER, w: width - 2 * m, h: height - 2 * m - HEADER - FOOTER },
    inset: m,
    headerTop: m,
    footerTop: height - m - FOOTER,
    dpi,
    paper,
  };
}
