import mmcv
import numpy as np
import pytest

from mmaction.datasets.transforms import Normalize

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]


def _frames(t=8, h=32, w=40):
    return np.random.default_rng(3).integers(0, 256, (t, h, w, 3), dtype=np.uint8)


def _reference(frames, mean, std, to_bgr):
    """MMAction2's normalization as OpenCV 4 computed it, written out in float64 NumPy."""
    x = frames.astype(np.float64)
    if to_bgr:
        x = x[..., ::-1]
    mean64 = np.float32(mean).astype(np.float64)
    stdinv64 = 1 / np.float32(std).astype(np.float64)
    return ((x - mean64) * stdinv64).astype(np.float32)


@pytest.mark.parametrize('width', [1, 2, 3, 4, 5, 224])
@pytest.mark.parametrize('to_bgr', [False, True])
@pytest.mark.parametrize('as_list', [True, False])
def test_exact_for_every_frame_width(width, to_bgr, as_list):
    # OpenCV 5's in-place arithmetic gave wrong values for frames 1 or 3 pixels
    # wide, and rounds differently from OpenCV 4 at every width.
    frames = _frames(t=4, h=5, w=width)
    imgs = list(frames) if as_list else frames
    results = Normalize(MEAN, STD, to_bgr=to_bgr)(dict(imgs=imgs, modality='RGB'))
    out = results['imgs']
    assert out.dtype == np.float32 and out.shape == (4, 5, width, 3)
    np.testing.assert_array_equal(out, _reference(frames, MEAN, STD, to_bgr))
    assert results['img_norm_cfg']['to_bgr'] is to_bgr
    np.testing.assert_array_equal(results['img_norm_cfg']['mean'], np.float32(MEAN))


@pytest.mark.parametrize('to_bgr', [False, True])
def test_close_to_mmcv_imnormalize(to_bgr):
    # mmcv's result depends on the OpenCV release by one float32 rounding step.
    frames = _frames()
    out = Normalize(MEAN, STD, to_bgr=to_bgr)(dict(imgs=frames))['imgs']
    expected = np.stack(
        [
            mmcv.imnormalize_(f.astype(np.float32), np.float32(MEAN), np.float32(STD), to_bgr)
            for f in frames
        ]
    )
    np.testing.assert_allclose(out, expected, rtol=0, atol=5e-7)


@pytest.mark.parametrize('width', [1, 3, 4])
def test_numerics_and_channel_order(width):
    img = np.zeros((1, 1, width, 3), dtype=np.uint8)
    img[..., :] = [10, 20, 30]
    out = Normalize([1, 2, 3], [1, 2, 4])(dict(imgs=img))['imgs']
    np.testing.assert_array_equal(out[0, 0], [[9, 9, 6.75]] * width)
    out = Normalize([1, 2, 3], [1, 2, 4], to_bgr=True)(dict(imgs=img))['imgs']
    np.testing.assert_array_equal(out[0, 0], [[29, 9, 1.75]] * width)


def test_flow():
    frames = np.random.default_rng(0).integers(0, 256, (4, 6, 5), dtype=np.uint8)
    results = Normalize([128, 128], [64, 32], adjust_magnitude=True)(
        dict(imgs=list(frames), modality='Flow', scale_factor=np.array([2.0, 0.5]))
    )
    out = results['imgs']
    assert out.shape == (2, 6, 5, 2)
    np.testing.assert_allclose(out[1, ..., 0], (frames[2] - 128.0) / 64 * 2, rtol=1e-6)
    np.testing.assert_allclose(out[0, ..., 1], (frames[1] - 128.0) / 32 * 0.5, rtol=1e-6)


def test_errors():
    with pytest.raises(TypeError):
        Normalize(mean=1.0, std=STD)
    with pytest.raises(ValueError):
        Normalize(mean=MEAN, std=[1.0, 2.0])
    with pytest.raises(ValueError, match='channels'):
        Normalize(MEAN[:2], STD[:2])(dict(imgs=_frames()))
    assert repr(Normalize(MEAN, STD)).startswith('Normalize(mean=[')
