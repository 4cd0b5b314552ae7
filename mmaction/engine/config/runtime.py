"""0.x runtime keys (evaluation, checkpoint, logging, environment) to mmengine's.

Each function takes the 0.x value and returns mmengine's counterpart; the
train/test config converters assemble them.
"""

import copy
import importlib.util
from typing import List, Optional, Tuple

import torch

from mmaction.utils.errors import missing_package

from .checks import ConfigError, check_section_keys, suggest

#: The top-level 0.x config keys this module handles.
TOP_LEVEL_KEYS = (
    'evaluation', 'checkpoint_config', 'log_config', 'dist_params', 'cudnn_benchmark',
    'mp_start_method', 'opencv_num_threads',
)  # fmt: skip

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
_CHECKPOINT_KEYS = {
    'interval', 'max_keep_ckpts', 'by_epoch', 'save_optimizer', 'out_dir', 'create_symlink',
    'save_last', 'meta', 'filename_tmpl',
}  # fmt: skip
_LOGGER_TYPES = {
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


def acc_metric_cfg(metrics, metric_options: Optional[dict] = None) -> dict:
    """``AccMetric`` config for 0.x metric names (``top_k_accuracy``, ...)."""
    names = _as_list(metrics) or ['top_k_accuracy']
    unknown = [m for m in names if m not in FIRST_RESULT_KEY]
    if unknown:
        raise ConfigError(
            f'Unknown metric {unknown[0]!r} (--eval or evaluation.metrics).'
            f'{suggest(unknown[0], FIRST_RESULT_KEY)} Valid metrics: {", ".join(FIRST_RESULT_KEY)}.'
        )
    cfg = dict(type='AccMetric', metric_list=tuple(names))
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
    """``AtomicCheckpointHook`` config from 0.x ``checkpoint_config``."""
    checkpoint_config = dict(checkpoint_config or {})
    check_section_keys('checkpoint_config', checkpoint_config, _CHECKPOINT_KEYS)
    hook = dict(
        type='AtomicCheckpointHook',
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
        if hook_type not in _LOGGER_TYPES:
            raise ConfigError(
                f'log_config.hooks: unknown logger type {hook_type!r}.'
                f'{suggest(str(hook_type), list(_LOGGER_TYPES))} Known: {", ".join(_LOGGER_TYPES)}'
            )
        package = _LOGGER_PACKAGES.get(hook_type)
        if package and importlib.util.find_spec(package) is None:
            raise missing_package(
                package, f'log_config.hooks: {hook_type}', f'pip install {package}'
            )
        backend = dict(type=_LOGGER_TYPES[hook_type])
        if backend not in backends:
            backends.append(backend)
    if dict(type='LocalVisBackend') not in backends:
        backends.insert(0, dict(type='LocalVisBackend'))
    logger = dict(type='LoggerHook', interval=interval)
    visualizer = dict(type='Visualizer', vis_backends=backends)
    processor = dict(type='LogProcessor', window_size=interval, by_epoch=True)
    return logger, visualizer, processor


def convert_env(cfg: dict, notes: List[str], launcher: str = 'none') -> dict:
    """mmengine ``env_cfg`` from ``dist_params``, ``cudnn_benchmark`` and the mp keys.

    ``backend='nccl'`` needs CUDA; without it the run uses gloo (noted).
    """
    dist_cfg = dict(cfg.get('dist_params') or dict(backend='nccl'))
    if dist_cfg.get('backend', 'nccl') == 'nccl' and not torch.cuda.is_available():
        dist_cfg['backend'] = 'gloo'
        if launcher != 'none':
            notes.append('CUDA is not available: using the gloo backend instead of nccl.')
    mp_cfg = dict(
        mp_start_method=cfg.get('mp_start_method', 'fork'),
        opencv_num_threads=cfg.get('opencv_num_threads', 0),
    )
    return dict(
        cudnn_benchmark=bool(cfg.get('cudnn_benchmark', False)), mp_cfg=mp_cfg, dist_cfg=dist_cfg
    )
