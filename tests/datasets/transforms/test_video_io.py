"""Decoder threads: an explicit choice, or the cores shared among loader workers."""

import os

import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from mmaction.datasets.transforms.video_io import MAX_AUTO_THREADS, decoder_threads

CORES = len(os.sched_getaffinity(0))


class ThreadsDataset(Dataset):
    """Each sample is the thread count a video opened there would get."""

    def __len__(self):
        return 2

    def __getitem__(self, index):
        return torch.tensor(decoder_threads())


def test_explicit_threads_are_kept():
    assert decoder_threads(3) == 3
    assert decoder_threads(0) == 0  # FFmpeg chooses
    with pytest.raises(ValueError, match='num_threads'):
        decoder_threads(-1)


def test_automatic_threads_share_the_cores_among_workers():
    assert decoder_threads() == min(MAX_AUTO_THREADS, CORES)
    loader = DataLoader(ThreadsDataset(), batch_size=1, num_workers=2)
    assert [int(batch) for batch in loader] == [max(1, min(MAX_AUTO_THREADS, CORES // 2))] * 2
