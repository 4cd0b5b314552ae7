"""Per-sample seeding: a training sample's augmentation depends on (seed, epoch, index) only."""

import random

import numpy as np
import torch
from torch.utils.data import DataLoader

from mmaction.datasets import SampleKey, VideoDataset, seeded_sample


def draw(results):
    """A pipeline step that records one draw from each random generator."""
    results['draws'] = torch.tensor(
        [random.random(), float(np.random.rand()), float(torch.rand(()))], dtype=torch.float64
    )
    return results


def make_dataset(tmp_path, size=6):
    ann = tmp_path / 'ann.txt'
    ann.write_text(''.join(f'v{i}.mp4 {i % 2}\n' for i in range(size)))
    return VideoDataset(str(ann), pipeline=[draw])


def rng_states():
    return random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state()


def test_same_key_same_draws_and_global_state_untouched(tmp_path):
    dataset = make_dataset(tmp_path)
    before = rng_states()
    first = dataset[SampleKey(3, 1, 7)]['draws']
    after = rng_states()
    assert before[0] == after[0]
    assert np.array_equal(before[1], after[1]) and torch.equal(before[2], after[2])
    torch.manual_seed(123)  # the process's state does not matter
    assert torch.equal(dataset[SampleKey(3, 1, 7)]['draws'], first)
    others = [SampleKey(4, 1, 7), SampleKey(3, 2, 7), SampleKey(3, 1, 8)]
    for key in others:
        assert not torch.equal(dataset[key]['draws'], first), key
    assert dataset[SampleKey(3, 1, 7)]['filename'] == 'v3.mp4'


def test_plain_indices_still_draw_from_the_process(tmp_path):
    dataset = make_dataset(tmp_path)
    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)
    a = dataset[2]['draws']
    b = dataset[2]['draws']
    assert not torch.equal(a, b)


def test_seeded_sample_leaves_the_cuda_and_global_generators_alone():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    with seeded_sample(SampleKey(0, 0, 0)):
        torch.rand(10)
    assert torch.equal(torch.rand(3), expected)


class KeySampler(torch.utils.data.Sampler):
    def __init__(self, keys):
        self.keys = keys

    def __iter__(self):
        return iter(self.keys)

    def __len__(self):
        return len(self.keys)


def test_the_data_do_not_depend_on_the_number_of_workers(tmp_path):
    dataset = make_dataset(tmp_path)
    keys = [SampleKey(i, 0, 11) for i in (5, 0, 3, 1, 4, 2)]
    batches = {}
    for workers in (0, 2):
        loader = DataLoader(dataset, batch_size=2, sampler=KeySampler(keys), num_workers=workers)
        batches[workers] = torch.cat([batch['draws'] for batch in loader])
    assert torch.equal(batches[0], batches[2])
    assert batches[0].shape == (6, 3)
