"""Training and testing engine: 0.x config conversion, runner, hooks, entry points."""

from . import eval_loops  # noqa: F401  (registers ActionValLoop, ActionTestLoop)
from .atomic_io import atomic_local_writes, atomic_write_bytes, atomic_write_text
from .auto_resume import find_resumable_checkpoint, is_complete_checkpoint
from .bf16_optim_wrapper import BFloat16OptimWrapper
from .broken_video_report import BrokenVideoReport
from .cli import cli_guard
from .config_adapter import convert_inference_config, convert_test_config, convert_train_config
from .config_check import ConfigError, explain_registry_errors
from .config_loader import load_config
from .fuse_conv_bn import fuse_conv_bn
from .hooks import AtomicCheckpointHook, CheckpointMetaHook, TestProgressHook
from .loops import ResumableTrainLoop
from .nonfinite import NonFiniteLossError
from .options import KEEP_AVERAGE_CLIPS, RunOptions, TestOptions, TrainOptions
from .precision import Precision, resolve_precision
from .preemption import StopSignals, TrainingInterrupted, ignore_stop_signals
from .runner import ActionRunner
from .samplers import ResumableSampler
from .speed import SpeedPlan, plan_speed
from .test_api import test_model
from .train_api import train_model
from .video_score_dumper import DumpVideoScores

__all__ = [
    'KEEP_AVERAGE_CLIPS',
    'RunOptions',
    'TestOptions',
    'TrainOptions',
    'ActionRunner',
    'AtomicCheckpointHook',
    'BFloat16OptimWrapper',
    'BrokenVideoReport',
    'CheckpointMetaHook',
    'ConfigError',
    'DumpVideoScores',
    'NonFiniteLossError',
    'Precision',
    'ResumableSampler',
    'ResumableTrainLoop',
    'SpeedPlan',
    'StopSignals',
    'TestProgressHook',
    'TrainingInterrupted',
    'atomic_local_writes',
    'atomic_write_bytes',
    'atomic_write_text',
    'cli_guard',
    'convert_inference_config',
    'convert_test_config',
    'convert_train_config',
    'explain_registry_errors',
    'find_resumable_checkpoint',
    'fuse_conv_bn',
    'ignore_stop_signals',
    'is_complete_checkpoint',
    'load_config',
    'plan_speed',
    'resolve_precision',
    'test_model',
    'train_model',
]
