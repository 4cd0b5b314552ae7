"""load_label_map: one class name per line, checked against num_classes."""

import pytest

from mmaction.datasets import load_label_map
from mmaction.utils.errors import AnnotationError


def test_reads_one_name_per_line(tmp_path):
    path = tmp_path / 'label_map.txt'
    path.write_text('abseiling\nair drumming  \nanswering questions\n\n\n')
    assert load_label_map(str(path)) == ['abseiling', 'air drumming', 'answering questions']
    assert load_label_map(str(path), num_classes=3)[1] == 'air drumming'


def test_errors_name_the_file(tmp_path):
    path = tmp_path / 'labels.txt'
    path.write_text('a\nb\n')
    with pytest.raises(AnnotationError, match=r'labels.txt names 2 classes.*num_classes=3'):
        load_label_map(str(path), num_classes=3)
    path.write_text('a\n\nb\n')
    with pytest.raises(AnnotationError, match=r'labels.txt, line 2: empty line'):
        load_label_map(str(path))
    path.write_text('\n')
    with pytest.raises(AnnotationError, match='is empty'):
        load_label_map(str(path))
