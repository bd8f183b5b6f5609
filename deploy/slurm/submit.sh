#!/bin/bash
# Submit a sharded detection to Slurm: an array of N shard tasks, then the merge, which waits for
# all of them (--dependency=afterok). Prints the two job ids.
#   deploy/slurm/submit.sh --image scene.tif [--dem dem.tif] --out-dir /shared/run1 --shards 16 \
#       [--partition p] [--cpus 4] [-- extra scarp detect options, e.g. --model scarp-uav-rgbdem]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
image="" dem="" out="" shards="" partition="" cpus=4 extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --image) image="$2"; shift 2 ;;
    --dem) dem="$2"; shift 2 ;;
    --out-dir) out="$2"; shift 2 ;;
    --shards) shards="$2"; shift 2 ;;
    --partition) partition="$2"; shift 2 ;;
    --cpus) cpus="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "submit.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$image" ] || [ -z "$out" ] || [ -z "$shards" ]; then
  echo "usage: submit.sh --image scene.tif [--dem dem.tif] --out-dir DIR --shards N [--partition P] [--cpus C] [-- detect options]" >&2
  exit 2
fi
mkdir -p "$out"
part=()
if [ -n "$partition" ]; then part=(--partition "$partition"); fi
export SCARP_IMAGE="$image" SCARP_DEM="$dem" SCARP_OUT_DIR="$out" SCARP_DETECT_ARGS="${extra[*]:-}"
array=$(sbatch --parsable "${part[@]}" --array="0-$((shards - 1))" --cpus-per-task="$cpus" \
  --chdir="$out" --export=ALL "$here/scarp-shard.sbatch")
array="${array%%;*}"
merge=$(sbatch --parsable "${part[@]}" --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --chdir="$out" --export=ALL "$here/scarp-merge.sbatch")
merge="${merge%%;*}"
echo "shards: job $array ($shards tasks); merge: job $merge -> $out/${SCARP_RESULT:-landslides.gpkg}"
