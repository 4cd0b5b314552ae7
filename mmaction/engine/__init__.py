"""Training and testing engine: the entry points and what they are made of.

- ``training`` / ``testing``: :func:`train_model` and :func:`test_model`,
  behind ``tools/train.py`` and ``tools/test.py`` (``options``: their
  command-line options; ``cli``: error handling of the tools).
- ``model_builder``: the model of a run, for training, testing, inference
  and the analysis tools alike; ``input_spec``: the input of one video.
- ``config/``: loading 0.x configs, checking keys, translating them into
  mmengine Runner arguments.
- ``runtime/``: the runner, loops, hooks, checkpoints, preemption, console.
- ``speed/``: precision, channels-last, ``torch.compile``, conv-BN fusion.

The names below are the engine's public API.
"""

from .cli import cli_guard
from .config.checks import ConfigError, explain_registry_errors
from .config.convert import convert_inference_config, convert_test_config, convert_train_config
from .config.loader import load_config
from .options import KEEP_AVERAGE_CLIPS, RunOptions, TestOptions, TrainOptions
from .runtime import eval_loops  # noqa: F401  (registers ActionValLoop, ActionTestLoop)
from .runtime.atomic_io import atomic_local_writes, atomic_write_bytes, atomic_write_text
from .runtime.auto_resume import find_resumable_checkpoint, is_complete_checkpoint
from .runtime.broken_video_report import BrokenVideoReport
from .runtime.hooks import (
    AtomicCheckpointHook,
    CheckpointMetaHook,
    ClassReportHook,
    TestProgressHook,
)
from .runtime.loops import ResumableTrainLoop
from .runtime.nonfinite import NonFiniteLossError
from .runtime.per_class_report import PerClassReport
from .runtime.preemption import StopSignals, TrainingInterrupted, ignore_stop_signals
from .runtime.runner import ActionRunner
from .runtime.samplers import ResumableSampler
from .runtime.video_score_dumper import DumpVideoScores
from .speed.bf16_optim_wrapper import BFloat16OptimWrapper
from .speed.fuse_conv_bn import fuse_conv_bn
from .speed.plan import SpeedPlan, plan_speed
from .speed.precision import Precision, resolve_precision
from .testing import test_model
from .training import train_model

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
    'ClassReportHook',
    'ConfigError',
    'DumpVideoScores',
    'NonFiniteLossError',
    'PerClassReport',
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
