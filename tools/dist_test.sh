#!/usr/bin/env bash
# Distributed testing with torchrun: one process per GPU (or per CPU worker).
#   tools/dist_test.sh CONFIG CHECKPOINT GPUS [tools/test.py options...]
# Several machines: set NNODES, NODE_RANK, MASTER_ADDR and PORT on each.
set -euo pipefail
# shellcheck source=tools/dist_common.sh
source "$(dirname "$0")/dist_common.sh"

require_args 3 "CONFIG CHECKPOINT GPUS [test.py options...]" "$@"
torchrun_tool test.py "$3" "$1" "$2" --launcher pytorch "${@:4}"
