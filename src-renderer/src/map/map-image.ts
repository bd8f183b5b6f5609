/**
 * "Export map image" (issue 16): the map as shown, with a title, a legend, a scale bar, a north arrow
 * and the data sources, composed on a canvas and saved as PNG (a download in browser mode, the save
 * dialog in the desktop app). The map's own WebGL canvas is copied during a render, when its drawing
 * buffer is still whole (the map does not keep it, which would slow every frame).
 */
import { Map as MlMap } from 'maplibre-gl';
import probabilityRamp from '../../../resources/ramps/probability.json';
import { STATUS_COLOURS, STATUSES, useInventoryStore } from '../stores/inventory';
import { layerTitle, useLayersStore } from '../stores/layers';
import { useProjectStore } from '../stores/project';
import { useDetectStore } from '../stores/detect';
import { fmtDateTime, fmtNumber, fmtWord } from '../format';
import { t } from '../i18n';
import { fileName } from '../paths';
import { fmtLength } from './geodesy';
import { graticule, stepLabel } from './graticule';
import { paperLayout, screenLayout, type Dpi, type Orientation, type PageLayout, type Paper, type Rect } from './print-layout';
import { pagePdf, type TextRun } from './print-pdf';

/** The UI's font stack (`--scarp-font`, styles.css: with the bundled fonts of its languages' scripts). */
function uiFont(): string {
  return getComputedStyle(document.documentElement).getPropertyValue('--scarp-font').trim() || 'sans-serif';
}
/**
 * Load the faces the page's words need before drawing them: a canvas draws with the fonts loaded at
 * that moment, and the bundled ones load only for characters already on screen (unicode-range).
 */
async function fontsFor(text: PageText): Promise<void> {
  const font = uiFont();
  const words = [text.title, text.subtitle, t('gis.print.north'), t('gis.print.sources'), t('gis.print.grid', { step: '' }), sources(), ...legendEntries().map((e) => e.label)].join(' ');
  await Promise.all([document.fonts.load(`13px ${font}`, words), document.fonts.load(`bold 13px ${font}`, words)]);
}
const INK = '#10141a';
const PAPER = '#ffffff';

/** The map canvas as drawn now (after the tiles in view have loaded). */
async function captureMap(map: MlMap): Promise<HTMLCanvasElement> {
  if (!map.loaded() || !map.areTilesLoaded()) await new Promise<void>((ok) => map.once('idle', () => ok()));
  return new Promise((ok) => {
    map.once('render', () => {
      const src = map.getCanvas();
      const c = document.createElement('canvas');
      c.width = src.width;
      c.height = src.height;
      c.getContext('2d')!.drawImage(src, 0, 0);
      ok(c);
    });
    map.triggerRepaint();
  });
}

/** A length from 1, 2, 5 × 10ⁿ metres that fits in `maxM`. */
export function niceLength(maxM: number): number {
  const p = 10 ** Math.floor(Math.log10(maxM));
  return [5, 2, 1].map((k) => k * p).find((v) => v <= maxM) ?? p;
}

interface LegendEntry {
  label: string;
  colour?: string;
  ramp?: Array<[number, number[]]>;
}

function legendEntries(): LegendEntry[] {
  const layers = useLayersStore();
  const inventory = useInventoryStore();
  const out: LegendEntry[] = [];
  for (const l of layers.layers) {
    if (!l.visible) continue;
    if (l.kind === 'inventory') {
      const counts = new Map<string, number>();
      for (const r of inventory.rows) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
      for (const s of STATUSES) out.push({ label: `${fmtWord(s)} (${fmtNumber(counts.get(s) ?? 0)})`, colour: STATUS_COLOURS[s] });
    } else if (l.kind === 'probability') out.push({ label: layerTitle(l), ramp: (probabilityRamp as unknown as { stops: Array<[number, number[]]> }).stops });
    else if (l.kind === 'mask') out.push({ label: layerTitle(l), colour: '#e6194b' });
    else out.push({ label: layerTitle(l) });
  }
  return out;
}

/** The world basemap shipped with the app (resources/basemap), drawn while no other basemap is set. */
export const WORLD_BASEMAP = 'Natural Earth 1:50m (public domain)';

function sources(): string {
  const project = useProjectStore();
  const layers = useLayersStore();
  const detect = useDetectStore();
  const file = (p: string | undefined | null): string | null => (p ? fileName(p) : null);
  const parts = [
    project.imagery ? t('gis.print.imagery', { name: file(project.imagery.path) }) : null,
    project.dem ? t('gis.print.dem', { name: file(project.dem.path) }) : null,
    t('gis.print.basemap', { name: layers.byKind('basemap')?.name ?? WORLD_BASEMAP }),
    detect.result ? t('gis.print.model', { name: detect.result.model.name }) : null,
    project.path ? t('gis.print.inventory', { name: file(project.path) }) : null,
  ].filter((x): x is string => !!x);
  return [...parts, 'Scarp · MapLibre'].join(' · ');
}

function drawLegend(g: CanvasRenderingContext2D, runs: TextRun[], entries: LegendEntry[], x: number, bottom: number): void {
  if (entries.length === 0) return;
  const row = 20;
  g.font = `13px ${uiFont()}`;
  const w = Math.max(130, ...entries.map((e) => g.measureText(e.label).width + (e.ramp ? 0 : 30))) + 24;
  // Title, rows, and room under the last row's baseline (5 px) for descenders and full-width (CJK) glyphs.
  const h = 30 + entries.reduce((s, e) => s + (e.ramp ? row + 14 : row), 0) + 6;
  const y0 = bottom - h;
  g.fillStyle = 'rgba(255,255,255,0.93)';
  g.strokeStyle = '#555';
  g.lineWidth = 1;
  g.fillRect(x, y0, w, h);
  g.strokeRect(x + 0.5, y0 + 0.5, w - 1, h - 1);
  g.fillStyle = INK;
  write(g, runs, t('gis.print.legend'), x + 10, y0 + 19, 13, { bold: true });
  let y = y0 + 30;
  for (const e of entries) {
    if (e.ramp) {
      g.fillStyle = INK;
      write(g, runs, e.label, x + 10, y + 13, 13);
      const grad = g.createLinearGradient(x + 10, 0, x + w - 10, 0);
      for (const [v, c] of e.ramp) grad.addColorStop(Math.min(1, Math.max(0, v)), `rgba(${c[0]},${c[1]},${c[2]},${Math.max(0.2, (c[3] ?? 255) / 255)})`);
      g.fillStyle = grad;
      g.fillRect(x + 10, y + row - 2, w - 20, 10);
      y += row + 14;
      continue;
    }
    if (e.colour) {
      g.fillStyle = e.colour;
      g.fillRect(x + 10, y + 3, 14, 14);
    }
    g.fillStyle = INK;
    write(g, runs, e.label, x + (e.colour ? 32 : 10), y + 15, 13);
    y += row;
  }
}

/** A scale bar (alternating quarters) with its length; on paper, the representative fraction above it. */
function drawScaleBar(g: CanvasRenderingContext2D, runs: TextRun[], mPerPx: number, right: number, bottom: number, paper: boolean): void {
  const len = niceLength(mPerPx * 180);
  const px = len / mPerPx;
  const x = right - px - 20;
  const y = bottom - 22;
  g.fillStyle = 'rgba(255,255,255,0.93)';
  g.fillRect(x - 10, y - (paper ? 40 : 22), px + 20, paper ? 58 : 40);
  for (let i = 0; i < 4; i++) {
    g.fillStyle = i % 2 === 0 ? INK : PAPER;
    g.fillRect(x + (px * i) / 4, y, px / 4, 7);
  }
  g.strokeStyle = INK;
  g.lineWidth = 1;
  g.strokeRect(x + 0.5, y + 0.5, px - 1, 6);
  g.fillStyle = INK;
  write(g, runs, '0', x - 3, y - 5, 12);
  write(g, runs, fmtLength(len), x + px + 4, y - 5, 12, { align: 'right' });
  if (paper) write(g, runs, `1 : ${fmtNumber(representativeFraction(mPerPx), 0)}`, x + px / 2, y - 24, 12, { align: 'center', bold: true });
}

function drawNorthArrow(g: CanvasRenderingContext2D, bearing: number, cx: number, cy: number): void {
  g.save();
  g.fillStyle = 'rgba(255,255,255,0.93)';
  g.beginPath();
  g.arc(cx, cy, 24, 0, Math.PI * 2);
  g.fill();
  g.translate(cx, cy);
  g.rotate((-bearing * Math.PI) / 180);
  g.fillStyle = INK;
  g.beginPath();
  g.moveTo(0, -18);
  g.lineTo(9, 10);
  g.lineTo(0, 4);
  g.lineTo(-9, 10);
  g.closePath();
  g.fill();
  g.font = `bold 12px ${uiFont()}`;
  g.textAlign = 'center';
  g.fillText(t('gis.print.north'), 0, 22);
  g.restore();
}

export interface PageText {
  title: string;
  subtitle: string;
}

export interface ComposedPage {
  canvas: HTMLCanvasElement;
  /** Every line of text drawn, where it was drawn (the PDF's text layer). */
  texts: TextRun[];
  layout: PageLayout;
  /** The grid's interval in degrees. */
  gridStep: number;
}

/** Text drawn on the page and recorded for the PDF's text layer. */
function write(g: CanvasRenderingContext2D, runs: TextRun[], text: string, x: number, y: number, size: number, opts: { bold?: boolean; align?: CanvasTextAlign; maxWidth?: number } = {}): void {
  g.font = `${opts.bold ? 'bold ' : ''}${size}px ${uiFont()}`;
  g.textAlign = opts.align ?? 'left';
  g.fillText(text, x, y, opts.maxWidth);
  const w = Math.min(g.measureText(text).width, opts.maxWidth ?? Infinity);
  const left = g.textAlign === 'right' ? x - w : g.textAlign === 'center' ? x - w / 2 : x;
  runs.push({ text, x: left, y, size });
  g.textAlign = 'left';
}

/** The coordinate grid over the map frame, labels inside its edges (none under the boxes in `avoid`). */
function drawGrid(g: CanvasRenderingContext2D, runs: TextRun[], view: MlMap, r: Rect, avoid: Rect[]): number {
  const b = view.getBounds();
  const grid = graticule({ west: b.getWest(), south: b.getSouth(), east: b.getEast(), north: b.getNorth() }, (lng, lat) => {
    const p = view.project([lng, lat]);
    return [r.x + p.x, r.y + p.y];
  }, r);
  g.save();
  g.beginPath();
  g.rect(r.x, r.y, r.w, r.h);
  g.clip();
  for (const [colour, width] of [['rgba(16,20,26,0.55)', 2.2], ['rgba(255,255,255,0.85)', 0.8]] as const) {
    g.strokeStyle = colour;
    g.lineWidth = width;
    for (const l of grid.lines) {
      g.beginPath();
      l.points.forEach(([x, y], i) => (i === 0 ? g.moveTo(x, y) : g.lineTo(x, y)));
      g.stroke();
    }
  }
  g.restore();
  const size = 10;
  g.font = `${size}px ${uiFont()}`;
  for (const l of grid.labels) {
    const w = g.measureText(l.text).width + 6;
    const h = size + 4;
    const x = l.edge === 'left' ? l.x : l.edge === 'right' ? l.x - w : l.x - w / 2;
    const y = l.edge === 'top' ? l.y : l.edge === 'bottom' ? l.y - h : l.y - h / 2;
    if (x < r.x - 0.5 || x + w > r.x + r.w + 0.5 || y < r.y - 0.5 || y + h > r.y + r.h + 0.5) continue;
    if (avoid.some((a) => x < a.x + a.w && x + w > a.x && y < a.y + a.h && y + h > a.y)) continue;
    g.fillStyle = 'rgba(255,255,255,0.9)';
    g.fillRect(x, y, w, h);
    g.fillStyle = INK;
    write(g, runs, l.text, x + 3, y + h - 4, size);
  }
  return grid.step;
}

/** Metres per CSS pixel at the view's centre (MapLibre's 512-pixel tiles). */
function metresPerPixel(view: MlMap): number {
  const c = view.getCenter();
  return (40075016.686 * Math.cos((c.lat * Math.PI) / 180)) / (512 * 2 ** view.getZoom());
}

/** A scale as "1 : 24 800" (three significant digits), for paper, where a CSS pixel is 1/96 inch. */
export function representativeFraction(metresPerCssPixel: number): number {
  const den = metresPerCssPixel / (0.0254 / 96);
  const p = 10 ** (Math.floor(Math.log10(den)) - 2);
  return Math.round(den / p) * p;
}

/**
 * The page: the title band (title, subtitle), the map `shot` of `view` in the layout's map frame with
 * the coordinate grid, legend, scale bar and north arrow, and the sources line underneath.
 */
export function composePage(view: MlMap, shot: HTMLCanvasElement, layout: PageLayout, text: PageText): ComposedPage {
  const out = document.createElement('canvas');
  out.width = layout.pixelWidth;
  out.height = layout.pixelHeight;
  const g = out.getContext('2d')!;
  g.scale(layout.pixelWidth / layout.width, layout.pixelHeight / layout.height);
  const runs: TextRun[] = [];
  const r = layout.map;
  g.fillStyle = PAPER;
  g.fillRect(0, 0, layout.width, layout.height);
  g.fillStyle = INK;
  write(g, runs, text.title, layout.inset, layout.headerTop + 30, 22, { bold: true, maxWidth: layout.width - 2 * layout.inset });
  g.fillStyle = '#444';
  write(g, runs, text.subtitle, layout.inset, layout.headerTop + 52, 13, { maxWidth: layout.width - 2 * layout.inset });
  g.drawImage(shot, r.x, r.y, r.w, r.h);
  // The north arrow's disc (centred 40 px in from the frame's top right corner, radius 24).
  const step = drawGrid(g, runs, view, r, [{ x: r.x + r.w - 66, y: r.y + 14, w: 52, h: 52 }]);
  g.strokeStyle = INK;
  g.lineWidth = 1;
  g.strokeRect(r.x + 0.5, r.y + 0.5, r.w - 1, r.h - 1);
  drawLegend(g, runs, legendEntries(), r.x + 12, r.y + r.h - 12);
  drawScaleBar(g, runs, metresPerPixel(view), r.x + r.w - 12, r.y + r.h - 12, layout.dpi !== null);
  drawNorthArrow(g, view.getBearing(), r.x + r.w - 40, r.y + 40);
  g.fillStyle = '#444';
  write(g, runs, `${t('gis.print.sources')}: ${sources()} · ${t('gis.print.grid', { step: stepLabel(step) })}`, layout.inset - 4, layout.footerTop + 19, 11, {
    maxWidth: layout.width - 2 * layout.inset + 8,
  });
  return { canvas: out, texts: runs, layout, gridStep: step };
}

/** The screen's map image: the map as shown, with the project's name and the time. */
export async function composeMapImage(map: MlMap): Promise<HTMLCanvasElement> {
  const shot = await captureMap(map);
  const w = map.getCanvas().clientWidth;
  const ratio = shot.width / w || 1;
  const layout = screenLayout(w, shot.height / ratio, ratio);
  const text = { title: useProjectStore().name ?? t('gis.print.untitled'), subtitle: t('gis.print.subtitle', { date: fmtDateTime(new Date().toISOString()) }) };
  await fontsFor(text);
  return composePage(map, shot, layout, text).canvas;
}

function stamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}`;
}

/** Offer a file: a download in browser mode, the save dialog in the desktop app. */
function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function encode(canvas: HTMLCanvasElement, type: 'image/png' | 'image/jpeg'): Promise<Blob> {
  return new Promise((ok, fail) =>
    canvas.toBlob((b) => (b ? ok(b) : fail(new Error(`The map page (${canvas.width} × ${canvas.height} px) could not be encoded as ${type === 'image/png' ? 'PNG' : 'JPEG'}; try a lower resolution.`))), type, 0.92),
  );
}

/** Compose the map image and save it as PNG; returns the file name offered. */
export async function exportMapImage(map: MlMap): Promise<string> {
  const blob = await encode(await composeMapImage(map), 'image/png');
  const name = `${useProjectStore().name ?? 'scarp'}-map-${stamp(new Date())}.png`;
  save(blob, name);
  return name;
}

export interface PrintOptions {
  paper: Paper;
  orientation: Orientation;
  dpi: Dpi;
  format: 'pdf' | 'png';
  title: string;
  event: string;
  date: string;
}

/**
 * The view drawn again for paper: a map of the page's map frame (CSS pixels) at the page's
 * resolution, the same style, centre and bearing, zoomed so that what the screen shows fits the
 * frame. Off screen; the caller removes it.
 */
async function paperMap(map: MlMap, frame: Rect, ratio: number): Promise<{ view: MlMap; shot: HTMLCanvasElement; dispose(): void }> {
  const box = document.createElement('div');
  box.style.cssText = `position:fixed;left:-${Math.ceil(frame.w) + 50}px;top:0;width:${frame.w}px;height:${frame.h}px;pointer-events:none`;
  box.setAttribute('aria-hidden', 'true');
  document.body.append(box);
  const screen = map.getContainer();
  const fit = Math.min(frame.w / screen.clientWidth, frame.h / screen.clientHeight);
  const view = new MlMap({
    container: box,
    style: map.getStyle(),
    center: map.getCenter(),
    zoom: map.getZoom() + Math.log2(fit),
    bearing: map.getBearing(),
    interactive: false,
    attributionControl: false,
    fadeDuration: 0,
    maxZoom: 24,
    pixelRatio: ratio,
    maxCanvasSize: [8192, 8192],
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  const dispose = (): void => {
    view.remove();
    box.remove();
  };
  try {
    await new Promise<void>((ok) => view.once('idle', () => ok()));
    const src = view.getCanvas();
    const shot = document.createElement('canvas');
    shot.width = src.width;
    shot.height = src.height;
    shot.getContext('2d')!.drawImage(src, 0, 0);
    return { view, shot, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

/** Print the map: a page of the chosen paper, as PDF or PNG; returns the file name offered. */
export async function printMap(map: MlMap, o: PrintOptions): Promise<string> {
  const layout = paperLayout(o.paper, o.orientation, o.dpi);
  const title = o.title.trim() || (useProjectStore().name ?? t('gis.print.untitled'));
  const subtitle = [o.event.trim(), o.date.trim()].filter((x) => x).join(' · ') || t('gis.print.subtitle', { date: fmtDateTime(new Date().toISOString()) });
  await fontsFor({ title, subtitle });
  const { view, shot, dispose } = await paperMap(map, layout.map, layout.pixelWidth / layout.width);
  let page: ComposedPage;
  try {
    page = composePage(view, shot, layout, { title, subtitle });
  } finally {
    dispose();
  }
  const base = `${useProjectStore().name ?? 'scarp'}-${o.paper}-${o.dpi}dpi-${stamp(new Date())}`;
  if (o.format === 'png') {
    save(await encode(page.canvas, 'image/png'), `${base}.png`);
    return `${base}.png`;
  }
  const jpeg = new Uint8Array(await (await encode(page.canvas, 'image/jpeg')).arrayBuffer());
  const pdf = await pagePdf({
    image: jpeg,
    imageType: 'jpeg',
    widthPt: layout.widthPt,
    heightPt: layout.heightPt,
    widthPx: layout.width,
    texts: page.texts,
    title,
    subject: subtitle,
    date: new Date(),
  });
  save(new Blob([pdf.bytes as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }), `${base}.pdf`);
  return `${base}.pdf`;
}
