# What dist_train.sh, dist_test.sh, slurm_train.sh and slurm_test.sh share.
# Sourced by them (not run): the argument check, the package on PYTHONPATH,
# and the two launchers, torchrun (one process per GPU or CPU worker) and
# Slurm's srun (one task per GPU).

TOOLS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The tools import this checkout's package, wherever they are started from.
export PYTHONPATH="$TOOLS_DIR/..${PYTHONPATH:+:$PYTHONPATH}"

# require_args MIN USAGE "$@": stop with the usage line (exit 2) if fewer than MIN arguments.
require_args() {
    local min=$1 usage=$2
    shift 2
    if [ $# -lt "$min" ]; then
        echo "usage: $0 $usage" >&2
        exit 2
    fi
}

# torchrun_tool SCRIPT NPROC ARGS...: run tools/SCRIPT with torchrun on NPROC processes.
# Several machines: NNODES, NODE_RANK, MASTER_ADDR and PORT on each.
torchrun_tool() {
    local script=$1 nproc=$2
    shift 2
    python -m torch.distributed.run \
        --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
        --master_addr="${MASTER_ADDR:-127.0.0.1}" --master_port="${PORT:-29500}" \
        --nproc_per_node="$nproc" \
        "$TOOLS_DIR/$script" "$@"
}

# srun_tool PARTITION JOB_NAME SCRIPT ARGS...: run tools/SCRIPT as Slurm tasks, one per GPU.
# GPUS (8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS and MASTER_PORT
# (random in 12000..31999) from the environment.
srun_tool() {
    local partition=$1 job_name=$2 script=$3
    shift 3
    local gpus=${GPUS:-8} gpus_per_node=${GPUS_PER_NODE:-8}
    export MASTER_PORT=${MASTER_PORT:-$((12000 + RANDOM % 20000))}
    # shellcheck disable=SC2086  (SRUN_ARGS is a list of options)
    srun -p "$partition" \
        --job-name="$job_name" \
        --gres=gpu:"$gpus_per_node" \
        --ntasks="$gpus" \
        --ntasks-per-node="$gpus_per_node" \
        --cpus-per-task="${CPUS_PER_TASK:-5}" \
        --kill-on-bad-exit=1 \
        ${SRUN_ARGS:-} \
        python -u "$TOOLS_DIR/$script" "$@"
}
