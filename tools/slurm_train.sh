#!/usr/bin/env bash
# Training on a Slurm cluster; srun starts one task per GPU and mmengine reads
# the Slurm environment (--launcher slurm).
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS=...] \
#   tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR] [train.py options...]
#
# Preemption and time limits: on SIGTERM, which Slurm sends before it preempts
# a job (and, with --signal, before the time limit), every process finishes
# its iteration, WORK_DIR/iter_N.pth is saved and the processes exit with
# status 143 (128 + 15); a second SIGTERM, or the SIGKILL that follows the
# grace time, ends them at once. Ask for the signal early enough for one
# iteration and a save, and pass --auto-resume so that a requeued job (sbatch
# --requeue, PreemptMode=REQUEUE) continues from the newest complete checkpoint,
# mid-epoch if need be, to the weights of a run that was never stopped:
#   SRUN_ARGS="--signal=TERM@120" tools/slurm_train.sh PARTITION JOB CONFIG WORK_DIR --auto-resume
# To requeue at the time limit from an sbatch script (#SBATCH --requeue):
#   tools/slurm_train.sh ... --auto-resume || { [ $? -eq 143 ] && scontrol requeue "$SLURM_JOB_ID"; }
set -euo pipefail
# shellcheck source=tools/dist_common.sh
source "$(dirname "$0")/dist_common.sh"

require_args 3 "PARTITION JOB_NAME CONFIG [WORK_DIR] [train.py options...]" "$@"
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
shift 3
WORK_DIR_ARGS=()
# An optional WORK_DIR comes before the options (which start with "--").
if [ $# -gt 0 ] && [[ "$1" != --* ]]; then
    WORK_DIR_ARGS=(--work-dir "$1")
    shift
fi
srun_tool "$PARTITION" "$JOB_NAME" train.py "$CONFIG" --launcher slurm \
    ${WORK_DIR_ARGS[@]+"${WORK_DIR_ARGS[@]}"} "$@"
