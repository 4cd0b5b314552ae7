"""Accuracy metrics over the recognizers' ``val_step``/``test_step`` outputs."""

import copy
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from mmaction.evaluation.functional import (
    mean_average_precision,
    mean_class_accuracy,
    mmit_mean_average_precision,
    top_k_accuracy,
)
from mmaction.registry import METRICS

_ALLOWED_METRICS = (
    'top_k_accuracy',
    'mean_class_accuracy',
    'mean_average_precision',
    'mmit_mean_average_precision',
)

#: Result names per MMAction2 release: ``(prefix when none is given, names)``;
#: ``{k}`` is each top-k value. 1.x's evaluator puts the prefix before a ``/``.
RESULT_NAMES = {
    '0.x': (
        '',
        dict(
            top_k_accuracy='top{k}_acc',
            mean_class_accuracy='mean_class_accuracy',
            mean_average_precision='mean_average_precision',
            mmit_mean_average_precision='mmit_mean_average_precision',
        ),
    ),
    '1.x': (
        'acc',
        dict(
            top_k_accuracy='top{k}',
            mean_class_accuracy='mean1',
            mean_average_precision='mean_average_precision',
            mmit_mean_average_precision='mmit_mean_average_precision',
        ),
    ),
}


def _to_numpy(value: Any, what: str) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if value is None:
        raise KeyError(f'AccMetric: a data sample has no {what!r}')
    return np.asarray(value)


@METRICS.register_module()
class AccMetric(BaseMetric):
    """Video classification metrics named and computed as in MMAction2 0.x.

    Args:
        metric_list (str | Sequence[str]): Any of ``'top_k_accuracy'``,
            ``'mean_class_accuracy'``, ``'mean_average_precision'``,
            ``'mmit_mean_average_precision'``.
        metric_options (dict): Per-metric options; ``top_k_accuracy`` takes
            ``topk`` (int or tuple of int). Defaults to
            ``dict(top_k_accuracy=dict(topk=(1, 5)))``.
        collect_device (str): Where results are gathered across processes.
        prefix (str, optional): Prefix for the metric names (mmengine's
            evaluator writes ``prefix/name``). Defaults to none for 0.x
            names and ``'acc'`` for 1.x names, as each release.
        result_names (str): ``'0.x'``: ``top{k}_acc``,
            ``mean_class_accuracy``, ``mean_average_precision``,
            ``mmit_mean_average_precision``; ``'1.x'`` (MMAction2 1.x's, with
            its default prefix): ``acc/top{k}``, ``acc/mean1``,
            ``acc/mean_average_precision``,
            ``acc/mmit_mean_average_precision``. The values are the same.
            Each config dialect's loader sets it. Defaults to ``'0.x'``.
    """

    # Empty, not None: 0.x's unprefixed names without mmengine's warning.
    default_prefix: Optional[str] = ''

    def __init__(
        self,
        metric_list: Union[str, Sequence[str]] = ('top_k_accuracy', 'mean_class_accuracy'),
        metric_options: Optional[Dict[str, dict]] = None,
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
        result_names: str = '0.x',
    ) -> None:
        if result_names not in RESULT_NAMES:
            raise ValueError(
                f"AccMetric: result_names must be '0.x' or '1.x' (the MMAction2 release whose "
                f'metric names to give), got {result_names!r}'
            )
        default_prefix, self._names = RESULT_NAMES[result_names]
        self.result_names = result_names
        super().__init__(
            collect_device=collect_device, prefix=default_prefix if prefix is None else prefix
        )
        metrics = (metric_list,) if isinstance(metric_list, str) else tuple(metric_list)
        for metric in metrics:
            if metric not in _ALLOWED_METRICS:
                raise KeyError(
                    f'AccMetric: unknown metric {metric!r}; choose from {_ALLOWED_METRICS}'
                )
        self.metrics = metrics
        if metric_options is None:
            metric_options = dict(top_k_accuracy=dict(topk=(1, 5)))
        self.metric_options = copy.deepcopy(dict(metric_options))
        topk = self.metric_options.get('top_k_accuracy', {}).get('topk', (1, 5))
        if isinstance(topk, int):
            topk = (topk,)
        if not isinstance(topk, (tuple, list)) or not all(isinstance(k, int) for k in topk):
            raise TypeError(f'AccMetric: topk must be an int or a tuple of int, got {topk!r}')
        self.topk: Tuple[int, ...] = tuple(topk)

    def process(self, data_batch: Any, data_samples: Sequence[Mapping[str, Any]]) -> None:
        """Keep each video's scores and label as numpy arrays.

        Args:
            data_batch: The batch given to the model (not used).
            data_samples (Sequence[dict]): One dict per video with
                ``pred_score`` ``(num_classes,)`` and ``gt_label`` (shape
                ``(1,)`` or a multi-hot ``(num_classes,)`` vector). A video
                that could not be read has ``pred_score`` None: it is kept
                as None (one entry per video) and left out of the metrics.
        """
        for sample in data_samples:
            if not isinstance(sample, Mapping):
                raise TypeError(
                    'AccMetric expects dicts with "pred_score" and "gt_label", '
                    f'got {type(sample).__name__}'
                )
            if sample.get('pred_score') is None and 'broken' in sample:
                self.results.append(None)
                continue
            score = _to_numpy(sample.get('pred_score'), 'pred_score').astype(np.float64).ravel()
            label = _to_numpy(sample.get('gt_label'), 'gt_label').ravel()
            self.results.append(dict(pred_score=score, gt_label=label))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute the configured metrics over all processed videos.

        Args:
            results (list[dict | None]): What :meth:`process` stored.

        Returns:
            dict[str, float]: Metric name to value.
        """
        results = [r for r in results if r is not None]  # unreadable videos are left out
        if not results:
            raise ValueError('AccMetric: no results to evaluate (was every video unreadable?)')
        scores = np.stack([r['pred_score'] for r in results])
        num_classes = scores.shape[1]
        label_sizes = {r['gt_label'].size for r in results}
        multi_hot = label_sizes != {1}
        if multi_hot and label_sizes != {num_classes}:
            raise ValueError(
                f'AccMetric: labels must be single class indices or multi-hot vectors of '
                f'length {num_classes}; got label sizes {sorted(label_sizes)}'
            )
        labels = np.stack([r['gt_label'] for r in results])

        out: Dict[str, float] = {}
        for metric in self.metrics:
            if metric in ('top_k_accuracy', 'mean_class_accuracy') and multi_hot:
                raise ValueError(
                    f'AccMetric: {metric} needs single-label ground truth, but the labels are '
                    'multi-hot vectors; use mean_average_precision instead'
                )
            if metric == 'top_k_accuracy':
                for k, acc in zip(self.topk, top_k_accuracy(scores, labels[:, 0], self.topk)):
                    out[self._names[metric].format(k=k)] = acc
            elif metric == 'mean_class_accuracy':
                out[self._names[metric]] = mean_class_accuracy(scores, labels[:, 0])
            else:
                targets = labels if multi_hot else self._one_hot(labels[:, 0], num_classes)
                compute = (
                    mean_average_precision
                    if metric == 'mean_average_precision'
                    else mmit_mean_average_precision
                )
                out[self._names[metric]] = compute(scores, targets)
        return out

    @staticmethod
    def _one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
        labels = labels.astype(np.int64)
        if labels.min() < 0 or labels.max() >= num_classes:
            raise ValueError(
                f'AccMetric: label {int(labels.max())} is outside the {num_classes} score classes'
            )
        targets = np.zeros((labels.size, num_classes))
        targets[np.arange(labels.size), labels] = 1
        return targets
