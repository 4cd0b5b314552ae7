"""cli_guard: the error handling shared by tools/train.py and tools/test.py."""

import pytest

from mmaction.datasets import BrokenVideoError
from mmaction.engine import ConfigError, cli_guard
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
