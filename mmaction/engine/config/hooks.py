"""The hooks, log processor and visualizer of a 1.x config, as the Runner gets them.

1.x's ``default_hooks`` name mmengine's hooks; the toolkit swaps in its
crash-safe ``AtomicCheckpointHook`` for ``CheckpointHook``, keeps the
others, and refuses hooks it does not have (naming the ones it has).
``ActionVisualizer`` (MMAction2 1.x's, which draws predictions on frames
for ``--show``) becomes mmengine's ``Visualizer`` with the same log back-ends:
the toolkit draws predictions in ``demo/demo.py`` instead.
"""

import copy
import importlib.util
from typing import Any, Dict, List, Optional, Sequence

from mmaction.utils.errors import missing_package

from .checks import ConfigError, positive_int, suggest

#: Hook types of 1.x ``default_hooks`` and what the Runner gets for each.
HOOK_TYPES = {
    'RuntimeInfoHook': 'RuntimeInfoHook',
    'IterTimerHook': 'IterTimerHook',
    'LoggerHook': 'LoggerHook',
    'ParamSchedulerHook': 'ParamSchedulerHook',
    'CheckpointHook': 'AtomicCheckpointHook',
    'AtomicCheckpointHook': 'AtomicCheckpointHook',
    'DistSamplerSeedHook': 'DistSamplerSeedHook',
    'SyncBuffersHook': 'SyncBuffersHook',
    'EMAHook': 'EMAHook',
    'EmptyCacheHook': 'EmptyCacheHook',
}
#: The package each log back-end needs, beyond the toolkit's own requirements.
_BACKEND_PACKAGES = {
    'TensorboardVisBackend': 'tensorboard',
    'WandbVisBackend': 'wandb',
    'MLflowVisBackend': 'mlflow',
}
_BACKENDS = ('LocalVisBackend',) + tuple(_BACKEND_PACKAGES)


def _hook(name: str, hook: Any) -> Optional[dict]:
    if hook is None:
        return None  # mmengine's way to switch a default hook off
    if not isinstance(hook, dict) or 'type' not in hook:
        raise ConfigError(f'default_hooks.{name} must be a dict with a `type`, got {hook!r}')
    hook = copy.deepcopy(dict(hook))
    kind = hook['type']
    if kind == 'VisualizationHook':
        raise ConfigError(
            'default_hooks.visualization (VisualizationHook, behind --show/--show-dir) is not '
            'part of this toolkit: draw predictions with demo/demo.py; remove the hook'
        )
    if kind not in HOOK_TYPES:
        raise ConfigError(
            f'default_hooks.{name}: hook type {kind!r} is not available.'
            f'{suggest(str(kind), list(HOOK_TYPES))} Available: {", ".join(HOOK_TYPES)}.'
        )
    hook['type'] = HOOK_TYPES[kind]
    if 'interval' in hook:
        positive_int(hook['interval'], f'default_hooks.{name}.interval', 'iterations or epochs')
    return hook


def runner_default_hooks(default_hooks: Optional[dict], validate: bool) -> Dict[str, Any]:
    """The Runner's ``default_hooks`` of a 1.x ``default_hooks`` (mmengine's defaults filled in).

    Args:
        default_hooks: The 1.x ``default_hooks``; None gives mmengine's defaults.
        validate: Whether the run validates; without validation a
            ``save_best`` of the checkpoint hook has nothing to compare.
    """
    hooks: Dict[str, Any] = dict(
        runtime_info=dict(type='RuntimeInfoHook'),
        timer=dict(type='IterTimerHook'),
        logger=dict(type='LoggerHook'),
        param_scheduler=dict(type='ParamSchedulerHook'),
        checkpoint=dict(type='CheckpointHook', interval=1),
        sampler_seed=dict(type='DistSamplerSeedHook'),
    )
    if default_hooks is not None and not isinstance(default_hooks, dict):
        raise ConfigError(f'default_hooks must be a dict of hooks, got {default_hooks!r}')
    hooks.update(copy.deepcopy(dict(default_hooks or {})))
    out = {name: _hook(name, hook) for name, hook in hooks.items()}
    checkpoint = out.get('checkpoint')
    if checkpoint is not None and not validate:
        for key in ('save_best', 'rule'):
            checkpoint.pop(key, None)
    return out


def runner_custom_hooks(custom_hooks: Any, testing: bool, extra: Sequence[dict] = ()) -> List[dict]:
    """The config's ``custom_hooks`` after the toolkit's own (checkpoint meta, console progress).

    ``extra`` hooks of the toolkit (the per-class report's) come between the two.
    """
    if custom_hooks is not None and not isinstance(custom_hooks, (list, tuple)):
        raise ConfigError(f'custom_hooks must be a list of hook dicts, got {custom_hooks!r}')
    own = [dict(type='TestProgressHook')] if testing else [
        dict(type='CheckpointMetaHook'), dict(type='ConsoleProgressHook')
    ]  # fmt: skip
    return own + list(extra) + copy.deepcopy(list(custom_hooks or []))


def runner_visualizer(visualizer: Optional[dict]) -> dict:
    """mmengine's ``Visualizer`` with the config's log back-ends (local files at least)."""
    visualizer = copy.deepcopy(dict(visualizer or {}))
    kind = visualizer.pop('type', 'Visualizer')
    if kind not in ('Visualizer', 'ActionVisualizer'):
        raise ConfigError(f'visualizer.type={kind!r} is not supported: use ActionVisualizer')
    backends = []
    for backend in visualizer.pop('vis_backends', None) or [dict(type='LocalVisBackend')]:
        name = backend.get('type') if isinstance(backend, dict) else None
        if name not in _BACKENDS:
            raise ConfigError(
                f'visualizer.vis_backends: unknown back-end {name!r}.'
                f'{suggest(str(name), _BACKENDS)} Known: {", ".join(_BACKENDS)}'
            )
        package = _BACKEND_PACKAGES.get(name)
        if package and importlib.util.find_spec(package) is None:
            raise missing_package(
                package, f'visualizer.vis_backends: {name}', f'pip install {package}'
            )
        if backend not in backends:
            backends.append(backend)
    if not any(b['type'] == 'LocalVisBackend' for b in backends):
        backends.insert(0, dict(type='LocalVisBackend'))
    return dict(type='Visualizer', vis_backends=backends, **visualizer)


def runner_log_processor(log_processor: Optional[dict]) -> dict:
    """The config's ``LogProcessor`` (mmengine's defaults when absent)."""
    processor = dict(type='LogProcessor', window_size=10, by_epoch=True)
    processor.update(copy.deepcopy(dict(log_processor or {})))
    if processor['type'] != 'LogProcessor':
        raise ConfigError(f'log_processor.type={processor["type"]!r} is not supported')
    return processor
