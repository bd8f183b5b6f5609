#!/bin/bash
# Issue 19 screen: every architecture on one recipe at one equal budget counted in training samples
# (epochs x steps x batch = 2 x 250 x 8 = 4,000 crops of 192 px), seed given, the detection-quality
# recipe otherwise unchanged; each run is then evaluated on the held-out sets (reports/compare/).
# Usage (in training/): ./compare-screen.sh RECIPE SEED ARCH [ARCH ...]
set -u
cd "$(dirname "$0")"
recipe=$1; seed=$2; shift 2
for arch in "$@"; do
  out=runs/compare-$recipe-$arch-s$seed
  [ -e "$out/metrics.json" ] && { echo "skip $out (evaluated)"; continue; }
  ./run-cpu.sh --recipe "$recipe" --arch "$arch" --out "$out" --seed "$seed" --epochs 2 --steps 250 --batch 8 \
    --crop 192 --width 16 --val-every 2 >>"$out.log" 2>&1 || { echo "train failed: $out"; continue; }
  /usr/bin/python3 -m scarp_train.evaluate --run "$out" --id "compare-$recipe-$arch-s$seed" --threads 1 --no-flips --no-bijie-for-uav \
    --reports reports/compare >>"$out.log" 2>&1 || echo "evaluate failed: $out"
done
