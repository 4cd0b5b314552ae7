import mmcv
import numpy as np
import pytest

from mmaction.datasets.transforms import Resize
from mmaction.datasets.transforms.resize import rescale_size
from mmaction.registry import TRANSFORMS


def _frames(t=8, h=32, w=40, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for _ in range(t)]


@pytest.mark.parametrize(
    'size, scale',
    [
        ((340, 256), (np.inf, 256)),
        ((320, 240), (np.inf, 256)),
        ((41, 31), (np.inf, 16)),
        ((31, 41), (np.inf, 16)),
        ((33, 17), (64, 48)),
        ((40, 32), 0.5),
        ((41, 33), 0.5),
        ((7, 5), 1.3),
    ],
)
def test_rescale_size_matches_mmcv(size, scale):
    assert rescale_size(size, scale) == tuple(mmcv.rescale_size(size, scale))


def test_keep_ratio_short_side():
    resize = Resize(scale=(-1, 256))
    assert resize.scale == (np.inf, 256)
    results = resize(dict(imgs=_frames(2, 256, 340), modality='RGB'))
    assert results['img_shape'] == (256, 340)
    results = Resize(scale=(-1, 256))(dict(imgs=_frames(2, 240, 320)))
    # 320 * 256 / 240 = 341.33 -> 341
    assert results['img_shape'] == (256, 341)
    assert results['imgs'].shape == (2, 256, 341, 3)
    np.testing.assert_allclose(results['scale_factor'], [341 / 320, 256 / 240], rtol=1e-6)
    results = Resize(scale=(-1, 16))(dict(imgs=_frames(2, 41, 31)))
    # short side 31 -> 16, long side 41 * 16 / 31 = 21.16 -> 21
    assert results['img_shape'] == (21, 16)
    assert results['keep_ratio'] is True


def test_resize_pixels_match_mmcv_imresize():
    frames = _frames()
    for interpolation in ('bilinear', 'nearest', 'bicubic', 'area'):
        results = Resize(scale=(-1, 20), interpolation=interpolation)(
            dict(imgs=list(frames), modality='RGB')
        )
        assert results['img_shape'] == (20, 25)
        expected = np.stack(
            [mmcv.imresize(f, (25, 20), interpolation=interpolation) for f in frames]
        )
        assert results['imgs'].dtype == np.uint8
        np.testing.assert_array_equal(results['imgs'], expected)


def test_fixed_size_float_scale_and_stacked_input():
    frames = np.stack(_frames())
    results = Resize(scale=(24, 16), keep_ratio=False)(dict(imgs=frames))
    assert results['imgs'].shape == (8, 16, 24, 3)
    assert results['img_shape'] == (16, 24)
    results = Resize(scale=0.5)(dict(imgs=frames))
    assert results['imgs'].shape == (8, 16, 20, 3)
    # scale_factor accumulates over several resizes
    results = Resize(scale=0.5)(results)
    np.testing.assert_allclose(results['scale_factor'], [0.25, 0.25])


def test_same_size_keeps_frames():
    frames = np.stack(_frames())
    results = Resize(scale=(40, 32), keep_ratio=False)(dict(imgs=frames))
    assert results['imgs'] is frames


def test_keypoints_and_boxes_scale():
    results = dict(
        imgs=_frames(2),
        keypoint=np.array([[[[4.0, 8.0]]]]),
        gt_bboxes=np.array([[2.0, 4.0, 10.0, 16.0]]),
    )
    results = Resize(scale=(80, 16), keep_ratio=False)(results)
    np.testing.assert_allclose(results['keypoint'], [[[[8.0, 4.0]]]])
    np.testing.assert_allclose(results['gt_bboxes'], [[4.0, 2.0, 20.0, 8.0]])


def test_bad_arguments():
    with pytest.raises(TypeError):
        Resize(scale=256)
    with pytest.raises(ValueError):
        Resize(scale=-0.5)
    with pytest.raises(ValueError):
        Resize(scale=(-1, 256), keep_ratio=False)
    with pytest.raises(ValueError):
        Resize(scale=(-1, 256), interpolation='cubic-ish')


def test_registry_and_repr():
    resize = TRANSFORMS.build(dict(type='Resize', scale=[-1, 128]))
    assert isinstance(resize, Resize)
    assert repr(resize) == (
        'Resize(scale=(inf, 128), keep_ratio=True, interpolation=bilinear, lazy=False)'
    )


@pytest.mark.parametrize('width', [1, 2, 3, 4, 5, 224])
@pytest.mark.parametrize('interpolation', ['bilinear', 'nearest', 'bicubic', 'area'])
def test_tiny_and_wide_frames_match_mmcv_imresize(width, interpolation):
    # Resize writes into a preallocated clip with OpenCV's dst=: check the
    # result against mmcv's per-frame resize for frames a few pixels wide.
    frames = _frames(3, 4, width, seed=width)
    size = (2 * width + 1, 7)
    out = Resize(scale=size, keep_ratio=False, interpolation=interpolation)(dict(imgs=frames))
    expected = np.stack([mmcv.imresize(f, size, interpolation=interpolation) for f in frames])
    np.testing.assert_array_equal(out['imgs'], expected)
