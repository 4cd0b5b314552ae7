import random

import mmcv
import numpy as np
import pytest
import torch

from mmaction.registry import TRANSFORMS

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]


def _pipeline(input_format, normalize=True):
    cfgs = [
        dict(type='Resize', scale=(-1, 36)),
        dict(type='RandomResizedCrop'),
        dict(type='Resize', scale=(32, 32), keep_ratio=False),
        dict(type='Flip', flip_ratio=0.5),
        dict(type='ColorJitter'),
        dict(type='Normalize', mean=MEAN, std=STD, to_bgr=False),
        dict(type='FormatShape', input_format=input_format),
        dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
        dict(type='ToTensor', keys=['imgs', 'label']),
    ]
    if not normalize:
        cfgs = [c for c in cfgs if c['type'] != 'Normalize']
    return [TRANSFORMS.build(c) for c in cfgs]


def _sample(num_clips, clip_len, h=32, w=40):
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for _ in range(num_clips * clip_len)]
    return dict(
        imgs=frames,
        num_clips=num_clips,
        clip_len=clip_len,
        label=2,
        modality='RGB',
        original_shape=(h, w),
        img_shape=(h, w),
    )


@pytest.mark.parametrize('normalize', [True, False])
def test_3d_train_pipeline(normalize):
    results = _sample(num_clips=2, clip_len=4)
    for t in _pipeline('NCTHW', normalize):
        results = t(results)
    assert set(results) == {'imgs', 'label'}
    assert results['imgs'].shape == (2, 3, 4, 32, 32)
    assert results['imgs'].dtype == (torch.float32 if normalize else torch.uint8)
    assert results['label'].tolist() == [2]


def test_2d_test_pipeline_three_crop():
    cfgs = [
        dict(type='Resize', scale=(-1, 32)),
        dict(type='ThreeCrop', crop_size=32),
        dict(type='FormatShape', input_format='NCHW'),
        dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
        dict(type='ToTensor', keys=['imgs']),
    ]
    results = _sample(num_clips=8, clip_len=1, h=40, w=50)
    for cfg in cfgs:
        results = TRANSFORMS.build(cfg)(results)
    assert results['imgs'].shape == (24, 3, 32, 32)
    assert results['imgs'].dtype == torch.uint8
    assert results['label'] == 2


def test_matches_frame_by_frame_mmcv_reference():
    """Resize/crop/flip/normalize/format equal 0.x's per-frame mmcv calls."""
    np.random.seed(4)
    random.seed(4)
    results = _sample(num_clips=2, clip_len=4, h=30, w=44)
    frames = list(results['imgs'])
    steps = _pipeline('NCTHW')
    steps = [s for s in steps if type(s).__name__ != 'ColorJitter']
    steps[3] = TRANSFORMS.build(dict(type='Flip', flip_ratio=1.0))
    for t in steps[:-2]:
        results = t(results)
        if type(t).__name__ == 'RandomResizedCrop':
            left, top, right, bottom = results['crop_bbox']

    # short side 30 -> 36, long side 44 * 36 / 30 = 52.8 -> 53
    expected = [mmcv.imresize(f, (53, 36)) for f in frames]
    expected = [f[top:bottom, left:right] for f in expected]
    expected = [mmcv.imresize(f, (32, 32)) for f in expected]
    expected = [mmcv.imflip(f, 'horizontal') for f in expected]
    mean, std = np.float32(MEAN), np.float32(STD)
    expected = [mmcv.imnormalize_(f.astype(np.float32), mean, std, False) for f in expected]
    expected = np.stack(expected).reshape(1, 2, 4, 32, 32, 3).transpose(0, 1, 5, 2, 3, 4)
    # imnormalize_ rounds once more or less depending on the OpenCV release
    # (tests/datasets/transforms/test_normalize.py pins our exact arithmetic).
    np.testing.assert_allclose(
        results['imgs'], expected.reshape(2, 3, 4, 32, 32), rtol=0, atol=5e-7
    )
