"""The annotation-list reader and writer: the layouts, round trips, and the layout-blind kind."""

import json

import pytest

from mmaction.datasets.annotation_list import (
    format_annotation_line,
    path_column,
    read_annotation_list,
)
from mmaction.datasets.video_check import list_video_paths
from mmaction.utils import AnnotationError


def _write(path, records):
    path.write_text(''.join(format_annotation_line(record) + '\n' for record in records))
    return path


def test_written_lines_read_back(tmp_path):
    videos = [dict(filename='a/x.mp4', label=3), dict(filename='b/y.mp4', label=0)]
    columns = read_annotation_list(_write(tmp_path / 'v.txt', videos), 'video')
    assert path_column(columns) == ['a/x.mp4', 'b/y.mp4']
    assert columns['label'] == [3, 0] and columns['lineno'] == [1, 2]

    frames = [dict(frame_dir='d', offset=4, total_frames=10, label=[1, 2])]
    columns = read_annotation_list(
        _write(tmp_path / 'f.txt', frames), 'rawframes', multi_class=True, with_offset=True
    )
    assert path_column(columns) == ['d']
    assert (columns['offset'], columns['total_frames'], columns['label']) == ([4], [10], [[1, 2]])


def test_json_lists_name_their_columns(tmp_path):
    path = tmp_path / 'l.json'
    path.write_text(json.dumps([dict(frame_dir='d', total_frames=5, label=1)]))
    columns = read_annotation_list(path, 'video')
    assert path_column(columns) == ['d'] and columns['total_frames'] == [5]


def test_any_kind_tells_the_layouts_apart_line_by_line(tmp_path):
    path = tmp_path / 'mixed.txt'
    path.write_text('a.mp4 3\n\nframes/b 120 1\n')
    assert read_annotation_list(path, 'any')['label'] == [3, 1]
    path.write_text('a.mp4 3 4 5\n')
    with pytest.raises(AnnotationError, match=r"mixed.txt, line 1: expected .*'a.mp4 3 4 5'"):
        read_annotation_list(path, 'any')
    with pytest.raises(ValueError, match='kind must be one of'):
        read_annotation_list(path, 'audio')


def test_video_paths_of_a_multi_label_list(tmp_path):
    path = tmp_path / 'v.txt'
    path.write_text('a.mp4 1 3\nb.mp4 0\n')
    assert list_video_paths(str(path), '/data') == ['/data/a.mp4', '/data/b.mp4']
    path.write_text('a.mp4\n')
    with pytest.raises(AnnotationError, match='v.txt, line 1: missing label'):
        list_video_paths(str(path))
