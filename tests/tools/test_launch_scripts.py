"""dist_train.sh, dist_test.sh, slurm_train.sh and slurm_test.sh: the commands they start.

``python`` and ``srun`` are stand-ins on ``PATH`` that print their
arguments, so the launchers' command lines are checked without GPUs or Slurm.
"""

import os
import subprocess

import pytest
from tpn_run_helpers import ROOT

RECORD = '#!/usr/bin/env bash\nprintf "%s MASTER_PORT=${MASTER_PORT:-unset}" "$(basename "$0")"\n'
RECORD += 'printf " [%s]" "$@"\necho\n'


@pytest.fixture
def launch(tmp_path):
    for name in ('python', 'srun'):
        (tmp_path / name).write_text(RECORD)
        (tmp_path / name).chmod(0o755)

    def run(script, *args, **environ):
        env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'MASTER_PORT')}
        env.update(environ, PATH=f'{tmp_path}{os.pathsep}{os.environ["PATH"]}')
        proc = subprocess.run(
            ['bash', f'tools/{script}', *args], cwd=ROOT, env=env, capture_output=True, text=True
        )
        return proc.returncode, proc.stdout.strip(), proc.stderr.strip()

    return run


def test_torchrun_launchers(launch):
    tools = os.path.join(ROOT, 'tools')
    code, out, _ = launch('dist_train.sh', 'cfg.py', '2', '--validate', PORT='1234')
    assert code == 0
    assert out == (
        'python MASTER_PORT=unset [-m] [torch.distributed.run] [--nnodes=1] [--node_rank=0] '
        '[--master_addr=127.0.0.1] [--master_port=1234] [--nproc_per_node=2] '
        f'[{tools}/train.py] [cfg.py] [--launcher] [pytorch] [--validate]'
    )
    code, out, _ = launch('dist_test.sh', 'cfg.py', 'ck.pth', '4', '--out', 'a b.json')
    assert out.endswith(
        f'[--nproc_per_node=4] [{tools}/test.py] [cfg.py] [ck.pth] [--launcher] [pytorch] '
        '[--out] [a b.json]'
    )
    code, out, err = launch('dist_test.sh', 'cfg.py', 'ck.pth')
    assert (
        code == 2 and err == 'usage: tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py options...]'
    )


def test_slurm_launchers(launch):
    tools = os.path.join(ROOT, 'tools')
    code, out, _ = launch(
        'slurm_train.sh', 'part', 'job', 'cfg.py', 'wd', '--auto-resume',
        MASTER_PORT='555', GPUS='16', GPUS_PER_NODE='4', SRUN_ARGS='--signal=TERM@120',
    )  # fmt: skip
    assert code == 0
    assert out == (
        'srun MASTER_PORT=555 [-p] [part] [--job-name=job] [--gres=gpu:4] [--ntasks=16] '
        '[--ntasks-per-node=4] [--cpus-per-task=5] [--kill-on-bad-exit=1] [--signal=TERM@120] '
        f'[python] [-u] [{tools}/train.py] [cfg.py] [--launcher] [slurm] [--work-dir] [wd] '
        '[--auto-resume]'
    )
    code, out, _ = launch('slurm_test.sh', 'part', 'job', 'cfg.py', 'ck.pth', '--eval', 'x')
    port = int(out.split()[1].split('=')[1])
    assert 12000 <= port < 32000
    assert out.endswith(f'[{tools}/test.py] [cfg.py] [ck.pth] [--launcher] [slurm] [--eval] [x]')
    code, _, err = launch('slurm_train.sh', 'part', 'job')
    assert code == 2 and err.startswith('usage: tools/slurm_train.sh PARTITION JOB_NAME CONFIG')
