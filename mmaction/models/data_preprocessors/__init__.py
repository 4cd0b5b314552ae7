"""Data preprocessors: per-batch work done on the model's device."""

from .action_data_preprocessor import ActionDataPreprocessor

__all__ = ['ActionDataPreprocessor']
