/**
 * Correcting tools state (issue 7): the active tool, brush size, the sketch being drawn, and the
 * actions that send edits to the backend (each one journal edit, saved at once) and apply what
 * each returns as changed to the inventory (no re-read). Coordinates leave the renderer in WGS 84 (what the map shows); the backend transforms
 * them into the project CRS.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { CorrectionResult, PolygonEditRequest } from '@shared/api';
import { api, describeError } from '../api/client';
import { useInventoryStore } from '../stores/inventory';
import { useProjectStore } from '../stores/project';
import { useUiStore } from '../stores/ui';

export type EditTool = 'select' | 'brush' | 'eraser' | 'background' | 'draw' | 'split' | 'cut' | 'vertex';

export interface ToolDef {
  id: EditTool;
  label: string;
  key: string;
  icon: string;
  hint: string;
}

export const TOOLS: ToolDef[] = [
  { id: 'select', label: 'Select', key: 'V', icon: '➤', hint: 'Click a polygon; Shift+click adds to the selection' },
  { id: 'brush', label: 'Brush', key: 'B', icon: '●', hint: 'Paint landslide pixels on the mask; polygons are re-derived' },
  { id: 'eraser', label: 'Eraser', key: 'X', icon: '◌', hint: 'Erase mask pixels (false positives, trimming)' },
  {
    id: 'background',
    label: 'Not a landslide',
    key: 'G',
    icon: '⊘',
    hint: 'Paint ground that is not a landslide: erases the mask there and keeps the area as rejected, so the model learns from it (Adapt to this event)',
  },
  { id: 'draw', label: 'Draw', key: 'D', icon: '⬠', hint: 'Click vertices, double-click or Enter to finish' },
  { id: 'split', label: 'Split', key: 'L', icon: '✂', hint: 'Draw a line across the selected polygon; Enter to split' },
  { id: 'cut', label: 'Cut hole', key: 'H', icon: '◍', hint: 'Draw a polygon to cut out of the selected one' },
  { id: 'vertex', label: 'Vertices', key: 'N', icon: '◇', hint: 'Drag a vertex to move it, click a midpoint to insert, Alt+click to delete' },
];

export const ACTIONS = [
  { id: 'merge', label: 'Merge', key: 'M', icon: '⊕', hint: 'Merge the selected polygons' },
  { id: 'fill', label: 'Fill holes', key: 'F', icon: '◉', hint: 'Fill the holes of the selected polygons' },
  { id: 'delete', label: 'Delete', key: 'Del', icon: '✕', hint: 'Delete the selected polygons' },
] as const;

export const useEditStore = defineStore('edit', () => {
  const tool = ref<EditTool>('select');
  const brushSize = ref(6);
  const brushUnit = ref<'px' | 'm'>('px');
  /** Vertices of the sketch (draw, split, cut), lng/lat. */
  const sketch = ref<Array<[number, number]>>([]);
  const busy = ref(false);
  const helpOpen = ref(false);
  const lastTimings = ref<CorrectionResult['timings'] | null>(null);

  const inventory = useInventoryStore();
  const project = useProjectStore();
  const ui = useUiStore();

  /** The scene brushed on: the first scene whose file is there. */
  const scene = computed(() => project.scenes.find((s) => s.state === 'ok') ?? project.scenes[0] ?? null);
  /** Scene pixel size in metres (for the cursor and px ↔ m). */
  const gsd = computed(() => scene.value?.gsd.x ?? 1);
  const radiusMetres = computed(() => (brushUnit.value === 'm' ? brushSize.value : brushSize.value * gsd.value));

  function setTool(t: EditTool): void {
    tool.value = t;
    sketch.value = [];
  }

  async function run(f: () => Promise<CorrectionResult>, done?: string): Promise<CorrectionResult | null> {
    busy.value = true;
    try {
      const r = await f();
      if (r.timings) lastTimings.value = r.timings;
      inventory.applyChanges(r);
      if (r.fids.length > 0) inventory.selected = r.fids.filter((f) => f > 0);
      else inventory.selected = inventory.selected.filter((f) => !r.deleted.includes(f));
      if (done && r.edit) ui.notify('success', done);
      return r;
    } catch (e) {
      ui.notify('error', describeError(e));
      return null;
    } finally {
      busy.value = false;
    }
  }

  function stroke(points: Array<[number, number]>, mode: 'paint' | 'erase' | 'background'): Promise<CorrectionResult | null> {
    const s = scene.value;
    if (!s) {
      ui.notify('warning', 'Add a scene first: the brush paints on its mask.');
      return Promise.resolve(null);
    }
    return run(() => api.brushStroke({ scene: s.id, points: points.flat(), radius: brushSize.value, unit: brushUnit.value, mode, crs: 'wgs84' }));
  }

  function polygonEdit(req: PolygonEditRequest, done?: string): Promise<CorrectionResult | null> {
    return run(() => api.editPolygons(req), done);
  }

  function needSelection(n: number, what: string): number[] | null {
    const sel = inventory.selected;
    if (sel.length < n) {
      ui.notify('warning', `Select ${n === 1 ? 'a landslide' : `at least ${n} landslides`} to ${what}.`);
      return null;
    }
    return sel;
  }

  /** Finish the sketch of the current tool (Enter / double-click). */
  async function finishSketch(): Promise<void> {
    const pts = sketch.value;
    const closed = (): number[][][] => [[...pts.map((p) => [...p]), [...pts[0]!]]];
    if (tool.value === 'draw' && pts.length >= 3) {
      sketch.value = [];
      await polygonEdit({ op: 'draw', crs: 'wgs84', coordinates: [closed()], scene: scene.value?.id }, 'Landslide added.');
    } else if (tool.value === 'cut' && pts.length >= 3) {
      const sel = needSelection(1, 'cut a hole in');
      if (!sel) return;
      sketch.value = [];
      await polygonEdit({ op: 'cutHole', crs: 'wgs84', fid: sel[0]!, coordinates: [closed()] }, 'Hole cut.');
    } else if (tool.value === 'split' && pts.length >= 2) {
      const sel = needSelection(1, 'split');
      if (!sel) return;
      sketch.value = [];
      await polygonEdit({ op: 'split', crs: 'wgs84', fid: sel[0]!, line: pts.flat() }, 'Landslide split.');
    }
  }

  async function action(id: 'merge' | 'fill' | 'delete'): Promise<void> {
    if (id === 'merge') {
      const sel = needSelection(2, 'merge');
      if (sel) await polygonEdit({ op: 'merge', fids: sel }, `Merged ${sel.length} landslides.`);
    } else if (id === 'fill') {
      const sel = needSelection(1, 'fill holes of');
      if (sel) await polygonEdit({ op: 'fillHoles', fids: sel }, 'Holes filled.');
    } else {
      const sel = needSelection(1, 'delete');
      if (sel) await polygonEdit({ op: 'delete', fids: sel }, `Deleted ${sel.length} landslide${sel.length === 1 ? '' : 's'}.`);
    }
  }

  async function reshape(fid: number, coordinates: number[][][][]): Promise<void> {
    await polygonEdit({ op: 'reshape', crs: 'wgs84', fid, coordinates });
  }

  return { tool, brushSize, brushUnit, sketch, busy, helpOpen, lastTimings, scene, gsd, radiusMetres, setTool, stroke, finishSketch, action, reshape, polygonEdit };
});
