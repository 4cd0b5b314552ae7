"""1.x evaluators, hooks and log back-ends to their 0.x keys (:mod:`.to_zero_x` assembles them).

Each function takes 1.x values and returns the 0.x ones; what 0.x cannot
hold but that changes no number (log smoothing, back-end arguments) is
left out and described in ``notes``, which the converted file's header
lists; what would change a run is a :class:`ConfigError`.
"""

from typing import Any, Dict, List, Optional, Tuple

from .checks import ConfigError, check_section_keys
from .evaluators import result_key
from .runtime import CHECKPOINT_KEYS, LOGGER_BACKENDS

#: 1.x log back-end -> the 0.x logger hook.
_LOGGERS = {backend: hook for hook, backend in LOGGER_BACKENDS.items()}
#: Default hooks that every 0.x run has: nothing to write for them.
_BUILT_IN = {
    'runtime_info': 'RuntimeInfoHook',
    'timer': 'IterTimerHook',
    'param_scheduler': 'ParamSchedulerHook',
    'sampler_seed': 'DistSamplerSeedHook',
}
_ACC_METRIC_KEYS = ('type', 'metric_list', 'metric_options', 'collect_device', 'prefix')
_DEFAULT_METRICS = ('top_k_accuracy', 'mean_class_accuracy')  # AccMetric's


def _no_form(where: str, why: str) -> ConfigError:
    return ConfigError(f'{where} has no MMAction2 0.x form: {why}')


def _items(evaluator: Any, where: str) -> List[dict]:
    items = [evaluator] if isinstance(evaluator, dict) else list(evaluator or [])
    if not all(isinstance(item, dict) for item in items):
        raise ConfigError(f'{where} must be a metric dict or a list of them, got {evaluator!r}')
    return items


def accuracy_metrics(metric: dict, where: str, notes: List[str]) -> Dict[str, Any]:
    """``metrics`` and ``metric_options`` (0.x ``evaluation``/``eval_config``) of an ``AccMetric``."""
    metric = dict(metric)
    if metric.pop('result_names', None) is not None:
        notes.append(f'{where}.result_names: 0.x names the results top1_acc, ...')
    check_section_keys(where, metric, _ACC_METRIC_KEYS)
    if metric.get('prefix') is not None:
        raise _no_form(f'{where}.prefix', '0.x names the results without a prefix; remove it')
    if metric.get('collect_device', 'cpu') != 'cpu':
        raise _no_form(f'{where}.collect_device', '0.x gathers results on the CPU; remove it')
    names = metric.get('metric_list', _DEFAULT_METRICS)
    out: Dict[str, Any] = dict(metrics=[names] if isinstance(names, str) else list(names))
    if metric.get('metric_options'):
        out['metric_options'] = dict(metric['metric_options'])
    return out


def val_metrics(evaluator: Any, notes: List[str]) -> Dict[str, Any]:
    """The ``evaluation`` metric keys of a 1.x ``val_evaluator`` (one ``AccMetric``)."""
    items = _items(evaluator, 'val_evaluator')
    if len(items) != 1 or items[0].get('type') != 'AccMetric':
        raise _no_form(
            'val_evaluator', f'0.x validates with one accuracy metric (AccMetric), got {items!r}'
        )
    return accuracy_metrics(items[0], 'val_evaluator', notes)


def test_outputs(evaluator: Any, notes: List[str]) -> Tuple[Optional[dict], Optional[dict]]:
    """``(eval_config, output_config)`` of a 1.x ``test_evaluator``."""
    eval_config = output_config = None
    items = _items(evaluator, 'test_evaluator')
    for i, item in enumerate(items):
        where = f'test_evaluator[{i}]' if len(items) > 1 else 'test_evaluator'
        kind = item.get('type')
        if kind == 'AccMetric' and eval_config is None:
            eval_config = accuracy_metrics(item, where, notes)
        elif kind == 'DumpVideoScores' and output_config is None:
            check_section_keys(where, item, ('type', 'out_file', 'collect_device'))
            output_config = dict(out=item['out_file'])
        elif kind == 'DumpResults':
            raise _no_form(where, 'give tools/test.py --dump FILE.pkl instead')
        else:
            raise _no_form(where, f'0.x tests with one AccMetric and one score file, not {kind!r}')
    return eval_config, output_config


def _checkpoint(hook: dict, notes: List[str]) -> Tuple[dict, Dict[str, Any]]:
    """``(checkpoint_config, best-checkpoint keys of evaluation)`` of a ``CheckpointHook``."""
    hook = dict(hook)
    if hook.pop('type', 'CheckpointHook') not in ('CheckpointHook', 'AtomicCheckpointHook'):
        raise _no_form('default_hooks.checkpoint', 'use a CheckpointHook')
    save_best = hook.pop('save_best', None)
    if isinstance(save_best, (list, tuple)):
        raise _no_form('default_hooks.checkpoint.save_best', 'keep the best of one metric')
    # Written even when None: 0.x's evaluation keeps the best checkpoint unless told not to.
    best: Dict[str, Any] = dict(save_best=result_key(save_best, '0.x') if save_best else None)
    rule = hook.pop('rule', None)
    if save_best and rule is not None:
        best['rule'] = rule
    check_section_keys('default_hooks.checkpoint', hook, CHECKPOINT_KEYS)
    # mmengine's CheckpointHook saves never (interval=-1) unless told; 0.x's default is 1.
    return dict(hook, interval=hook.get('interval', -1)), best


def _logger(hook: dict, notes: List[str]) -> int:
    extra = sorted(set(hook) - {'type', 'interval'})
    if hook.get('type', 'LoggerHook') != 'LoggerHook':
        raise _no_form('default_hooks.logger', 'use a LoggerHook')
    if extra:
        notes.append(f'default_hooks.logger.{", ".join(extra)}: 0.x logs every interval')
    return int(hook.get('interval', 10))  # mmengine's LoggerHook default


def default_hooks(hooks: Optional[dict], notes: List[str]) -> Dict[str, Any]:
    """0.x ``checkpoint_config``, ``log_config`` interval, best-checkpoint keys, extra hooks.

    Returns:
        ``checkpoint_config``, ``log_interval``, ``best`` (``save_best``
        and ``rule`` for ``evaluation``) and ``custom_hooks`` (the hooks
        0.x does not run by itself, such as ``SyncBuffersHook``).
    """
    hooks = dict(hooks or {})
    checkpoint, best = _checkpoint(hooks.pop('checkpoint', None) or dict(interval=1), notes)
    out: Dict[str, Any] = dict(
        checkpoint_config=checkpoint,
        log_interval=_logger(hooks.pop('logger', None) or {}, notes),
        best=best,
        custom_hooks=[],
    )
    for name, hook in hooks.items():
        if hook is None:
            raise _no_form(f'default_hooks.{name}=None', '0.x runs its default hooks always')
        if not isinstance(hook, dict):
            raise ConfigError(f'default_hooks.{name} must be a hook dict, got {hook!r}')
        if hook.get('type') == 'VisualizationHook':
            raise _no_form(f'default_hooks.{name}', 'draw predictions with demo/demo.py')
        if _BUILT_IN.get(name) == hook.get('type') and set(hook) == {'type'}:
            continue
        out['custom_hooks'].append(dict(hook))
    return out


def log_hooks(visualizer: Optional[dict], notes: List[str]) -> List[dict]:
    """The 0.x ``log_config.hooks`` of a 1.x ``visualizer`` (its log back-ends)."""
    visualizer = dict(visualizer or {})
    if visualizer.pop('type', 'Visualizer') not in ('Visualizer', 'ActionVisualizer'):
        raise _no_form('visualizer.type', 'use ActionVisualizer')
    backends = visualizer.pop('vis_backends', None) or []
    if visualizer:
        notes.append(f'visualizer.{", ".join(sorted(visualizer))}: 0.x loggers have none')
    hooks = [dict(type='TextLoggerHook')]  # every run writes a text log
    for i, backend in enumerate(backends):
        kind = backend.get('type') if isinstance(backend, dict) else None
        if kind not in _LOGGERS:
            raise _no_form(f'visualizer.vis_backends[{i}]', f'no 0.x logger writes {kind!r}')
        arguments = sorted(set(backend) - {'type'})
        if arguments:
            notes.append(
                f'visualizer.vis_backends[{i}].{", ".join(arguments)} ({kind}): 0.x loggers '
                'write to the work dir'
            )
        if dict(type=_LOGGERS[kind]) not in hooks:
            hooks.append(dict(type=_LOGGERS[kind]))
    return hooks


def evaluation(loop: dict, metrics: Dict[str, Any], best: Dict[str, Any]) -> dict:
    """0.x ``evaluation`` of the train loop's validation settings, metrics and best checkpoint."""
    out = dict(interval=int(loop.get('val_interval', 1)))
    if loop.get('val_begin', 1) != 1:
        out['start'] = int(loop['val_begin'])
    out.update(metrics)
    out.update(best)
    return out
