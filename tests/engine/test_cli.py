"""cli_guard: the error handling shared by tools/train.py and tools/test.py."""

import signal

import pytest

from mmaction.datasets import BrokenVideoError
from mmaction.engine import ConfigError, TrainingInterrupted, cli_guard
from mmaction.utils import CheckpointError


@pytest.mark.parametrize(
    'error, message',
    [
        (ConfigError('bad key'), 'bad key'),
        (CheckpointError('bad key'), 'bad key'),
        (FileNotFoundError('bad key'), 'bad key'),
        (BrokenVideoError('a.mp4', 'truncated'), "Broken video data 'a.mp4': truncated"),
    ],
)
def test_user_errors_exit_with_one_line(error, message):
    with pytest.raises(SystemExit) as info:
        with cli_guard():
            raise error
    assert info.value.code == f'error: {message}'


def test_other_errors_propagate():
    with pytest.raises(RuntimeError, match='bug'):
        with cli_guard():
            raise RuntimeError('bug')


def test_no_error_runs_the_body():
    ran = []
    with cli_guard():
        ran.append(True)
    assert ran == [True]


def test_error_from_a_data_loader_worker_keeps_its_one_line():
    from torch.utils.data import DataLoader, Dataset

    class Broken(Dataset):
        def __len__(self):
            return 1

        def __getitem__(self, index):
            raise BrokenVideoError('a.mp4', 'truncated')

    with pytest.raises(SystemExit) as info:
        with cli_guard():
            list(DataLoader(Broken(), num_workers=1))
    assert info.value.code == "error: Broken video data 'a.mp4': truncated"


def test_dead_worker_exits_with_one_line():
    with pytest.raises(SystemExit) as info:
        with cli_guard():
            raise RuntimeError('DataLoader worker (pid 12) is killed by signal: Killed. ')
    assert info.value.code.startswith('error: data-loader worker (pid 12) was killed (SIGKILL)')


@pytest.mark.slow
def test_stop_signal_exits_with_128_plus_the_signal(capsys):
    with pytest.raises(SystemExit) as info:
        with cli_guard():
            raise TrainingInterrupted(signal.SIGTERM, 'Stopped by SIGTERM; saved iter_6.pth.')
    assert info.value.code == 143
    assert capsys.readouterr().err == 'Stopped by SIGTERM; saved iter_6.pth.\n'
    with pytest.raises(SystemExit) as info:
        with cli_guard():
            raise TrainingInterrupted(signal.SIGINT)  # ranks other than 0 print nothing
    assert info.value.code == 130
    assert capsys.readouterr().err == ''


_PROCESS_GROUP_IN_A_CYCLE = """
import gc, os, sys
import torch
import torch.distributed as dist
from mmaction.engine import cli_guard

gc.disable()  # the cycle below stays until someone collects it, as a run's do
dist.init_process_group('gloo', init_method='tcp://127.0.0.1:' + sys.argv[1], rank=0,
                        world_size=1)
dist.all_reduce(torch.zeros(1))


class Holder:  # as the runner and the DDP wrapper, which hold the group
    pass


holder = Holder()
holder.me, holder.group = holder, dist.group.WORLD
del holder
threads = lambda: len(os.listdir('/proc/self/task'))
with_group = threads()
with cli_guard():
    pass
print(with_group, threads())
"""


def test_leaving_joins_the_threads_of_a_process_group_held_in_a_cycle():
    # Left running into the interpreter's exit, a gloo worker that frees a
    # collective's tensors aborts the process ("terminate called without an
    # active exception"), which under torchrun fails a finished run.
    import socket
    import subprocess
    import sys

    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    proc = subprocess.run(
        [sys.executable, '-c', _PROCESS_GROUP_IN_A_CYCLE, str(port)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    with_group, after = map(int, proc.stdout.split())
    # gloo runs two worker threads and a transport loop; all are gone after leaving.
    assert after <= with_group - 3, (with_group, after)
