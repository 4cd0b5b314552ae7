"""Training and testing engine: 0.x config conversion, runner, hooks, entry points."""

from .atomic_io import atomic_local_writes, atomic_write_bytes, atomic_write_text
from .auto_resume import find_resumable_checkpoint, is_complete_checkpoint
from .autocast_loops import AutocastTestLoop, AutocastValLoop
from .bf16_optim_wrapper import BFloat16OptimWrapper
from .cli import cli_guard
from .config_adapter import convert_test_config, convert_train_config
from .config_check import ConfigError, explain_registry_errors
from .fuse_conv_bn import fuse_conv_bn
from .hooks import AtomicCheckpointHook, CheckpointMetaHook, TestProgressHook
from .options import KEEP_AVERAGE_CLIPS, RunOptions, TestOptions, TrainOptions
from .precision import Precision, resolve_precision
from .runner import ActionRunner
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
    'AutocastTestLoop',
    'AutocastValLoop',
    'BFloat16OptimWrapper',
    'CheckpointMetaHook',
    'ConfigError',
    'DumpVideoScores',
    'Precision',
    'SpeedPlan',
    'TestProgressHook',
    'atomic_local_writes',
    'atomic_write_bytes',
    'atomic_write_text',
    'cli_guard',
    'convert_test_config',
    'convert_train_config',
    'explain_registry_errors',
    'find_resumable_checkpoint',
    'fuse_conv_bn',
    'is_complete_checkpoint',
    'plan_speed',
    'resolve_precision',
    'test_model',
    'train_model',
]
