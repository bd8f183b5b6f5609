/**
 * KML / KMZ for field teams (Google Earth, phones) and GIS: placemarks in WGS 84 (7 decimals, shells
 * counter-clockwise), one <Style> per status so the polygons open coloured as in QGIS, and the
 * attributes as typed <SchemaData>: a <Schema> declares every export field (export/fields.ts) with its
 * KML type (int, double, bool, string), so GDAL and Google Earth read numbers as numbers (plain
 * <Data> elements are untyped text). Written by hand: nothing here needs a library beyond escaping.
 * KMZ: laid out as GDAL writes one — doc.kml holding a <NetworkLink> to layers/<name>.kml, the
 * document itself — because GDAL 3.6 reads the typed fields of a single-document KMZ as none at all.
 */
import { LANDSLIDE_STATUSES } from '../store/landslides-schema';
import { STATUS_STYLE } from '../store/project/qgis-style';
import type { FlatMultiPolygon } from '../vector/geometry';
import { fieldRow, type ExportField, type FieldKind } from './fields';
import type { InventoryFeature } from './inventory';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** KML SimpleField types of the export kinds (dates stay ISO 8601 text: KML has no date type). */
export const KML_TYPES: Record<FieldKind, string> = { integer: 'int', real: 'double', boolean: 'bool', date: 'string', datetime: 'string', string: 'string' };

function ringText(r: ArrayLike<number>, scale: number): string {
  const pts: string[] = [];
  for (let k = 0; k + 1 < r.length; k += 2) pts.push(`${Math.round((r[k] as number) * scale) / scale},${Math.round((r[k + 1] as number) * scale) / scale}`);
  return pts.join(' ');
}

function geometryKml(mp: FlatMultiPolygon, precision = 7): string {
  const s = 10 ** precision;
  const polys = mp.map((p) => {
    const [outer, ...inner] = p;
    const holes = inner.map((r) => `<innerBoundaryIs><LinearRing><coordinates>${ringText(r, s)}</coordinates></LinearRing></innerBoundaryIs>`).join('');
    return `<Polygon><outerBoundaryIs><LinearRing><coordinates>${ringText(outer ?? [], s)}</coordinates></LinearRing></outerBoundaryIs>${holes}</Polygon>`;
  });
  return `<MultiGeometry>${polys.join('')}</MultiGeometry>`;
}

const kmlColour = (rgb: [number, number, number], alpha: number): string => [alpha, rgb[2], rgb[1], rgb[0]].map((v) => v.toString(16).padStart(2, '0')).join('');

function styles(): string {
  return LANDSLIDE_STATUSES.map((s) => {
    const st = STATUS_STYLE[s];
    return `<Style id="status-${s}"><LineStyle><color>${kmlColour(st.outline, 255)}</color><width>2</width></LineStyle><PolyStyle><color>${kmlColour(st.fill, 110)}</color></PolyStyle></Style>`;
  }).join('\n');
}

function valueText(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  return esc(String(v));
}

/** KML text for features already in WGS 84 longitude/latitude, with these fields (fields.ts). */
export function inventoryToKml(features: Iterable<InventoryFeature>, fields: readonly ExportField[], docName = 'Landslides'): string {
  // One Document holding the schema and the placemarks (GDAL reads it as one layer, typed).
  const id = docName.replace(/[^\p{L}\p{N}_.-]/gu, '_') || 'landslides';
  const schema = `<Schema name="${esc(id)}" id="${esc(id)}.schema">\n${fields.map((f) => `<SimpleField name="${esc(f.name)}" type="${KML_TYPES[f.kind]}"/>`).join('\n')}\n</Schema>`;
  const placemarks: string[] = [];
  for (const f of features) {
    const row = fieldRow(f, fields);
    const data = fields
      .map((fld) => {
        const v = row[fld.name];
        return v === null || v === undefined ? '' : `<SimpleData name="${esc(fld.name)}">${valueText(v)}</SimpleData>`;
      })
      .join('');
    placemarks.push(
      `<Placemark id="${f.fid}"><name>Landslide ${f.fid}</name><styleUrl>#status-${f.record.status}</styleUrl><ExtendedData><SchemaData schemaUrl="#${esc(id)}.schema">${data}</SchemaData></ExtendedData>${geometryKml(f.geometry)}</Placemark>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
<Document id="${esc(id)}">
<name>${esc(docName)}</name>
${schema}
${styles()}
${placemarks.join('\n')}
</Document>
</kml>
`;
}

/** A KMZ of the KML text: doc.kml linking to layers/<name>.kml (see the module comment). */
export async function kmlToKmz(kml: string, name = 'landslides'): Promise<Buffer> {
  const { default: JSZip } = await import('jszip');
  const zip = new JSZip();
  const file = `layers/${name.replace(/[^\p{L}\p{N}_.-]/gu, '_') || 'landslides'}.kml`;
  zip.file(
    'doc.kml',
    `<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
<Document id="root_doc"><name>${esc(name)}</name>
<NetworkLink><name>${esc(name)}</name><Link><href>${esc(file)}</href></Link></NetworkLink>
</Document>
</kml>
`,
  );
  zip.file(file, kml);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 6 } });
}
