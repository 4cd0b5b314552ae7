"""Re-encoding videos: short side, key-frame interval, timestamps, unreadable files."""

from fractions import Fraction

import av
import pytest

from mmaction.utils.natural_video import render_natural_frames, write_natural_video
from mmaction.utils.video_resize import find_videos, resize_video, resize_videos, scaled_size
from mmaction.utils.video_writer import VideoWriter


def test_scaled_size_keeps_ratio_and_even_sides():
    assert scaled_size(340, 256, 256) == (340, 256)
    assert scaled_size(640, 360, 256) == (456, 256)  # 455.1 -> nearest even
    assert scaled_size(360, 640, 128) == (128, 228)
    with pytest.raises(ValueError, match='even'):
        scaled_size(640, 360, 255)


def stream_info(path):
    with av.open(path) as container:
        stream = container.streams.video[0]
        packets = [p for p in container.demux(stream) if p.size]
        keys = [i for i, p in enumerate(packets) if p.is_keyframe]
        times = sorted(float(p.pts * stream.time_base) for p in packets)
        size = stream.codec_context.width, stream.codec_context.height
    return size, keys, times


def test_resize_video_short_side_keyint_and_timestamps(tmp_path):
    src, dst = str(tmp_path / 'in.mkv'), str(tmp_path / 'out' / 'in.mp4')
    stamps = [0, 33, 66, 120, 150, 210, 240, 260, 300, 333, 400, 433, 466, 500, 533, 566]
    with VideoWriter(src, 96, 64, 30, time_base=Fraction(1, 1000)) as writer:
        for frame, pts in zip(render_natural_frames(96, 64, len(stamps), 0), stamps):
            writer.write(frame, pts=pts)
    assert resize_video(src, dst, short_side=32, keyint=4) == len(stamps)
    size, keys, times = stream_info(dst)
    assert size == (48, 32)
    assert keys == [0, 4, 8, 12]
    assert times == pytest.approx([s / 1000 for s in stamps], abs=1e-3)


def test_resize_videos_tree_resume_and_unreadable(tmp_path):
    src, dst = tmp_path / 'src', tmp_path / 'dst'
    write_natural_video(str(src / 'a' / 'one.mp4'), 64, 48, seconds=0.5, seed=0)
    write_natural_video(str(src / 'two.mkv'), 48, 64, seconds=0.5, seed=1)
    (src / 'a' / 'bad.mp4').write_bytes(b'not a video' * 100)
    (src / 'notes.txt').write_text('not a video file')
    assert find_videos(str(src)) == ['a/bad.mp4', 'a/one.mp4', 'two.mkv']
    results = {r.rel_path: r for r in resize_videos(str(src), str(dst), 32, num_workers=2)}
    assert {k: r.status for k, r in results.items()} == {
        'a/bad.mp4': 'failed', 'a/one.mp4': 'done', 'two.mkv': 'done'
    }  # fmt: skip
    assert 'InvalidDataError' in results['a/bad.mp4'].message
    assert stream_info(str(dst / 'a' / 'one.mp4'))[0] == (42, 32)
    assert stream_info(str(dst / 'two.mp4'))[0] == (32, 42)
    again = {r.rel_path: r.status for r in resize_videos(str(src), str(dst), 32, resume=True)}
    assert again == {'a/bad.mp4': 'failed', 'a/one.mp4': 'skipped', 'two.mkv': 'skipped'}
    with pytest.raises(FileNotFoundError, match='missing'):
        list(resize_videos(str(tmp_path / 'missing'), str(dst)))
