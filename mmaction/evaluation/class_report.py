"""Per-class numbers of a single-label test: accuracy, precision, recall, support, confusions.

Everything is read off one confusion matrix (rows true classes, columns
predicted ones), so the numbers agree with it by construction: a class's
support is its row sum, its accuracy (= recall: the share of its videos
predicted right, whose mean over the classes is ``mean_class_accuracy``) the
diagonal over the row, its precision the diagonal over the column.
"""

import csv
import io
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np

from .functional import confusion_matrix

__all__ = ['ClassReport', 'class_report', 'confusion_csv']


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den``, NaN where ``den`` is 0 (no video, or nothing predicted)."""
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _number(value: float) -> Optional[float]:
    """A rounded number for the files; None (empty in CSV, null in JSON) for NaN."""
    return None if np.isnan(value) else round(float(value), 4)


def confusion_csv(matrix: np.ndarray, names: Sequence[str]) -> str:
    """A confusion matrix as CSV text: a header of predicted classes, one row per true class."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator='\n')
    writer.writerow(['true \\ predicted', *names])
    integral = np.issubdtype(matrix.dtype, np.integer)
    for name, row in zip(names, matrix):
        writer.writerow([name, *(int(v) if integral else f'{v:.6f}' for v in row)])
    return buffer.getvalue()


@dataclass
class ClassReport:
    """The per-class report of one test.

    Attributes:
        names: The class names, in label order (indices when unnamed).
        matrix: ``(n, n)`` counts, rows true classes, columns predicted.
    """

    names: List[str]
    matrix: np.ndarray

    @property
    def support(self) -> np.ndarray:
        """Videos of each class."""
        return self.matrix.sum(axis=1)

    @property
    def recall(self) -> np.ndarray:
        """Share of each class's videos predicted right (NaN without videos)."""
        return _ratio(np.diag(self.matrix), self.support)

    @property
    def precision(self) -> np.ndarray:
        """Share of the videos predicted as each class that are of it (NaN when none is)."""
        return _ratio(np.diag(self.matrix), self.matrix.sum(axis=0))

    @property
    def top1(self) -> float:
        """Share of all videos predicted right."""
        return float(np.trace(self.matrix) / max(int(self.matrix.sum()), 1))

    @property
    def mean_class_accuracy(self) -> float:
        """Mean accuracy over the classes that have videos."""
        recall = self.recall
        return float(np.nanmean(recall)) if np.isfinite(recall).any() else 0.0

    def rows(self) -> List[dict]:
        """One dict per class: ``class, accuracy, precision, recall, f1, support``."""
        recall, precision = self.recall, self.precision
        f1 = _ratio(2 * precision * recall, precision + recall)
        f1[np.isnan(f1) & (np.nan_to_num(precision) + np.nan_to_num(recall) == 0)] = 0.0
        return [
            {
                'class': name,
                'accuracy': _number(recall[i]),
                'precision': _number(precision[i]),
                'recall': _number(recall[i]),
                'f1': _number(f1[i]),
                'support': int(self.support[i]),
            }
            for i, name in enumerate(self.names)
        ]

    def confused_pairs(self, limit: int = 10) -> List[dict]:
        """The most frequent mistakes: ``true``, ``predicted`` and ``videos``, most first."""
        off = self.matrix.copy()
        np.fill_diagonal(off, 0)
        order = np.argsort(-off, axis=None, kind='stable')[:limit]
        pairs = []
        for flat in order:
            true, predicted = divmod(int(flat), len(self.names))
            if off[true, predicted] == 0:
                break
            pairs.append(
                dict(
                    true=self.names[true],
                    predicted=self.names[predicted],
                    videos=int(off[true, predicted]),
                )
            )
        return pairs

    def weakest(self, count: int = 5) -> List[dict]:
        """The ``count`` classes with videos and the lowest accuracy (then F1), weakest first."""
        rows = [row for row in self.rows() if row['support'] > 0]
        rows.sort(key=lambda r: (r['accuracy'], r['f1'] if r['f1'] is not None else 0.0))
        return rows[:count]

    def to_json(self) -> dict:
        """Everything, for ``class_report.json``."""
        return dict(
            videos=int(self.matrix.sum()),
            top1_acc=round(self.top1, 4),
            mean_class_accuracy=round(self.mean_class_accuracy, 4),
            classes=self.rows(),
            confused_pairs=self.confused_pairs(),
            confusion_matrix=dict(names=list(self.names), counts=self.matrix.tolist()),
        )

    def classes_csv(self) -> str:
        """``class_report.csv``: one row per class."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator='\n')
        keys = ('accuracy', 'precision', 'recall', 'f1', 'support')
        writer.writerow(['class', *keys])
        for row in self.rows():
            writer.writerow([row['class'], *('' if row[k] is None else row[k] for k in keys)])
        return buffer.getvalue()

    def pairs_csv(self) -> str:
        """``confused_pairs.csv``: the most frequent mistakes."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator='\n')
        writer.writerow(['true class', 'predicted class', 'videos'])
        for pair in self.confused_pairs():
            writer.writerow([pair['true'], pair['predicted'], pair['videos']])
        return buffer.getvalue()


def class_report(
    predictions: Sequence[int],
    labels: Sequence[int],
    num_classes: int,
    names: Optional[Sequence[str]] = None,
) -> ClassReport:
    """The per-class report of arg-max predictions against single labels.

    Args:
        predictions: The predicted class of each video.
        labels: The true class of each video.
        num_classes: The number of classes (scores per video).
        names: The class names (label order); None names them by index.

    Raises:
        ValueError: ``names`` does not name ``num_classes`` classes.
    """
    names = [str(n) for n in names] if names is not None else [str(i) for i in range(num_classes)]
    if len(names) != num_classes:
        raise ValueError(f'{len(names)} class names for {num_classes} classes')
    matrix = confusion_matrix(predictions, labels, num_classes=num_classes)
    return ClassReport(names, matrix)
