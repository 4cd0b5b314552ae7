"""worker_failure_message: PyTorch's reports of dead data-loader workers, explained."""

import pytest

from mmaction.engine.runtime.worker_errors import worker_failure_message


@pytest.mark.parametrize(
    'text, expected',
    [
        (
            'DataLoader worker (pid 123) is killed by signal: Killed. ',
            'data-loader worker (pid 123) was killed (SIGKILL), most likely by the system because '
            'memory ran out: lower data.workers_per_gpu (each worker holds its own videos in '
            'memory) or data.videos_per_gpu',
        ),
        (
            'DataLoader worker (pid 7) is killed by signal: Bus error. It is possible that '
            "dataloader's workers are out of shared memory. Please try to raise your shared "
            'memory limit.',
            'data-loader worker (pid 7) died of a bus error: the shared memory (/dev/shm) through '
            'which workers hand over batches is full; make /dev/shm larger (docker: '
            '--shm-size=8g) or lower data.workers_per_gpu or data.videos_per_gpu',
        ),
        (
            'DataLoader worker (pid 9) is killed by signal: Segmentation fault. ',
            'data-loader worker (pid 9) was killed by signal: Segmentation fault; run with '
            '--cfg-options data.workers_per_gpu=0 to see the failing step in the main process',
        ),
        (
            'DataLoader worker (pid(s) 5, 6) exited unexpectedly',
            'data-loader worker (pid 5, 6) exited unexpectedly, most likely killed by the system '
            'when memory ran out: lower data.workers_per_gpu (each worker holds its own videos in '
            'memory) or data.videos_per_gpu',
        ),
    ],
)
def test_messages(text, expected):
    assert worker_failure_message(RuntimeError(text)) == expected


def test_the_most_specific_cause_wins():
    try:
        try:
            raise RuntimeError('DataLoader worker (pid 4) is killed by signal: Bus error. ')
        except RuntimeError as cause:
            raise RuntimeError('DataLoader worker (pid(s) 4) exited unexpectedly') from cause
    except RuntimeError as error:
        assert 'bus error' in worker_failure_message(error)


def test_other_errors_are_not_explained():
    assert worker_failure_message(RuntimeError('CUDA out of memory')) is None
