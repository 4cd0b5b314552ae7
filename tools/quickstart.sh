#!/usr/bin/env bash
# Quickstart: generate the synthetic motion data set, train a small TPN on it
# (CPU is enough, a few minutes on 2 cores), then test the final checkpoint and
# print top-1 / top-5 accuracy. Extra arguments go to tools/train.py.
set -euo pipefail
cd "$(dirname "$0")/.."

CONFIG=configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.py
WORK_DIR=${WORK_DIR:-work_dirs/tpn_slowonly_r18_synthetic_rgb}

python tools/data/synthetic/generate.py --out data/synthetic
python tools/train.py "$CONFIG" --work-dir "$WORK_DIR" --validate --seed 0 --deterministic "$@"
# mmengine records the path of the newest complete checkpoint in this file.
CKPT=$(cat "$WORK_DIR/last_checkpoint")
python tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK_DIR" \
    --eval top_k_accuracy mean_class_accuracy --out "$WORK_DIR/result.json" --average-clips prob
