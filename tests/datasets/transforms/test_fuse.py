import random

import numpy as np
import pytest

from mmaction.datasets.transforms import (
    CenterCrop,
    Flip,
    Fuse,
    MultiScaleCrop,
    RandomResizedCrop,
    Resize,
)


def _frames(t=8, h=32, w=40):
    return np.random.default_rng(5).integers(0, 256, (t, h, w, 3), dtype=np.uint8)


def _smooth_frames(t=4, h=64, w=80):
    y, x = np.mgrid[0:h, 0:w]
    img = 127 + 60 * np.sin(x / 9.0) + 60 * np.cos(y / 7.0)
    return np.repeat(img[None, ..., None], t, 0).repeat(3, -1).astype(np.uint8)


def _run(transforms, results):
    for t in transforms:
        results = t(results)
    return results


@pytest.mark.parametrize('lazy_crop', [CenterCrop, RandomResizedCrop, MultiScaleCrop])
def test_crop_resize_flip_equals_eager(lazy_crop):
    args = dict(crop_size=(20, 16)) if lazy_crop is CenterCrop else {}
    if lazy_crop is MultiScaleCrop:
        args = dict(input_size=24, scales=(1, 0.875, 0.75))

    def chain(lazy):
        steps = [
            lazy_crop(lazy=lazy, **args),
            Resize(scale=(24, 24), keep_ratio=False, lazy=lazy),
            Flip(flip_ratio=1, lazy=lazy),
        ]
        return steps + [Fuse()] if lazy else steps

    frames = _frames()
    for seed in range(5):
        np.random.seed(seed)
        random.seed(seed)
        eager = _run(chain(False), dict(imgs=list(frames), modality='RGB'))
        np.random.seed(seed)
        random.seed(seed)
        lazy = _run(chain(True), dict(imgs=list(frames), modality='RGB'))
        assert 'lazy' not in lazy
        assert lazy['img_shape'] == eager['img_shape'] == (24, 24)
        np.testing.assert_array_equal(lazy['crop_bbox'], eager['crop_bbox'])
        np.testing.assert_array_equal(np.stack(lazy['imgs']), np.stack(eager['imgs']))


def test_resize_then_crop_is_close():
    frames = _smooth_frames()
    eager = _run(
        [Resize(scale=0.5), CenterCrop(crop_size=24), Resize(scale=(32, 32), keep_ratio=False)],
        dict(imgs=frames),
    )
    lazy = _run(
        [
            Resize(scale=0.5, lazy=True),
            CenterCrop(crop_size=24, lazy=True),
            Resize(scale=(32, 32), keep_ratio=False, lazy=True),
            Fuse(),
        ],
        dict(imgs=frames),
    )
    assert lazy['imgs'].shape == eager['imgs'].shape == (4, 32, 32, 3)
    diff = np.abs(lazy['imgs'].astype(int) - eager['imgs'].astype(int))
    assert diff.mean() < 4


def test_lazy_records_and_errors():
    results = CenterCrop(crop_size=20, lazy=True)(dict(imgs=_frames()))
    lazyop = results['lazy']
    assert lazyop['original_shape'] == (32, 40)
    np.testing.assert_allclose(lazyop['crop_bbox'], [10, 6, 30, 26])
    assert results['imgs'].shape == (8, 32, 40, 3)  # nothing applied yet
    with pytest.raises(ValueError, match='Fuse'):
        CenterCrop(crop_size=10)(dict(results))
    flipped = Flip(flip_ratio=1, lazy=True)(dict(results, lazy=dict(lazyop)))
    with pytest.raises(ValueError, match='Flip'):
        CenterCrop(crop_size=10, lazy=True)(flipped)
    with pytest.raises(ValueError, match='no lazy'):
        Fuse()(dict(imgs=_frames()))
    out = Fuse()(results)
    assert out['imgs'].shape == (8, 20, 20, 3)
    np.testing.assert_array_equal(out['imgs'], _frames()[:, 6:26, 10:30])
