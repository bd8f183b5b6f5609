#!/bin/bash
# The whole UAV-specialist recipe on a CUDA host, in one command (device tool), <= 8 minutes:
#   here:   (cd training && /usr/bin/python3 -m scarp_train.pack)         # training/.gpu/pack.npz, ~14 MB
#   device: bash training/gpu/run.sh      (carry: ["training/.gpu"], timeout_s 540)
#   here:   copy <files_at>/runs/* to training/runs/, then evaluate + export as training/README.md says,
#           with --device-note "NVIDIA H200 (device tool), PyTorch <version>".
# Trains two seeds at once on the one GPU (DataLoader workers draw the crops on the CPU cores), with
# validation on the Jinsha blocks (in the pack), and writes state dicts (< 16 MB each) under $OUT/runs.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=python3
$PY -c 'import torch' 2>/dev/null || PY=/usr/bin/python3
export SCARP_PACK="$PWD/.gpu/pack.npz" OMP_NUM_THREADS=1
[ -f "$SCARP_PACK" ] || { echo "missing $SCARP_PACK: run /usr/bin/python3 -m scarp_train.pack here first and carry training/.gpu"; exit 2; }
OUT="${OUT:-$PWD/runs-gpu}"
mkdir -p "$OUT/runs"
$PY -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")'
EPOCHS=${EPOCHS:-8} STEPS=${STEPS:-250}
for seed in 0 1; do
  $PY -m scarp_train.train --recipe uav --arch digate --out "$OUT/runs/uav-digate-gpu-s$seed" --seed $seed \
    --epochs $EPOCHS --steps $STEPS --batch 32 --crop 256 --lr 4e-3 --device cuda --workers 7 --val-every 2 \
    --threads 2 --max-minutes 6 > "$OUT/runs/uav-digate-gpu-s$seed.log" 2>&1 &
done
wait
tail -n 3 "$OUT"/runs/*.log
ls -la "$OUT"/runs/*/
