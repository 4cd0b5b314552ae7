"""1.x ``param_scheduler`` to the 0.x ``lr_config`` (an mmcv policy) that gives the same rates.

mmcv's ``LrUpdaterHook`` has one policy over the whole run, optionally
times a warm-up that starts at iteration 0 and updates every iteration.
A list of mmengine schedulers is translated only where such a policy gives
the same learning rate at every iteration, whatever the epoch length:

- a warm-up at the start: mmengine's ``LinearLR``/``ConstantLR`` over
  ``[0, E)`` iterations reach the regular rate at iteration ``E - 1``
  (they divide by ``end - begin - 1``), so ``warmup_iters=E-1``; the
  toolkit's ``LinearWarmupLR``/``ConstantWarmupLR`` count as mmcv does
  (``warmup_iters=end``), also in epochs (``warmup_by_epoch``);
- ``MultiStepLR``/``StepLR`` (``step``), ``ExponentialLR`` (``exp``);
- ``CosineAnnealingLR`` and ``PolyLR`` over the whole run (``T_max`` = the
  epochs; ``PolyLR`` to ``end = epochs + 1``, as mmengine's reaches
  ``eta_min`` a step early), and the toolkit's ``MmcvCosineAnnealingLR``/
  ``MmcvPolyLR``. Next to a warm-up, mmengine's own two step affinely and
  are not scaled by it when their minimum is not zero, unlike mmcv's.

Anything else is a :class:`ConfigError` that names the scheduler.
"""

from typing import Any, List, Optional, Tuple

from mmengine.optim.scheduler.param_scheduler import INF

from .checks import ConfigError, check_section_keys

#: Warm-up schedulers and the mmcv warm-up they are.
_WARMUPS = {
    'LinearLR': 'linear',
    'LinearWarmupLR': 'linear',
    'ConstantLR': 'constant',
    'ConstantWarmupLR': 'constant',
}
#: Arguments of each scheduler type (besides the window) that the translation reads.
_ARGS = {
    'LinearLR': ('start_factor', 'end_factor'),
    'LinearWarmupLR': ('start_factor', 'end_factor'),
    'ConstantLR': ('factor',),
    'ConstantWarmupLR': ('factor',),
    'MultiStepLR': ('milestones', 'gamma'),
    'StepLR': ('step_size', 'gamma'),
    'ExponentialLR': ('gamma',),
    'CosineAnnealingLR': ('T_max', 'eta_min', 'eta_min_ratio'),
    'MmcvCosineAnnealingLR': ('T_max', 'eta_min', 'eta_min_ratio'),
    'PolyLR': ('power', 'eta_min'),
    'MmcvPolyLR': ('power', 'eta_min'),
}
_WINDOW = ('type', 'begin', 'end', 'by_epoch', 'convert_to_iter_based', 'verbose')


def _no_form(where: str, kind: str, why: str) -> ConfigError:
    return ConfigError(
        f'{where} ({kind}) has no MMAction2 0.x form: {why}; change it or keep the config in 1.x'
    )


def _is_warmup(item: dict) -> bool:
    """A linear or constant scheduler that starts the run and raises the rate to the regular one."""
    if item.get('type') not in _WARMUPS or item.get('begin', 0) != 0:
        return False
    return item.get('end', INF) != INF and item.get('end_factor', 1.0) == 1.0


def _warmup(item: dict, where: str) -> dict:
    kind = item['type']
    by_epoch = item.get('by_epoch', True)
    converted = bool(item.get('convert_to_iter_based', False))
    ratio = float(item.get('start_factor' if _WARMUPS[kind] == 'linear' else 'factor', 1 / 3))
    if not 0 < ratio <= 1:
        raise _no_form(where, kind, f'mmcv warms up from a ratio in (0, 1], got {ratio}')
    out = dict(warmup=_WARMUPS[kind], warmup_ratio=ratio)
    if kind in ('LinearWarmupLR', 'ConstantWarmupLR'):
        if not by_epoch:
            return dict(out, warmup_iters=int(item['end']))
        if converted:
            return dict(out, warmup_iters=int(item['end']), warmup_by_epoch=True)
    elif not by_epoch:
        if int(item['end']) < 2:
            raise _no_form(where, kind, 'a warm-up of end < 2 iterations does nothing')
        # mmengine's reaches the regular rate at step end - 1, mmcv's at warmup_iters.
        return dict(out, warmup_iters=int(item['end']) - 1)
    raise _no_form(
        where,
        kind,
        'mmcv warms up every iteration over a whole number of iterations or epochs: use '
        'by_epoch=False (iterations), or LinearWarmupLR/ConstantWarmupLR with by_epoch=True, '
        'convert_to_iter_based=True (epochs)',
    )


def _whole_run(item: dict, where: str, max_epochs: Optional[int], steps: int) -> None:
    """Check that an annealing scheduler spans ``steps`` epochs from the start of the run."""
    kind = item['type']
    if max_epochs is None:
        raise _no_form(where, kind, 'it needs train_cfg.max_epochs to tell the length of the run')
    if not item.get('by_epoch', True):
        raise _no_form(
            where,
            kind,
            'write it in epochs (by_epoch=True, convert_to_iter_based=True) over '
            'the whole run: mmcv anneals over the whole run',
        )
    if steps != max_epochs:
        raise _no_form(
            where,
            kind,
            f'it anneals over {steps} epochs but the run has {max_epochs}: mmcv '
            'anneals over the whole run',
        )


def _annealing(item: dict, where: str, max_epochs: Optional[int], warmup: bool) -> dict:
    kind = item['type']
    end = item.get('end', INF)
    per_iteration = bool(item.get('convert_to_iter_based', False))
    if kind.endswith('PolyLR'):
        # mmengine's PolyLR reaches eta_min at step end - 1; mmcv's poly at the end of the run.
        steps = end - 1 if kind == 'PolyLR' else end
        _whole_run(item, where, max_epochs, steps)
        if kind == 'PolyLR' and per_iteration:
            raise _no_form(where, kind, 'per iteration it reaches eta_min one iteration early')
        eta_min = float(item.get('eta_min', 0.0))
        out = dict(policy='poly', power=float(item.get('power', 1.0)), min_lr=eta_min)
        exact_with_warmup = eta_min == 0
    else:
        _whole_run(item, where, max_epochs, item.get('T_max') or end)
        if end < max_epochs:
            raise _no_form(where, kind, f'it stops at epoch {end} of {max_epochs}')
        ratio, eta_min = item.get('eta_min_ratio'), item.get('eta_min')
        if ratio is not None:
            out = dict(policy='CosineAnnealing', min_lr_ratio=float(ratio))
        else:
            out = dict(policy='CosineAnnealing', min_lr=float(eta_min or 0.0))
        exact_with_warmup = not (ratio or eta_min)
    if warmup and not kind.startswith('Mmcv') and not exact_with_warmup:
        raise _no_form(
            where,
            kind,
            'with a non-zero minimum mmengine does not scale it by the warm-up as '
            f'mmcv does (Mmcv{kind} does)',
        )
    if per_iteration:
        out['by_epoch'] = False
    return out


def _stepping(item: dict, where: str, max_epochs: Optional[int]) -> dict:
    """``MultiStepLR``, ``StepLR``, ``ExponentialLR``: from the start of the run to its end."""
    kind = item['type']
    by_epoch = item.get('by_epoch', True)
    converted = bool(item.get('convert_to_iter_based', False))
    end = item.get('end', INF)
    gamma = float(item.get('gamma', 0.1))
    if kind == 'MultiStepLR':
        # Milestones at or past `end` never fire; the converted ones fire at epoch starts.
        out = dict(policy='step', step=[m for m in item['milestones'] if m < end], gamma=gamma)
        if not out['step']:
            raise _no_form(where, kind, 'none of its milestones is before its end')
        return out if by_epoch else dict(out, by_epoch=False)
    if end != INF and not (by_epoch and max_epochs is not None and end >= max_epochs):
        raise _no_form(where, kind, f'it stops at end={end}, before the run ends')
    if kind == 'StepLR':
        out = dict(policy='step', step=int(item['step_size']), gamma=gamma)
        return out if by_epoch else dict(out, by_epoch=False)
    # ExponentialLR: converted to iterations, the factor applies every iteration.
    out = dict(policy='exp', gamma=float(item['gamma']))
    return out if by_epoch and not converted else dict(out, by_epoch=False)


def _split(schedulers: List[dict]) -> Tuple[Optional[Tuple[int, dict]], List[Tuple[int, dict]]]:
    warmups = [(i, s) for i, s in enumerate(schedulers) if _is_warmup(s)]
    if len(warmups) > 1:
        raise ConfigError(
            f'param_scheduler has {len(warmups)} warm-ups (items '
            f'{", ".join(str(i) for i, _ in warmups)}): mmcv has one; keep the config in 1.x'
        )
    rest = [(i, s) for i, s in enumerate(schedulers) if not _is_warmup(s)]
    return (warmups[0] if warmups else None), rest


def _checked(schedulers: Any) -> List[dict]:
    items = [schedulers] if isinstance(schedulers, dict) else list(schedulers or [])
    for i, item in enumerate(items):
        where = f'param_scheduler[{i}]'
        if not isinstance(item, dict) or 'type' not in item:
            raise ConfigError(f'{where} must be a scheduler dict with a `type`, got {item!r}')
        kind = item['type']
        if kind not in _ARGS:
            raise _no_form(where, kind, 'mmcv has no such learning-rate policy')
        if item.get('begin', 0) != 0:
            raise _no_form(where, kind, 'mmcv policies start with the run (begin=0)')
        check_section_keys(where, item, _WINDOW + _ARGS[kind], kind=kind)
    return items


def lr_config_of(schedulers: Any, max_epochs: Optional[int]) -> Optional[dict]:
    """The 0.x ``lr_config`` of a 1.x ``param_scheduler``.

    Args:
        schedulers: The ``param_scheduler`` (a scheduler dict or a list).
        max_epochs: ``train_cfg.max_epochs`` (None: unknown).

    Returns:
        The ``lr_config``; None for no schedulers (a constant rate).

    Raises:
        ConfigError: A scheduler with no exact mmcv form, named with the reason.
    """
    items = _checked(schedulers)
    if not items:
        return None
    warmup, rest = _split(items)
    if len(rest) > 1:
        raise ConfigError(
            f'param_scheduler has {len(rest)} learning-rate policies '
            f'({", ".join(s["type"] for _, s in rest)}): mmcv has one (and a warm-up); '
            'keep the config in 1.x'
        )
    out = dict(policy='fixed')
    if rest:
        index, item = rest[0]
        where = f'param_scheduler[{index}]'
        if item['type'] in _WARMUPS:
            raise _no_form(where, item['type'], 'only a warm-up at the start of the run has one')
        if item['type'] in ('MultiStepLR', 'StepLR', 'ExponentialLR'):
            out = _stepping(item, where, max_epochs)
        else:
            out = _annealing(item, where, max_epochs, warmup is not None)
    if warmup is not None:
        out.update(_warmup(warmup[1], f'param_scheduler[{warmup[0]}]'))
    return out
