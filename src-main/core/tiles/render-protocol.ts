/** The calls between TileService's render pool (main thread) and its tile workers (workers/rpc.ts). */
import type { Bounds } from '../../../src-shared/geo';
import type { BandStretch, TileLayerKind } from './render';
import type { MemoryOverview } from './memory-overview';
import type { Method } from '../workers/rpc';

export interface RenderLayerSpec {
  path: string;
  kind: TileLayerKind;
  bands: number[];
  stretch: BandStretch[];
  threshold: number;
  bounds3857: Bounds;
  /** The in-memory overview of a file without overviews (read once on the main thread). */
  overview: MemoryOverview | null;
}

/** What a tile worker answers. */
export type TileWorkerMethods = {
  /** Open a layer under `id` (its GeoTIFF, with the overview the main thread read). */
  open: Method<{ id: string; spec: RenderLayerSpec }, void>;
  close: Method<{ id: string }, void>;
  /** One 256 × 256 PNG tile of layer `id`. */
  render: Method<{ id: string; z: number; x: number; y: number }, Uint8Array>;
};

/** What the pool answers: a worker says when its modules are loaded. */
export type TilePoolMethods = {
  ready: Method<void, void>;
};
