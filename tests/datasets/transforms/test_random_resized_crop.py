import random

import numpy as np
import pytest

from mmaction.datasets.transforms import RandomResizedCrop


def _frames(t=8, h=32, w=40):
    return np.random.default_rng(0).integers(0, 256, (t, h, w, 3), dtype=np.uint8)


def test_area_and_aspect_bounds():
    frames = _frames()
    rrc = RandomResizedCrop(area_range=(0.3, 0.6), aspect_ratio_range=(0.75, 4 / 3))
    np.random.seed(0)
    random.seed(0)
    for _ in range(50):
        results = rrc(dict(imgs=frames, img_shape=(32, 40)))
        left, top, right, bottom = results['crop_bbox']
        w, h = right - left, bottom - top
        assert 0 <= left < right <= 40 and 0 <= top < bottom <= 32
        assert results['img_shape'] == (h, w)
        assert results['imgs'].shape == (8, h, w, 3)
        np.testing.assert_array_equal(results['imgs'], frames[:, top:bottom, left:right])
        # rounding of sides to whole pixels loosens the bounds slightly
        assert 0.3 * 1280 * 0.85 <= w * h <= 0.6 * 1280 * 1.15
        assert 0.75 * 0.85 <= w / h <= 4 / 3 * 1.15


def test_random_draw_order():
    # aspect ratios then areas from np.random, offsets from random
    np.random.seed(7)
    random.seed(7)
    bbox = RandomResizedCrop.get_crop_bbox((32, 40), (0.08, 1.0), (3 / 4, 4 / 3))
    np.random.seed(7)
    random.seed(7)
    ratios = np.exp(np.random.uniform(np.log(3 / 4), np.log(4 / 3), size=10))
    areas = np.random.uniform(0.08, 1.0, size=10) * 1280
    ws = np.round(np.sqrt(areas * ratios)).astype(int)
    hs = np.round(np.sqrt(areas / ratios)).astype(int)
    i = next(k for k in range(10) if ws[k] <= 40 and hs[k] <= 32)
    x = random.randint(0, 40 - ws[i])
    y = random.randint(0, 32 - hs[i])
    assert bbox == (x, y, x + ws[i], y + hs[i])


def test_fallback_is_center_square():
    rrc = RandomResizedCrop(area_range=(0.9, 1.0), aspect_ratio_range=(10.0, 20.0))
    results = rrc(dict(imgs=_frames()))
    assert list(results['crop_bbox']) == [4, 0, 36, 32]
    assert results['img_shape'] == (32, 32)
    np.testing.assert_allclose(results['crop_quadruple'], [0.1, 0, 0.8, 1], rtol=1e-6)


def test_arguments():
    with pytest.raises(TypeError):
        RandomResizedCrop(area_range=0.5)
    with pytest.raises(ValueError):
        RandomResizedCrop(area_range=(0.5, 1.5))
    rrc = RandomResizedCrop(area_range=[0.5, 1])
    assert rrc.area_range == (0.5, 1.0)
    assert repr(RandomResizedCrop()) == (
        'RandomResizedCrop(area_range=(0.08, 1.0), '
        'aspect_ratio_range=(0.75, 1.3333333333333333), lazy=False)'
    )
