/** Public API of the map tile renderer. */
export { TileService, sceneStretch, type TileServiceOptions, type TileData } from './tile-service';
export { openBasemap, openMbtiles, openPmtiles, BASEMAP_CONTENT_TYPES, type Basemap, type BasemapFormat } from './basemap';
export { renderTileRgba, type RenderLayer, type RenderedTile, type TileLayerKind, type BandStretch } from './render';
export { tileBounds, tileGrid, validTile, zoomForResolution, TILE_SIZE, WEB_MERCATOR } from './mercator';
export { encodePng, emptyPng } from '../util/png';
export { RAMPS, bakeRamp, rampCss, type Ramp, type RampDefinition } from './ramps';
