/**
 * Correcting tools state (issue 7): the active tool, brush size, the sketch being drawn, and the
 * actions that send edits to the backend (each one journal edit, saved at once) and apply what
 * each returns as changed to the inventory (no re-read). Coordinates leave the renderer in WGS 84 (what the map shows); the backend transforms
 * them into the project CRS.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { CorrectionResult, PolygonEditRequest } from '@shared/api';
import { api } from '../api/client';
import { useInventoryStore } from '../stores/inventory';
import { useProjectStore } from '../stores/project';
import { useUiStore } from '../stores/ui';
import { t } from '../i18n';

export type EditTool = 'select' | 'brush' | 'eraser' | 'background' | 'draw' | 'split' | 'cut' | 'vertex';

/** A tool: its shortcut and icon; its label and hint are the UI language's (`tools.<id>` in i18n). */
export interface ToolDef {
  id: EditTool;
  key: string;
  icon: string;
}

export const TOOLS: ToolDef[] = [
  { id: 'select', key: 'V', icon: '➤' },
  { id: 'brush', key: 'B', icon: '●' },
  { id: 'eraser', key: 'X', icon: '◌' },
  { id: 'background', key: 'G', icon: '⊘' },
  { id: 'draw', key: 'D', icon: '⬠' },
  { id: 'split', key: 'L', icon: '✂' },
  { id: 'cut', key: 'H', icon: '◍' },
  { id: 'vertex', key: 'N', icon: '◇' },
];

export const ACTIONS = [
  { id: 'merge', key: 'M', icon: '⊕' },
  { id: 'fill', key: 'F', icon: '◉' },
  { id: 'delete', key: 'Del', icon: '✕' },
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

  /** The scene brushed and drawn on: the one on the map, else the first whose file is there. */
  const scene = computed(() => project.shownScene ?? project.scenes.find((s) => s.state === 'ok') ?? project.scenes[0] ?? null);
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
      ui.notifyError(e);
      return null;
    } finally {
      busy.value = false;
    }
  }

  function stroke(points: Array<[number, number]>, mode: 'paint' | 'erase' | 'background'): Promise<CorrectionResult | null> {
    const s = scene.value;
    if (!s) {
      ui.notify('warning', t('edit.addSceneFirst'));
      return Promise.resolve(null);
    }
    return run(() => api.brushStroke({ scene: s.id, points: points.flat(), radius: brushSize.value, unit: brushUnit.value, mode, crs: 'wgs84' }));
  }

  function polygonEdit(req: PolygonEditRequest, done?: string): Promise<CorrectionResult | null> {
    return run(() => api.editPolygons(req), done);
  }

  function needSelection(n: number, what: 'split' | 'cut' | 'merge' | 'fill' | 'delete'): number[] | null {
    const sel = inventory.selected;
    if (sel.length < n) {
      ui.notify('warning', n === 1 ? t('edit.selectOne', { what: t(`edit.what.${what}`) }) : t('edit.selectAtLeast', { n, what: t(`edit.what.${what}`) }));
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
      await polygonEdit({ op: 'draw', crs: 'wgs84', coordinates: [closed()], scene: scene.value?.id }, t('edit.added'));
    } else if (tool.value === 'cut' && pts.length >= 3) {
      const sel = needSelection(1, 'cut');
      if (!sel) return;
      sketch.value = [];
      await polygonEdit({ op: 'cutHole', crs: 'wgs84', fid: sel[0]!, coordinates: [closed()] }, t('edit.holeCut'));
    } else if (tool.value === 'split' && pts.length >= 2) {
      const sel = needSelection(1, 'split');
      if (!sel) return;
      sketch.value = [];
      await polygonEdit({ op: 'split', crs: 'wgs84', fid: sel[0]!, line: pts.flat() }, t('edit.split'));
    }
  }

  async function action(id: 'merge' | 'fill' | 'delete'): Promise<void> {
    if (id === 'merge') {
      const sel = needSelection(2, 'merge');
      if (sel) await polygonEdit({ op: 'merge', fids: sel }, t('edit.merged', { n: sel.length }));
    } else if (id === 'fill') {
      const sel = needSelection(1, 'fill');
      if (sel) await polygonEdit({ op: 'fillHoles', fids: sel }, t('edit.filled'));
    } else {
      const sel = needSelection(1, 'delete');
      if (sel) await polygonEdit({ op: 'delete', fids: sel }, t('edit.deleted', sel.length));
    }
  }

  async function reshape(fid: number, coordinates: number[][][][]): Promise<void> {
    await polygonEdit({ op: 'reshape', crs: 'wgs84', fid, coordinates });
  }

  return { tool, brushSize, brushUnit, sketch, busy, helpOpen, lastTimings, scene, gsd, radiusMetres, setTool, stroke, finishSketch, action, reshape, polygonEdit };
});
