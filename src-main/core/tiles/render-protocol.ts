/** Messages between TileService's render pool (main thread) and its tile workers. */
import type { Bounds } from '../../../src-shared/geo';
import type { BandStretch, TileLayerKind } from './render';
import type { MemoryOverview } from './memory-overview';

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

export type ToRenderWorker =
  | { t: 'open'; id: string; spec: RenderLayerSpec }
  | { t: 'close'; id: string }
  | { t: 'render'; rid: number; id: string; z: number; x: number; y: number };

export type FromRenderWorker = { t: 'ready' } | { t: 'tile'; rid: number; png: Uint8Array } | { t: 'error'; rid: number; message: string };
