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
