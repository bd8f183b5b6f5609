#!/bin/bash
# Run the sharded detection, then the merge once every shard succeeded.
#   deploy/k8s/run.sh [namespace]      (edit shards-job.yaml for the scene, N and resources first)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ns=(); if [ $# -gt 0 ]; then ns=(-n "$1"); fi
kubectl "${ns[@]}" apply -f "$here/shards-job.yaml"
# A failed index fails the Job (maxFailedIndexes: 0): stop instead of merging an incomplete set.
kubectl "${ns[@]}" wait --for=condition=complete --timeout=24h job/scarp-shards &
ok=$!
kubectl "${ns[@]}" wait --for=condition=failed --timeout=24h job/scarp-shards && { kill "$ok"; echo "scarp-shards failed" >&2; exit 1; } &
wait "$ok"
kubectl "${ns[@]}" apply -f "$here/merge-job.yaml"
kubectl "${ns[@]}" wait --for=condition=complete --timeout=2h job/scarp-merge
