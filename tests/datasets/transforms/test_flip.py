import mmcv
import numpy as np
import pytest

from mmaction.datasets.transforms import Flip


def _frames(t=8, h=32, w=40):
    return np.random.default_rng(2).integers(0, 256, (t, h, w, 3), dtype=np.uint8)


@pytest.mark.parametrize('as_list', [True, False])
@pytest.mark.parametrize('direction', ['horizontal', 'vertical'])
def test_flip_pixels(as_list, direction):
    frames = _frames()
    before = frames.copy()
    imgs = list(frames) if as_list else frames
    results = Flip(flip_ratio=1, direction=direction)(dict(imgs=imgs, modality='RGB'))
    assert results['flip'] is True
    assert results['flip_direction'] == direction
    expected = np.stack([mmcv.imflip(f, direction) for f in before])
    np.testing.assert_array_equal(np.stack(results['imgs']), expected)
    # the input frames are never modified in place
    np.testing.assert_array_equal(frames, before)


def test_no_flip_and_label_map():
    frames = _frames()
    flip = Flip(flip_ratio=0, flip_label_map={3: 5})
    results = flip(dict(imgs=frames, label=3))
    assert results['flip'] is False and results['label'] == 3
    assert results['imgs'] is frames
    results = Flip(flip_ratio=1, flip_label_map={3: 5})(dict(imgs=frames, label=3))
    assert results['label'] == 5
    results = Flip(flip_ratio=1, flip_label_map={3: 5})(dict(imgs=frames, label=4))
    assert results['label'] == 4


def test_flip_ratio_uses_np_random():
    np.random.seed(11)
    draws = np.random.rand(20) < 0.5
    np.random.seed(11)
    flip = Flip(flip_ratio=0.5)
    got = [flip(dict(imgs=_frames(1)))['flip'] for _ in range(20)]
    assert got == list(draws)


def test_flow_inverts_x_frames():
    frames = np.random.default_rng(0).integers(0, 256, (4, 8, 10), dtype=np.uint8)
    results = Flip(flip_ratio=1)(dict(imgs=list(frames), modality='Flow'))
    imgs = np.stack(results['imgs'])
    np.testing.assert_array_equal(imgs[0], 255 - frames[0, :, ::-1])
    np.testing.assert_array_equal(imgs[1], frames[1, :, ::-1])
    with pytest.raises(ValueError):
        Flip(flip_ratio=1, direction='vertical')(dict(imgs=list(frames), modality='Flow'))


def test_keypoints_and_boxes():
    kp = np.zeros((1, 1, 3, 2))
    kp[0, 0] = [[1, 1], [2, 2], [0, 0]]
    score = np.array([[[0.1, 0.2, 0.3]]])
    results = Flip(flip_ratio=1, left_kp=[0], right_kp=[1])(
        dict(
            imgs=_frames(1),
            keypoint=kp,
            keypoint_score=score,
            gt_bboxes=np.array([[2.0, 3.0, 10.0, 12.0]]),
        )
    )
    np.testing.assert_array_equal(results['keypoint'][0, 0], [[38, 2], [39, 1], [0, 0]])
    np.testing.assert_array_equal(results['keypoint_score'], [[[0.2, 0.1, 0.3]]])
    np.testing.assert_array_equal(results['gt_bboxes'], [[30.0, 3.0, 38.0, 12.0]])


def test_arguments_and_repr():
    with pytest.raises(ValueError):
        Flip(direction='diagonal')
    assert repr(Flip()).startswith('Flip(flip_ratio=0.5, direction=horizontal')
