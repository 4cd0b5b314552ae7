"""0.x ``optimizer`` / ``optimizer_config`` and the run's precision to mmengine ``optim_wrapper``."""

import copy
import inspect
from typing import Optional

from ..speed.precision import Precision
from .checks import ConfigError, check_section_keys, suggest

#: The top-level 0.x config keys this module handles.
TOP_LEVEL_KEYS = ('optimizer', 'optimizer_config')

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
    """``fused`` and ``foreach`` pick two different steps: not both."""
    if optimizer.get('fused') and optimizer.get('foreach'):
        raise ConfigError(
            'optimizer.fused=True and optimizer.foreach=True exclude each other: keep one'
        )


def _check_optimizer_args(optimizer: dict) -> None:
    """Refuse an unknown optimizer type or argument before anything is built."""
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
            :func:`~mmaction.engine.speed.precision.resolve_precision`, which also
            reads the fp16 request of ``optimizer_config``); None is float32.

    Returns:
        The ``optim_wrapper`` config: ``OptimWrapper`` for float32,
        ``BFloat16OptimWrapper`` for bf16, ``AmpOptimWrapper`` (float16,
        loss scaling) for fp16.
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
        raise ConfigError(f'optimizer_config.cumulative_iters must be >= 1, got {counts}')
    if int(counts) > 1:
        wrapper['accumulative_counts'] = int(counts)
    if paramwise_cfg is not None:
        wrapper['paramwise_cfg'] = dict(paramwise_cfg)
    if constructor is not None:
        wrapper['constructor'] = constructor
    return wrapper
