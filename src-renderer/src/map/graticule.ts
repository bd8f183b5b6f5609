/**
 * The coordinate grid of a composed map (map-image.ts): meridians and parallels at a round interval
 * (degrees, minutes or seconds, 3–7 lines across the view), drawn through the map's own projection
 * and labelled where they leave the map's frame ("103°30′E", "31°28′N"). Pure: the caller passes the
 * projection (lng/lat → page pixels) and the frame.
 */
import type { Rect } from './print-layout';

/** Grid intervals in degrees, coarse to fine. */
const STEPS = [30, 20, 10, 5, 2, 1, 30 / 60, 20 / 60, 15 / 60, 10 / 60, 5 / 60, 2 / 60, 1 / 60, 30 / 3600, 20 / 3600, 15 / 3600, 10 / 3600, 5 / 3600, 2 / 3600, 1 / 3600];

/** The coarsest interval giving at least `min` lines over `spanDeg`. */
export function gridStep(spanDeg: number, min = 3): number {
  return STEPS.find((s) => spanDeg / s >= min) ?? STEPS[STEPS.length - 1]!;
}

/** A grid value as its label: degrees, then minutes and seconds as fine as the interval needs. */
export function gridLabel(value: number, step: number, axis: 'lng' | 'lat'): string {
  let v = axis === 'lng' ? ((((value + 180) % 360) + 360) % 360) - 180 : value;
  if (axis === 'lng' && Math.abs(v + 180) < 1e-9) v = 180;
  const sec = Math.round(Math.abs(v) * 3600);
  const d = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  const hemi = sec === 0 || (axis === 'lng' && sec === 180 * 3600) ? '' : axis === 'lng' ? (v > 0 ? 'E' : 'W') : v > 0 ? 'N' : 'S';
  const stepSec = Math.round(step * 3600);
  const mm = String(m).padStart(2, '0');
  if (stepSec % 3600 === 0 && m === 0 && s === 0) return `${d}°${hemi}`;
  if (stepSec % 60 === 0 && s === 0) return `${d}°${mm}′${hemi}`;
  return `${d}°${mm}′${String(s).padStart(2, '0')}″${hemi}`;
}

/** The interval itself: "1°", "15′", "5″". */
export function stepLabel(step: number): string {
  const sec = Math.round(step * 3600);
  return sec % 3600 === 0 ? `${sec / 3600}°` : sec % 60 === 0 ? `${sec / 60}′` : `${sec}″`;
}

export type Edge = 'top' | 'bottom' | 'left' | 'right';

export interface GridLine {
  axis: 'lng' | 'lat';
  value: number;
  points: Array<[number, number]>;
}
export interface GridLabel {
  text: string;
  edge: Edge;
  x: number;
  y: number;
}
export interface Grid {
  step: number;
  lines: GridLine[];
  labels: GridLabel[];
}

export interface Bounds {
  west: number;
  south: number;
  east: number;
  north: number;
}

const SAMPLES = 32;

/** Where segment a→b crosses the frame's edges. */
function crossings(a: [number, number], b: [number, number], r: Rect): Array<{ edge: Edge; x: number; y: number }> {
  const out: Array<{ edge: Edge; x: number; y: number }> = [];
  const edges: Array<[Edge, 'x' | 'y', number]> = [
    ['top', 'y', r.y],
    ['bottom', 'y', r.y + r.h],
    ['left', 'x', r.x],
    ['right', 'x', r.x + r.w],
  ];
  for (const [edge, k, c] of edges) {
    const [p, q] = k === 'y' ? [a[1], b[1]] : [a[0], b[0]];
    if ((p - c) * (q - c) > 0 || p === q) continue;
    const t = (c - p) / (q - p);
    const x = a[0] + t * (b[0] - a[0]);
    const y = a[1] + t * (b[1] - a[1]);
    if (k === 'y' ? x >= r.x && x <= r.x + r.w : y >= r.y && y <= r.y + r.h) out.push({ edge, x, y });
  }
  return out;
}

/**
 * The grid over `bounds` (the view's enclosing box in degrees): lines sampled through `project` and
 * their labels where they cross the frame `rect` (meridians on the top and bottom edges, parallels on
 * the left and right, when the map is not turned).
 */
export function graticule(bounds: Bounds, project: (lng: number, lat: number) => [number, number], rect: Rect): Grid {
  const south = Math.max(-85, bounds.south);
  const north = Math.min(85, bounds.north);
  const step = gridStep(Math.max(bounds.east - bounds.west, north - south));
  const lines: GridLine[] = [];
  // Lines run a little past the view, so that they cross the frame's edges rather than end on them.
  const [w, e] = [bounds.west - 0.05 * (bounds.east - bounds.west), bounds.east + 0.05 * (bounds.east - bounds.west)];
  const [s, n] = [Math.max(-85, south - 0.05 * (north - south)), Math.min(85, north + 0.05 * (north - south))];
  const values = (lo: number, hi: number): number[] => {
    const out: number[] = [];
    for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9 && out.length < 200; k++) out.push(k * step);
    return out;
  };
  for (const lng of values(bounds.west, bounds.east)) {
    const pts: Array<[number, number]> = [];
    for (let i = 0; i <= SAMPLES; i++) pts.push(project(lng, s + ((n - s) * i) / SAMPLES));
    lines.push({ axis: 'lng', value: lng, points: pts });
  }
  for (const lat of values(south, north)) {
    const pts: Array<[number, number]> = [];
    for (let i = 0; i <= SAMPLES; i++) pts.push(project(w + ((e - w) * i) / SAMPLES, lat));
    lines.push({ axis: 'lat', value: lat, points: pts });
  }
  const labels: GridLabel[] = [];
  for (const l of lines) {
    const text = gridLabel(l.value, step, l.axis);
    const seen = new Set<string>();
    for (let i = 1; i < l.points.length; i++)
      for (const c of crossings(l.points[i - 1]!, l.points[i]!, rect)) {
        // A crossing on a sample point is found by both segments that meet there.
        const key = `${c.edge}:${c.x.toFixed(3)},${c.y.toFixed(3)}`;
        if (!seen.has(key)) labels.push({ text, ...c });
        seen.add(key);
      }
  }
  return { step, lines, labels };
}
