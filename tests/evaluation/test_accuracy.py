import numpy as np
import pytest

from mmaction.evaluation.functional import (
    binary_precision_recall_curve,
    confusion_matrix,
    mean_average_precision,
    mean_class_accuracy,
    mmit_mean_average_precision,
    top_k_accuracy,
)


def test_top_k_accuracy_known_values():
    scores = np.array(
        [
            [0.1, 0.6, 0.3],  # ranking 1, 2, 0
            [0.7, 0.2, 0.1],  # ranking 0, 1, 2
            [0.2, 0.3, 0.5],  # ranking 2, 1, 0
            [0.4, 0.35, 0.25],  # ranking 0, 1, 2
        ]
    )
    labels = [1, 1, 0, 2]
    top1, top2, top3, top5 = top_k_accuracy(scores, labels, (1, 2, 3, 5))
    assert top1 == pytest.approx(0.25)
    assert top2 == pytest.approx(0.5)
    assert top3 == pytest.approx(1.0)
    assert top5 == pytest.approx(1.0)  # k beyond the class count takes every class
    assert isinstance(top1, float)
    assert top_k_accuracy(list(scores), np.array(labels), topk=1) == [0.25]


def test_top_k_accuracy_ties_at_the_cut():
    # Classes 1 and 2 tie for the second place: whichever the sort keeps,
    # exactly one of the two videos counts as a top-2 hit.
    scores = np.array([[0.9, 0.5, 0.5, 0.1], [0.9, 0.5, 0.5, 0.1]])
    assert top_k_accuracy(scores, [1, 2], (2,)) == [0.5]
    # Ties inside the top-k do not matter.
    assert top_k_accuracy(scores, [1, 2], (3,)) == [1.0]
    assert top_k_accuracy(scores, [3, 3], (3,)) == [0.0]


def test_top_k_accuracy_rejects_bad_input():
    with pytest.raises(ValueError, match='labels'):
        top_k_accuracy(np.zeros((3, 4)), [0, 1], (1,))
    with pytest.raises(ValueError, match='topk'):
        top_k_accuracy(np.zeros((2, 4)), [0, 1], (0,))


def test_confusion_matrix_union_of_classes_and_normalization():
    pred = [0, 2, 2, 5]
    real = [0, 0, 2, 2]
    matrix = confusion_matrix(pred, real)
    # Classes 0, 2, 5 in that order; class 5 is only predicted.
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 1], [0, 0, 0]]
    assert confusion_matrix(pred, real, 'true').tolist() == [
        [0.5, 0.5, 0.0],
        [0.0, 0.5, 0.5],
        [0.0, 0.0, 0.0],
    ]
    assert confusion_matrix(pred, real, 'pred')[:, 1].tolist() == [0.5, 0.5, 0.0]
    assert confusion_matrix(pred, real, 'all').sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match='normalize'):
        confusion_matrix(pred, real, 'rows')
    with pytest.raises(TypeError, match='y_pred'):
        confusion_matrix([0.5, 1.0], [0, 1])


def test_confusion_matrix_over_all_classes():
    pred = [0, 2, 2, 5]
    real = [0, 0, 2, 2]
    matrix = confusion_matrix(pred, real, num_classes=7)
    # Row and column i are class i, also for classes 1, 3, 4, 6 that never occur.
    expected = np.zeros((7, 7), dtype=int)
    expected[0, 0] = expected[0, 2] = expected[2, 2] = expected[2, 5] = 1
    assert matrix.tolist() == expected.tolist()
    rows = confusion_matrix(pred, real, 'true', num_classes=7)
    assert rows[0].tolist() == [0.5, 0, 0.5, 0, 0, 0, 0]
    assert rows[1].tolist() == [0.0] * 7  # no video of class 1: a row of zeros
    with pytest.raises(ValueError, match='class 5 is outside 0..4'):
        confusion_matrix(pred, real, num_classes=5)


def test_mean_class_accuracy_known_values():
    scores = np.array(
        [
            [0.9, 0.1, 0.0],  # pred 0, label 0
            [0.2, 0.8, 0.0],  # pred 1, label 0
            [0.1, 0.9, 0.0],  # pred 1, label 1
            [0.1, 0.2, 0.7],  # pred 2, label 2
            [0.8, 0.1, 0.1],  # pred 0, label 2
            [0.0, 0.1, 0.9],  # pred 2, label 2
        ]
    )
    labels = [0, 0, 1, 2, 2, 2]
    assert mean_class_accuracy(scores, labels) == pytest.approx((1 / 2 + 1 + 2 / 3) / 3)


def test_mean_class_accuracy_class_absent_from_labels():
    scores = np.array([[0.9, 0.0, 0.0, 0.1], [0.0, 0.9, 0.0, 0.1]])
    # Classes 2 and 3 are neither labels nor predictions: they do not count.
    assert mean_class_accuracy(scores[:1], [0]) == pytest.approx(1.0)
    # 0.x quirk kept for parity: class 1 is predicted but never a label, so it
    # enters the mean with accuracy 0: (1/2 + 0) / 2.
    assert mean_class_accuracy(scores, [0, 0]) == pytest.approx(0.25)


def test_binary_precision_recall_curve():
    precision, recall, thresholds = binary_precision_recall_curve(
        np.array([0.9, 0.8, 0.7, 0.6]), np.array([1, 0, 1, 0])
    )
    # Stops at full recall (threshold 0.7); lowest threshold first.
    assert thresholds.tolist() == [0.7, 0.8, 0.9]
    assert precision.tolist() == pytest.approx([2 / 3, 0.5, 1.0, 1.0])
    assert recall.tolist() == pytest.approx([1.0, 0.5, 0.5, 0.0])


def test_mean_average_precision_known_values():
    scores = np.array([[0.9, 0.1], [0.8, 0.7], [0.7, 0.2], [0.6, 0.3]])
    labels = np.array([[1, 0], [0, 1], [1, 0], [0, 0]])
    # Class 0: positives at ranks 1 and 3 -> (1 + 2/3) / 2.
    # Class 1: its only positive ranks first -> 1.
    expected = ((1 + 2 / 3) / 2 + 1.0) / 2
    assert mean_average_precision(scores, labels) == pytest.approx(expected)
    assert mean_average_precision(list(scores), list(labels)) == pytest.approx(expected)


def test_mean_average_precision_skips_classes_without_positives():
    scores = np.array([[0.9, 0.5, 0.1], [0.2, 0.4, 0.3]])
    labels = np.array([[1, 0, 0], [0, 0, 1]])
    # Class 1 has no positive video: AP undefined and left out.
    assert mean_average_precision(scores, labels) == pytest.approx((1.0 + 1.0) / 2)
    assert np.isnan(mean_average_precision(scores, np.zeros_like(labels)))


def test_mean_average_precision_ties():
    # Tied scores form one threshold: both videos are taken together.
    scores = np.array([[0.5], [0.5], [0.1]])
    labels = np.array([[1], [0], [1]])
    assert mean_average_precision(scores, labels) == pytest.approx(0.5 * 0.5 + 0.5 * 2 / 3)


def test_mmit_mean_average_precision_is_per_video():
    scores = np.array([[0.9, 0.1, 0.5], [0.1, 0.9, 0.5]])
    labels = np.array([[1, 0, 1], [1, 0, 0]])
    # Video 0: positives rank 1 and 2 -> AP 1. Video 1: its positive ranks 3rd -> 1/3.
    assert mmit_mean_average_precision(scores, labels) == pytest.approx((1 + 1 / 3) / 2)
    with pytest.raises(ValueError, match='multi-hot'):
        mmit_mean_average_precision(scores, labels[:, :2])
