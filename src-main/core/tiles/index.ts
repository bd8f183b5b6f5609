/** Public API of the map tile renderer. */
export { TileService, sceneStretch, percentileStretch, type TileServiceOptions } from './tile-service';
export { renderTileRgba, type RenderLayer, type RenderedTile, type TileLayerKind, type BandStretch } from './render';
export { tileBounds, tileGrid, validTile, zoomForResolution, TILE_SIZE, WEB_MERCATOR } from './mercator';
export { encodePng, emptyPng } from './png';
export { RAMPS, bakeRamp, rampCss, type Ramp, type RampDefinition } from './ramps';
