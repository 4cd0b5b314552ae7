"""Utilities: user errors, safe checkpoint loading, synthetic data.

The checkpoint helpers are imported on first use: they pull in torch, and
``mmaction.utils.synthetic_data`` (used by the data generator) needs no torch.
"""

import importlib

from .errors import (
    AnnotationError,
    CheckpointError,
    ConfigError,
    MissingPackageError,
    ResultFileError,
    UserError,
    missing_package,
)

_CHECKPOINT_NAMES = (
    'StateDictFit',
    'apply_checkpoint',
    'checkpoint_safe_globals',
    'compare_state_dict',
    'get_state_dict',
    'load_checkpoint',
    'load_checkpoint_file',
    'local_checkpoint_path',
    'patch_mmengine_checkpoint_loading',
    'resolve_torchvision_url',
)

__all__ = [
    'AnnotationError',
    'CheckpointError',
    'ConfigError',
    'MissingPackageError',
    'ResultFileError',
    'UserError',
    'missing_package',
    *_CHECKPOINT_NAMES,
]


def __getattr__(name: str):
    if name in _CHECKPOINT_NAMES:
        return getattr(importlib.import_module('.checkpoint', __name__), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
