/**
 * The map's GIS tools (issue 16): go to a coordinate (with a marker where it lands) and geodesic
 * measurement of a distance or an area. The state lives here so the bar, the map and the right-click
 * menu agree; the map interaction is MeasureLayer.vue's.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { parseCoordinates, type ParsedCoordinates } from './coordinates';
import type { Place } from './gazetteer';
import { pathLength, polygonArea, type LngLat } from './geodesy';
import { useLayersStore } from '../stores/layers';
import { useEditStore } from '../edit/edit-store';

export type MeasureMode = 'distance' | 'area';

/** Zoom a go-to lands at when the coordinate is a point (MGRS squares are fitted instead). */
export const GOTO_ZOOM = 15;
/** Zoom a place from the gazetteer lands at: the town and its surroundings. */
export const PLACE_ZOOM = 11;

export interface MeasureResult {
  /** Path length (distance), or perimeter (area), in metres. */
  length: number;
  /** m², area mode with 3 points or more. */
  area: number | null;
  points: number;
}

export const useMapToolsStore = defineStore('mapTools', () => {
  const layers = useLayersStore();
  /** Where the last go-to landed (the marker). */
  const marker = shallowRef<(ParsedCoordinates & { text: string }) | null>(null);
  const measure = ref<MeasureMode | null>(null);
  const points = ref<LngLat[]>([]);
  /** The measurement is finished (double-click / Enter): new clicks start another. */
  const finished = ref(false);

  /** Centre the map on typed coordinates; throws BAD_COORDINATES (nothing moves) when they cannot be read. */
  function goTo(text: string): ParsedCoordinates {
    const p = parseCoordinates(text);
    marker.value = { ...p, text: text.trim() };
    showPoint(p);
    return p;
  }

  /** Centre the map on a gazetteer place, with the marker named after it. */
  function goToPlace(p: Place, label: string): void {
    marker.value = { lng: p.lng, lat: p.lat, kind: 'decimal', text: label };
    layers.setView({ center: [p.lng, p.lat], zoom: PLACE_ZOOM });
  }

  /** Centre the map on a point (a coordinate, a right-click "Centre here"); an MGRS square is fitted. */
  function showPoint(p: { lng: number; lat: number; cell?: [number, number, number, number] }): void {
    const c = p.cell;
    // A square larger than ~100 m (an MGRS reference of 1 or 2 digits) is shown whole; a point at street scale.
    if (c && (c[2] - c[0]) * 111_000 * Math.cos((p.lat * Math.PI) / 180) > 150) layers.zoomTo({ minX: c[0], minY: c[1], maxX: c[2], maxY: c[3] });
    else layers.setView({ center: [p.lng, p.lat], zoom: Math.max(layers.view?.zoom ?? 0, GOTO_ZOOM) });
  }

  function clearMarker(): void {
    marker.value = null;
  }

  /** Take up (or put down, when already on) a measuring tool; the correcting tools step aside. */
  function toggleMeasure(mode: MeasureMode): void {
    if (measure.value === mode) return stopMeasure();
    useEditStore().setTool('select');
    measure.value = mode;
    points.value = [];
    finished.value = false;
  }

  function stopMeasure(): void {
    measure.value = null;
    points.value = [];
    finished.value = false;
  }

  function addPoint(p: LngLat): void {
    if (finished.value) {
      points.value = [];
      finished.value = false;
    }
    points.value = [...points.value, p];
  }

  function undoPoint(): void {
    points.value = points.value.slice(0, -1);
    finished.value = false;
  }

  function finish(): void {
    if (points.value.length >= 2) finished.value = true;
  }

  /** The measurement of the points, with `cursor` as a provisional last point while drawing. */
  function resultOf(pts: readonly LngLat[]): MeasureResult {
    if (measure.value === 'area') {
      const r = polygonArea(pts);
      return { length: r.perimeter, area: pts.length >= 3 ? r.area : null, points: pts.length };
    }
    return { length: pathLength(pts), area: null, points: pts.length };
  }

  const result = computed<MeasureResult>(() => resultOf(points.value));

  return { marker, measure, points, finished, result, resultOf, goTo, goToPlace, showPoint, clearMarker, toggleMeasure, stopMeasure, addPoint, undoPoint, finish };
});
