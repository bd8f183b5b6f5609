/**
 * The detected polygons as an inventory file, written by the exporter (export/export-inventory.ts)
 * like any export of a project's landslides: the same typed fields, QGIS style and staging; a
 * GeoPackage or an RFC 7946 GeoJSON by the file's extension.
 */
import { rmSync } from 'node:fs';
import { extname } from 'node:path';
import type { CrsInfo } from '../../../src-shared/geo';
import { exportInventory } from '../export/export-inventory';
import type { Inventory, InventoryMeta } from '../export/inventory';
import { completeRecord } from '../store/geopackage-writer';
import type { InventoryPolygon } from '../vector';
import { commitOutputs, type PlannedOutput } from '../util/atomic-output';
import { polygonConfidence } from '../vector/confidence';

/** The extensions a detection writes its inventory to. */
export const INVENTORY_EXTENSIONS = ['.gpkg', '.geojson', '.json'] as const;

export interface InventoryContext {
  scene: string;
  run: string;
  crs: CrsInfo;
  /** The file's provenance: the model or method, the run and its threshold, the scenes (export/provenance.ts). */
  meta: InventoryMeta;
}

/** The detection's polygons as an exporter's inventory (feature ids 1 … n, status predicted). */
export function detectedInventory(polygons: ReadonlyArray<Pick<InventoryPolygon, 'geometry' | 'attributes'>>, ctx: InventoryContext): Inventory {
  const now = new Date().toISOString();
  return {
    crs: ctx.crs,
    meta: ctx.meta,
    features: polygons.map((p, i) => ({
      fid: i + 1,
      geometry: p.geometry,
      record: completeRecord({ ...p.attributes, scene: ctx.scene, run: ctx.run, confidence: polygonConfidence(p.attributes.prob_mean) }, now),
    })),
  };
}

/**
 * Write the inventory at `path` (checked before the run: planOutput). Returns the files written
 * (the data file, and a GeoJSON's QGIS style beside it) and the exporter's warnings.
 */
export async function writeInventory(
  path: string,
  polygons: ReadonlyArray<Pick<InventoryPolygon, 'geometry' | 'attributes'>>,
  ctx: InventoryContext,
  opts: { overwrite: boolean },
): Promise<{ files: string[]; warnings: string[] }> {
  const format = extname(path).toLowerCase() === '.gpkg' ? 'gpkg' : 'geojson';
  const r = await exportInventory(detectedInventory(polygons, ctx), { format, out: path, overwrite: opts.overwrite });
  return { files: r.files, warnings: r.warnings };
}

/**
 * The last step of a run: the inventory written through the exporter, then the run's other outputs
 * (written beside their destinations by then) moved into place. Should those fail to move, the
 * inventory is removed again: a run's outputs appear all or not at all. Returns the warnings.
 */
export async function finishOutputs(
  inventory: { path: string; polygons: ReadonlyArray<Pick<InventoryPolygon, 'geometry' | 'attributes'>>; ctx: InventoryContext; overwrite: boolean } | null,
  others: readonly PlannedOutput[],
): Promise<string[]> {
  const written = inventory ? await writeInventory(inventory.path, inventory.polygons, inventory.ctx, inventory) : { files: [], warnings: [] };
  try {
    commitOutputs(others);
  } catch (e) {
    for (const f of written.files) rmSync(f, { force: true });
    throw e;
  }
  return written.warnings;
}
