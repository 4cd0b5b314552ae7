#!/usr/bin/env bash
# Testing on a Slurm cluster (--launcher slurm).
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS=...] \
#   tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py options...]
set -euo pipefail
# shellcheck source=tools/dist_common.sh
source "$(dirname "$0")/dist_common.sh"

require_args 4 "PARTITION JOB_NAME CONFIG CHECKPOINT [test.py options...]" "$@"
srun_tool "$1" "$2" test.py "$3" "$4" --launcher slurm "${@:5}"
