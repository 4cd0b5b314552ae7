"""The optimizer of a run: 0.x ``optimizer``/``optimizer_config``, 1.x ``optim_wrapper``.

:func:`zero_x_optim_wrapper` writes the 1.x ``optim_wrapper`` of the 0.x
keys; :func:`runner_optim_wrapper` checks a 1.x ``optim_wrapper`` and picks
the wrapper class that runs the run's precision (``OptimWrapper`` for
float32, ``BFloat16OptimWrapper`` for bf16, ``AmpOptimWrapper`` with loss
scaling for fp16); :func:`mixed_precision_request` reads what the config
asks for, for the speed plan.
"""

import copy
import inspect
from typing import Any, Dict, Optional

from ..speed.precision import Precision
from .checks import ConfigError, check_section_keys, number, suggest

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
#: Keys of a 1.x ``optim_wrapper`` the toolkit reads.
WRAPPER_KEYS = {
    'type', 'optimizer', 'clip_grad', 'accumulative_counts', 'paramwise_cfg', 'constructor',
    'loss_scale', 'dtype',
}  # fmt: skip
_WRAPPER_TYPES = ('OptimWrapper', 'AmpOptimWrapper')


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


def mixed_precision_request(optim_wrapper: Optional[dict]) -> Dict[str, Any]:
    """What a 1.x ``optim_wrapper`` asks of the precision (for the speed plan).

    Returns:
        ``dict(precision='bf16')`` for an ``AmpOptimWrapper`` with
        ``dtype='bfloat16'``, ``dict(fp16=dict(loss_scale=...))`` for one in
        float16, else an empty dict.
    """
    wrapper = dict(optim_wrapper or {})
    if wrapper.get('type') != 'AmpOptimWrapper':
        return {}
    if str(wrapper.get('dtype', 'float16')) in ('bfloat16', 'torch.bfloat16'):
        return dict(precision='bf16')
    return dict(fp16=dict(loss_scale=wrapper.get('loss_scale', 'dynamic')))


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


def _check_optimizer_args(optimizer: dict, where: str) -> None:
    """Refuse an unknown optimizer type or argument, or a learning rate that is no number."""
    from mmengine.registry import OPTIMIZERS

    if 'lr' in optimizer:
        number(optimizer['lr'], f'{where}.lr', 'the learning rate', positive=False)
    optimizer_type = optimizer['type']
    if not isinstance(optimizer_type, str):
        return
    cls = OPTIMIZERS.get(optimizer_type)
    if cls is None:
        raise ConfigError(
            f'{where}.type={optimizer_type!r} is not a known optimizer.'
            f'{suggest(optimizer_type, list(OPTIMIZERS.module_dict))}'
        )
    parameters = inspect.signature(cls).parameters
    if any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return
    accepted = [name for name in parameters if name != 'params']
    keys = set(optimizer) - {'type'}
    check_section_keys(where, keys, accepted, kind=f'type={optimizer_type!r}')


def _checked_optimizer(optimizer: Any, where: str) -> dict:
    if not isinstance(optimizer, dict) or 'type' not in optimizer:
        raise ConfigError(f'`{where}` must be a dict with a `type`, got {optimizer!r}')
    optimizer = copy.deepcopy(dict(optimizer))
    _check_optimizer_args(
        {k: v for k, v in optimizer.items() if k not in ('paramwise_cfg', 'constructor')}, where
    )
    _check_fused(optimizer)
    return optimizer


def zero_x_optim_wrapper(
    optimizer: dict, optimizer_config: Optional[dict] = None, fp16: Optional[dict] = None
) -> dict:
    """The 1.x ``optim_wrapper`` of 0.x ``optimizer``, ``optimizer_config`` and ``fp16``.

    Args:
        optimizer: 0.x ``optimizer`` (``type``, ``lr``, ... plus optional
            ``paramwise_cfg`` and ``constructor``; ``fused=True`` or
            ``foreach=True`` pick PyTorch's fused or multi-tensor step).
        optimizer_config: 0.x ``optimizer_config``: ``grad_clip``,
            ``cumulative_iters`` (or ``accumulative_counts``), hook ``type``
            (an ``Fp16OptimizerHook`` or a ``loss_scale`` ask for float16).
        fp16: 0.x ``fp16`` (``dict(loss_scale=...)``): float16 with loss scaling.

    Returns:
        ``OptimWrapper``, or ``AmpOptimWrapper`` (float16, loss scaling)
        when fp16 is asked for.
    """
    optimizer = _checked_optimizer(optimizer, 'optimizer')
    optimizer_config = dict(optimizer_config or {})
    check_section_keys('optimizer_config', optimizer_config, _OPTIMIZER_CONFIG_KEYS)
    hook_type = optimizer_config.get('type', 'OptimizerHook')
    if hook_type not in _HOOK_TYPES:
        raise ConfigError(
            f'optimizer_config.type={hook_type!r} is not supported; '
            f'supported: {", ".join(sorted(_HOOK_TYPES))}'
        )
    fp16 = fp16 if fp16 is not None else optimizer_config_fp16(optimizer_config)
    wrapper: Dict[str, Any] = dict(type='OptimWrapper')
    if fp16 is not None:
        wrapper = dict(type='AmpOptimWrapper', loss_scale=dict(fp16).get('loss_scale', 'dynamic'))
    paramwise_cfg = optimizer.pop('paramwise_cfg', None)
    constructor = optimizer.pop('constructor', None)
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


def runner_optim_wrapper(optim_wrapper: Any, precision: Optional[Precision] = None) -> dict:
    """The ``optim_wrapper`` the Runner builds: a 1.x one, checked, in the run's precision.

    Args:
        optim_wrapper: The 1.x ``optim_wrapper``.
        precision: The run's precision (None: float32); it decides the
            wrapper class, whatever ``type`` the config names.

    Raises:
        ConfigError: An unknown key, wrapper type or optimizer argument.
    """
    if not isinstance(optim_wrapper, dict) or 'optimizer' not in optim_wrapper:
        raise ConfigError(
            f'optim_wrapper must be a dict with an `optimizer`, got {optim_wrapper!r}'
        )
    wrapper = copy.deepcopy(dict(optim_wrapper))
    check_section_keys('optim_wrapper', wrapper, WRAPPER_KEYS)
    kind = wrapper.pop('type', 'OptimWrapper')
    if kind not in _WRAPPER_TYPES:
        raise ConfigError(
            f'optim_wrapper.type={kind!r} is not supported; use {" or ".join(_WRAPPER_TYPES)} '
            '(the precision key or --amp choose mixed precision)'
        )
    for key in ('loss_scale', 'dtype'):
        wrapper.pop(key, None)  # read by mixed_precision_request into the speed plan
    wrapper['optimizer'] = _checked_optimizer(wrapper['optimizer'], 'optim_wrapper.optimizer')
    counts = wrapper.get('accumulative_counts', 1)
    if isinstance(counts, bool) or not isinstance(counts, int) or counts < 1:
        raise ConfigError(
            f'optim_wrapper.accumulative_counts must be an integer >= 1, got {counts!r}'
        )
    if counts == 1:
        wrapper.pop('accumulative_counts', None)
    return dict(_precision_wrapper(precision), **wrapper)
