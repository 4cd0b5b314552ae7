"""A training sampler that can start in the middle of an epoch and seeds every sample."""

from typing import Iterator, List

import numpy as np
from mmengine.dataset import DefaultSampler
from mmengine.registry import DATA_SAMPLERS

from mmaction.datasets import SampleKey


@DATA_SAMPLERS.register_module()
class ResumableSampler(DefaultSampler):
    """mmengine's ``DefaultSampler`` (same order), resumable and with per-sample seeds.

    - It yields :class:`~mmaction.datasets.SampleKey` ``(index, epoch,
      seed)`` instead of plain indices; the dataset seeds the augmentation of
      each sample from it, so the data do not depend on the number of
      data-loader workers.
    - :meth:`skip` drops the first samples of the next pass, so a run resumed
      in the middle of an epoch continues with the batch that comes next
      instead of replaying the epoch.
    - :meth:`state_dict` / :meth:`load_state_dict` carry the seed through a
      checkpoint (it is drawn at random when the run has none, and a resumed
      run must shuffle, and augment, as the first one did).
    - A data set built with ``sample_by_class=True`` is sampled by class:
      each of the epoch's ``len(dataset)`` draws picks a class with the data
      set's ``class_prob`` (``power=0``: every class equally often;
      ``power=1``: as often as it has videos), then one of its videos, seeded
      by ``seed + epoch``, so small classes are seen as often as large ones.

    Args:
        dataset: The dataset.
        shuffle: Shuffle each epoch (with ``seed + epoch``). Defaults to True.
        seed: Seed of the order and of the samples' augmentation; None draws
            one (the same on every rank). Defaults to None.
        round_up: Repeat samples so every rank gets as many. Defaults to True.
    """

    def __init__(self, dataset, shuffle: bool = True, seed=None, round_up: bool = True) -> None:
        super().__init__(dataset, shuffle=shuffle, seed=seed, round_up=round_up)
        self._skip = 0

    def skip(self, num_samples: int) -> None:
        """Leave out the first ``num_samples`` of this rank's samples in the next pass.

        Args:
            num_samples: Samples of this rank's share of the epoch already
                trained on (batches done x batch size; the same on every rank).
        """
        if num_samples < 0:
            raise ValueError(f'num_samples must be >= 0, got {num_samples}')
        self._skip = int(num_samples)

    def _by_class(self) -> List[int]:
        """This rank's indices of a class-balanced epoch (see the class docs)."""
        dataset = self.dataset
        classes = sorted(dataset.class_prob)
        probs = np.array([dataset.class_prob[c] for c in classes], dtype=np.float64)
        rng = np.random.default_rng(self.seed + self.epoch)
        picks = rng.choice(len(classes), size=len(dataset), p=probs / probs.sum())
        sizes = np.array([len(dataset.indices_by_class[c]) for c in classes])
        positions = (rng.random(len(dataset)) * sizes[picks]).astype(np.int64)
        indices = [int(dataset.indices_by_class[classes[c]][p]) for c, p in zip(picks, positions)]
        if self.round_up:
            indices = (indices * int(self.total_size / len(indices) + 1))[: self.total_size]
        return indices[self.rank : self.total_size : self.world_size]

    def __iter__(self) -> Iterator[SampleKey]:
        """This rank's keys of the current epoch, after the skipped ones."""
        if getattr(self.dataset, 'sample_by_class', False):
            indices = self._by_class()[self._skip :]
        else:
            indices = list(super().__iter__())[self._skip :]
        self._skip = 0
        return iter([SampleKey(int(index), self.epoch, self.seed) for index in indices])

    def state_dict(self) -> dict:
        """The seed (and whether it shuffles), for a checkpoint.

        The epoch and the position within it are the train loop's
        (``meta['epoch']``, ``batch_in_epoch``): it calls :meth:`set_epoch`
        and :meth:`skip` when it resumes.
        """
        return dict(seed=int(self.seed), shuffle=bool(self.shuffle))

    def load_state_dict(self, state: dict) -> None:
        """Take the seed of a checkpoint (see :meth:`state_dict`)."""
        self.seed = int(state['seed'])
