"""ArrayDecode: the sampled frames of a video held in memory."""

import numpy as np
import pytest

from mmaction.datasets import ArrayDecode, BrokenVideoError
from mmaction.registry import TRANSFORMS


def test_takes_the_sampled_frames_in_order():
    frames = np.random.default_rng(0).integers(0, 256, (6, 5, 7, 3), dtype=np.uint8)
    results = ArrayDecode()(dict(array=frames, frame_inds=np.array([4, 0, 4, 5])))
    assert len(results['imgs']) == 4
    for img, index in zip(results['imgs'], (4, 0, 4, 5)):
        np.testing.assert_array_equal(img, frames[index])
    assert results['original_shape'] == results['img_shape'] == (5, 7)
    assert 'array' not in results  # the whole video is not kept alive by the results


def test_registered_and_errors():
    assert isinstance(TRANSFORMS.build(dict(type='ArrayDecode')), ArrayDecode)
    frames = np.zeros((3, 2, 2, 3), np.uint8)
    with pytest.raises(IndexError, match='frame index 3 out of range for clip.*3 frames'):
        ArrayDecode()(dict(array=frames, frame_inds=np.array([0, 3]), filename='clip'))
    with pytest.raises(BrokenVideoError, match=r'\(T, H, W, 3\).*\(3, 2, 2\)'):
        ArrayDecode()(dict(array=np.zeros((3, 2, 2)), frame_inds=np.array([0])))
