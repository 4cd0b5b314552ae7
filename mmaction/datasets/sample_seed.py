"""Per-sample random seeds: a sample's augmentation depends on (seed, epoch, index) only.

A training sampler yields :class:`SampleKey` objects instead of plain
indices; the data loader hands them to ``dataset[key]`` unchanged, and the
dataset runs the pipeline under :func:`seeded_sample`. So the random crops,
clip offsets and flips of a sample are the same whichever process loads it,
with 0, 1 or 8 data-loader workers, and a run resumed in the middle of an
epoch gets exactly the data an uninterrupted run would have got.
"""

import random
from contextlib import contextmanager
from typing import Iterator, NamedTuple

import numpy as np
import torch
from torch.utils.data import get_worker_info


class SampleKey(NamedTuple):
    """What a training sampler yields for one sample.

    Attributes:
        index: The sample's index in the dataset.
        epoch: The epoch (0-based) the sample is drawn in.
        seed: The run's data seed (the sampler's seed).
    """

    index: int
    epoch: int
    seed: int


def sample_seed(key: SampleKey) -> int:
    """A 32-bit seed mixed from the key's seed, epoch and index.

    ``numpy.random.SeedSequence`` hashes the three numbers, so neighbouring
    samples and epochs get unrelated random streams.
    """
    words = (key.seed % 2**64, key.epoch % 2**64, key.index % 2**64)
    return int(np.random.SeedSequence(words).generate_state(1, dtype=np.uint32)[0])


def _seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    # The CPU generator only: torch.manual_seed would also reseed the CUDA
    # generators, which the training step draws from.
    torch.default_generator.manual_seed(seed)


@contextmanager
def seeded_sample(key: SampleKey) -> Iterator[None]:
    """Seed ``random``, ``numpy.random`` and ``torch`` for one sample, then restore them.

    In the main process (``workers_per_gpu=0``) the previous states come
    back afterwards, so loading data does not change the random numbers the
    training step draws (dropout): the run is the same with or without
    workers. A data-loader worker draws for nothing else, and seeds every
    sample afresh, so it skips the (costlier) restore.
    """
    seed = sample_seed(key)
    if get_worker_info() is not None:
        _seed_all(seed)
        yield
        return
    saved = random.getstate(), np.random.get_state(), torch.get_rng_state()
    _seed_all(seed)
    try:
        yield
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])
        torch.set_rng_state(saved[2])
