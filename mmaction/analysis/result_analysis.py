"""Score a saved ``tools/test.py --out`` file against the labels of the config's test set.

Behind ``tools/analysis/eval_metric.py``, ``confusion_matrix.py`` and
``report_accuracy.py`` (which fuses several result files and takes the
labels from an annotation list instead of a config): the
labels come from ``data.test`` of the config (the annotation list is read;
no video is decoded), the scores from the result file, and the metrics from
the same ``AccMetric`` with the same options that ``tools/test.py`` uses, so
the numbers are the ones the test run printed. Videos the test run could not
read (``null`` entries) are left out, and every result says over how many
videos it was computed.
"""

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmaction.engine.config.checks import explain_registry_errors
from mmaction.engine.config.convert import as_one_x, split_loader, testing_metric_cfg
from mmaction.engine.config.model import head_num_classes
from mmaction.engine.runtime.atomic_io import atomic_write_text
from mmaction.evaluation.class_report import confusion_csv
from mmaction.evaluation.functional import confusion_matrix
from mmaction.evaluation.video_scores import VideoScores
from mmaction.registry import DATASETS, METRICS
from mmaction.utils.errors import ConfigError, ResultFileError

from .video_score_reader import load_video_scores

__all__ = [
    'ConfusionReport',
    'ScoredTestSet',
    'build_test_dataset',
    'confusion_report',
    'evaluate_result_file',
    'fused_accuracy',
    'load_scored_test_set',
    'result_confusion_matrix',
    'write_confusion_csv',
]


@dataclass
class ScoredTestSet:
    """The saved scores of a test run with the true labels of the same videos.

    Attributes:
        scores (VideoScores): The scores of the videos that were read.
        labels (np.ndarray): Their labels: ``(num_read,)`` class indices, or
            ``(num_read, num_classes)`` multi-hot rows for a multi-label set.
        multi_label (bool): Whether ``labels`` are multi-hot.
        ann_file (str): The annotation list the labels come from.
    """

    scores: VideoScores
    labels: np.ndarray
    multi_label: bool
    ann_file: str

    @property
    def num_classes(self) -> int:
        """int: Number of classes (length of the score vectors)."""
        return self.scores.num_classes


def build_test_dataset(cfg, config_path: Optional[str] = None):
    """Build the test data set of a config as ``tools/test.py`` does (``test_mode=True``).

    Building reads the annotation list and builds the pipeline; no video is
    opened.
    """
    import mmaction.datasets  # noqa: F401  (registers datasets and transforms)

    with explain_registry_errors(cfg, config_path):
        return DATASETS.build(split_loader(cfg, 'test')['dataset'])


def load_scored_test_set(cfg, result_file: str, config_path: Optional[str] = None) -> ScoredTestSet:
    """Read a result file and the labels of the same videos from ``data.test``.

    Args:
        cfg: The 0.x config (after ``--cfg-options``) the result was tested with.
        result_file (str): The ``tools/test.py --out`` file.
        config_path (str, optional): The config file, for messages.

    Returns:
        ScoredTestSet: Scores and labels of the videos that were read.

    Raises:
        ResultFileError: The file does not fit the data set (another number
            of videos) or the model (another number of classes).
        AnnotationError: A label is outside the scored classes.
    """
    scores = load_video_scores(result_file)
    head_classes = head_num_classes(as_one_x(cfg, config_path)[0].get('model') or {})
    if head_classes is not None and head_classes != scores.num_classes:
        raise ResultFileError(
            f'{result_file} has {scores.num_classes} scores per video but '
            f'model.cls_head.num_classes={head_classes} in {config_path or "the config"}: '
            'the result comes from another model'
        )
    dataset = build_test_dataset(cfg, config_path)
    dataset.check_labels(scores.num_classes, f'the score vectors of {result_file} (num_classes)')
    what = f'data.test annotation list {dataset.ann_file}'
    if dataset.multi_class:
        multi_hot = np.zeros((len(dataset), scores.num_classes))
        for row, classes in enumerate(dataset.get_labels()):
            multi_hot[row, np.asarray(classes, dtype=np.int64)] = 1
        labels = scores.select(multi_hot, what)
    else:
        labels = scores.select(dataset.get_labels(), what)
    return ScoredTestSet(scores, labels, bool(dataset.multi_class), dataset.ann_file)


def evaluate_result_file(
    cfg,
    result_file: str,
    metrics: Optional[List[str]] = None,
    eval_options: Optional[dict] = None,
    config_path: Optional[str] = None,
) -> Tuple[Dict[str, float], VideoScores]:
    """The metrics ``tools/test.py`` would print, computed from its saved result file.

    Args:
        cfg: The 0.x config (after ``--cfg-options``).
        result_file (str): The ``tools/test.py --out`` file.
        metrics (list[str], optional): ``--eval`` names; default: the config's
            ``eval_config.metrics``.
        eval_options (dict, optional): ``--eval-options``.
        config_path (str, optional): The config file, for messages.

    Returns:
        tuple[dict[str, float], VideoScores]: Metric name to value
        (``top1_acc``, ...), and the scores they were computed from (for
        :meth:`~VideoScores.coverage`).

    Raises:
        ConfigError: No metric is given, or a metric name or option is unknown.
    """
    metric_cfg = testing_metric_cfg(cfg, metrics, eval_options or {})
    if metric_cfg is None:
        raise ConfigError(
            'No metric to compute: give --eval top_k_accuracy mean_class_accuracy ... '
            '(or eval_config.metrics in the config)'
        )
    import mmaction.evaluation  # noqa: F401  (registers AccMetric)

    metric = METRICS.build(metric_cfg)
    scored = load_scored_test_set(cfg, result_file, config_path)
    rows = scored.labels if scored.multi_label else scored.labels[:, None]
    metric.process(
        None, [dict(pred_score=s, gt_label=g) for s, g in zip(scored.scores.scores, rows)]
    )
    return metric.compute_metrics(metric.results), scored.scores


def result_confusion_matrix(scored: ScoredTestSet, normalize: Optional[str] = None) -> np.ndarray:
    """Confusion matrix of the arg-max predictions, one row and column per class.

    Args:
        scored (ScoredTestSet): Scores and labels.
        normalize (str | None): As :func:`~mmaction.evaluation.confusion_matrix`:
            ``'true'``, ``'pred'``, ``'all'`` or None (counts).

    Returns:
        np.ndarray: ``(num_classes, num_classes)``, rows true classes, columns
        predicted classes.

    Raises:
        ConfigError: The data set is multi-label.
    """
    if scored.multi_label:
        raise ConfigError(
            f'{scored.ann_file} is a multi-label annotation list: a confusion matrix needs '
            'one label per video'
        )
    predictions = scored.scores.scores.argmax(axis=1)
    return confusion_matrix(predictions, scored.labels, normalize, num_classes=scored.num_classes)


def write_confusion_csv(path: str, matrix: np.ndarray, names: Sequence[str]) -> None:
    """Write a confusion matrix as CSV: a header of predicted classes, one row per true class."""
    atomic_write_text(path, confusion_csv(matrix, names))


@dataclass
class ConfusionReport:
    """A result file's confusion matrix (``tools/analysis/confusion_matrix.py``).

    Attributes:
        matrix: Rows true classes, columns predicted classes.
        names: The class names (the label map's, else the indices).
        coverage: Over how many videos, e.g. ``'(8 of 8 videos)'``.
    """

    matrix: np.ndarray
    names: List[str]
    coverage: str


def confusion_report(
    cfg,
    result_file: str,
    label_map: Optional[str] = None,
    normalize: Optional[str] = None,
    config_path: Optional[str] = None,
) -> ConfusionReport:
    """The confusion matrix of a result file, with the class names.

    Args:
        cfg: The 0.x config the result was tested with.
        result_file: ``tools/test.py --out`` file.
        label_map: Class names, one per line; None names classes by index.
        normalize: ``'true'``, ``'pred'``, ``'all'`` or None (counts).
        config_path: The config file, for messages.
    """
    from mmaction.datasets import load_label_map

    scored = load_scored_test_set(cfg, result_file, config_path)
    num_classes = scored.num_classes
    if label_map:
        names = load_label_map(label_map, num_classes)
    else:
        names = [str(index) for index in range(num_classes)]
    matrix = result_confusion_matrix(scored, normalize)
    return ConfusionReport(matrix, names, scored.scores.coverage())


def fused_accuracy(
    score_files: Sequence[str],
    coefficients: Sequence[float],
    datalist: str,
    apply_softmax: bool = False,
    top_k: Sequence[int] = (1, 5),
) -> Tuple[Dict[str, float], VideoScores]:
    """Fuse the scores of several result files and score them against an annotation list.

    The fused score of a video is the weighted sum of its scores in the files
    (each turned into probabilities first with ``apply_softmax``); a video
    any file could not read is left out.

    Returns:
        ``mean_class_accuracy`` and ``top{k}_acc`` for each k, and the fused scores.
    """
    from mmaction.datasets import load_list_labels
    from mmaction.evaluation import fuse_video_scores, mean_class_accuracy, top_k_accuracy

    score_sets = [load_video_scores(path) for path in score_files]
    fused = fuse_video_scores(score_sets, coefficients, apply_softmax)
    labels = fused.select(load_list_labels(datalist), f'list {datalist}')
    results = {'mean_class_accuracy': mean_class_accuracy(fused.scores, labels)}
    for k, acc in zip(top_k, top_k_accuracy(fused.scores, labels, tuple(top_k))):
        results[f'top{k}_acc'] = acc
    return results, fused
