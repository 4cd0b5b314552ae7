import cv2
import numpy as np
import pytest

from mmaction.datasets.transforms import ColorJitter


def _frames(t=8, h=32, w=40):
    return np.random.default_rng(4).integers(0, 256, (t, h, w, 3), dtype=np.uint8)


def _gray(img):
    return 0.2989 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2]


def _reference(img, factors, order):
    """Frame-by-frame MMAction2 0.x ColorJitter with numpy-1.x promotion."""
    b, c, s, h = factors
    img = img.astype(np.float32)
    for fn_id in order:
        if fn_id == 0 and b != 1:
            img *= b
        if fn_id == 1 and c != 1:
            val = np.float64(np.mean(_gray(img)))
            img = c * img + np.float32((1 - c) * val)
        if fn_id == 2 and s != 1:
            gray = np.stack([_gray(img)] * 3, axis=-1)
            img = s * img + (1 - s) * gray
        if fn_id == 3 and h != 0:
            hsv = cv2.cvtColor(np.clip(img, 0, 255).astype(np.uint8), cv2.COLOR_RGB2HSV)
            offset = int(h * 255)
            hue = hsv[..., 0].astype(np.int64) + offset
            if offset >= 0:
                hue %= 256
            hsv[..., 0] = hue % 180
            img = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.mark.parametrize('seed', [0, 1, 2, 3])
def test_matches_per_frame_reference(seed):
    frames = _frames()
    np.random.seed(seed)
    jitter = ColorJitter(hue=0.5 if seed % 2 else 0.1)
    order = list(jitter.fn_idx)
    state = np.random.get_state()
    out = jitter(dict(imgs=list(frames)))['imgs']
    np.random.set_state(state)
    factors = [np.random.uniform(*r) for r in (jitter.brightness, jitter.contrast)]
    factors += [np.random.uniform(*r) for r in (jitter.saturation, jitter.hue)]
    assert out.dtype == np.uint8 and out.shape == frames.shape
    expected = np.stack([_reference(f, factors, order) for f in frames])
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize('width', [1, 2, 3, 4, 5, 224])
def test_tiny_and_wide_frames_match_per_frame_reference(width):
    # The hue step converts colours in place with OpenCV; OpenCV's arithmetic
    # has differed between releases for frames a few pixels wide.
    frames = np.random.default_rng(width).integers(0, 256, (3, 4, width, 3), dtype=np.uint8)
    np.random.seed(width)
    jitter = ColorJitter(hue=0.3)
    order = list(jitter.fn_idx)
    state = np.random.get_state()
    out = jitter(dict(imgs=frames))['imgs']
    np.random.set_state(state)
    factors = [np.random.uniform(*r) for r in (jitter.brightness, jitter.contrast)]
    factors += [np.random.uniform(*r) for r in (jitter.saturation, jitter.hue)]
    expected = np.stack([_reference(f, factors, order) for f in frames])
    np.testing.assert_array_equal(out, expected)


def test_identity_and_brightness():
    frames = _frames()
    out = ColorJitter(0, 0, 0, 0)(dict(imgs=frames))['imgs']
    np.testing.assert_array_equal(out, frames)
    out = ColorJitter(brightness=(2.0, 2.0), contrast=0, saturation=0, hue=0)(dict(imgs=frames))
    np.testing.assert_array_equal(out['imgs'], np.clip(frames * 2.0, 0, 255).astype(np.uint8))


def test_arguments_and_repr():
    jitter = ColorJitter(brightness=0.2, hue=(-0.1, 0.2))
    assert jitter.brightness == (0.8, 1.2)
    assert jitter.hue == (-0.1, 0.2)
    with pytest.raises(ValueError):
        ColorJitter(hue=0.7)
    with pytest.raises(ValueError):
        ColorJitter(contrast=(0.5, 2.5))
    assert repr(ColorJitter()) == (
        'ColorJitter(brightness=(0.5, 1.5), contrast=(0.5, 1.5), '
        'saturation=(0.5, 1.5), hue=(-0.1, 0.1))'
    )
