export const USAGE = `scarp — landslide mapping from imagery and terrain

Usage:
  scarp info <raster> [--json]
  scarp models [--json]
  scarp detect --image <tif> [--dem <tif>] [--model <id|path.onnx>] [--threshold t]
               [--min-area m2] [--simplify m] [--aoi <polygons>]
               [--out <file.gpkg|file.geojson>] [--probability <file.tif>]
               [--provider auto|cpu|cuda|dml|coreml] [--batch-size n] [--overwrite] [--json]
  scarp eval --prediction <gpkg|geojson|tif> --reference <mask.tif|polygons>
             [--threshold t] [--ignore-value 255] [--aoi <polygons> | --rows a:b] [--json]
  scarp demo [--model <id>] [--out-dir <dir>]

Exit codes: 0 done, 1 failed, 2 usage error.
Data for the demo is read from $SCARP_DATA or ../shared/data beside the repository.`;
