"""ResumableSampler: DefaultSampler's order, keys with per-sample seeds, skipping, state."""

import mmengine.dataset.sampler
import pytest
from mmengine.dataset import DefaultSampler

from mmaction.datasets import SampleKey
from mmaction.engine import ResumableSampler


def test_same_order_as_default_sampler_with_epoch_and_seed_in_the_keys():
    dataset = list(range(10))
    ours, theirs = ResumableSampler(dataset, seed=3), DefaultSampler(dataset, seed=3)
    for epoch in (0, 1):
        ours.set_epoch(epoch)
        theirs.set_epoch(epoch)
        keys = list(ours)
        assert [key.index for key in keys] == list(theirs)
        assert all(isinstance(k, SampleKey) and (k.epoch, k.seed) == (epoch, 3) for k in keys)
    assert len(ours) == 10


def test_skip_applies_to_the_next_pass_only():
    sampler = ResumableSampler(list(range(8)), seed=0)
    sampler.set_epoch(2)
    full = [key.index for key in sampler]
    sampler.skip(6)
    assert [key.index for key in sampler] == full[6:]
    assert [key.index for key in sampler] == full
    sampler.skip(8)
    assert list(sampler) == []
    with pytest.raises(ValueError, match='>= 0'):
        sampler.skip(-1)


def test_state_carries_the_seed():
    first = ResumableSampler(list(range(8)), seed=None)  # a random seed
    resumed = ResumableSampler(list(range(8)), seed=None)
    resumed.load_state_dict(first.state_dict())
    assert first.state_dict() == resumed.state_dict() == dict(seed=first.seed, shuffle=True)
    first.set_epoch(4)
    resumed.set_epoch(4)
    assert list(first) == list(resumed)


def test_ranks_skip_their_own_share_and_nothing_is_lost(monkeypatch):
    """Two processes, 2 videos each per batch, one batch done: the rest of the epoch is left."""
    dataset = list(range(11))
    whole = [key.index for key in ResumableSampler(dataset, seed=1)]  # one process
    rest = []
    for rank in (0, 1):
        monkeypatch.setattr(mmengine.dataset.sampler, 'get_dist_info', lambda r=rank: (r, 2))
        sampler = ResumableSampler(dataset, seed=1)
        sampler.skip(2)
        rest.append([key.index for key in sampler])
    padded = whole + whole[:1]  # 12 places for 2 processes
    assert rest == [padded[4::2], padded[5::2]]


def test_class_balanced_sampling(tmp_path):
    from mmaction.datasets import VideoDataset

    # 18 videos of class 0, 2 of class 1: power=0 draws both classes equally often.
    ann = tmp_path / 'list.txt'
    ann.write_text(''.join(f'v{i}.mp4 {int(i >= 18)}\n' for i in range(20)))
    dataset = VideoDataset(str(ann), [], sample_by_class=True, power=0)
    sampler = ResumableSampler(dataset, seed=0)
    counts = [0, 0]
    for epoch in range(50):
        sampler.set_epoch(epoch)
        keys = list(sampler)
        assert len(keys) == 20 and all(key.epoch == epoch for key in keys)
        for key in keys:
            counts[int(key.index >= 18)] += 1
    # 1000 draws, each class with probability 1/2: 500 +- 3 standard deviations (16).
    assert abs(counts[1] - 500) < 48
    sampler.set_epoch(3)
    assert [k.index for k in sampler] == [k.index for k in sampler]  # seeded by seed + epoch
