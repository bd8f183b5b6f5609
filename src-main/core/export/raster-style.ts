/**
 * How each raster Scarp writes is described and drawn outside Scarp: the band description GDAL and
 * QGIS show, a colour table in the file for the 8-bit mask (any GIS), and the QGIS style (`.qml`
 * beside the .tif, which QGIS loads with the layer): the probability, confidence and change ramps of
 * the app (resources/ramps; the change strength transparent below 0.5, the method's threshold), the
 * mask's landslide colour over a transparent background and no data.
 */
import { RAMP_DEFINITIONS } from '../tiles/ramps';

export type RasterKind = 'probability' | 'confidence' | 'mask' | 'change';

/** The mask's values: 1 landslide, 0 not, 255 no data. */
export const MASK_NODATA = 255;

const hex = (c: readonly number[]): string => `#${c.slice(0, 3).map((v) => v.toString(16).padStart(2, '0')).join('')}`;
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export const RASTER_DESCRIPTIONS: Record<RasterKind, string> = {
  probability: 'Landslide probability (calibrated, 0-1)',
  confidence: 'Confidence that the class is right (0-1)',
  mask: 'Landslide mask (1 landslide, 0 not, 255 no data)',
  change: 'Change strength (0-1, 0.5 at the method threshold, 1 at twice it; not a probability)',
};

/** The mask's TIFF colour table (a TIFF palette has no alpha: the .qml makes 0 and no data transparent). */
export function maskColorTable(): Array<[number, number, number]> {
  const landslide = RAMP_DEFINITIONS.mask.stops.at(-1)![1];
  const t: Array<[number, number, number]> = Array.from({ length: 256 }, () => [0, 0, 0]);
  t[0] = [255, 255, 255];
  t[1] = [landslide[0], landslide[1], landslide[2]];
  return t;
}

const MIN_MAX = '<minMaxOrigin><limits>None</limits><extent>WholeRaster</extent><statAccuracy>Estimated</statAccuracy><cumulativeCutLower>0.02</cumulativeCutLower><cumulativeCutUpper>0.98</cumulativeCutUpper><stdDevFactor>2</stdDevFactor></minMaxOrigin>';

function rampRenderer(kind: 'probability' | 'confidence' | 'change'): string {
  const def = RAMP_DEFINITIONS[kind];
  const [lo, hi] = def.domain;
  const items = def.stops.map(([v, c]) => `<item alpha="${c[3]}" value="${v}" label="${v}" color="${hex(c)}"/>`).join('\n            ');
  return `<rasterrenderer type="singlebandpseudocolor" band="1" opacity="1" alphaBand="-1" classificationMin="${lo}" classificationMax="${hi}" nodataColor="">
      <rasterTransparency/>
      ${MIN_MAX}
      <rastershader>
        <colorrampshader colorRampType="INTERPOLATED" classificationMode="1" clip="0" minimumValue="${lo}" maximumValue="${hi}" labelPrecision="2">
            ${items}
        </colorrampshader>
      </rastershader>
    </rasterrenderer>`;
}

function maskRenderer(): string {
  const c = RAMP_DEFINITIONS.mask.stops.at(-1)![1];
  return `<rasterrenderer type="paletted" band="1" opacity="1" alphaBand="-1" nodataColor="">
      <rasterTransparency/>
      ${MIN_MAX}
      <colorPalette>
        <paletteEntry value="0" alpha="0" color="#ffffff" label="Not landslide"/>
        <paletteEntry value="1" alpha="${c[3]}" color="${hex(c)}" label="Landslide"/>
      </colorPalette>
    </rasterrenderer>`;
}

/** The QGIS 3 style of a raster kind (`<name>.qml` beside `<name>.tif`). */
export function rasterQml(kind: RasterKind): string {
  return `<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.0" styleCategories="AllStyleCategories">
  <layerMetadata><abstract>${esc(RASTER_DESCRIPTIONS[kind])}</abstract></layerMetadata>
  <pipe>
    ${kind === 'mask' ? maskRenderer() : rampRenderer(kind)}
    <brightnesscontrast brightness="0" contrast="0" gamma="1"/>
    <huesaturation saturation="0" grayscaleMode="0" colorizeOn="0" colorizeRed="255" colorizeGreen="128" colorizeBlue="128" colorizeStrength="100"/>
    <rasterresampler maxOversampling="2"/>
  </pipe>
  <blendMode>0</blendMode>
</qgis>
`;
}
