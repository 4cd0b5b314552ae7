"""0.x runtime keys (evaluation, checkpoint, logging) to their 1.x counterparts.

Each function takes the 0.x value and returns the 1.x (mmengine) one;
:mod:`.zero_x` assembles them. Metric configs (``AccMetric``) and the
0.x ``--eval-options`` are shared by both dialects.
"""

import copy
import importlib.util
from typing import Dict, List, Optional, Tuple

from mmaction.utils.errors import missing_package

from .checks import ConfigError, check_section_keys, suggest

#: 0.x metric name -> the key of its first result, for ``save_best='auto'``.
FIRST_RESULT_KEY = {
    'top_k_accuracy': 'top1_acc',
    'mean_class_accuracy': 'mean_class_accuracy',
    'mean_average_precision': 'mean_average_precision',
    'mmit_mean_average_precision': 'mmit_mean_average_precision',
}
_EVALUATION_KEYS = {
    'interval', 'metrics', 'metric_options', 'save_best', 'rule', 'start', 'by_epoch',
    'gpu_collect', 'tmpdir', 'broadcast_bn_buffers', 'topk',
}  # fmt: skip
#: Keys of a 0.x ``checkpoint_config``.
CHECKPOINT_KEYS = {
    'interval', 'max_keep_ckpts', 'by_epoch', 'save_optimizer', 'out_dir', 'create_symlink',
    'save_last', 'meta', 'filename_tmpl',
}  # fmt: skip
#: 0.x logger hook -> the 1.x log back-end that writes the same.
LOGGER_BACKENDS = {
    'TextLoggerHook': 'LocalVisBackend',
    'TensorboardLoggerHook': 'TensorboardVisBackend',
    'WandbLoggerHook': 'WandbVisBackend',
    'MlflowLoggerHook': 'MLflowVisBackend',
}
# The package each logger needs, beyond the toolkit's own requirements.
_LOGGER_PACKAGES = {
    'TensorboardLoggerHook': 'tensorboard',
    'WandbLoggerHook': 'wandb',
    'MlflowLoggerHook': 'mlflow',
}


def _as_list(value) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def acc_metric_cfg(metrics, metric_options: Optional[dict] = None, **extra) -> dict:
    """``AccMetric`` config for metric names (``top_k_accuracy``, ...) and options.

    Args:
        metrics: A name or names; empty gives ``top_k_accuracy``.
        metric_options: Options per metric, e.g. ``{'top_k_accuracy': {'topk': (1, 5)}}``.
        **extra: Other ``AccMetric`` arguments (``collect_device``, ``prefix``).

    Raises:
        ConfigError: An unknown metric, with the valid ones.
    """
    names = _as_list(metrics) or ['top_k_accuracy']
    unknown = [m for m in names if m not in FIRST_RESULT_KEY]
    if unknown:
        raise ConfigError(
            f'Unknown metric {unknown[0]!r} (--eval or evaluation.metrics).'
            f'{suggest(unknown[0], FIRST_RESULT_KEY)} Valid metrics: {", ".join(FIRST_RESULT_KEY)}.'
        )
    if extra.get('result_names') == '0.x':
        extra.pop('result_names')  # AccMetric's default
    cfg = dict(type='AccMetric', metric_list=tuple(names), **extra)
    if metric_options:
        cfg['metric_options'] = copy.deepcopy(dict(metric_options))
    return cfg


def convert_evaluation(evaluation: Optional[dict]) -> Tuple[dict, dict, Optional[str], str]:
    """Split 0.x ``evaluation`` into loop, metric and best-checkpoint settings.

    Returns:
        ``(loop, metric, save_best, rule)``: ``loop`` holds ``val_interval`` /
        ``val_begin`` for the train loop; ``metric`` is the ``AccMetric``
        config; ``save_best`` is the result key to keep the best checkpoint by
        (``'auto'`` becomes the first result of the first metric), or None.
    """
    evaluation = dict(evaluation or {})
    check_section_keys('evaluation', evaluation, _EVALUATION_KEYS)
    if not evaluation.get('by_epoch', True):
        raise ConfigError('evaluation.by_epoch=False is not supported (0.x trains by epoch)')
    options = dict(evaluation.get('metric_options') or {})
    if 'topk' in evaluation:  # 0.x's deprecated spelling
        options.setdefault('top_k_accuracy', {})['topk'] = evaluation['topk']
    metric = acc_metric_cfg(evaluation.get('metrics', 'top_k_accuracy'), options)
    loop = dict(val_interval=int(evaluation.get('interval', 1)))
    if evaluation.get('start') is not None:
        loop['val_begin'] = int(evaluation['start'])
    save_best = evaluation.get('save_best', 'auto')
    if save_best == 'auto':
        save_best = FIRST_RESULT_KEY[metric['metric_list'][0]]
    rule = evaluation.get('rule') or ('less' if save_best and 'loss' in save_best else 'greater')
    return loop, metric, save_best, rule


def convert_checkpoint_config(
    checkpoint_config: Optional[dict], save_best: Optional[str], rule: str
) -> dict:
    """The 1.x ``CheckpointHook`` config of a 0.x ``checkpoint_config``."""
    checkpoint_config = dict(checkpoint_config or {})
    check_section_keys('checkpoint_config', checkpoint_config, CHECKPOINT_KEYS)
    hook = dict(
        type='CheckpointHook',
        interval=int(checkpoint_config.get('interval', 1)),
        by_epoch=bool(checkpoint_config.get('by_epoch', True)),
        max_keep_ckpts=int(checkpoint_config.get('max_keep_ckpts', -1)),
        save_optimizer=bool(checkpoint_config.get('save_optimizer', True)),
        save_last=bool(checkpoint_config.get('save_last', True)),
    )
    for key in ('out_dir', 'filename_tmpl'):
        if checkpoint_config.get(key) is not None:
            hook[key] = checkpoint_config[key]
    if save_best:
        hook.update(save_best=save_best, rule=rule)
    return hook


def convert_log_config(log_config: Optional[dict]) -> Tuple[dict, dict, dict]:
    """Logger hook, visualizer and log processor from 0.x ``log_config``.

    ``TextLoggerHook`` becomes mmengine's text log plus a JSON scalar log
    (``LocalVisBackend``), ``TensorboardLoggerHook`` a
    ``TensorboardVisBackend``.
    """
    log_config = dict(log_config or {})
    interval = int(log_config.get('interval', 20))
    backends: List[dict] = []
    for hook in log_config.get('hooks') or [dict(type='TextLoggerHook')]:
        if not isinstance(hook, dict):
            raise ConfigError(
                f"log_config.hooks must be a list of dicts such as dict(type='TextLoggerHook'), "
                f'got {hook!r}'
            )
        hook_type = hook.get('type')
        if hook_type not in LOGGER_BACKENDS:
            raise ConfigError(
                f'log_config.hooks: unknown logger type {hook_type!r}.'
                f'{suggest(str(hook_type), list(LOGGER_BACKENDS))} Known: {", ".join(LOGGER_BACKENDS)}'
            )
        package = _LOGGER_PACKAGES.get(hook_type)
        if package and importlib.util.find_spec(package) is None:
            raise missing_package(
                package, f'log_config.hooks: {hook_type}', f'pip install {package}'
            )
        backend = dict(type=LOGGER_BACKENDS[hook_type])
        if backend not in backends:
            backends.append(backend)
    if dict(type='LocalVisBackend') not in backends:
        backends.insert(0, dict(type='LocalVisBackend'))
    logger = dict(type='LoggerHook', interval=interval)
    visualizer = dict(type='Visualizer', vis_backends=backends)
    processor = dict(type='LogProcessor', window_size=interval, by_epoch=True)
    return logger, visualizer, processor


_DEPRECATED_EVAL_OPTIONS = {'topk': 'top_k_accuracy'}


def eval_options_to_metric_options(eval_options: Optional[dict]) -> dict:
    """Map 0.x ``--eval-options`` (and ``eval_config``) onto ``AccMetric``'s ``metric_options``.

    Accepts ``metric_options=dict(...)`` as 0.x's ``dataset.evaluate`` did,
    and its deprecated short form ``topk=(1, 5)``.
    """
    options: Dict[str, dict] = {}
    for key, value in (eval_options or {}).items():
        if key == 'metric_options':
            for metric, metric_opts in dict(value).items():
                options.setdefault(metric, {}).update(metric_opts)
        elif key in _DEPRECATED_EVAL_OPTIONS:
            options.setdefault(_DEPRECATED_EVAL_OPTIONS[key], {})[key] = value
        else:
            raise ConfigError(
                f'--eval-options: unknown option {key!r}; use metric_options.<metric>.<name>=... '
                f'or {", ".join(_DEPRECATED_EVAL_OPTIONS)}'
            )
    return options
