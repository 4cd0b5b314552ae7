"""Utilities: safe checkpoint loading, synthetic data.

The checkpoint helpers are imported on first use: they pull in torch, and
``mmaction.utils.synthetic_data`` (used by the data generator) needs no torch.
"""

import importlib

_CHECKPOINT_NAMES = (
    'CheckpointError',
    'checkpoint_safe_globals',
    'get_state_dict',
    'load_checkpoint',
    'load_checkpoint_file',
    'patch_mmengine_checkpoint_loading',
    'resolve_torchvision_url',
)

__all__ = list(_CHECKPOINT_NAMES)


def __getattr__(name: str):
    if name in _CHECKPOINT_NAMES:
        return getattr(importlib.import_module('.checkpoint', __name__), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
