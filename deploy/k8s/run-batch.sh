#!/bin/bash
# Run a batch over many scenes: the tasks (batch-job.yaml), then the merge once the tasks have
# finished, whether all succeeded or some failed (as Slurm's afterany: the merge joins the scenes
# that are done and lists the others with their errors).
#   deploy/k8s/run-batch.sh [namespace]   (edit batch-job.yaml first: scene list, shards, completions)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ns=(); if [ $# -gt 0 ]; then ns=(-n "$1"); fi
# Wait until a Job has finished, Complete or Failed (an index that failed after its retries), and print which.
finished() {
  local state
  while :; do
    state=$(kubectl "${ns[@]}" get "job/$1" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')
    case " $state " in
      *" Complete "*) echo Complete; return ;;
      *" Failed "*) echo Failed; return ;;
    esac
    sleep 30
  done
}
kubectl "${ns[@]}" apply -f "$here/batch-job.yaml"
echo "scarp-batch: $(finished scarp-batch)"
kubectl "${ns[@]}" apply -f "$here/batch-merge-job.yaml"
merge=$(finished scarp-batch-merge)
echo "scarp-batch-merge: $merge (report: /work/batch/batch-report.json)"
[ "$merge" = Complete ]
