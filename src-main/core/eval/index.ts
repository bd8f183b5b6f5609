export * from './metrics';
export * from './evaluate';
export * from './splits';
export * from './evaluate-files';
