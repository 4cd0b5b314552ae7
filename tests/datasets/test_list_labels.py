"""load_list_labels: the label column of 0.x annotation lists."""

import pytest

from mmaction.datasets import load_list_labels
from mmaction.utils import AnnotationError


def test_video_and_frame_lists(tmp_path):
    videos = tmp_path / 'videos.txt'
    videos.write_text('a/x.mp4 3\nb/y.mp4 0\n\nc/z.mp4 12\n')
    assert load_list_labels(videos).tolist() == [3, 0, 12]
    frames = tmp_path / 'frames.txt'
    frames.write_text('a/x 300 5\nb/y 120 1\n')
    assert load_list_labels(frames).tolist() == [5, 1]


@pytest.mark.parametrize(
    'text, message',
    [
        ('a.mp4 1\nb.mp4 walk\n', r"f.txt, line 2: .*'b.mp4 walk'"),
        ('a.mp4\n', r'f.txt, line 1: expected "path label"'),
        ('', 'has no samples'),
    ],
)
def test_bad_lists_are_named(tmp_path, text, message):
    path = tmp_path / 'f.txt'
    path.write_text(text)
    with pytest.raises(AnnotationError, match=message):
        load_list_labels(path)
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        load_list_labels(tmp_path / 'nope.txt')
