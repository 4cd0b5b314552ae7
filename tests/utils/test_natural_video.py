"""Kinetics-like videos: natural-looking, moving, encoded with the encoder's defaults."""

import av
import numpy as np
from av.video.frame import PictureType

from mmaction.utils.natural_video import (
    make_natural_video_set,
    pink_noise,
    render_natural_frames,
    write_natural_video,
)


def test_pink_noise_has_most_energy_at_low_frequencies():
    noise = pink_noise(np.random.default_rng(0), 64, 64)
    assert abs(noise.mean()) < 1e-4 and abs(noise.std() - 1) < 1e-3
    power = np.abs(np.fft.fft2(noise)) ** 2
    low, high = power[1:4, 1:4].mean(), power[28:36, 28:36].mean()
    assert low > 100 * high


def test_frames_are_seeded_textured_and_moving():
    frames = np.stack(list(render_natural_frames(48, 32, 20, seed=1)))
    again = np.stack(list(render_natural_frames(48, 32, 20, seed=1)))
    other = np.stack(list(render_natural_frames(48, 32, 20, seed=2)))
    assert frames.shape == (20, 32, 48, 3) and frames.dtype == np.uint8
    np.testing.assert_array_equal(frames, again)
    assert np.abs(frames.astype(int) - other).mean() > 10
    assert frames[0].std() > 10  # texture, not a flat colour
    steps = np.abs(np.diff(frames.astype(int), axis=0)).mean(axis=(1, 2, 3))
    assert (steps > 0.5).all() and (steps < 40).all()  # motion, but smooth


def test_written_video_has_b_frames_and_the_key_frame_interval(tmp_path):
    path = str(tmp_path / 'v.mp4')
    write_natural_video(path, width=64, height=48, fps=30, seconds=2, seed=0, keyint=15)
    with av.open(path) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (64, 48)
        packets = [p for p in container.demux(stream) if p.size]
        container.seek(0)
        types = [PictureType(frame.pict_type) for frame in container.decode(stream)]
    assert len(packets) == len(types) == 60
    assert [i for i, p in enumerate(packets) if p.is_keyframe] == [0, 15, 30, 45]
    assert PictureType.B in types


def test_video_set_and_annotation_list(tmp_path):
    paths = make_natural_video_set(
        str(tmp_path / 'videos'), str(tmp_path / 'list.txt'), 3, num_classes=2,
        width=32, height=24, seconds=0.5,
    )  # fmt: skip
    assert [p.split('/')[-1] for p in paths] == [f'video_0000{i}.mp4' for i in range(3)]
    lines = (tmp_path / 'list.txt').read_text().splitlines()
    assert lines == ['video_00000.mp4 0', 'video_00001.mp4 1', 'video_00002.mp4 0']
    stamp = (tmp_path / 'videos' / 'video_00001.mp4').stat().st_mtime_ns
    make_natural_video_set(str(tmp_path / 'videos'), str(tmp_path / 'list.txt'), 3,
                           width=32, height=24, seconds=0.5)  # fmt: skip
    assert (tmp_path / 'videos' / 'video_00001.mp4').stat().st_mtime_ns == stamp  # kept
