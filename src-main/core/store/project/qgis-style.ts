/**
 * The default QGIS style of the inventory: a categorized renderer on `status`, and the attribute
 * form a QGIS user edits with (value lists for status and type, defaults for a new landslide — a
 * uuid, status edited, type unknown, the user as mapper, the time — and the measured fields read-only,
 * since Scarp measures them again when it takes the edit in: store/project/external-edits.ts). Stored
 * in the `layer_styles` table QGIS reads from a GeoPackage (the table and columns QGIS/GDAL create),
 * registered in gpkg_contents as an attributes table so validate_gpkg accepts it, and written as the
 * `.qml` beside file exports. An SLD twin (symbology only) is stored beside it for other tools.
 */
import type Database from 'better-sqlite3';
import { EDITED_STATUS, type ValueKind } from '../../../../src-shared/vocabulary';
import { LANDSLIDE_STATUSES, LANDSLIDE_TYPES, LANDSLIDES_GEOMETRY_COLUMN, LANDSLIDES_TABLE, type LandslideStatus, type LandslideType } from '../landslides-schema';

type Db = Database.Database;

export const STATUS_STYLE: Record<LandslideStatus, { label: string; fill: [number, number, number]; outline: [number, number, number] }> = {
  predicted: { label: 'Predicted', fill: [255, 165, 0], outline: [214, 110, 0] },
  confirmed: { label: 'Confirmed', fill: [220, 30, 30], outline: [150, 0, 0] },
  rejected: { label: 'Rejected', fill: [150, 150, 150], outline: [100, 100, 100] },
  edited: { label: 'Edited', fill: [170, 60, 220], outline: [110, 20, 160] },
  field_verified: { label: 'Field verified', fill: [30, 150, 60], outline: [0, 90, 30] },
};

const FILL_ALPHA = 110;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export const TYPE_LABELS: Record<LandslideType, string> = { slide: 'Slide', fall: 'Fall', flow: 'Flow', complex: 'Complex', unknown: 'Unknown' };

/** Fields a QGIS user should not type into: measured or written by Scarp (measured again on every outline change). */
export const READ_ONLY_FIELDS = ['uuid', 'scene', 'run', 'area_m2', 'perimeter_m', 'prob_mean', 'prob_max', 'slope_mean', 'elev_min', 'elev_max', 'aspect_mean', 'dem_coverage', 'created_at', 'updated_at', 'source', 'attrs'] as const;

/**
 * Default values of a landslide added in QGIS (QGIS expressions). Status 'edited': a polygon a person
 * drew is not a prediction waiting for review. updated_at is refreshed on every change.
 */
export const QGIS_DEFAULTS: ReadonlyArray<{ field: string; expression: string; onUpdate: boolean }> = [
  { field: 'uuid', expression: "uuid('WithoutBraces')", onUpdate: false },
  { field: 'status', expression: `'${EDITED_STATUS}'`, onUpdate: false },
  { field: 'type', expression: "'unknown'", onUpdate: false },
  { field: 'mapper', expression: '@user_account_name', onUpdate: false },
  { field: 'created_at', expression: 'now()', onUpdate: false },
  { field: 'updated_at', expression: 'now()', onUpdate: true },
];

const VALUE_ALIASES: Record<ValueKind, { prob_mean: string; prob_max: string }> = {
  probability: { prob_mean: 'Mean probability', prob_max: 'Max probability' },
  strength: { prob_mean: 'Mean change strength (not a probability)', prob_max: 'Max change strength (not a probability)' },
  mixed: { prob_mean: 'Mean probability (change runs: strength)', prob_max: 'Max probability (change runs: strength)' },
};

const FIELD_ALIASES: Record<string, string> = {
  area_m2: 'Area (m²)',
  perimeter_m: 'Perimeter (m)',
  slope_mean: 'Mean slope (°)',
  elev_min: 'Lowest elevation (m)',
  elev_max: 'Highest elevation (m)',
  aspect_mean: 'Mean aspect (°)',
  dem_coverage: 'DEM coverage (share)',
  confidence: 'Confidence',
  created_at: 'Created',
  updated_at: 'Updated',
  source: 'Imported from',
  attrs: 'Imported fields (JSON)',
};

function valueMap(field: string, entries: Array<[label: string, value: string]>): string {
  const items = entries.map(([l, v]) => `            <Option type="Map"><Option type="QString" name="${esc(l)}" value="${esc(v)}"/></Option>`).join('\n');
  return `    <field name="${field}" configurationFlags="None">
      <editWidget type="ValueMap">
        <config>
          <Option type="Map">
            <Option type="List" name="map">
${items}
            </Option>
          </Option>
        </config>
      </editWidget>
    </field>`;
}

/** The QML elements of the attribute form (QGIS 3.22's Fields and Forms style categories). */
function formQml(values: ValueKind): string {
  const fields = [
    valueMap('status', LANDSLIDE_STATUSES.map((s) => [STATUS_STYLE[s].label, s])),
    valueMap('type', LANDSLIDE_TYPES.map((t) => [TYPE_LABELS[t], t])),
  ].join('\n');
  const aliases = Object.entries({ ...VALUE_ALIASES[values], ...FIELD_ALIASES }).map(([f, a]) => `    <alias field="${f}" name="${esc(a)}"/>`).join('\n');
  const defaults = QGIS_DEFAULTS.map((d) => `    <default field="${d.field}" expression="${esc(d.expression)}" applyOnUpdate="${d.onUpdate ? 1 : 0}"/>`).join('\n');
  const editable = READ_ONLY_FIELDS.map((f) => `    <field name="${f}" editable="0"/>`).join('\n');
  return `  <fieldConfiguration>
${fields}
  </fieldConfiguration>
  <aliases>
${aliases}
  </aliases>
  <defaults>
${defaults}
  </defaults>
  <editable>
${editable}
  </editable>`;
}

/** The value kind of the project's stored style (read from its prob_mean alias); null without one. */
export function storedValueKind(db: Db): ValueKind | null {
  const row = db.prepare('SELECT styleQML FROM layer_styles WHERE f_table_name = ? AND styleName = ?').get(LANDSLIDES_TABLE, 'Scarp status') as { styleQML: string } | undefined;
  if (!row) return null;
  const kinds = Object.keys(VALUE_ALIASES) as ValueKind[];
  return kinds.find((k) => row.styleQML.includes(`<alias field="prob_mean" name="${esc(VALUE_ALIASES[k].prob_mean)}"/>`)) ?? 'probability';
}

/**
 * The project's stored style names prob_mean / prob_max for the runs it holds: rewritten (only) when a
 * change or single-date run joins model runs or the other way round, so QGIS never calls a change
 * strength a probability.
 */
export function followValueKind(db: Db, kind: ValueKind): void {
  const stored = storedValueKind(db);
  if (stored !== null && stored !== kind) createQgisStyle(db, kind);
}

/** QML (QGIS 3) with a categorized renderer on status and the attribute form (formQml). */
export function landslideQml(values: ValueKind = 'probability'): string {
  const cats = LANDSLIDE_STATUSES.map((s, i) => `      <category render="true" value="${s}" symbol="${i}" label="${esc(STATUS_STYLE[s].label)}"/>`).join('\n');
  const symbols = LANDSLIDE_STATUSES.map((s, i) => {
    const st = STATUS_STYLE[s];
    const props: Array<[string, string]> = [
      ['color', `${st.fill.join(',')},${s === 'rejected' ? 40 : FILL_ALPHA}`],
      ['outline_color', `${st.outline.join(',')},255`],
      ['outline_style', s === 'rejected' ? 'dash' : 'solid'],
      ['outline_width', '0.6'],
      ['outline_width_unit', 'MM'],
      ['style', 'solid'],
      ['joinstyle', 'miter'],
    ];
    const prop = props.map(([k, v]) => `          <prop k="${k}" v="${v}"/>`).join('\n');
    const opt = props.map(([k, v]) => `            <Option type="QString" name="${k}" value="${v}"/>`).join('\n');
    return `      <symbol type="fill" name="${i}" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleFill" enabled="1" locked="0" pass="0">
          <Option type="Map">
${opt}
          </Option>
${prop}
        </layer>
      </symbol>`;
  }).join('\n');
  return `<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.0" styleCategories="Symbology|Labeling|Fields|Forms">
  <renderer-v2 type="categorizedSymbol" attr="status" symbollevels="0" enableorderby="0" forceraster="0" referencescale="-1">
    <categories>
${cats}
    </categories>
    <symbols>
${symbols}
    </symbols>
  </renderer-v2>
${formQml(values)}
  <layerGeometryType>2</layerGeometryType>
</qgis>
`;
}

/** SLD 1.1 equivalent of the QML (one rule per status). */
export function landslideSld(): string {
  const hex = (c: [number, number, number]): string => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
  const rules = LANDSLIDE_STATUSES.map((s) => {
    const st = STATUS_STYLE[s];
    return `      <se:Rule>
        <se:Name>${esc(st.label)}</se:Name>
        <ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>status</ogc:PropertyName><ogc:Literal>${s}</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>
        <se:PolygonSymbolizer>
          <se:Fill><se:SvgParameter name="fill">${hex(st.fill)}</se:SvgParameter><se:SvgParameter name="fill-opacity">${(FILL_ALPHA / 255).toFixed(2)}</se:SvgParameter></se:Fill>
          <se:Stroke><se:SvgParameter name="stroke">${hex(st.outline)}</se:SvgParameter><se:SvgParameter name="stroke-width">2</se:SvgParameter></se:Stroke>
        </se:PolygonSymbolizer>
      </se:Rule>`;
  }).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<StyledLayerDescriptor xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" xmlns:se="http://www.opengis.net/se" version="1.1.0">
  <NamedLayer>
    <se:Name>${LANDSLIDES_TABLE}</se:Name>
    <UserStyle>
      <se:Name>Landslides by status</se:Name>
      <se:FeatureTypeStyle>
${rules}
      </se:FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
</StyledLayerDescriptor>
`;
}

/** Create `layer_styles` (as QGIS does) when missing and (re)write the default landslides style. */
export function createQgisStyle(db: Db, values: ValueKind = 'probability'): void {
  db.exec(`CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    f_table_catalog TEXT(256),
    f_table_schema TEXT(256),
    f_table_name TEXT(256),
    f_geometry_column TEXT(256),
    styleName TEXT(30),
    styleQML TEXT,
    styleSLD TEXT,
    useAsDefault BOOLEAN,
    description TEXT,
    owner TEXT(30),
    ui TEXT(30),
    update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
  )`);
  db.prepare("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles')").run();
  db.prepare('DELETE FROM layer_styles WHERE f_table_name = ? AND styleName = ?').run(LANDSLIDES_TABLE, 'Scarp status');
  db.prepare(
    `INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, ui)
     VALUES ('', '', ?, ?, 'Scarp status', ?, ?, 1, 'Landslides by review status (Scarp)', 'scarp', NULL)`,
  ).run(LANDSLIDES_TABLE, LANDSLIDES_GEOMETRY_COLUMN, landslideQml(values), landslideSld());
}
