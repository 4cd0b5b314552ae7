"""Recognition metrics with MMAction2 0.x definitions, on numpy arrays.

Scores are ``(num_videos, num_classes)`` (a list of per-video score vectors
works too); single labels are integer class indices; multi-label ground
truth is a multi-hot ``(num_videos, num_classes)`` array.
"""

from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

__all__ = [
    'binary_precision_recall_curve',
    'confusion_matrix',
    'mean_average_precision',
    'mean_class_accuracy',
    'mmit_mean_average_precision',
    'top_k_accuracy',
]

ArrayLike = Union[np.ndarray, Sequence]


def _as_scores(scores: ArrayLike) -> np.ndarray:
    array = np.asarray(np.stack(scores) if isinstance(scores, (list, tuple)) else scores)
    if array.ndim != 2:
        raise ValueError(f'scores must be (num_videos, num_classes), got shape {array.shape}')
    return array


def _as_int_labels(labels: ArrayLike, name: str = 'labels') -> np.ndarray:
    array = np.asarray(labels).reshape(-1)
    if array.size and not np.issubdtype(array.dtype, np.integer):
        if not np.all(np.equal(np.mod(array, 1), 0)):
            raise TypeError(f'{name} must be integer class indices, got {array.dtype} values')
    return array.astype(np.int64)


def confusion_matrix(
    y_pred: ArrayLike,
    y_real: ArrayLike,
    normalize: Optional[str] = None,
    num_classes: Optional[int] = None,
) -> np.ndarray:
    """Confusion matrix over the classes that occur in either input, or over all classes.

    Rows are true classes, columns predicted classes, both in ascending
    class order restricted to the union of ``y_pred`` and ``y_real`` (0.x
    layout); with ``num_classes``, row and column ``i`` are class ``i``
    whether it occurs or not, so that class names line up with them.

    Args:
        y_pred (array-like of int): Predicted class per sample.
        y_real (array-like of int): True class per sample.
        normalize (str | None): ``'true'`` (rows sum to 1), ``'pred'``
            (columns), ``'all'`` (whole matrix) or None. Empty rows or
            columns become 0.
        num_classes (int, optional): Give the full ``(num_classes,
            num_classes)`` matrix; every class must be below it.

    Returns:
        np.ndarray: ``(n, n)`` counts (int) or fractions (float).
    """
    if normalize not in ('true', 'pred', 'all', None):
        raise ValueError(f"normalize must be 'true', 'pred', 'all' or None, got {normalize!r}")
    pred = _as_int_labels(y_pred, 'y_pred')
    real = _as_int_labels(y_real, 'y_real')
    if pred.shape != real.shape:
        raise ValueError(f'y_pred has {pred.size} entries but y_real has {real.size}')
    if num_classes is None:
        classes, position = np.unique(np.concatenate([pred, real]), return_inverse=True)
        n = len(classes)
    else:
        position, n = np.concatenate([pred, real]), int(num_classes)
        outside = position[(position < 0) | (position >= n)]
        if outside.size:
            raise ValueError(f'class {int(outside[0])} is outside 0..{n - 1} (num_classes={n})')
    pred_pos, real_pos = position[: pred.size], position[pred.size :]
    matrix = np.bincount(real_pos * n + pred_pos, minlength=n * n).reshape(n, n)
    if normalize is None:
        return matrix
    axis = {'true': 1, 'pred': 0, 'all': None}[normalize]
    totals = matrix.sum(axis=axis, keepdims=axis is not None)
    with np.errstate(divide='ignore', invalid='ignore'):
        fractions = matrix / totals
    return np.nan_to_num(fractions)


def top_k_accuracy(
    scores: ArrayLike, labels: ArrayLike, topk: Tuple[int, ...] = (1,)
) -> List[float]:
    """Fraction of videos whose label is among the ``k`` best scores.

    Classes are ranked with numpy's default ``argsort`` and the last ``k``
    taken, exactly as 0.x did, so tied scores are ordered the way numpy's
    default sort leaves them (as in 0.x; ties of float scores are rare).

    Args:
        scores (array-like): ``(num_videos, num_classes)`` scores.
        labels (array-like of int): True class per video.
        topk (tuple[int]): Values of ``k``.

    Returns:
        list[float]: Accuracy for each ``k``, in ``topk`` order.
    """
    scores = _as_scores(scores)
    labels = _as_int_labels(labels)
    if labels.size != scores.shape[0]:
        raise ValueError(f'{scores.shape[0]} score rows but {labels.size} labels')
    if isinstance(topk, int):
        topk = (topk,)
    ranking = np.argsort(scores, axis=1)
    results = []
    for k in topk:
        if not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f'topk values must be positive integers, got {k!r}')
        hits = (ranking[:, -k:] == labels[:, None]).any(axis=1)
        results.append(float(hits.mean()) if hits.size else float('nan'))
    return results


def mean_class_accuracy(scores: ArrayLike, labels: ArrayLike) -> float:
    """Mean per-class recall of the arg-max prediction (0.x definition).

    The mean runs over every class that is a true label or a prediction;
    a class that is only predicted has no samples and counts as 0.

    Args:
        scores (array-like): ``(num_videos, num_classes)`` scores.
        labels (array-like of int): True class per video.

    Returns:
        float: The mean class accuracy.
    """
    pred = np.argmax(_as_scores(scores), axis=1)
    matrix = confusion_matrix(pred, labels).astype(np.float64)
    support = matrix.sum(axis=1)
    correct = np.diag(matrix)
    per_class = np.divide(correct, support, out=np.zeros_like(correct), where=support > 0)
    return float(per_class.mean())


def binary_precision_recall_curve(
    y_score: np.ndarray, y_true: np.ndarray
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision and recall at every distinct score threshold.

    Args:
        y_score (np.ndarray): ``(n,)`` scores.
        y_true (np.ndarray): ``(n,)`` ground truth, positive where equal to 1.

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: precision and recall with
        recall decreasing and a final ``(1, 0)`` point appended, and the
        thresholds (highest last), stopping where full recall is reached.
    """
    y_score = np.asarray(y_score)
    y_true = np.asarray(y_true)
    if y_score.shape != y_true.shape or y_score.ndim != 1:
        raise ValueError(f'y_score {y_score.shape} and y_true {y_true.shape} must be equal 1-d')
    order = np.argsort(y_score, kind='stable')[::-1]
    sorted_scores = y_score[order]
    positives = (y_true[order] == 1).astype(np.int64)
    # The last index of each run of equal scores is a threshold.
    cuts = np.r_[np.flatnonzero(np.diff(sorted_scores)), sorted_scores.size - 1]
    true_pos = np.cumsum(positives)[cuts]
    false_pos = cuts + 1 - true_pos
    with np.errstate(divide='ignore', invalid='ignore'):
        precision = np.nan_to_num(true_pos / (true_pos + false_pos))
        recall = true_pos / true_pos[-1]
    stop = np.searchsorted(true_pos, true_pos[-1])
    keep = slice(stop, None, -1)
    return (
        np.r_[precision[keep], 1.0],
        np.r_[recall[keep], 0.0],
        sorted_scores[cuts][keep],
    )


def _average_precision(y_score: np.ndarray, y_true: np.ndarray) -> float:
    precision, recall, _ = binary_precision_recall_curve(y_score, y_true)
    # Recall steps down along the curve; each drop is weighted by the
    # precision at the threshold where it was reached.
    return float(np.sum((recall[:-1] - recall[1:]) * precision[:-1]))


def _as_multi_hot(scores: np.ndarray, labels: ArrayLike) -> np.ndarray:
    labels = np.asarray(np.stack(labels) if isinstance(labels, (list, tuple)) else labels)
    if labels.shape != scores.shape:
        raise ValueError(
            f'multi-hot labels must match the scores shape {scores.shape}, got {labels.shape}'
        )
    return labels


def mean_average_precision(scores: ArrayLike, labels: ArrayLike) -> float:
    """Class-wise mean average precision for multi-label recognition.

    The AP of each class ranks all videos by that class's score; classes
    without any positive video (AP undefined) are left out of the mean, as
    in 0.x.

    Args:
        scores (array-like): ``(num_videos, num_classes)`` scores.
        labels (array-like): ``(num_videos, num_classes)`` multi-hot truth.

    Returns:
        float: The mAP, or NaN when no class has a positive video.
    """
    scores = _as_scores(scores)
    labels = _as_multi_hot(scores, labels)
    per_class = [_average_precision(scores[:, c], labels[:, c]) for c in range(scores.shape[1])]
    valid = [ap for ap in per_class if not np.isnan(ap)]
    return float(np.mean(valid)) if valid else float('nan')


def mmit_mean_average_precision(scores: ArrayLike, labels: ArrayLike) -> float:
    """Sample-wise mean average precision (Multi-Moments in Time style).

    Each video ranks its own classes; the per-video APs are averaged.

    Args:
        scores (array-like): ``(num_videos, num_classes)`` scores.
        labels (array-like): ``(num_videos, num_classes)`` multi-hot truth.

    Returns:
        float: The mean of the per-video APs.
    """
    scores = _as_scores(scores)
    labels = _as_multi_hot(scores, labels)
    return float(np.mean([_average_precision(s, t) for s, t in zip(scores, labels)]))
