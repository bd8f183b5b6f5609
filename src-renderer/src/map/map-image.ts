/**
 * "Export map image" (issue 16): the map as shown, with a title, a legend, a scale bar, a north arrow
 * and the data sources, composed on a canvas and saved as PNG (a download in browser mode, the save
 * dialog in the desktop app). The map's own WebGL canvas is copied during a render, when its drawing
 * buffer is still whole (the map does not keep it, which would slow every frame).
 */
import type { Map as MlMap } from 'maplibre-gl';
import probabilityRamp from '../../../resources/ramps/probability.json';
import { STATUS_COLOURS, STATUSES, useInventoryStore } from '../stores/inventory';
import { layerTitle, useLayersStore } from '../stores/layers';
import { useProjectStore } from '../stores/project';
import { useDetectStore } from '../stores/detect';
import { fmtDateTime, fmtNumber, fmtWord } from '../format';
import { t } from '../i18n';
import { fmtLength } from './geodesy';

const FONT = `system-ui, 'Noto Sans', 'Noto Sans CJK SC', 'Noto Sans Devanagari', 'DejaVu Sans', sans-serif`;
const HEADER = 64;
const FOOTER = 30;
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

function sources(): string {
  const project = useProjectStore();
  const layers = useLayersStore();
  const detect = useDetectStore();
  const file = (p: string | undefined | null): string | null => (p ? (p.split(/[\\/]/).pop() ?? p) : null);
  const parts = [
    project.imagery ? t('gis.print.imagery', { name: file(project.imagery.path) }) : null,
    project.dem ? t('gis.print.dem', { name: file(project.dem.path) }) : null,
    layers.byKind('basemap')?.name ? t('gis.print.basemap', { name: layers.byKind('basemap')!.name }) : null,
    detect.result ? t('gis.print.model', { name: detect.result.model.name }) : null,
    project.path ? t('gis.print.inventory', { name: file(project.path) }) : null,
  ].filter((x): x is string => !!x);
  return [...parts, 'Scarp · MapLibre'].join(' · ');
}

function drawLegend(g: CanvasRenderingContext2D, entries: LegendEntry[], x: number, bottom: number): void {
  if (entries.length === 0) return;
  const row = 20;
  g.font = `13px ${FONT}`;
  const w = Math.max(130, ...entries.map((e) => g.measureText(e.label).width + (e.ramp ? 0 : 30))) + 24;
  const h = 30 + entries.reduce((s, e) => s + (e.ramp ? row + 14 : row), 0);
  const y0 = bottom - h;
  g.fillStyle = 'rgba(255,255,255,0.93)';
  g.strokeStyle = '#555';
  g.lineWidth = 1;
  g.fillRect(x, y0, w, h);
  g.strokeRect(x + 0.5, y0 + 0.5, w - 1, h - 1);
  g.fillStyle = INK;
  g.font = `bold 13px ${FONT}`;
  g.fillText(t('gis.print.legend'), x + 10, y0 + 19);
  g.font = `13px ${FONT}`;
  let y = y0 + 30;
  for (const e of entries) {
    if (e.ramp) {
      g.fillStyle = INK;
      g.fillText(e.label, x + 10, y + 13);
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
    g.fillText(e.label, x + (e.colour ? 32 : 10), y + 15);
    y += row;
  }
}

function drawScaleBar(g: CanvasRenderingContext2D, map: MlMap, right: number, bottom: number): void {
  const c = map.getCenter();
  const mPerPx = (40075016.686 * Math.cos((c.lat * Math.PI) / 180)) / (512 * 2 ** map.getZoom());
  const len = niceLength(mPerPx * 180);
  const px = len / mPerPx;
  const x = right - px - 20;
  const y = bottom - 22;
  g.fillStyle = 'rgba(255,255,255,0.93)';
  g.fillRect(x - 10, y - 22, px + 20, 40);
  for (let i = 0; i < 4; i++) {
    g.fillStyle = i % 2 === 0 ? INK : PAPER;
    g.fillRect(x + (px * i) / 4, y, px / 4, 7);
  }
  g.strokeStyle = INK;
  g.lineWidth = 1;
  g.strokeRect(x + 0.5, y + 0.5, px - 1, 6);
  g.fillStyle = INK;
  g.font = `12px ${FONT}`;
  g.textAlign = 'left';
  g.fillText('0', x - 3, y - 5);
  g.textAlign = 'right';
  g.fillText(fmtLength(len), x + px + 4, y - 5);
  g.textAlign = 'left';
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
  g.font = `bold 12px ${FONT}`;
  g.textAlign = 'center';
  g.fillText(t('gis.print.north'), 0, 22);
  g.restore();
}

/** The composed page: header (title, date), the map with legend, scale bar and north arrow, sources underneath. */
export async function composeMapImage(map: MlMap): Promise<HTMLCanvasElement> {
  const shot = await captureMap(map);
  const scale = shot.width / map.getCanvas().clientWidth || 1;
  const w = shot.width / scale;
  const h = shot.height / scale;
  const out = document.createElement('canvas');
  out.width = Math.round(w * scale);
  out.height = Math.round((h + HEADER + FOOTER) * scale);
  const g = out.getContext('2d')!;
  g.scale(scale, scale);
  g.fillStyle = PAPER;
  g.fillRect(0, 0, w, h + HEADER + FOOTER);
  const project = useProjectStore();
  g.fillStyle = INK;
  g.font = `bold 22px ${FONT}`;
  g.fillText(project.name ?? t('gis.print.untitled'), 16, 30);
  g.font = `13px ${FONT}`;
  g.fillStyle = '#444';
  g.fillText(t('gis.print.subtitle', { date: fmtDateTime(new Date().toISOString()) }), 16, 52);
  g.drawImage(shot, 0, HEADER, w, h);
  g.strokeStyle = INK;
  g.strokeRect(0.5, HEADER + 0.5, w - 1, h - 1);
  drawLegend(g, legendEntries(), 12, HEADER + h - 12);
  drawScaleBar(g, map, w - 12, HEADER + h - 12);
  drawNorthArrow(g, map.getBearing(), w - 40, HEADER + 40);
  g.fillStyle = '#444';
  g.font = `11px ${FONT}`;
  g.fillText(`${t('gis.print.sources')}: ${sources()}`, 12, HEADER + h + 19, w - 24);
  return out;
}

function stamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}`;
}

/** Compose the map image and save it as PNG; returns the file name offered. */
export async function exportMapImage(map: MlMap): Promise<string> {
  const canvas = await composeMapImage(map);
  const blob = await new Promise<Blob | null>((ok) => canvas.toBlob(ok, 'image/png'));
  if (!blob) throw new Error('The map image could not be encoded as PNG.');
  const name = `${useProjectStore().name ?? 'scarp'}-map-${stamp(new Date())}.png`;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}
