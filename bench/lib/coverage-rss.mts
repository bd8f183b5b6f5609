// Peak RSS of detect's coverage pass alone on a scene (before/after comparison helper).
import { openRaster } from '../../src-main/core/raster';
import { coverageOf } from '../../src-main/core/detect/coverage';
const img = await openRaster(process.argv[2]!);
const g = { width: img.info.width, height: img.info.height, geoTransform: img.info.geoTransform, crs: img.info.crs };
const t = performance.now();
const c = await coverageOf(img, g, { x: 0, y: 0, width: g.width, height: g.height }, null);
console.log(JSON.stringify({ validCells: c.validCells, seconds: (performance.now() - t) / 1000, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
