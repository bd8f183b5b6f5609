/** Map layers: raster layers as XYZ tiles (core/tiles) and polygon files as GeoJSON for display. */
import type { TileLayerInfo, TileLayerRequestParsed, VectorLayer } from '../../../src-shared/api';
import { TileService } from '../tiles';
import { readPolygons, toPolygonCoords, multiPolygonBounds } from '../vector';
import { WGS84 } from '../geo';
import type { Bounds } from '../../../src-shared/geo';

/** Round to 1e-7 degrees (~1 cm): plenty for display, and a third of the JSON. */
const r7 = (v: number): number => Math.round(v * 1e7) / 1e7;

export class LayersService {
  readonly tiles = new TileService();

  openTileLayer(req: TileLayerRequestParsed): Promise<TileLayerInfo> {
    return this.tiles.openLayer(req);
  }

  async readVectorLayer(req: { path: string; layer?: string }): Promise<VectorLayer> {
    const layer = await readPolygons(req.path, { crs: WGS84, layer: req.layer });
    let bounds: Bounds | null = null;
    const features = layer.features.map((f, i) => {
      const b = multiPolygonBounds(f.geometry);
      bounds = bounds
        ? { minX: Math.min(bounds.minX, b.minX), minY: Math.min(bounds.minY, b.minY), maxX: Math.max(bounds.maxX, b.maxX), maxY: Math.max(bounds.maxY, b.maxY) }
        : b;
      const fid = typeof f.properties.fid === 'number' ? f.properties.fid : i + 1;
      return {
        type: 'Feature' as const,
        id: fid,
        geometry: { type: 'MultiPolygon' as const, coordinates: f.geometry.map((p) => toPolygonCoords(p).map((ring) => ring.map(([x, y]) => [r7(x!), r7(y!)]))) },
        properties: f.properties,
      };
    });
    const src = layer.sourceCrs;
    return {
      path: layer.path,
      layer: layer.layer,
      crs: src.epsg ? `EPSG:${src.epsg}` : src.name,
      featureCount: features.length,
      bounds,
      geojson: { type: 'FeatureCollection', features },
    };
  }

  close(): Promise<void> {
    return this.tiles.close();
  }
}
