/** Inventories for export tests: the Jinsha reference polygons as a Scarp inventory, with non-ASCII notes. */
import { readPolygons } from '../../../src-main/core/vector/readers';
import { areaM2, perimeterM } from '../../../src-main/core/vector/measure';
import { completeRecord } from '../../../src-main/core/store/geopackage-writer';
import { LANDSLIDE_STATUSES } from '../../../src-main/core/store/landslides-schema';
import type { Inventory, InventoryFeature } from '../../../src-main/core/export/inventory';
import type { FlatMultiPolygon } from '../../../src-main/core/vector/geometry';
import type { CrsInfo } from '../../../src-shared/geo';

export const NOTES = ['金沙江 滑坡 (Jinsha)', 'पहिरो — सिन्धुपाल्चोक', 'Deslizamiento en Ñuñoa, árbol caído', null] as const;

export function toInventory(features: Array<{ geometry: FlatMultiPolygon }>, crs: CrsInfo): Inventory {
  const t0 = Date.parse('2024-05-01T12:34:56.789Z');
  const out: InventoryFeature[] = features.map((f, i) => ({
    fid: i + 1,
    geometry: f.geometry,
    record: completeRecord({
      uuid: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      area_m2: areaM2(f.geometry, crs),
      perimeter_m: perimeterM(f.geometry, crs),
      prob_mean: 0.5 + (i % 50) / 100,
      prob_max: 0.99,
      slope_mean: 20 + (i % 30),
      status: LANDSLIDE_STATUSES[i % LANDSLIDE_STATUSES.length],
      type: 'slide',
      confidence: 0.8,
      mapper: i % 2 ? 'Ana Núñez' : '李雷',
      notes: NOTES[i % NOTES.length] ?? null,
      scene: 'siteB',
      run: 'run-1',
      created_at: new Date(t0 + i * 1000).toISOString(),
      updated_at: new Date(t0 + i * 2000).toISOString(),
    }),
  }));
  return { crs, features: out, meta: { projectName: 'Jinsha 金沙江 test', modelId: 'unet-test', runId: 'run-1', threshold: 0.5 } };
}

export async function jinshaInventory(path: string): Promise<Inventory> {
  const layer = await readPolygons(path);
  return toInventory(layer.features, layer.crs);
}
