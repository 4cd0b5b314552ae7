"""Metric functions on numpy arrays (MMAction2 0.x definitions)."""

from .accuracy import (
    binary_precision_recall_curve,
    confusion_matrix,
    mean_average_precision,
    mean_class_accuracy,
    mmit_mean_average_precision,
    top_k_accuracy,
)

__all__ = [
    'binary_precision_recall_curve',
    'confusion_matrix',
    'mean_average_precision',
    'mean_class_accuracy',
    'mmit_mean_average_precision',
    'top_k_accuracy',
]
