import random

import numpy as np
import pytest

from mmaction.datasets.transforms import MultiScaleCrop


def _frames(t=8, h=32, w=40):
    return np.random.default_rng(1).integers(0, 256, (t, h, w, 3), dtype=np.uint8)


def _seen_bboxes(msc, n=400):
    random.seed(0)
    seen = set()
    for _ in range(n):
        results = msc(dict(imgs=_frames(2)))
        seen.add(tuple(int(v) for v in results['crop_bbox']))
    return seen


def test_five_fixed_crops():
    # base 32, scale 0.5 -> 16 x 16 windows; steps (40-16)//4 = 6, (32-16)//4 = 4
    msc = MultiScaleCrop(input_size=16, scales=(0.5,))
    expected = {(0, 0), (24, 0), (0, 16), (24, 16), (12, 8)}
    assert {(b[0], b[1]) for b in _seen_bboxes(msc)} == expected
    results = msc(dict(imgs=_frames()))
    assert results['img_shape'] == (16, 16)
    assert results['imgs'].shape == (8, 16, 16, 3)
    assert results['scales'] == (0.5,)


def test_thirteen_fixed_crops():
    msc = MultiScaleCrop(input_size=16, scales=(0.5,), num_fixed_crops=13)
    steps = [(0, 0), (4, 0), (0, 4), (4, 4), (2, 2), (0, 2), (4, 2), (2, 4), (2, 0)]
    steps += [(1, 1), (3, 1), (1, 3), (3, 3)]
    expected = {(6 * i, 4 * j) for i, j in steps}
    assert {(b[0], b[1]) for b in _seen_bboxes(msc, 1000)} == expected


def test_scales_gap_and_snap():
    msc = MultiScaleCrop(input_size=(30, 30), scales=(1, 0.75, 0.5), max_wh_scale_gap=1)
    sizes = {(b[2] - b[0], b[3] - b[1]) for b in _seen_bboxes(msc, 800)}
    # 32 is within 2 px of 30 and snaps to it; the gap excludes (30, 16)/(16, 30)
    assert sizes == {(30, 30), (30, 24), (24, 30), (24, 24), (24, 16), (16, 24), (16, 16)}


def test_random_crop_mode_pixels():
    frames = _frames()
    msc = MultiScaleCrop(input_size=20, scales=(0.625,), random_crop=True)
    random.seed(1)
    results = msc(dict(imgs=list(frames)))
    left, top, right, bottom = results['crop_bbox']
    assert (right - left, bottom - top) == (20, 20)
    np.testing.assert_array_equal(np.stack(results['imgs']), frames[:, top:bottom, left:right])


def test_arguments():
    with pytest.raises(ValueError):
        MultiScaleCrop(224, num_fixed_crops=7)
    with pytest.raises(TypeError):
        MultiScaleCrop(224, scales=0.5)
    assert 'num_fixed_crops=13' in repr(MultiScaleCrop(224, (1, 0.875), num_fixed_crops=13))
