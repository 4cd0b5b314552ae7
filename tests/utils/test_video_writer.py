"""VideoWriter: complete files only, timestamps kept."""

import os
from fractions import Fraction

import av
import numpy as np
import pytest

from mmaction.utils.video_writer import VideoWriter, partial_path


def frames(count):
    return [np.full((24, 32, 3), 10 * index, np.uint8) for index in range(count)]


def test_file_appears_only_when_complete(tmp_path):
    path = str(tmp_path / 'sub' / 'v.mp4')
    with VideoWriter(path, 32, 24, 25, keyint=5) as writer:
        for frame in frames(12):
            writer.write(frame)
        assert not os.path.exists(path) and os.path.exists(partial_path(path))
    assert os.listdir(tmp_path / 'sub') == ['v.mp4']
    with av.open(path) as container:
        assert container.streams.video[0].frames == 12


def test_error_leaves_nothing(tmp_path):
    path = str(tmp_path / 'v.mp4')
    with pytest.raises(RuntimeError, match='stop'):
        with VideoWriter(path, 32, 24, 25) as writer:
            writer.write(frames(1)[0])
            raise RuntimeError('stop')
    assert os.listdir(tmp_path) == []


def test_timestamps_are_kept(tmp_path):
    path = str(tmp_path / 'v.mkv')
    stamps = [0, 40, 70, 150, 160, 300]
    with VideoWriter(path, 32, 24, 25, time_base=Fraction(1, 1000)) as writer:
        for frame, pts in zip(frames(6), stamps):
            writer.write(frame, pts=pts)
    with av.open(path) as container:
        stream = container.streams.video[0]
        got = [float(frame.pts * stream.time_base) for frame in container.decode(stream)]
    assert got == pytest.approx([s / 1000 for s in stamps])
