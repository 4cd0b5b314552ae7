"""Tests of a data set's ``label_file``: the class names travel with the data."""

import pytest

from mmaction.datasets import RawframeDataset, VideoDataset
from mmaction.utils.errors import AnnotationError


def _files(tmp_path, names, lines):
    (tmp_path / 'label_map.txt').write_text(''.join(f'{n}\n' for n in names), encoding='utf-8')
    (tmp_path / 'list.txt').write_text(''.join(f'{ln}\n' for ln in lines))
    return str(tmp_path / 'list.txt'), str(tmp_path / 'label_map.txt')


def test_names_become_the_metainfo(tmp_path):
    ann, labels = _files(tmp_path, ['hand wave', 'sprung über'], ['a.mp4 1', 'b.mp4 0'])
    dataset = VideoDataset(ann, [], label_file=labels)
    assert dataset.metainfo['classes'] == ['hand wave', 'sprung über']
    assert VideoDataset(ann, []).metainfo['classes'] is None


def test_rawframe_lists_take_one_too(tmp_path):
    ann, labels = _files(tmp_path, ['a', 'b'], ['clip 8 1'])
    assert RawframeDataset(ann, [], label_file=labels).metainfo['classes'] == ['a', 'b']


def test_list_and_label_map_disagree(tmp_path):
    ann, labels = _files(tmp_path, ['a', 'b'], ['a.mp4 1', 'b.mp4 0', 'c.mp4 2'])
    with pytest.raises(AnnotationError) as error:
        VideoDataset(ann, [], label_file=labels)
    message = str(error.value)
    assert message.startswith(f'{ann}, line 3: label 2 is out of range for the label map {labels}')


def test_missing_label_map(tmp_path):
    ann, _ = _files(tmp_path, ['a'], ['a.mp4 0'])
    with pytest.raises(AnnotationError, match='label_file .*none.txt.* does not exist'):
        VideoDataset(ann, [], label_file=str(tmp_path / 'none.txt'))
