"""Evaluation: metric functions and the ``AccMetric`` evaluator metric."""

from .functional import (
    binary_precision_recall_curve,
    confusion_matrix,
    mean_average_precision,
    mean_class_accuracy,
    mmit_mean_average_precision,
    top_k_accuracy,
)
from .metrics import AccMetric

__all__ = [
    'AccMetric',
    'binary_precision_recall_curve',
    'confusion_matrix',
    'mean_average_precision',
    'mean_class_accuracy',
    'mmit_mean_average_precision',
    'top_k_accuracy',
]
