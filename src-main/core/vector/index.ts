export * from './polygonize';
export * from './pixel-stats';
export * from './geometry';
export * from './measure';
export * from './attributes';
