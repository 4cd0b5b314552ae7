"""The per-class report of a test (or of the best validation): files in the work dir, weakest classes.

:class:`PerClassReport` is a metric every single-label test and validation
runs beside the configured ones. It reports no number to the log; it keeps
the :class:`~mmaction.evaluation.class_report.ClassReport` of the videos it
saw (named by the data set's ``label_file``, else by index) and, for a test,
writes it to the work dir (:func:`write_class_report`):

- ``class_report.csv`` / ``class_report.json``: accuracy, precision, recall,
  F1 and support of every class (the JSON also holds the top-1 accuracy, the
  most confused pairs and the confusion matrix);
- ``confused_pairs.csv``: the classes most often taken for one another;
- ``confusion_matrix.csv`` and ``confusion_matrix.png`` (the drawing of
  ``tools/analysis/confusion_matrix.py``; skipped, with a line, without
  matplotlib).

A training run with validation writes the report of its best epoch through
:class:`~.hooks.class_report_hook.ClassReportHook`.
"""

import json
import os
import os.path as osp
from typing import Any, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from mmaction.evaluation.class_report import ClassReport, class_report, confusion_csv
from mmaction.registry import METRICS
from mmaction.utils.errors import MissingPackageError

from .atomic_io import atomic_write_text

__all__ = ['PerClassReport', 'find_class_report', 'report_lines', 'write_class_report']

#: Classes the console names after a test: the weakest ones.
WEAKEST_SHOWN = 5


def _as_array(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


@METRICS.register_module()
class PerClassReport(BaseMetric):
    """Collect the predicted and true class of every video read; build the per-class report.

    Args:
        out_dir (str, optional): Where a test writes the report; None keeps
            it in :attr:`latest` only (validation: the hook writes the best).
        collect_device (str): Device for gathering results across processes.

    Attributes:
        latest (ClassReport | None): The report of the last evaluation (on
            the main process; None for a multi-label data set).
        notes (list[str]): What could not be written (the figure without
            matplotlib).
    """

    default_prefix = 'class_report'

    def __init__(self, out_dir: Optional[str] = None, collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device)
        self.out_dir = out_dir
        self.latest: Optional[ClassReport] = None
        self.notes: List[str] = []

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep ``(predicted class, true class, classes)``; None for a multi-label video."""
        for sample in data_samples:
            score = sample.get('pred_score')
            if score is None:
                continue  # an unreadable video, left out of every metric
            label = _as_array(sample.get('gt_label')).reshape(-1)
            score = _as_array(score).reshape(-1)
            single = label.size == 1 and float(label[0]).is_integer()
            self.results.append(
                (int(score.argmax()), int(label[0]), score.size) if single else None
            )

    def compute_metrics(self, results: List[Any]) -> dict:
        """Build the report (and write it, for a test); reports no metric."""
        self.latest = None
        if not results or any(r is None for r in results):
            return {}  # nothing read, or a multi-label data set: no confusion matrix
        predictions, labels, sizes = zip(*results)
        names = (self.dataset_meta or {}).get('classes')
        if names is not None and len(names) != sizes[0]:
            names = None  # a label map of another model: indices rather than wrong names
        self.latest = class_report(predictions, labels, sizes[0], names)
        if self.out_dir:
            self.notes = write_class_report(self.latest, self.out_dir, 'test')
        return {}


def _draw(report: ClassReport, path: str, title: str) -> Optional[str]:
    """Draw the confusion matrix; the reason when it cannot be drawn."""
    from mmaction.visualization import plot_confusion_matrix

    try:
        plot_confusion_matrix(report.matrix, report.names, path, title)
    except MissingPackageError as error:
        return str(error)
    return None


def write_class_report(
    report: ClassReport, out_dir: str, split: str, extra: Optional[dict] = None
) -> List[str]:
    """Write the report's files into ``out_dir``; returns the notes (a figure not drawn).

    Args:
        report: The report.
        out_dir: The folder (made if missing).
        split: Which videos (``'test'``, ``'val'``), for the title and the JSON.
        extra: More entries for the JSON (e.g. the epoch).
    """
    os.makedirs(out_dir, exist_ok=True)
    content = dict(split=split, **(extra or {}), **report.to_json())
    atomic_write_text(
        osp.join(out_dir, 'class_report.json'),
        json.dumps(content, ensure_ascii=False, indent=2) + '\n',
    )
    atomic_write_text(osp.join(out_dir, 'class_report.csv'), report.classes_csv())
    atomic_write_text(osp.join(out_dir, 'confused_pairs.csv'), report.pairs_csv())
    atomic_write_text(
        osp.join(out_dir, 'confusion_matrix.csv'), confusion_csv(report.matrix, report.names)
    )
    videos = int(report.matrix.sum())
    title = f'Confusion matrix ({videos} {split} videos)'
    problem = _draw(report, osp.join(out_dir, 'confusion_matrix.png'), title)
    return [f'confusion_matrix.png not drawn: {problem}'] if problem else []


def report_lines(report: ClassReport, out_dir: str, what: str) -> str:
    """The console's lines: where the report is, the weakest classes, the most confused pair."""
    weakest = report.weakest(WEAKEST_SHOWN)
    width = max(len(row['class']) for row in weakest) if weakest else 5
    lines = [f'Per-class report of {what}: {out_dir}', f'Weakest {len(weakest)} classes:']
    for row in weakest:
        precision = '-' if row['precision'] is None else f'{row["precision"]:.2f}'
        lines.append(
            f'  {row["class"]:<{width}}  accuracy {row["accuracy"]:.2f}  precision {precision}  '
            f'support {row["support"]}'
        )
    pairs = report.confused_pairs(1)
    if pairs:
        top = pairs[0]
        lines.append(
            f'Most confused: {top["true"]} taken for {top["predicted"]} '
            f'({top["videos"]} video{"s" if top["videos"] > 1 else ""})'
        )
    return '\n'.join(lines)


def find_class_report(evaluator) -> Optional[PerClassReport]:
    """The :class:`PerClassReport` metric of an evaluator, if it has one."""
    for metric in getattr(evaluator, 'metrics', []):
        if isinstance(metric, PerClassReport):
            return metric
    return None
