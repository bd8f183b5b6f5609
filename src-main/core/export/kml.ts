/**
 * KML / KMZ for field teams (Google Earth, phones): @placemarkio/tokml writes the placemarks
 * (WGS 84, 7 decimals, shells counter-clockwise), with every attribute as ExtendedData; one
 * <Style> per status is added so the polygons open coloured as in QGIS. KMZ = doc.kml zipped (jszip).
 */
import JSZip from 'jszip';
import { toKML } from '@placemarkio/tokml';
import type { Feature, FeatureCollection, MultiPolygon } from 'geojson';
import { LANDSLIDE_STATUSES } from '../store/landslides-schema';
import { STATUS_STYLE } from '../store/project/qgis-style';
import type { FlatMultiPolygon } from '../vector/geometry';
import { attributeRow, type InventoryFeature } from './inventory';

function coords(mp: FlatMultiPolygon, precision = 7): number[][][][] {
  const s = 10 ** precision;
  return mp.map((p) =>
    p.map((r) => {
      const o: number[][] = [];
      for (let k = 0; k < r.length; k += 2) o.push([Math.round((r[k] as number) * s) / s, Math.round((r[k + 1] as number) * s) / s]);
      return o;
    }),
  );
}

const kmlColour = (rgb: [number, number, number], alpha: number): string =>
  [alpha, rgb[2], rgb[1], rgb[0]].map((v) => v.toString(16).padStart(2, '0')).join('');

function styles(): string {
  return LANDSLIDE_STATUSES.map((s) => {
    const st = STATUS_STYLE[s];
    return `<Style id="status-${s}"><LineStyle><color>${kmlColour(st.outline, 255)}</color><width>2</width></LineStyle><PolyStyle><color>${kmlColour(st.fill, 110)}</color></PolyStyle></Style>`;
  }).join('\n');
}

/** KML text for features already in WGS 84 longitude/latitude. */
export function inventoryToKml(features: Iterable<InventoryFeature>, docName = 'Landslides'): string {
  const fc: FeatureCollection<MultiPolygon> = { type: 'FeatureCollection', features: [] };
  const statusOf = new Map<string, string>();
  for (const f of features) {
    const props: Record<string, string | number | boolean> = { name: `Landslide ${f.fid}` };
    for (const [k, v] of Object.entries(attributeRow(f))) if (v !== null && v !== undefined) props[k] = v;
    statusOf.set(String(f.fid), f.record.status);
    const feat: Feature<MultiPolygon> = { type: 'Feature', id: f.fid, properties: props, geometry: { type: 'MultiPolygon', coordinates: coords(f.geometry) } };
    fc.features.push(feat);
  }
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  let kml = toKML(fc);
  kml = kml.replace('<Document>', `<Document>\n<name>${esc(docName)}</name>\n${styles()}`);
  // styleUrl goes after <name> (KML's element order).
  kml = kml.replace(/<Placemark id="([^"]*)">(\s*<name>[\s\S]*?<\/name>)?/g, (m, id: string) => {
    const st = statusOf.get(id);
    return st ? `${m}<styleUrl>#status-${st}</styleUrl>` : m;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${kml}\n`;
}

/** A KMZ (zip with doc.kml) of the KML text. */
export async function kmlToKmz(kml: string): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('doc.kml', kml);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 6 } });
}
