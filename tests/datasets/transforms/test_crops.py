import numpy as np
import pytest

from mmaction.datasets.transforms import CenterCrop, RandomCrop, TenCrop, ThreeCrop


def _frames(t=8, h=32, w=40):
    # Pixel (y, x) of frame i holds (i, y, x): easy to check crop positions.
    t_idx, y, x = np.meshgrid(np.arange(t), np.arange(h), np.arange(w), indexing='ij')
    return np.stack([t_idx, y, x], axis=-1).astype(np.uint8)


def _check_crop(imgs, left, top, w, h, frame0=0):
    imgs = np.asarray(imgs)
    assert imgs.shape[1:3] == (h, w)
    assert imgs[0, 0, 0, 0] == frame0
    assert imgs[0, 0, 0, 1] == top and imgs[0, 0, 0, 2] == left
    assert imgs[0, -1, -1, 1] == top + h - 1 and imgs[0, -1, -1, 2] == left + w - 1


@pytest.mark.parametrize('as_list', [True, False])
def test_random_crop(as_list):
    frames = _frames()
    np.random.seed(3)
    results = RandomCrop(size=16)(dict(imgs=list(frames) if as_list else frames))
    np.random.seed(3)
    y = np.random.randint(0, 32 - 16)
    x = np.random.randint(0, 40 - 16)
    assert list(results['crop_bbox']) == [x, y, x + 16, y + 16]
    assert results['img_shape'] == (16, 16)
    assert len(results['imgs']) == 8
    _check_crop(results['imgs'], x, y, 16, 16)
    np.testing.assert_allclose(
        results['crop_quadruple'], [x / 40, y / 32, 16 / 40, 16 / 32], rtol=1e-6
    )
    # crops are views: nothing copied
    first = results['imgs'][0]
    assert np.shares_memory(first, frames)


def test_random_crop_full_size_and_errors():
    results = RandomCrop(size=32)(dict(imgs=_frames(w=32)))
    assert list(results['crop_bbox']) == [0, 0, 32, 32]
    with pytest.raises(ValueError, match='larger'):
        RandomCrop(size=33)(dict(imgs=_frames()))
    with pytest.raises(TypeError):
        RandomCrop(size=(16, 16))


def test_center_crop_and_quadruple_composition():
    results = CenterCrop(crop_size=(20, 10))(dict(imgs=_frames(), img_shape=(32, 40)))
    assert list(results['crop_bbox']) == [10, 11, 30, 21]
    assert results['img_shape'] == (10, 20)
    _check_crop(results['imgs'], 10, 11, 20, 10)
    results = CenterCrop(crop_size=10)(results)
    # second crop is relative to the first: (5, 0) inside it
    _check_crop(results['imgs'], 15, 11, 10, 10)
    np.testing.assert_allclose(
        results['crop_quadruple'], [15 / 40, 11 / 32, 10 / 40, 10 / 32], rtol=1e-6
    )
    assert repr(CenterCrop(8)) == 'CenterCrop(crop_size=(8, 8), lazy=False)'
    with pytest.raises(ValueError):
        CenterCrop(crop_size=64)(dict(imgs=_frames()))


def test_crop_moves_keypoints_and_boxes():
    results = dict(
        imgs=_frames(2),
        keypoint=np.array([[[[12.0, 13.0]]]]),
        gt_bboxes=np.array([[0.0, 0.0, 39.0, 31.0]]),
    )
    results = CenterCrop(crop_size=(20, 10))(results)
    np.testing.assert_allclose(results['keypoint'], [[[[2.0, 2.0]]]])
    np.testing.assert_allclose(results['gt_bboxes'], [[0.0, 0.0, 19.0, 9.0]])


@pytest.mark.parametrize('as_list', [True, False])
def test_three_crop_positions(as_list):
    frames = _frames(4)
    results = ThreeCrop(crop_size=32)(dict(imgs=list(frames) if as_list else frames))
    imgs = results['imgs']
    assert imgs.shape == (12, 32, 32, 3)
    assert results['img_shape'] == (32, 32)
    assert results['crop_bbox'].shape == (12, 4)
    # left, right, middle; each block holds the 4 frames in order
    for block, left in enumerate([0, 8, 4]):
        _check_crop(imgs[4 * block :], left, 0, 32, 32)
        np.testing.assert_array_equal(imgs[4 * block : 4 * block + 4, 0, 0, 0], [0, 1, 2, 3])
        assert list(results['crop_bbox'][4 * block]) == [left, 0, left + 32, 32]
    # portrait frames: crops along the height
    tall = np.ascontiguousarray(frames.transpose(0, 2, 1, 3))  # 40 x 32
    results = ThreeCrop(crop_size=(32, 24))(dict(imgs=tall))
    tops = [0, 16, 8]
    for block, top in enumerate(tops):
        assert list(results['crop_bbox'][4 * block]) == [0, top, 32, top + 24]
    with pytest.raises(ValueError, match='ThreeCrop'):
        ThreeCrop(crop_size=16)(dict(imgs=frames))


def test_ten_crop_positions_and_flips():
    frames = _frames(2)
    results = TenCrop(crop_size=(16, 12))(dict(imgs=frames))
    imgs = results['imgs']
    assert imgs.shape == (20, 12, 16, 3)
    assert results['img_shape'] == (12, 16)
    w_step, h_step = (40 - 16) // 4, (32 - 12) // 4
    offsets = [(0, 0), (4 * w_step, 0), (0, 4 * h_step), (4 * w_step, 4 * h_step)]
    offsets.append((2 * w_step, 2 * h_step))
    for k, (x, y) in enumerate(offsets):
        crop = imgs[4 * k : 4 * k + 2]
        mirror = imgs[4 * k + 2 : 4 * k + 4]
        np.testing.assert_array_equal(crop, frames[:, y : y + 12, x : x + 16])
        np.testing.assert_array_equal(mirror, crop[:, :, ::-1])
        assert list(results['crop_bbox'][4 * k + 3]) == [x, y, x + 16, y + 12]
    assert repr(TenCrop(224)) == 'TenCrop(crop_size=(224, 224))'
