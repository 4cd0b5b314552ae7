#!/usr/bin/env bash
# The GPU figures of the README in one call (about 8 minutes on one H200),
# most important first, every row under its own timeout so that a slow or
# failing row costs only itself:
#   1. golden tests on CUDA (fp32, TF32 off) and bf16 against fp32;
#   2. TPN-SlowOnly-R50, model only, batch 32: fp32, tf32, bf16,
#      bf16 + channels-last, bf16 + channels-last + compile;
#   3. TPN-TSM-R50 in the best setting;
#   4. peak memory at 8 clips (speed-row settings; with_cp in its own row);
#   5. end to end with raw frames (synthetic JPEG frames made here), data alone;
#   6. test videos/s (tools/analysis/benchmark.py), cudnn.benchmark off vs on;
#   7. where the time goes: a profiler table of the best SlowOnly row;
# then a markdown table of all rows (also in $OUT/table.md).
#
#   bash tools/analysis/gpu_figures.sh                # on the GPU machine
#
# The same commands run on the CPU with tiny settings (tests/tools/test_gpu_figures.py):
#   DEVICE=cpu SLOWONLY=<tiny config> TSM=<tiny config> BATCH=2 MEM_BATCH=1 ITERS=1 WARMUP=1 \
#   GOLDEN=0 COMPILE_OPTS=compile.disable=True FRAMES=16 WIDTH=64 HEIGHT=64 PER_CLASS=1 \
#   WORKERS=0 TEST_ITERS=1 bash tools/analysis/gpu_figures.sh
set -u
cd "$(dirname "$0")/../.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

DEVICE=${DEVICE:-cuda}
OUT=${OUT:-work_dirs/gpu_figures}
SLOWONLY=${SLOWONLY:-configs/recognition/tpn/tpn_slowonly_r50_8x8x1_150e_kinetics_rgb.py}
TSM=${TSM:-configs/recognition/tpn/tpn_tsm_r50_1x1x8_150e_sthv1_rgb.py}
BATCH=${BATCH:-32}
MEM_BATCH=${MEM_BATCH:-8}
ITERS=${ITERS:-20}
WARMUP=${WARMUP:-5}
GOLDEN=${GOLDEN:-1}
COMPILE_OPTS=${COMPILE_OPTS:-}
ROW_TIMEOUT=${ROW_TIMEOUT:-240}
WORKERS=${WORKERS:-16}
FRAMES=${FRAMES:-64}
WIDTH=${WIDTH:-340}
HEIGHT=${HEIGHT:-256}
PER_CLASS=${PER_CLASS:-16}
TEST_ITERS=${TEST_ITERS:-20}
STAGES=${STAGES:-1 2 3 4 5 6 7}   # a subset, e.g. STAGES="4 5 6" KEEP=1 in a second call
DEADLINE=${DEADLINE:-570}       # seconds for the whole script: rows that would pass it are skipped
START=$(date +%s)

mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
[ "${KEEP:-0}" = 1 ] || : > "$RESULTS"   # KEEP=1: add to the rows of an earlier call
: > "$OUT/failed.txt"

note() { echo; echo "=== $* ($(date +%T))"; }
want() { [[ " $STAGES " == *" $1 "* ]]; }
# Seconds this row may take: ROW_TIMEOUT, or what is left before DEADLINE (keeping 15 s
# for the table); 0 when too little is left.
row_time() {
    local left=$((DEADLINE - ($(date +%s) - START) - 15))
    [ "$left" -gt "$ROW_TIMEOUT" ] && left=$ROW_TIMEOUT
    [ "$left" -lt 20 ] && left=0
    echo "$left"
}
limited() {  # limited LABEL COMMAND...: run under row_time, record a failure or a skip
    local label=$1 seconds
    shift
    seconds=$(row_time)
    if [ "$seconds" = 0 ]; then
        echo "$label: not run (DEADLINE reached)" | tee -a "$OUT/failed.txt"
        return
    fi
    timeout "$seconds" "$@" || echo "$label: exit $?" | tee -a "$OUT/failed.txt"
}

# row LABEL CONFIG [bench_train.py options...] [-- cfg-options...]
row() {
    local label=$1 config=$2
    shift 2
    local args=() opts=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do args+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    opts=("$@")
    note "$label"
    local cmd=(python tools/analysis/bench_train.py "$config" --device "$DEVICE"
               --iters "$ITERS" --warmup "$WARMUP" --json "$RESULTS" --label "$label" "${args[@]}")
    [ ${#opts[@]} -gt 0 ] && cmd+=(--cfg-options "${opts[@]}")
    echo "${cmd[*]}"
    limited "$label" "${cmd[@]}"
}

python -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda, \
'cuDNN', torch.backends.cudnn.version(), 'GPU', torch.cuda.get_device_name() \
if torch.cuda.is_available() else None)"
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.total,clocks.max.sm --format=csv

if want 1 && [ "$GOLDEN" = 1 ]; then
    note "golden tests on $DEVICE (fp32, TF32 off; bf16 against fp32)"
    TPN_TEST_DEVICE=$DEVICE limited golden python -m pytest tests/models/test_golden.py -q \
        -p no:cacheprovider -rs
fi

COMPILE=(--compile)
[ -n "$COMPILE_OPTS" ] && COMPILE_CFG=("$COMPILE_OPTS") || COMPILE_CFG=()

# 2. SlowOnly-R50, model only, batch 32.
want 2 && {
row "SlowOnly fp32 b$BATCH" "$SLOWONLY" --batch "$BATCH" --precision fp32
row "SlowOnly tf32 b$BATCH" "$SLOWONLY" --batch "$BATCH" --precision tf32
row "SlowOnly bf16 b$BATCH" "$SLOWONLY" --batch "$BATCH" --precision bf16
row "SlowOnly bf16+cl b$BATCH" "$SLOWONLY" --batch "$BATCH" --precision bf16 --channels-last
row "SlowOnly bf16+cl+compile b$BATCH" "$SLOWONLY" --batch "$BATCH" --precision bf16 \
    --channels-last "${COMPILE[@]}" -- "${COMPILE_CFG[@]}"
}
# 3. TSM-R50, best setting.
want 3 && {
row "TSM bf16+cl+compile b$BATCH" "$TSM" --batch "$BATCH" --precision bf16 --channels-last \
    "${COMPILE[@]}" -- "${COMPILE_CFG[@]}"
row "TSM bf16+cl b$BATCH" "$TSM" --batch "$BATCH" --precision bf16 --channels-last
}
# 4. Peak memory at 8 clips: the seed (fp32) and the speed-row settings; with_cp apart.
want 4 && {
row "SlowOnly fp32 b$MEM_BATCH (memory)" "$SLOWONLY" --batch "$MEM_BATCH" --precision fp32
row "SlowOnly bf16+cl+compile b$MEM_BATCH (memory)" "$SLOWONLY" --batch "$MEM_BATCH" \
    --precision bf16 --channels-last "${COMPILE[@]}" -- "${COMPILE_CFG[@]}"
row "SlowOnly bf16+cl+with_cp b$MEM_BATCH (memory)" "$SLOWONLY" --batch "$MEM_BATCH" \
    --precision bf16 --channels-last -- model.backbone.with_cp=True
}

# 5. End to end with raw frames: synthetic JPEG frames of Kinetics size.
want 5 && {
note "synthetic raw frames: $PER_CLASS x 8 videos of $FRAMES frames, ${WIDTH}x$HEIGHT"
DATA="$OUT/frames"
limited frames python tools/data/synthetic/generate.py --out "$DATA" \
    --num-train-per-class "$PER_CLASS" --num-val-per-class 1 --frames "$FRAMES" --width "$WIDTH" \
    --height "$HEIGHT" --workers "$([ "$WORKERS" -gt 0 ] && echo "$WORKERS" || echo 1)"
FRAME_OPTS=(data.train.type=RawframeDataset "data.train.ann_file=$DATA/synthetic_train_list_rawframes.txt"
            "data.train.data_prefix=$DATA/rawframes" data.persistent_workers=True)
row "SlowOnly e2e bf16+cl+compile b$BATCH" "$SLOWONLY" --part all --batch "$BATCH" \
    --workers "$WORKERS" --precision bf16 --channels-last "${COMPILE[@]}" -- \
    "${FRAME_OPTS[@]}" "${COMPILE_CFG[@]}"
row "SlowOnly data b$BATCH" "$SLOWONLY" --part data --batch "$BATCH" --workers "$WORKERS" -- \
    "${FRAME_OPTS[@]}"
}

# 6. Test videos/s (30 views of 8x256x256 per video), then the effect of cudnn.benchmark.
want 6 && {
for amp in "" "--amp bf16 --channels-last"; do
    note "test videos/s ${amp:-fp32 (TF32 convolutions)} --fuse-conv-bn"
    # shellcheck disable=SC2086
    limited "benchmark $amp" python tools/analysis/benchmark.py "$SLOWONLY" --device "$DEVICE" \
        --num-iters "$TEST_ITERS" --warmup 2 --fuse-conv-bn $amp
done
row "SlowOnly bf16+cl b$BATCH cudnn.benchmark on" "$SLOWONLY" --batch "$BATCH" --precision bf16 \
    --channels-last --cudnn-benchmark on
row "SlowOnly bf16+cl b$BATCH cudnn.benchmark off" "$SLOWONLY" --batch "$BATCH" --precision bf16 \
    --channels-last --cudnn-benchmark off
}

# 7. Profiler table of the best SlowOnly setting (for the README where a target is missed).
want 7 && row "SlowOnly bf16+cl+compile b$BATCH (profiled)" "$SLOWONLY" --batch "$BATCH" \
    --precision bf16 --channels-last "${COMPILE[@]}" --profile 3 -- "${COMPILE_CFG[@]}"

note "table"
python tools/analysis/bench_table.py "$RESULTS" | tee "$OUT/table.md"
if [ -s "$OUT/failed.txt" ]; then
    note "failed or timed out"
    cat "$OUT/failed.txt"
fi
