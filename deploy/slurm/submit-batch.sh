#!/bin/bash
# Submit a batch over many scenes to Slurm: plan it (SCARP_OUT_DIR/batch.json), one job array with a
# task per shard of every scene, then the merge after all of them (afterany: failed scenes are
# reported, the others merged). Submitting the same batch again runs only what is not finished.
#   deploy/slurm/submit-batch.sh --scenes scenes.json --out-dir /shared/batch1 --shards 8 \
#       [--dem dem.tif] [--partition p] [--cpus 4] [--max-running M] [-- extra scarp batch options, e.g. --model m]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
scenes="" dem="" out="" shards=1 partition="" cpus=4 limit="" extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --scenes) scenes="$2"; shift 2 ;;
    --dem) dem="$2"; shift 2 ;;
    --out-dir) out="$2"; shift 2 ;;
    --shards) shards="$2"; shift 2 ;;
    --partition) partition="$2"; shift 2 ;;
    --cpus) cpus="$2"; shift 2 ;;
    --max-running) limit="%$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "submit-batch.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$scenes" ] || [ -z "$out" ]; then
  echo "usage: submit-batch.sh --scenes SRC --out-dir DIR [--shards N] [--dem D] [--partition P] [--cpus C] [--max-running M] [-- batch options]" >&2
  exit 2
fi
SCARP="${SCARP:-scarp}"
demopt=()
if [ -n "$dem" ]; then demopt=(--dem "$dem"); fi
# shellcheck disable=SC2086
tasks=$($SCARP batch --scenes "$scenes" --out-dir "$out" --shards "$shards" "${demopt[@]}" "${extra[@]}" --plan --json | sed -n 's/^  "tasks": \([0-9][0-9]*\),$/\1/p')
if [ -z "$tasks" ]; then echo "submit-batch.sh: planning the batch failed" >&2; exit 1; fi
part=()
if [ -n "$partition" ]; then part=(--partition "$partition"); fi
export SCARP_OUT_DIR="$out"
array=$(sbatch --parsable "${part[@]}" --array="0-$((tasks - 1))$limit" --cpus-per-task="$cpus" \
  --chdir="$out" --export=ALL "$here/scarp-batch-task.sbatch")
array="${array%%;*}"
merge=$(sbatch --parsable "${part[@]}" --dependency="afterany:$array" --kill-on-invalid-dep=yes \
  --chdir="$out" --export=ALL "$here/scarp-batch-merge.sbatch")
merge="${merge%%;*}"
echo "batch: job $array ($tasks tasks); merge: job $merge -> $out/landslides.gpkg"
