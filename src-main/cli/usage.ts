/**
 * The CLI's usage text, one block per command: `scarp --help` prints them all, `scarp <command>
 * --help` (and a usage error of that command) prints its own.
 */
export const COMMAND_USAGE: Readonly<Record<string, string>> = {
  info: `  scarp info <raster> [--json]`,
  models: `  scarp models [--json]`,
  detect: `  scarp detect --image <tif> [--dem <tif>] [--model <id|path.onnx>] [--threshold t]
               [--seed-threshold t | --no-seed]
                                         keep a region above the threshold only where its peak
                                         reaches t (hysteresis; default: the model card's)
               [--min-area m2] [--simplify m] [--aoi <polygons>]
               [--out <file.gpkg|file.geojson>] [--probability <file.tif>]
               [--provider auto|cpu|cuda|dml|coreml] [--batch-size n] [--overwrite] [--json]
               [--tta | --no-tta]        test-time flips (4× slower; default: the model card's)
                                         without --model, the model is picked for the scene's
                                         resolution and DEM, and the summary says why
               [--no-separate]           keep touching landslides as one polygon (default: cut
                                         blobs along their probability valleys, one per landslide)
               [--project <file.gpkg>]   record scene, run, probability and inventory in a project
                                         (an interrupted identical run resumes where it stopped)
  scarp detect --project <file.gpkg> --resume   continue the project's unfinished run
               [--pre <pre-event.tif>]   when no model accepts the scene, map it by change detection
                                         against this pre-event image (or the project's pre-event
                                         scene; see scarp change), else by the single-date method
                                         (see scarp bare-ground), saying which and why
               [--bands <role,...>] [--scale s] [--offset o]
                                         band roles in file order (red,green,blue,nir,rededge,swir1,
                                         swir2,other; default: the band descriptions, a known sensor
                                         stack, else red,green,blue[,nir] by band count);
                                         reflectance = value × s + o
  scarp detect --image <tif> [--dem <tif>] … --shard K/N --out <shard_K.gpkg>
  scarp detect --image <tif> [--dem <tif>] … --shard auto [--shard-count N] --out <shard.gpkg>
                                         run the K-th of N parts of the tile plan (a cluster task);
                                         auto: K and N from a Slurm job array, or K from a Kubernetes
                                         Indexed Job (JOB_COMPLETION_INDEX) with N from --shard-count;
                                         join the shard files with scarp merge-shards`,
  change: `  scarp change [--pre <tif>] [--post <tif>] [--dem <tif>] [--aoi <polygons>]
               [--out <file.gpkg|file.geojson> | --project <file.gpkg>] [--probability <score.tif>]
               [--method auto|rdndvi|visible] [--threshold t] [--max-greening g] [--cloud-reflectance r]
               [--min-slope deg]
               [--min-area-px n] [--simplify m] [--bands <role,...>] [--scale s] [--offset o]
               [--pre-bands <role,...>] [--pre-scale s] [--pre-offset o] [--overwrite] [--json]
                                         pre/post-event change: HazMapper rdNDVI with NIR in both
                                         images, else visible-band GLI + brightness; the pre-event
                                         image may be in any CRS and resolution (co-registered);
                                         with --project and no --pre/--post: the project's pre-event
                                         scene and its latest post-event scene`,
  'bare-ground': `  scarp bare-ground --image <tif> [--dem <tif>] [--aoi <polygons>]
               [--out <file.gpkg|file.geojson> | --project <file.gpkg>] [--score <index.tif>]
               [--index auto|ndvi|gli] [--threshold t] [--min-slope deg] [--min-area-px n] [--simplify m]
               [--bands <role,...>] [--scale s] [--offset o] [--overwrite] [--json]
                                         single-date method (no pre-event image): bare ground where
                                         NDVI < 0.70 (GLI < 0.23 without NIR) on slopes ≥ 10° with a
                                         DEM; weak (AUROC ≈ 0.5–0.6): bare ground to review`,
  project: `  scarp project create <file.gpkg> [--crs EPSG:n] [--event-name <name>] [--event-date <YYYY-MM-DD>]
                       [--trigger <rainfall|earthquake|...>] [--author <name>] [--overwrite] [--json]
                                         an empty project (import or detect into it next)
  scarp project info|scenes|runs|history|undo|redo <file.gpkg> [--json]
  scarp project relink <file.gpkg> --scene <id> --path <moved imagery>
  scarp project relink <file.gpkg> [--search <folder>]   find moved imagery by content (the project's
                                         folder and <folder>) and relink every scene found
  scarp project add-scene <file.gpkg> --image <tif> [--role pre-event|post-event] [--date YYYY-MM-DD]
               [--dem <tif>]             add imagery (several post-event scenes are fine; the same file again
                                         updates its role and date); --dem records its terrain, which the app
                                         opens with it (a detection records the DEM it ran with too)
  scarp project remove-scene <file.gpkg> --scene <id>   (refused while runs or landslides come from it)`,
  review: `  scarp review --project <file.gpkg> --uuid <uuid>[,<uuid>...] --status <status> [--type <type>]
               [--notes <text>] [--json]
                                         set the review status (and type, notes) of landslides by uuid:
                                         one edit, undone by scarp project undo <file.gpkg>`,
  package: `  scarp package --project <file.gpkg> --out <field.gpkg> [--aoi <polygons>] [--imagery-gsd m]
               [--rasters imagery,hillshade,probability] [--dry-run] [--overwrite] [--json]
                                         a self-contained GeoPackage for a field laptop: the landslides in the
                                         area, imagery, hillshade and probability as raster tiles, the event;
                                         --dry-run estimates its size against the free space, writes nothing`,
  merge: `  scarp merge --into <A.gpkg> --from <B.gpkg> [--dry-run] [--prefer into|from|newest] [--json]
                                         bring a colleague's project or field package back into A: landslides
                                         matched by uuid (new ones also by geometry), three-way against the last
                                         common state; conflicts kept as in A unless --prefer; one undoable edit`,
  'merge-shards': `  scarp merge-shards --out <file.gpkg|file.geojson> <shard.gpkg>... [--overwrite] [--json]
                                         join the shard files of one run: the inventory one run writes
                                         (polygons cut by shard edges vectorised once, attributes over
                                         all their pixels); a missing or repeated shard is named`,
  batch: `  scarp batch --scenes <folder|list.txt|manifest.json> --out-dir <dir> [--shards N] [--dem <tif>]
              [--out <file.gpkg|file.geojson>] [detect options: --model --threshold --seed-threshold|--no-seed --min-area --simplify
              --aoi --provider --batch-size --tta|--no-tta --no-separate --bands --scale --offset] [--json]
              [--plan | --task K|auto [--task-count T] | --merge]
                                         many scenes, each in N shards, into one inventory (a landslide in
                                         the overlap of two scenes once); run again to continue (finished
                                         shards are kept); a failed scene is reported, the others go on;
                                         --plan prints the task count, --task runs one task (a job array's),
                                         --merge joins what is finished`,
  evidence: `  scarp evidence add --project <file.gpkg> --uuid <landslide uuid> [--photo <file.jpg|png|webp>] [--note <text>]
                     [--lon <deg> --lat <deg>] [--time <ISO 8601>] [--json]
                                         attach a photo (with its caption) or a field note to a landslide: one edit,
                                         undone by scarp project undo; time and position as given, else a JPEG's
                                         EXIF (time taken, GPS position)
  scarp evidence list --project <file.gpkg> [--uuid <landslide uuid>] [--json]
  scarp evidence remove --project <file.gpkg> --evidence <uuid> [--json]
  scarp evidence export --project <file.gpkg> --evidence <uuid> --out <photo.jpg> [--overwrite] [--json]`,
  eval: `  scarp eval --prediction <gpkg|geojson|tif> --reference <mask.tif|polygons>
             [--threshold t] [--ignore-value 255] [--aoi <polygons> | --rows a:b] [--json]`,
  adapt: `  scarp adapt --project <file.gpkg> [--run <id>] [--out-model <adapted.onnx>] [--json]
                                         learn from the reviewed landslides, then detect the scene
                                         again with the adapted model (one undoable edit)
  scarp adapt --simulate --image <tif> [--dem <tif>] [--model <id|path.onnx>] --reference <mask.tif>
              [--ignore-value 255] --review-rows a:b [--eval-rows a:b] --corrections N [--uninformative]
              --out <adapted.gpkg> [--out-model <adapted.onnx>] [--no-separate] [--overwrite] [--json]
                                         learning from corrections, measured with a simulated operator`,
  demo: `  scarp demo [--model <id>] [--out-dir <dir>]`,
  export: `  scarp export --project <gpkg> --format <gpkg|shp|shp-zip|geojson|kml|kmz|csv|html|probability|confidence|mask|change>
               --out <path> [--crs project|wgs84|EPSG:n] [--status confirmed,edited,...] [--include-rejected]
               [--min-area m2] [--max-area m2] [--run <id>] [--threshold t] [--with-probability] [--wkt] [--overwrite] [--json]
                                         rejected landslides are left out unless --include-rejected; imported fields
                                         are typed columns; csv: a point on each polygon (x/y, and lon/lat), --wkt adds
                                         the polygon; a <name>.qml style beside the data is shared by its formats;
                                         change: the change strength of a change or single-date run (not a probability)`,
  import: `  scarp import --project <gpkg> --file <shp|gpkg|geojson|kml|kmz> [--layer <name>] [--crs EPSG:code]
               [--status <status>] [--type <type>] [--mapper <name>] [--observed-date YYYY-MM-DD] [--json]
                                         what the landslides are (default: the file's values, else predicted);
                                         a uuid already in the project updates that landslide (re-importing an
                                         export); invalid geometries are repaired and counted`,
};

const FOOTER = `Exit codes: 0 done, 1 failed, 2 usage error.
Data for the demo is read from $SCARP_DATA or ../shared/data beside the repository.`;

export const USAGE = `scarp — landslide mapping from imagery and terrain

Usage:
${Object.values(COMMAND_USAGE).join('\n')}

${FOOTER}`;

/** One command's usage (`scarp <command> --help`), or the whole usage for an unknown name. */
export function commandUsage(name: string): string {
  const u = COMMAND_USAGE[name];
  return u === undefined ? USAGE : `Usage:\n${u}\n\n${FOOTER}`;
}
