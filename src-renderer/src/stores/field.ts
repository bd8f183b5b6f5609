/**
 * Field teams (issue 17) in the app: which of the two dialogs is open ("Package for the field",
 * "Merge a colleague's project"), and the area of interest a package is cut to: the map's view (kept
 * up to date by map/AoiDrawLayer.vue) or a polygon drawn on the map (longitude/latitude).
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Bounds } from '@shared/geo';

export type Ring = Array<[number, number]>;

/** A closed ring of the view rectangle, `n` points an edge, so that it bends as it should in a projected CRS. */
export function viewRing(b: Bounds, n = 8): Ring {
  const ring: Ring = [];
  const edge = (x0: number, y0: number, x1: number, y1: number): void => {
    for (let i = 0; i < n; i++) ring.push([x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * i) / n]);
  };
  edge(b.minX, b.minY, b.maxX, b.minY);
  edge(b.maxX, b.minY, b.maxX, b.maxY);
  edge(b.maxX, b.maxY, b.minX, b.maxY);
  edge(b.minX, b.maxY, b.minX, b.minY);
  ring.push(ring[0]!);
  return ring;
}

export const useFieldStore = defineStore('field', () => {
  const packageOpen = ref(false);
  const mergeOpen = ref(false);
  /** The map's view (WGS 84), clamped to the world. */
  const viewBounds = ref<Bounds | null>(null);
  /** Drawing the area on the map (the package dialog waits, hidden). */
  const drawing = ref(false);
  /** Corners placed so far while drawing. */
  const sketch = ref<Ring>([]);
  /** The drawn area (closed ring), once finished. */
  const drawn = ref<Ring | null>(null);

  function startDrawing(): void {
    sketch.value = [];
    drawing.value = true;
  }
  function addCorner(p: [number, number]): void {
    if (drawing.value) sketch.value = [...sketch.value, p];
  }
  /** Close the sketch into the drawn area (at least three corners), or keep drawing. */
  function finishDrawing(): boolean {
    if (sketch.value.length < 3) return false;
    drawn.value = [...sketch.value, sketch.value[0]!];
    sketch.value = [];
    drawing.value = false;
    return true;
  }
  function cancelDrawing(): void {
    sketch.value = [];
    drawing.value = false;
  }

  return { packageOpen, mergeOpen, viewBounds, drawing, sketch, drawn, startDrawing, addCorner, finishDrawing, cancelDrawing };
});
