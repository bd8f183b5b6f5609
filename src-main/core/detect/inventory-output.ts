/** Writes the detected polygons as a GeoPackage `landslides` layer or RFC 7946 GeoJSON. */
import { extname } from 'node:path';
import type { CrsInfo } from '../../../src-shared/geo';
import { writeGeoJson } from '../export/geojson';
import { writeLandslidesGpkg } from '../store/geopackage-writer';
import { completeRecord } from '../store/geopackage-writer';
import type { InventoryPolygon } from '../vector';
import { polygonConfidence } from '../vector/confidence';

export interface InventoryContext {
  scene: string;
  run: string;
  crs: CrsInfo;
}

export async function writeInventory(path: string, polygons: readonly InventoryPolygon[], ctx: InventoryContext): Promise<void> {
  const now = new Date().toISOString();
  const features = polygons.map((p) => ({
    geometry: p.geometry,
    properties: completeRecord({ ...p.attributes, scene: ctx.scene, run: ctx.run, confidence: polygonConfidence(p.attributes.prob_mean) }, now),
  }));
  if (extname(path).toLowerCase() === '.gpkg') {
    await writeLandslidesGpkg(path, features, { crs: ctx.crs, overwrite: true });
    return;
  }
  await writeGeoJson(
    path,
    features.map((f, i) => ({ id: i + 1, geometry: f.geometry, properties: { ...f.properties } })),
    { crs: ctx.crs, overwrite: true },
  );
}
