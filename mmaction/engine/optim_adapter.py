"""0.x ``optimizer`` / ``optimizer_config`` / ``fp16`` to mmengine ``optim_wrapper``."""

import copy
from typing import Optional

import torch

from .config_check import ConfigError, check_section_keys, suggest

#: The top-level 0.x config keys this module handles.
TOP_LEVEL_KEYS = ('optimizer', 'optimizer_config', 'fp16')

_OPTIMIZER_CONFIG_KEYS = {
    'type', 'grad_clip', 'cumulative_iters', 'accumulative_counts', 'loss_scale',
    'detect_anomalous_params', 'coalesce', 'bucket_size_mb', 'distributed',
}  # fmt: skip
_HOOK_TYPES = {
    'OptimizerHook',
    'GradientCumulativeOptimizerHook',
    'Fp16OptimizerHook',
    'GradientCumulativeFp16OptimizerHook',
}


def _mixed_precision(loss_scale) -> dict:
    """Wrapper config for mixed precision on the device this process will use."""
    if torch.cuda.is_available():
        if loss_scale is None:
            loss_scale = 'dynamic'
        return dict(type='AmpOptimWrapper', dtype='float16', loss_scale=loss_scale)
    # bfloat16 has float32's range: no loss scaling on the CPU.
    return dict(type='CPUBFloat16OptimWrapper')


def _check_optimizer_args(optimizer: dict) -> None:
    """Refuse an unknown optimizer type or argument before anything is built."""
    import inspect

    from mmengine.registry import OPTIMIZERS

    optimizer_type = optimizer['type']
    if not isinstance(optimizer_type, str):
        return
    cls = OPTIMIZERS.get(optimizer_type)
    if cls is None:
        raise ConfigError(
            f'optimizer.type={optimizer_type!r} is not a known optimizer.'
            f'{suggest(optimizer_type, list(OPTIMIZERS.module_dict))}'
        )
    parameters = inspect.signature(cls).parameters
    if any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return
    accepted = [name for name in parameters if name != 'params']
    keys = set(optimizer) - {'type'}
    check_section_keys('optimizer', keys, accepted, kind=f'type={optimizer_type!r}')


def convert_optimizer(
    optimizer: dict,
    optimizer_config: Optional[dict] = None,
    fp16: Optional[dict] = None,
    amp: bool = False,
) -> dict:
    """Build mmengine's ``optim_wrapper`` config from the 0.x keys.

    Args:
        optimizer: 0.x ``optimizer`` (``type``, ``lr``, ... plus optional
            ``paramwise_cfg`` and ``constructor``).
        optimizer_config: 0.x ``optimizer_config``: ``grad_clip``,
            ``cumulative_iters`` (or ``accumulative_counts``), hook ``type``.
        fp16: 0.x ``fp16`` (``dict(loss_scale=...)``) or None.
        amp: ``--amp``: mixed precision even without ``fp16`` in the config
            (float16 with loss scaling on CUDA, bfloat16 on the CPU).

    Returns:
        The ``optim_wrapper`` config.
    """
    if not isinstance(optimizer, dict) or 'type' not in optimizer:
        raise ConfigError(f'`optimizer` must be a dict with a `type`, got {optimizer!r}')
    optimizer = copy.deepcopy(dict(optimizer))
    paramwise_cfg = optimizer.pop('paramwise_cfg', None)
    constructor = optimizer.pop('constructor', None)
    _check_optimizer_args(optimizer)
    optimizer_config = dict(optimizer_config or {})
    check_section_keys('optimizer_config', optimizer_config, _OPTIMIZER_CONFIG_KEYS)
    hook_type = optimizer_config.get('type', 'OptimizerHook')
    if hook_type not in _HOOK_TYPES:
        raise ConfigError(
            f'optimizer_config.type={hook_type!r} is not supported; '
            f'supported: {", ".join(sorted(_HOOK_TYPES))}'
        )

    if fp16 is not None or amp or 'Fp16' in hook_type:
        loss_scale = (fp16 or {}).get('loss_scale', optimizer_config.get('loss_scale'))
        wrapper = _mixed_precision(loss_scale)
    else:
        wrapper = dict(type='OptimWrapper')
    wrapper['optimizer'] = optimizer

    grad_clip = optimizer_config.get('grad_clip')
    if grad_clip is not None:
        wrapper['clip_grad'] = dict(grad_clip)
    counts = optimizer_config.get(
        'accumulative_counts', optimizer_config.get('cumulative_iters', 1)
    )
    if int(counts) < 1:
        raise ConfigError(f'optimizer_config.cumulative_iters must be >= 1, got {counts}')
    if int(counts) > 1:
        wrapper['accumulative_counts'] = int(counts)
    if paramwise_cfg is not None:
        wrapper['paramwise_cfg'] = dict(paramwise_cfg)
    if constructor is not None:
        wrapper['constructor'] = constructor
    return wrapper
