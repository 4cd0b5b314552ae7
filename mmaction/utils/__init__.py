"""Utilities: safe checkpoint loading."""

from .checkpoint import (
    CheckpointError,
    checkpoint_safe_globals,
    get_state_dict,
    load_checkpoint,
    load_checkpoint_file,
    patch_mmengine_checkpoint_loading,
    resolve_torchvision_url,
)

__all__ = [
    'CheckpointError',
    'checkpoint_safe_globals',
    'get_state_dict',
    'load_checkpoint',
    'load_checkpoint_file',
    'patch_mmengine_checkpoint_loading',
    'resolve_torchvision_url',
]
