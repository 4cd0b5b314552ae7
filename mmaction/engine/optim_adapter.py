"""0.x ``optimizer`` / ``optimizer_config`` and the run's precision to mmengine ``optim_wrapper``."""

import copy
import inspect
from typing import Any, Optional

import torch

from mmaction.utils.errors import ConfigError

from .precision import Precision

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


def optimizer_config_fp16(optimizer_config: Optional[dict]) -> Optional[dict]:
    """The ``fp16`` request of a 0.x ``optimizer_config``, like the ``fp16`` key.

    ``type='Fp16OptimizerHook'`` (or its cumulative variant) or a
    ``loss_scale`` ask for float16 with loss scaling.

    Returns:
        ``dict(loss_scale=...)`` when it asks for it, else None.
    """
    optimizer_config = dict(optimizer_config or {})
    if 'Fp16' in str(optimizer_config.get('type', '')) or 'loss_scale' in optimizer_config:
        return dict(loss_scale=optimizer_config.get('loss_scale', 'dynamic'))
    return None


def _precision_wrapper(precision: Optional[Precision]) -> dict:
    """Wrapper type for the run's precision."""
    if precision is None or precision.autocast_dtype is None:
        return dict(type='OptimWrapper')
    if precision.name == 'bf16':
        # bfloat16 has float32's range: autocast only, no loss scaling.
        return dict(type='BFloat16OptimWrapper')
    return dict(type='AmpOptimWrapper', dtype='float16', loss_scale=precision.loss_scale)


def _check_fused(optimizer: dict) -> None:
    """``fused``/``foreach`` must be known to the torch optimizer and not both on."""
    if optimizer.get('fused') and optimizer.get('foreach'):
        raise ConfigError(
            'optimizer.fused=True and optimizer.foreach=True exclude each other: keep one'
        )
    cls: Any = getattr(torch.optim, str(optimizer['type']), None)
    if not inspect.isclass(cls):
        return  # a registered custom optimizer checks its own arguments
    accepted = inspect.signature(cls).parameters
    for key in ('fused', 'foreach'):
        if optimizer.get(key) is not None and key not in accepted:
            raise ConfigError(
                f'optimizer.{key}: torch.optim.{optimizer["type"]} has no {key} implementation; '
                'remove the key'
            )


def convert_optimizer(
    optimizer: dict,
    optimizer_config: Optional[dict] = None,
    precision: Optional[Precision] = None,
) -> dict:
    """Build mmengine's ``optim_wrapper`` config from the 0.x keys.

    Args:
        optimizer: 0.x ``optimizer`` (``type``, ``lr``, ... plus optional
            ``paramwise_cfg`` and ``constructor``; ``fused=True`` or
            ``foreach=True`` pick PyTorch's fused or multi-tensor step).
        optimizer_config: 0.x ``optimizer_config``: ``grad_clip``,
            ``cumulative_iters`` (or ``accumulative_counts``), hook ``type``.
        precision: The run's precision (see
            :func:`~mmaction.engine.precision.resolve_precision`, which also
            reads the fp16 request of ``optimizer_config``); None is float32.

    Returns:
        The ``optim_wrapper`` config: ``OptimWrapper`` for float32,
        ``BFloat16OptimWrapper`` for bf16, ``AmpOptimWrapper`` (float16,
        loss scaling) for fp16.
    """
    if not isinstance(optimizer, dict) or 'type' not in optimizer:
        raise ValueError(f'`optimizer` must be a dict with a `type`, got {optimizer!r}')
    optimizer = copy.deepcopy(dict(optimizer))
    paramwise_cfg = optimizer.pop('paramwise_cfg', None)
    constructor = optimizer.pop('constructor', None)
    optimizer_config = dict(optimizer_config or {})
    unknown = set(optimizer_config) - _OPTIMIZER_CONFIG_KEYS
    if unknown:
        raise ValueError(f'Unknown key(s) in optimizer_config: {", ".join(sorted(unknown))}')
    hook_type = optimizer_config.get('type', 'OptimizerHook')
    if hook_type not in _HOOK_TYPES:
        raise ValueError(
            f'optimizer_config.type={hook_type!r} is not supported; '
            f'supported: {", ".join(sorted(_HOOK_TYPES))}'
        )

    _check_fused(optimizer)
    wrapper = _precision_wrapper(precision)
    wrapper['optimizer'] = optimizer

    grad_clip = optimizer_config.get('grad_clip')
    if grad_clip is not None:
        wrapper['clip_grad'] = dict(grad_clip)
    counts = optimizer_config.get(
        'accumulative_counts', optimizer_config.get('cumulative_iters', 1)
    )
    if int(counts) < 1:
        raise ValueError(f'optimizer_config.cumulative_iters must be >= 1, got {counts}')
    if int(counts) > 1:
        wrapper['accumulative_counts'] = int(counts)
    if paramwise_cfg is not None:
        wrapper['paramwise_cfg'] = dict(paramwise_cfg)
    if constructor is not None:
        wrapper['constructor'] = constructor
    return wrapper
