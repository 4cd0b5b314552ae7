"""0.x ``lr_config`` (mmcv ``LrUpdaterHook`` policies) to mmengine ``param_scheduler``.

mmcv multiplies the regular learning rate by a warm-up factor; mmengine
chains schedulers multiplicatively, so a warm-up becomes a linear or constant
scheduler over the warm-up window (see ``warmup_schedulers``) next to the main
scheduler. A policy that updates every iteration (``by_epoch=False``) is still expressed in
epochs where it spans the whole training, with ``convert_to_iter_based``. ``poly``, and
``CosineAnnealing`` with a non-zero minimum next to a warm-up, become the schedulers of
``mmcv_schedulers``: mmengine's own count ``poly`` one step short and do not multiply
with a warm-up (an affine step), so they would give other rates than mmcv.
"""

from typing import List, Optional

# Imported to register the schedulers named here.
from ..runtime import mmcv_schedulers, warmup_schedulers  # noqa: F401
from .checks import ConfigError, check_section_keys

#: The top-level 0.x config keys this module handles.
TOP_LEVEL_KEYS = ('lr_config',)

_LR_CONFIG_KEYS = {
    'policy', 'by_epoch', 'warmup', 'warmup_iters', 'warmup_ratio', 'warmup_by_epoch',
    'step', 'gamma', 'min_lr', 'min_lr_ratio', 'power',
}  # fmt: skip

SUPPORTED_POLICIES = ('step', 'CosineAnnealing', 'poly', 'exp', 'fixed')


def _warmup_scheduler(lr_config: dict) -> Optional[dict]:
    warmup = lr_config.get('warmup')
    if warmup is None:
        return None
    iters = lr_config.get('warmup_iters', 0)
    if iters <= 0:
        raise ConfigError(f'lr_config.warmup_iters must be > 0 with warmup={warmup!r}')
    ratio = float(lr_config.get('warmup_ratio', 0.1))
    if not 0 < ratio <= 1:
        raise ConfigError(f'lr_config.warmup_ratio must be in (0, 1], got {ratio}')
    by_epoch = bool(lr_config.get('warmup_by_epoch', False))
    span = dict(begin=0, end=iters, by_epoch=by_epoch)
    if by_epoch:
        # mmcv turns an epoch warm-up into iterations and updates every step.
        span['convert_to_iter_based'] = True
    if warmup == 'linear':
        return dict(type='LinearWarmupLR', start_factor=ratio, end_factor=1.0, **span)
    if warmup == 'constant':
        return dict(type='ConstantWarmupLR', factor=ratio, **span)
    raise ConfigError(
        f"lr_config.warmup={warmup!r} is not supported; use 'linear', 'constant' or None"
    )


def _main_scheduler(lr_config: dict, max_epochs: int) -> Optional[dict]:
    """The scheduler of the policy; a warm-up multiplies its rate (as mmcv's hook does)."""
    policy = lr_config.get('policy')
    by_epoch = bool(lr_config.get('by_epoch', True))
    # Policies that span the whole run are written in epochs either way.
    whole_run = dict(begin=0, end=max_epochs, by_epoch=True)
    if not by_epoch:
        whole_run['convert_to_iter_based'] = True
    if policy == 'step':
        if lr_config.get('min_lr') is not None:
            raise ConfigError("lr_config.min_lr is not supported with policy='step'")
        step = lr_config.get('step')
        gamma = float(lr_config.get('gamma', 0.1))
        if isinstance(step, int):
            return dict(type='StepLR', step_size=step, gamma=gamma, by_epoch=by_epoch)
        if not isinstance(step, (list, tuple)) or not step:
            raise ConfigError(f'lr_config.step must be an int or a list of ints, got {step!r}')
        return dict(type='MultiStepLR', milestones=list(step), gamma=gamma, by_epoch=by_epoch)
    if policy == 'CosineAnnealing':
        min_lr, min_lr_ratio = lr_config.get('min_lr'), lr_config.get('min_lr_ratio')
        if (min_lr is None) == (min_lr_ratio is None):
            raise ConfigError(
                "lr_config with policy='CosineAnnealing' needs exactly one of "
                f'min_lr and min_lr_ratio, got min_lr={min_lr!r}, min_lr_ratio={min_lr_ratio!r}'
            )
        target = dict(eta_min=min_lr) if min_lr is not None else dict(eta_min_ratio=min_lr_ratio)
        # mmengine's own steps affinely: with a non-zero minimum, a warm-up would not scale it.
        exact = lr_config.get('warmup') is None or not (min_lr or min_lr_ratio)
        kind = 'CosineAnnealingLR' if exact else 'MmcvCosineAnnealingLR'
        return dict(type=kind, T_max=max_epochs, **target, **whole_run)
    if policy == 'poly':
        return dict(
            type='MmcvPolyLR',
            power=float(lr_config.get('power', 1.0)),
            eta_min=float(lr_config.get('min_lr', 0.0)),
            **whole_run,
        )
    if policy == 'exp':
        return dict(type='ExponentialLR', gamma=float(lr_config['gamma']), by_epoch=by_epoch)
    if policy == 'fixed':
        return None
    raise ConfigError(
        f'lr_config.policy={policy!r} is not supported; supported: {", ".join(SUPPORTED_POLICIES)}'
    )


def convert_lr_config(lr_config: Optional[dict], max_epochs: int) -> List[dict]:
    """Translate a 0.x ``lr_config`` into a list of mmengine scheduler configs.

    Args:
        lr_config: The 0.x learning-rate policy, e.g.
            ``dict(policy='step', step=[75, 125])``, or None (constant lr).
        max_epochs: ``total_epochs`` of the config.

    Returns:
        Scheduler configs for ``param_scheduler`` (empty for a constant lr).

    Raises:
        ValueError: for unknown keys, policies or warm-up types.
    """
    if not lr_config:
        return []
    check_section_keys('lr_config', lr_config, _LR_CONFIG_KEYS)
    schedulers = []
    warmup = _warmup_scheduler(lr_config)
    if warmup is not None:
        schedulers.append(warmup)
    main = _main_scheduler(lr_config, max_epochs)
    if main is not None:
        schedulers.append(main)
    return schedulers
