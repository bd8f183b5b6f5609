/**
 * Compare two map layers with a swipe bar: the left layer is drawn only left of the bar, the right
 * layer only right of it, whatever their stacking order; every other layer is drawn as usual.
 *
 * One map, clipped (the smallest correct version of mapbox-gl-compare / maplibre-gl-compare, which
 * keep two synchronised maps and clip one's container): a pair of MapLibre custom layers around each
 * compared layer turns the WebGL scissor test on (to that side's columns) and off again. Raster and
 * vector layers draw in MapLibre's translucent pass, in style order, as the custom layers do, so the
 * scissor holds for exactly the layers between the pair. No second map, no second set of tiles.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { CustomLayerInterface } from 'maplibre-gl';
import { useLayersStore, type MapLayer } from '../stores/layers';

export type SwipeSide = 'left' | 'right';

/** The custom layers' ids: `on` before the compared layer's style layers, `off` after them. */
export const SWIPE_LAYER_IDS: Record<SwipeSide, { on: string; off: string }> = {
  left: { on: 'swipe-left-on', off: 'swipe-left-off' },
  right: { on: 'swipe-right-on', off: 'swipe-right-off' },
};

/**
 * The scissor box (x, y, width, height in drawing-buffer pixels, origin bottom-left) of one side
 * with the bar at `position` (0 = left edge, 1 = right edge of the map).
 */
export function scissorBox(side: SwipeSide, position: number, width: number, height: number): [number, number, number, number] {
  const x = Math.round(Math.min(1, Math.max(0, position)) * width);
  return side === 'left' ? [0, 0, x, height] : [x, 0, width - x, height];
}

/** A custom layer that clips what follows it to one side of the bar, or (side null) stops clipping. */
export function clipLayer(id: string, side: SwipeSide | null, position: () => number): CustomLayerInterface {
  return {
    id,
    type: 'custom',
    renderingMode: '2d',
    render(gl) {
      if (side === null) {
        gl.disable(gl.SCISSOR_TEST);
        return;
      }
      const [x, y, w, h] = scissorBox(side, position(), gl.drawingBufferWidth, gl.drawingBufferHeight);
      gl.enable(gl.SCISSOR_TEST);
      gl.scissor(x, y, w, h);
    },
  };
}

/** The layers worth comparing: every layer but the basemap. */
function comparable(l: MapLayer): boolean {
  return l.kind !== 'basemap';
}

export const useSwipeStore = defineStore('swipe', () => {
  const layers = useLayersStore();
  const active = ref(false);
  /** Layer keys shown left and right of the bar. */
  const left = ref<string | null>(null);
  const right = ref<string | null>(null);
  /** The bar's place, 0..1 of the map's width. */
  const position = ref(0.5);

  const candidates = computed(() => layers.layers.filter(comparable));

  /** The pair offered first: the pre-event imagery against the imagery, else the two topmost rasters. */
  function defaultPair(): [string, string] | null {
    const keys = candidates.value.map((l) => l.key);
    if (keys.includes('pre-event') && keys.includes('imagery')) return ['pre-event', 'imagery'];
    const rasters = candidates.value.filter((l) => l.kind !== 'inventory').map((l) => l.key);
    return rasters.length >= 2 ? [rasters[1]!, rasters[0]!] : null;
  }

  /** Start comparing `l` (left) with `r` (right), both shown; a side not given: defaultPair's. */
  function start(l?: string, r?: string): boolean {
    const d = defaultPair();
    const keys = new Set(candidates.value.map((x) => x.key));
    const a = l && keys.has(l) ? l : d?.[0];
    const b = r && keys.has(r) ? r : d?.[1];
    if (!a || !b || a === b) return false;
    left.value = a;
    right.value = b;
    layers.setVisible(a, true);
    layers.setVisible(b, true);
    position.value = 0.5;
    active.value = true;
    return true;
  }

  function stop(): void {
    active.value = false;
  }

  function setSide(side: SwipeSide, key: string): void {
    if (side === 'left') left.value = key;
    else right.value = key;
    layers.setVisible(key, true);
    if (left.value === right.value) active.value = false;
  }

  function setPosition(p: number): void {
    position.value = Math.min(1, Math.max(0, p));
  }

  // A compared layer that goes away (project closed, basemap removed) ends the comparison.
  watch(
    () => layers.layers.map((l) => l.key).join('|'),
    () => {
      const keys = new Set(layers.layers.map((l) => l.key));
      if (active.value && (!keys.has(left.value ?? '') || !keys.has(right.value ?? ''))) active.value = false;
    },
  );

  /** The style layer ids of one map layer, with the clip pair around them when it is compared. */
  function wrap(key: string, ids: string[]): string[] {
    if (!active.value || ids.length === 0) return ids;
    const side: SwipeSide | null = key === left.value ? 'left' : key === right.value ? 'right' : null;
    return side ? [SWIPE_LAYER_IDS[side].on, ...ids, SWIPE_LAYER_IDS[side].off] : ids;
  }

  return { active, left, right, position, candidates, defaultPair, start, stop, setSide, setPosition, wrap };
});
