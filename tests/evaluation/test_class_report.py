"""Tests of the per-class report: numbers worked out by hand from a small confusion matrix."""

import csv
import io

import numpy as np
import pytest

from mmaction.evaluation.class_report import class_report, confusion_csv

# 9 videos of 3 classes. 'cat': 3 of 4 right, one taken for 'dog'; 'dog': 1 of 2, one
# taken for 'cat'; 'eel': 1 of 3, two taken for 'dog'; nothing else.
LABELS = [0, 0, 0, 0, 1, 1, 2, 2, 2]
PREDICTIONS = [0, 0, 0, 1, 1, 0, 2, 1, 1]
NAMES = ['cat', 'dog', 'eel']


@pytest.fixture
def report():
    return class_report(PREDICTIONS, LABELS, 3, NAMES)


def test_matrix_and_per_class_numbers(report):
    assert report.matrix.tolist() == [[3, 1, 0], [1, 1, 0], [0, 2, 1]]
    rows = {row['class']: row for row in report.rows()}
    assert (rows['cat']['accuracy'], rows['cat']['precision'], rows['cat']['support']) == (
        0.75, 0.75, 4,
    )  # fmt: skip
    # dog: 1 right of 2; predicted 4 times, once rightly.
    assert (rows['dog']['recall'], rows['dog']['precision'], rows['dog']['support']) == (
        0.5,
        0.25,
        2,
    )
    assert rows['dog']['f1'] == pytest.approx(2 * 0.5 * 0.25 / 0.75, abs=1e-4)
    assert (rows['eel']['accuracy'], rows['eel']['precision']) == (pytest.approx(0.3333), 1.0)
    assert report.top1 == pytest.approx(5 / 9)
    assert report.mean_class_accuracy == pytest.approx((0.75 + 0.5 + 1 / 3) / 3)


def test_confused_pairs_and_weakest(report):
    assert report.confused_pairs() == [
        dict(true='eel', predicted='dog', videos=2),
        dict(true='cat', predicted='dog', videos=1),
        dict(true='dog', predicted='cat', videos=1),
    ]
    assert [row['class'] for row in report.weakest(2)] == ['eel', 'dog']


def test_files_read_back(report):
    rows = list(csv.reader(io.StringIO(report.classes_csv())))
    assert rows[0] == ['class', 'accuracy', 'precision', 'recall', 'f1', 'support']
    assert rows[2][:3] == ['dog', '0.5', '0.25'] and rows[2][-1] == '2'
    matrix = list(csv.reader(io.StringIO(confusion_csv(report.matrix, report.names))))
    assert matrix[0] == ['true \\ predicted', 'cat', 'dog', 'eel']
    assert matrix[3] == ['eel', '0', '2', '1']
    content = report.to_json()
    assert content['videos'] == 9 and content['confusion_matrix']['counts'][1] == [1, 1, 0]


def test_class_without_videos_or_predictions():
    # Class 2 has no video and is never predicted: no accuracy, no precision.
    report = class_report([0, 1], [0, 0], 3)
    rows = report.rows()
    assert [row['class'] for row in rows] == ['0', '1', '2']
    assert (rows[2]['accuracy'], rows[2]['precision'], rows[2]['support']) == (None, None, 0)
    assert rows[1]['precision'] == 0.0 and rows[1]['f1'] == 0.0
    assert [row['class'] for row in report.weakest()] == ['0']
    assert np.isnan(report.recall[2])
    with pytest.raises(ValueError, match='2 class names for 3 classes'):
        class_report([0], [0], 3, ['a', 'b'])
