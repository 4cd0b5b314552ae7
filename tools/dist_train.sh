#!/usr/bin/env bash
# Distributed training with torchrun: one process per GPU (or per CPU worker).
#   tools/dist_train.sh CONFIG GPUS [tools/train.py options...]
# Several machines: set NNODES, NODE_RANK, MASTER_ADDR and PORT on each.
set -euo pipefail
# shellcheck source=tools/dist_common.sh
source "$(dirname "$0")/dist_common.sh"

require_args 2 "CONFIG GPUS [train.py options...]" "$@"
torchrun_tool train.py "$2" "$1" --launcher pytorch "${@:3}"
