"""Each TPN config of both dialects and its conversion give the same samples, bit for bit.

The train, val and test data sets of both configs, as a run builds them
(``convert_train_config`` with validation and testing: ``Normalize`` moved into
the model, test clips placed by the config's protocol), are pointed at the
tiny synthetic data set (videos, Kinetics-style and Something-Something-style
frames) and a few samples are drawn from each with the same seeds.
"""

import os.path as osp
import random

import numpy as np
import pytest
import torch

from mmaction.engine import TrainOptions, convert_train_config
from mmaction.registry import DATASETS

SAMPLES = (5,)
SEEDS = (0, 1)


def _tiny_data(dataset: dict, split: str, root: str) -> dict:
    """The data set config pointed at the tiny synthetic data set of the same layout."""
    ann = 'train' if split == 'train' else 'val'
    dataset = {k: v for k, v in dataset.items() if k != 'data_root'}
    if dataset['type'] == 'VideoDataset':
        ann_file, prefix = f'synthetic_{ann}_list_videos.txt', 'videos'
    elif dataset.get('filename_tmpl') == '{:05}.jpg':  # Something-Something frames
        ann_file, prefix = f'sth/synthetic_{ann}_list_rawframes.txt', 'sth/rawframes'
    else:
        ann_file, prefix = f'synthetic_{ann}_list_rawframes.txt', 'rawframes'
    dataset.update(ann_file=osp.join(root, ann_file), data_prefix=osp.join(root, prefix))
    return dataset


def _seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _dataset(cfg, path: str, split: str, root: str, work_dir: str):
    options = TrainOptions(validate=True, test_last=True, work_dir=work_dir)
    dataset = convert_train_config(cfg, path, options)[f'{split}_dataloader']['dataset']
    # ColorJitter draws the order of its adjustments when it is built (as MMAction2's).
    _seed(0)
    return DATASETS.build(_tiny_data(dataset, split, root))


def _seeded(dataset, index: int, seed: int) -> dict:
    _seed(seed)
    return dataset[index]


def _assert_same_sample(source: dict, converted: dict) -> None:
    # img_metas: the meta keys PackActionInputs keeps (1.x) and Collect(meta_keys=[]) does not.
    keys = set(source) - {'img_metas'}
    assert keys == set(converted) - {'img_metas'} and 'imgs' in keys
    assert source['imgs'].dtype == converted['imgs'].dtype == torch.uint8
    assert torch.equal(source['imgs'], converted['imgs'])
    # A label is an int (0.x test pipelines) or a one-element LongTensor: the same number.
    assert int(source['label']) == int(converted['label'])


@pytest.mark.parametrize('split', ['train', 'val', 'test'])
def test_the_same_samples_for_a_seed(tpn_conversion, tiny_synthetic, tmp_path, split):
    conv = tpn_conversion
    source, converted = (
        _dataset(cfg, path, split, tiny_synthetic, str(tmp_path))
        for cfg, path in ((conv.source_cfg, conv.source), (conv.converted_cfg, conv.converted))
    )
    assert len(source) == len(converted) > max(SAMPLES)
    draws = []
    for index in SAMPLES:
        for seed in SEEDS:
            sample = _seeded(source, index, seed)
            _assert_same_sample(sample, _seeded(converted, index, seed))
            draws.append(sample['imgs'])
    if split == 'train':  # the seed matters: the comparison above sees the augmentation
        assert not torch.equal(draws[0], draws[1])
