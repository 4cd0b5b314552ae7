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
from .mmaction2_dump import load_mmaction2_dump
from .video_scores import VideoScores, fuse_video_scores

__all__ = [
    'AccMetric',
    'VideoScores',
    'binary_precision_recall_curve',
    'confusion_matrix',
    'fuse_video_scores',
    'load_mmaction2_dump',
    'mean_average_precision',
    'mean_class_accuracy',
    'mmit_mean_average_precision',
    'top_k_accuracy',
]
