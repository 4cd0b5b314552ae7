"""TorchCodecInit / TorchCodecDecode: PyAV's frames for the same indices, and one-line errors."""

import numpy as np
import pytest
import torch

from mmaction.datasets import BrokenVideoError, TorchCodecDecode, TorchCodecInit
from mmaction.datasets.transforms import torchcodec_reader
from mmaction.registry import TRANSFORMS
from mmaction.utils.errors import ConfigError, MissingPackageError
from mmaction.utils.natural_video import write_natural_video

# Repeated, unsorted, across key frames (every 12th) and up to the last frame.
INDICES = np.array([0, 5, 5, 13, 12, 30, 47, 59, 58, 1])


@pytest.fixture(scope='module')
def video(tmp_path_factory):
    """Two seconds of h264 (B-frames, a key frame every 12), 64x48 at 30 fps: 60 frames."""
    pytest.importorskip('torchcodec')
    path = str(tmp_path_factory.mktemp('torchcodec') / 'clip.mp4')
    write_natural_video(path, width=64, height=48, fps=30, seconds=2.0, seed=3, keyint=12)
    return path


def decode(video, init, decode_cfg, frame_inds=INDICES):
    results = dict(filename=video, frame_inds=frame_inds)
    return TRANSFORMS.build(decode_cfg)(TRANSFORMS.build(init)(results))


def test_cpu_frames_equal_pyav_frames(video):
    ours = decode(video, dict(type='TorchCodecInit'), dict(type='TorchCodecDecode'))
    pyav = decode(video, dict(type='PyAVInit'), dict(type='PyAVDecode'))
    assert ours['total_frames'] == pyav['total_frames'] == 60
    assert ours['avg_fps'] == pytest.approx(30.0)
    assert ours['img_shape'] == ours['original_shape'] == (48, 64)
    assert ours['video_reader'] is None
    assert len(ours['imgs']) == len(INDICES)
    for mine, theirs in zip(ours['imgs'], pyav['imgs']):
        assert mine.dtype == np.uint8 and mine.shape == (48, 64, 3)
        # Same FFmpeg (libavcodec and libswscale's BT.601 YUV to RGB): bit-exact.
        assert np.abs(mine.astype(int) - theirs.astype(int)).mean() == 0
    assert np.array_equal(ours['imgs'][1], ours['imgs'][2])  # a repeated index
    assert not np.array_equal(ours['imgs'][0], ours['imgs'][3])


def test_bad_indices_and_files_fail_naming_the_video(video, tmp_path):
    with pytest.raises(IndexError, match=r'out of range for .*clip\.mp4 \(60 frames\)'):
        decode(video, dict(type='TorchCodecInit'), dict(type='TorchCodecDecode'), np.array([60]))
    missing = str(tmp_path / 'missing.mp4')
    with pytest.raises(BrokenVideoError, match='file not found'):
        decode(missing, dict(type='TorchCodecInit'), dict(type='TorchCodecDecode'))
    garbage = tmp_path / 'garbage.mp4'
    garbage.write_bytes(b'not a video' * 100)
    with pytest.raises(BrokenVideoError, match='torchcodec cannot open it'):
        decode(str(garbage), dict(type='TorchCodecInit'), dict(type='TorchCodecDecode'))


def test_bad_arguments_are_config_errors():
    pytest.importorskip('torchcodec')
    with pytest.raises(ConfigError, match=r"device must be one of \('cpu', 'cuda'\)"):
        TorchCodecDecode(device='cuda:7')
    with pytest.raises(ConfigError, match="mode='efficient' is not supported"):
        TorchCodecDecode(mode='efficient')
    assert repr(TorchCodecDecode()) == 'TorchCodecDecode(device=cpu, mode=accurate)'
    assert repr(TorchCodecInit()) == 'TorchCodecInit(io_backend=disk, num_threads=None)'


@pytest.mark.skipif(torch.cuda.is_available(), reason='this process has a CUDA device')
def test_cuda_decoding_without_a_gpu_says_so():
    pytest.importorskip('torchcodec')
    with pytest.raises(ConfigError) as error:
        TorchCodecDecode(device='cuda')
    assert str(error.value) == (
        "TorchCodecDecode(device='cuda'): no GPU decoding here (no CUDA device in this "
        "process); use device='cpu'"
    )


def test_without_torchcodec_one_line_names_the_extra(monkeypatch):
    reason = "ModuleNotFoundError: No module named 'torchcodec'"
    monkeypatch.setattr(torchcodec_reader, '_STATE', dict(reason=reason))
    for build in (TorchCodecInit, TorchCodecDecode):
        with pytest.raises(MissingPackageError) as error:
            build()
        message = str(error.value)
        assert '\n' not in message
        assert message.startswith(f'{build.__name__} ({reason}) needs the torchcodec package: ')
        assert 'pip install -e ".[torchcodec]"' in message
