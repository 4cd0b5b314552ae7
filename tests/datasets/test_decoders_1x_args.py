"""The video and frame loaders with MMAction2 1.x's arguments."""

import cv2
import numpy as np
import pytest

from mmaction.datasets import (
    DecordDecode,
    DecordInit,
    OpenCVInit,
    PyAVDecode,
    PyAVInit,
    RawFrameDecode,
    SampleFrames,
)
from mmaction.registry import TRANSFORMS
from mmaction.utils import ConfigError


def _write_video(path, fps):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps, (32, 32))
    for index in range(40):
        writer.write(np.full((32, 32, 3), index * 6, np.uint8))
    writer.release()
    return str(path)


def test_1x_arguments_build_and_decode_the_same_frames(tmp_path):
    video = _write_video(tmp_path / 'v.mp4', 25)
    frame_inds = np.array([0, 7, 7, 39])
    decoded = []
    for init, decode in [
        (dict(type='DecordInit', io_backend='disk', num_threads=1), dict(type='DecordDecode')),
        (dict(type='DecordInit'), dict(type='DecordDecode', mode='accurate')),
        (dict(type='PyAVInit', io_backend='disk'), dict(type='PyAVDecode', multi_thread=False)),
        (dict(type='PyAVInit'), dict(type='PyAVDecode', multi_thread=True, mode='accurate')),
    ]:
        results = TRANSFORMS.build(init)(dict(filename=video))
        results['frame_inds'] = frame_inds
        decoded.append(np.stack(TRANSFORMS.build(decode)(results)['imgs']))
    for imgs in decoded[1:]:
        np.testing.assert_array_equal(imgs, decoded[0])
    assert isinstance(TRANSFORMS.build(dict(type='OpenCVInit', io_backend='disk')), OpenCVInit)
    raw = TRANSFORMS.build(dict(type='RawFrameDecode', io_backend='disk', decoding_backend='cv2'))
    assert isinstance(raw, RawFrameDecode)


@pytest.mark.parametrize('fps', [25, 29.97])
def test_decord_init_adds_avg_fps_as_decord_and_1x(tmp_path, fps):
    video = _write_video(tmp_path / 'v.mp4', fps)
    ours = DecordInit()(dict(filename=video))
    theirs = DecordInit(backend='decord')(dict(filename=video))  # decord's get_avg_fps()
    assert ours['avg_fps'] == pytest.approx(theirs['avg_fps'], rel=1e-12)
    assert ours['avg_fps'] == pytest.approx(fps, rel=1e-3)
    # SampleFrames(target_fps) reads it: 16 frames at 15 fps span 32 frames at 30.
    sampler = SampleFrames(16, 1, 1, test_mode=True, target_fps=15, test_protocol='1.x')
    inds = sampler(dict(ours, start_index=0))['frame_inds']
    assert inds[-1] - inds[0] > 16


@pytest.mark.parametrize('transform', [DecordInit, PyAVInit, OpenCVInit, RawFrameDecode])
def test_io_backends_we_cannot_use_are_one_clear_error(transform):
    name = transform.__name__
    with pytest.raises(
        ConfigError, match=rf"{name}: io_backend='nfs' is not supported; use one of \['disk', "
    ):
        transform(io_backend='nfs')
    # mmengine knows petrel, but its client package is not installed here.
    with pytest.raises(
        ConfigError, match=rf"{name}: io_backend='petrel' cannot be used here \(.*petrel_client"
    ):
        transform(io_backend='petrel')
    with pytest.raises(ConfigError, match=rf"{name}: unknown argument\(s\) \['num_thread'\]"):
        transform(io_backend='disk', num_thread=2)


def test_decode_modes_are_checked():
    with pytest.raises(
        ValueError, match="mode must be one of \\('accurate', 'efficient'\\), got 'fast'"
    ):
        DecordDecode(mode='fast')
    with pytest.raises(ValueError, match='mode must be one of'):
        PyAVDecode(mode='fast')
