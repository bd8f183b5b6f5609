export const USAGE = `scarp — landslide mapping from imagery and terrain

Usage:
  scarp info <raster> [--json]
  scarp models [--json]
  scarp detect --image <tif> [--dem <tif>] [--model <id|path.onnx>] [--threshold t]
               [--min-area m2] [--simplify m] [--aoi <polygons>]
               [--out <file.gpkg|file.geojson>] [--probability <file.tif>]
               [--provider auto|cpu|cuda|dml|coreml] [--batch-size n] [--overwrite] [--json]
               [--tta | --no-tta]        test-time flips (4× slower; default: the model card's)
                                         without --model, the model is picked for the scene's
                                         resolution and DEM, and the summary says why
               [--project <file.gpkg>]   record scene, run, probability and inventory in a project
                                         (an interrupted identical run resumes where it stopped)
  scarp detect --project <file.gpkg> --resume   continue the project's unfinished run
  scarp project info|scenes|runs|history|undo|redo <file.gpkg> [--json]
  scarp project relink <file.gpkg> --scene <id> --path <moved imagery>
  scarp eval --prediction <gpkg|geojson|tif> --reference <mask.tif|polygons>
             [--threshold t] [--ignore-value 255] [--aoi <polygons> | --rows a:b] [--json]
  scarp adapt --project <file.gpkg> [--run <id>] [--out-model <adapted.onnx>] [--json]
                                         learn from the reviewed landslides, then detect the scene
                                         again with the adapted model (one undoable edit)
  scarp adapt --simulate --image <tif> [--dem <tif>] [--model <id|path.onnx>] --reference <mask.tif>
              [--ignore-value 255] --review-rows a:b [--eval-rows a:b] --corrections N [--uninformative]
              --out <adapted.gpkg> [--out-model <adapted.onnx>] [--overwrite] [--json]
                                         learning from corrections, measured with a simulated operator
  scarp demo [--model <id>] [--out-dir <dir>]
  scarp export --project <gpkg> --format <gpkg|shp|shp-zip|geojson|kml|kmz|csv|html|probability|confidence|mask>
               --out <path> [--crs project|wgs84|EPSG:n] [--status confirmed,edited,...] [--include-rejected]
               [--min-area m2] [--max-area m2] [--run <id>] [--threshold t] [--with-probability] [--overwrite] [--json]
                                         rejected landslides are left out unless --include-rejected
  scarp import --project <gpkg> --file <shp|gpkg|geojson|kml|kmz> [--layer <name>] [--crs EPSG:code] [--json]

Exit codes: 0 done, 1 failed, 2 usage error.
Data for the demo is read from $SCARP_DATA or ../shared/data beside the repository.`;
