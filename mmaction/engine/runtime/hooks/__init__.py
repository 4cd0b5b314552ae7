"""Training and testing hooks of the toolkit."""

from .atomic_checkpoint_hook import AtomicCheckpointHook
from .checkpoint_meta_hook import CheckpointMetaHook, capture_rng_state, restore_rng_state
from .class_report_hook import ClassReportHook
from .console_progress_hook import ConsoleProgressHook
from .testing_progress_hook import TestProgressHook

__all__ = [
    'AtomicCheckpointHook',
    'CheckpointMetaHook',
    'ClassReportHook',
    'ConsoleProgressHook',
    'TestProgressHook',
    'capture_rng_state',
    'restore_rng_state',
]
