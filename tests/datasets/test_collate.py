"""action_collate: default_collate, with broken test samples set aside."""

import torch

from mmaction.datasets import BrokenSample, action_collate


def _sample(value):
    return {'imgs': torch.full((1, 3, 2, 4, 4), float(value)), 'label': torch.tensor([value])}


def test_without_broken_samples_it_is_default_collate():
    batch = action_collate([_sample(1), _sample(2)])
    assert set(batch) == {'imgs', 'label'}
    assert batch['imgs'].shape == (2, 1, 3, 2, 4, 4)
    assert batch['label'].tolist() == [[1], [2]]


def test_broken_samples_are_kept_out_of_the_tensors_with_their_positions():
    broken = BrokenSample(7, 'b.mp4', 'truncated')
    batch = action_collate([_sample(1), broken, _sample(3)])
    assert batch['imgs'].shape[0] == 2
    assert batch['label'].tolist() == [[1], [3]]
    assert batch['broken'] == [(1, broken)] and batch['num_samples'] == 3


def test_a_batch_of_broken_samples_only_has_no_images():
    batch = action_collate([BrokenSample(0, 'a.mp4', 'empty')])
    assert 'imgs' not in batch and batch['num_samples'] == 1
