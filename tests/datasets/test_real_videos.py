"""Videos as phones and cameras write them, through every decoder and the video data set.

Containers .mp4, .mov, .mkv, .webm, .avi; an audio track; variable frame
rate; a rotation flag (a portrait phone video comes out upright, as players
show it, unless the data set keeps the raw orientation); a video shorter
than one clip. Every frame of :func:`marker_frames` tells its index (gray
level) and orientation (white top-left block), so the expected frames are
known without decoding.
"""

import functools

import numpy as np
import pytest

from mmaction.datasets import (
    DecordDecode,
    DecordInit,
    OpenCVDecode,
    OpenCVInit,
    PyAVDecode,
    PyAVInit,
    VideoDataset,
)

BACKENDS = {
    'pyav_reader': (DecordInit, DecordDecode),  # the default of DecordInit
    'decord': (functools.partial(DecordInit, backend='decord'), DecordDecode),
    'pyav': (PyAVInit, PyAVDecode),
    'opencv': (OpenCVInit, OpenCVDecode),
}
DECODE_STEPS = {
    'pyav_reader': ('DecordInit', 'DecordDecode', {}),
    'decord': ('DecordInit', 'DecordDecode', dict(backend='decord')),
    'pyav': ('PyAVInit', 'PyAVDecode', {}),
    'opencv': ('OpenCVInit', 'OpenCVDecode', {}),
}
#: Largest mean difference to the frame written (lossy codecs at small sizes).
TOLERANCE = 6.0


def decode_all(path, backend, autorotate=True):
    """Every frame of ``path`` decoded by ``backend``, as a list of RGB arrays."""
    init, decode = BACKENDS[backend]
    results = dict(filename=path, start_index=0)
    if not autorotate:
        results['autorotate'] = False
    results = init()(results)
    results['frame_inds'] = np.arange(results['total_frames'])
    return decode()(results)['imgs']


def assert_frames(decoded, expected):
    assert len(decoded) == len(expected)
    for index, (got, want) in enumerate(zip(decoded, expected)):
        assert got.shape == want.shape, index
        assert np.abs(got.astype(float) - want).mean() < TOLERANCE, index


@pytest.mark.parametrize('backend', sorted(BACKENDS))
@pytest.mark.parametrize('ext', ['.mp4', '.mov', '.mkv', '.webm', '.avi'])
def test_every_container_with_an_audio_track(tmp_path, write_video, marker_frames, ext, backend):
    path = write_video(tmp_path / f'clip{ext}', audio=True)
    assert_frames(decode_all(path, backend), marker_frames())


@pytest.mark.parametrize('backend', sorted(BACKENDS))
def test_variable_frame_rate_gives_every_frame_in_order(
    tmp_path, write_video, marker_frames, backend
):
    # A phone records faster or slower as the light changes: irregular gaps.
    times = [0, 0.03, 0.05, 0.2, 0.21, 0.5, 0.52, 0.9, 1.0, 1.4, 1.41, 1.6]
    path = write_video(tmp_path / 'vfr.mp4', times=times)
    assert_frames(decode_all(path, backend), marker_frames())


@pytest.mark.parametrize('backend', sorted(BACKENDS))
@pytest.mark.parametrize(
    'name, rotation, turns',
    [('portrait.mp4', 90, 1), ('upside_down.mp4', 180, 2), ('portrait.mov', -90, 3),
     ('portrait.mkv', 90, 1)],
)  # fmt: skip
def test_rotation_flag_comes_out_upright(tmp_path, write_video, marker_frames, name, rotation,
                                         turns, backend):  # fmt: skip
    # 64x48 frames turned a quarter are where decord 0.6.0's own turning breaks.
    path = write_video(tmp_path / name, rotation=rotation, audio=True)
    upright = [np.rot90(frame, turns) for frame in marker_frames()]
    assert_frames(decode_all(path, backend), upright)
    # The players' view: a quarter turn counter-clockwise puts the block bottom-left.
    if turns == 1:
        assert decode_all(path, backend)[0][-4:, :4].mean() > 200


def _dataset(tmp_path, names, backend, **kwargs):
    init, decode, args = DECODE_STEPS[backend]
    ann = tmp_path / 'list.txt'
    ann.write_text(''.join(f'{name} 0\n' for name in names))
    pipeline = [
        dict(type=init, **args),
        dict(type='SampleFrames', clip_len=8, frame_interval=4, num_clips=1, test_mode=True),
        dict(type=decode),
    ]
    return VideoDataset(str(ann), pipeline, data_prefix=str(tmp_path), test_mode=True, **kwargs)


@pytest.mark.parametrize('backend', sorted(BACKENDS))
def test_data_set_keeps_the_raw_orientation_when_asked(
    tmp_path, write_video, marker_frames, backend
):
    write_video(tmp_path / 'portrait.mp4', rotation=90)
    upright = _dataset(tmp_path, ['portrait.mp4'], backend)[0]['imgs']
    raw = _dataset(tmp_path, ['portrait.mp4'], backend, autorotate=False)[0]['imgs']
    assert upright[0].shape == (64, 48, 3) and raw[0].shape == (48, 64, 3)
    # MMAction2's view: the frames as stored, block top-left.
    assert raw[0][:4, :4].mean() > 200 and upright[0][-4:, :4].mean() > 200


@pytest.mark.parametrize('backend', sorted(BACKENDS))
def test_video_shorter_than_one_clip_loops(tmp_path, write_video, marker_frames, backend):
    # 6 frames; a clip of 8 frames every 4th spans 32: SampleFrames loops over the video.
    write_video(tmp_path / 'short.webm', frames=marker_frames(6))
    sample = _dataset(tmp_path, ['short.webm'], backend)[0]
    assert len(sample['imgs']) == 8
    assert sample['total_frames'] == 6 and sample['frame_inds'].max() < 6
    levels = np.array([img[-4:, -4:].mean() for img in sample['imgs']])
    expected = 20 + 10 * np.asarray(sample['frame_inds'], dtype=float)
    assert np.abs(levels - expected).max() < TOLERANCE
