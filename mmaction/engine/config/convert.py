"""Turn a MMAction2 0.x config into the arguments of mmengine's ``Runner``.

The 0.x schema (``data``, ``optimizer``, ``lr_config``, ``total_epochs``,
``evaluation``, ...) is what users write; mmengine's Runner wants
dataloaders, an optimizer wrapper, parameter schedulers, loops, evaluators
and hooks. :func:`convert_train_config` and :func:`convert_test_config` do
the translation; the per-topic rules live in the modules ``data``,
``optim``, ``schedule`` and ``runtime`` of this package.
"""

import copy
import os.path as osp
from typing import Any, Dict, List, Optional

from ..options import KEEP_AVERAGE_CLIPS, TestOptions, TrainOptions
from ..runtime import nonfinite, runner
from ..runtime.auto_resume import find_resumable_checkpoint
from ..runtime.nonfinite import nonfinite_loss_policy
from ..speed import plan as speed
from ..speed.plan import plan_speed
from . import data as data_adapter
from . import optim as optim_adapter
from . import runtime as runtime_adapter
from . import schedule as schedule_adapter
from .checks import ConfigError, check_data_keys, check_top_level_keys
from .data import dataloader_cfg, move_normalize_to_model
from .optim import convert_optimizer
from .runtime import (
    acc_metric_cfg,
    convert_checkpoint_config,
    convert_env,
    convert_evaluation,
    convert_log_config,
)
from .schedule import convert_lr_config

#: 0.x features this toolkit does not implement: a config that uses one is refused.
_UNSUPPORTED = ('omnisource', 'multigrid', 'precise_bn', 'momentum_config', 'module_hooks')

#: The top-level 0.x config keys this module handles (the refused ones included).
TOP_LEVEL_KEYS = (
    'model', 'train_cfg', 'test_cfg', 'total_epochs', 'workflow', 'load_from', 'resume_from',
    'auto_resume', 'work_dir', 'seed', 'deterministic', 'custom_hooks', 'log_level',
    'eval_config', 'output_config', 'sync_bn', 'gpu_ids',
) + _UNSUPPORTED  # fmt: skip

#: Every top-level key the tools read: the union of what each handler declares.
KNOWN_TOP_LEVEL_KEYS = frozenset(
    TOP_LEVEL_KEYS
    + data_adapter.TOP_LEVEL_KEYS
    + optim_adapter.TOP_LEVEL_KEYS
    + schedule_adapter.TOP_LEVEL_KEYS
    + runtime_adapter.TOP_LEVEL_KEYS
    + runner.TOP_LEVEL_KEYS
    + nonfinite.TOP_LEVEL_KEYS
    + speed.TOP_LEVEL_KEYS
)


def _plain(cfg) -> dict:
    """A deep, plain-dict copy of a Config/ConfigDict/dict."""
    if hasattr(cfg, 'to_dict'):
        cfg = cfg.to_dict()
    return copy.deepcopy(dict(cfg))


def default_work_dir(config_path: Optional[str]) -> str:
    """``./work_dirs/<config name>`` as 0.x's tools chose it."""
    name = osp.splitext(osp.basename(config_path))[0] if config_path else 'run'
    return osp.join('./work_dirs', name)


def _model_cfg(cfg: dict) -> dict:
    if not isinstance(cfg.get('model'), dict):
        raise ConfigError('The config has no `model` dict')
    model = copy.deepcopy(cfg['model'])
    # 0.x also allowed train_cfg/test_cfg next to `model`.
    for key in ('train_cfg', 'test_cfg'):
        if cfg.get(key) is not None and model.get(key) is None:
            model[key] = copy.deepcopy(cfg[key])
    return model


def _check_common(cfg: dict, filename: Optional[str]) -> None:
    check_top_level_keys(cfg, KNOWN_TOP_LEVEL_KEYS, filename)
    if 'data' not in cfg:
        raise ConfigError(f'The config {filename or ""} has no `data` dict'.replace('  ', ' '))
    check_data_keys(cfg['data'], filename)
    for key in _UNSUPPORTED:
        if cfg.get(key):
            raise ConfigError(f'`{key}` is not supported by this toolkit (config {filename})')
    workflow = cfg.get('workflow', [('train', 1)])
    if any(tuple(stage)[0] not in ('train', 'val') for stage in workflow):
        raise ConfigError(f'workflow={workflow!r}: only train (and val) stages are supported')


def _randomness(seed: Optional[int], diff_seed: bool, deterministic: bool) -> dict:
    return dict(seed=seed, diff_rank_seed=diff_seed, deterministic=deterministic)


def _resume_settings(
    cfg: dict, work_dir: str, resume_from: Optional[str], auto_resume: bool, notes: List[str]
) -> Dict[str, Any]:
    resume_from = resume_from or cfg.get('resume_from')
    if resume_from:
        return dict(load_from=resume_from, resume=True)
    if auto_resume or cfg.get('auto_resume'):
        found = find_resumable_checkpoint(work_dir)
        if found:
            notes.append(f'Auto-resume: resuming from {found}')
            return dict(load_from=found, resume=True)
        notes.append(f'Auto-resume: no complete checkpoint in {work_dir}; starting afresh.')
    return dict(load_from=cfg.get('load_from'), resume=False)


def convert_train_config(
    cfg, config_path: Optional[str] = None, options: Optional[TrainOptions] = None
) -> Dict[str, Any]:
    """Runner keyword arguments for training with a 0.x config.

    Args:
        cfg: The 0.x config (``mmengine.Config`` or dict), after
            ``--cfg-options``.
        config_path: The config file, for messages and the default work dir.
        options: The command-line options (defaults: ``TrainOptions()``).

    Returns:
        A dict with the keyword arguments of ``mmengine.runner.Runner``
        (without ``cfg``) plus ``speed`` (the :class:`~mmaction.engine.speed.plan.SpeedPlan`,
        for :class:`~mmaction.engine.runtime.runner.ActionRunner`) and ``notes``: messages to log
        once the runner's logger exists.
    """
    options = options or TrainOptions()
    src = _plain(cfg)
    _check_common(src, config_path)
    notes: List[str] = []
    for key in ('optimizer', 'total_epochs'):
        if src.get(key) is None:
            raise ConfigError(f'The config {config_path} has no `{key}`, needed for training')
    max_epochs = int(src['total_epochs'])
    data = src['data']
    model = _model_cfg(src)
    if src.get('gpu_ids') is not None:
        # 0.x's train tool wrote it into the configs it dumped; here a process uses one device.
        notes.append('gpu_ids is ignored: one process per GPU (tools/dist_train.sh starts them).')
    validate, test = options.validate, options.test
    if src.get('workflow') and len(src['workflow']) > 1 and not validate:
        notes.append('workflow has a val stage: validating as with --validate.')
        validate = True
    splits = ['train'] + (['val'] if validate else []) + (['test'] if test else [])
    move_normalize_to_model(model, data, splits)
    plan = plan_speed(src, options.amp)
    plan.update_model_cfg(model)
    notes += plan.notes

    loop, metric, save_best, rule = convert_evaluation(src.get('evaluation'))
    train_cfg = dict(
        type='ResumableTrainLoop',
        max_epochs=max_epochs,
        nonfinite_loss=nonfinite_loss_policy(src.get('nonfinite_loss')),
    )
    if validate:
        train_cfg.update(loop)
    else:
        save_best = None
    logger_hook, visualizer, log_processor = convert_log_config(src.get('log_config'))
    checkpoint_hook = convert_checkpoint_config(src.get('checkpoint_config'), save_best, rule)

    work_dir = options.work_dir or src.get('work_dir') or default_work_dir(config_path)
    kwargs: Dict[str, Any] = dict(
        model=model,
        work_dir=work_dir,
        train_dataloader=dataloader_cfg(data, 'train'),
        train_cfg=train_cfg,
        optim_wrapper=convert_optimizer(
            src['optimizer'], src.get('optimizer_config'), plan.precision
        ),
        param_scheduler=convert_lr_config(src.get('lr_config'), max_epochs) or None,
        default_hooks=dict(
            runtime_info=dict(type='RuntimeInfoHook'),
            timer=dict(type='IterTimerHook'),
            logger=logger_hook,
            param_scheduler=dict(type='ParamSchedulerHook'),
            checkpoint=checkpoint_hook,
            sampler_seed=dict(type='DistSamplerSeedHook'),
        ),
        custom_hooks=[dict(type='CheckpointMetaHook'), dict(type='ConsoleProgressHook')]
        + list(src.get('custom_hooks') or []),
        visualizer=visualizer,
        log_processor=log_processor,
        env_cfg=convert_env(src, notes, options.launcher),
        randomness=_randomness(
            options.seed if options.seed is not None else src.get('seed'),
            options.diff_seed,
            options.deterministic or bool(src.get('deterministic', False)),
        ),
        launcher=options.launcher,
        log_level=src.get('log_level', 'INFO'),
        default_scope='mmaction',
        speed=plan,
    )
    if validate:
        kwargs.update(
            val_dataloader=dataloader_cfg(data, 'val'), val_cfg=plan.loop_cfg('val'),
            val_evaluator=[metric, broken_video_report(work_dir, 'val')],
        )  # fmt: skip
    if test:
        kwargs.update(
            test_dataloader=dataloader_cfg(data, 'test'), test_cfg=plan.loop_cfg('test'),
            # 0.x wrote the scores of --test-last/--test-best to <name>_pred.pkl.
            test_evaluator=[metric, dict(type='DumpVideoScores',
                                         out_file=osp.join(work_dir, 'last_pred.pkl')),
                            broken_video_report(work_dir, 'test')],
        )  # fmt: skip
    kwargs.update(_resume_settings(src, work_dir, options.resume_from, options.auto_resume, notes))
    kwargs['notes'] = notes
    return kwargs


def broken_video_report(work_dir: str, split: str) -> dict:
    """Config of the metric that lists the unreadable videos of ``split`` in the work dir."""
    return dict(type='BrokenVideoReport', out_file=osp.join(work_dir, f'broken_{split}_videos.txt'))


def runner_config(cfg, work_dir: Optional[str] = None):
    """The config object handed to the Runner (dumped to the work dir, stored in checkpoints).

    It is the 0.x config itself, with ``work_dir`` filled in and ``sync_bn``
    in mmengine's spelling: 0.x-style ``sync_bn=True`` becomes ``'torch'``
    (``torch.nn.SyncBatchNorm`` when distributed), a false value is dropped.
    """
    from mmengine.config import Config

    out = copy.deepcopy(cfg) if isinstance(cfg, Config) else Config(dict(cfg))
    if work_dir is not None:
        out.work_dir = work_dir
    sync_bn = out.get('sync_bn')
    if sync_bn is True:
        out.sync_bn = 'torch'
    elif not sync_bn:
        if 'sync_bn' in out:
            out.pop('sync_bn')
    elif sync_bn not in ('torch', 'mmcv'):
        raise ConfigError(f"sync_bn must be True, False, 'torch' or 'mmcv', got {sync_bn!r}")
    return out


def _turn_off_pretrained(node: Any) -> None:
    """Clear every ``pretrained`` of a model config: test weights come from the checkpoint."""
    if isinstance(node, dict):
        if 'pretrained' in node:
            node['pretrained'] = None
        for value in node.values():
            _turn_off_pretrained(value)
    elif isinstance(node, list):
        for value in node:
            _turn_off_pretrained(value)


def model_cfg_for_testing(src: dict, average_clips: Any = KEEP_AVERAGE_CLIPS) -> dict:
    """The model config of a test run: ``pretrained`` cleared, 0.x ``test_cfg`` placement.

    Args:
        src: The plain 0.x config dict.
        average_clips: A new ``test_cfg.average_clips``, or
            :data:`KEEP_AVERAGE_CLIPS` to keep the config's.

    Returns:
        A new model config dict (``src`` is not changed).
    """
    model = _model_cfg(src)
    _turn_off_pretrained(model)
    if average_clips != KEEP_AVERAGE_CLIPS:
        model['test_cfg'] = dict(model.get('test_cfg') or {}, average_clips=average_clips)
    return model


def convert_inference_config(cfg, config_path: Optional[str] = None):
    """The config of a model built for inference, in the 0.x schema.

    The model and ``data.test`` are those a ``tools/test.py`` run uses, so the
    inference API computes the same scores: ``pretrained`` cleared, and a
    trailing ``Normalize`` of the test pipeline moved into the model's data
    preprocessor.

    Args:
        cfg: The 0.x config (``mmengine.Config`` or dict), after ``cfg_options``.
        config_path: The config file, for messages.

    Returns:
        mmengine.Config: A new config whose ``model`` is the model to build
        and whose ``data.test.pipeline`` goes with it.

    Raises:
        ConfigError: Misspelled keys, or no ``data.test.pipeline``.
    """
    from mmengine.config import Config

    src = _plain(cfg)
    check_top_level_keys(src, KNOWN_TOP_LEVEL_KEYS, config_path)
    check_data_keys(src.get('data', {}), config_path)
    test = src.get('data', {}).get('test')
    if not isinstance(test, dict) or not test.get('pipeline'):
        raise ConfigError(
            f'The config {config_path or ""} has no data.test.pipeline, which inference '
            'runs'.replace('  ', ' ')
        )
    src['model'] = model_cfg_for_testing(src)
    move_normalize_to_model(src['model'], src['data'], ['test'])
    return Config(src, filename=config_path)


_DEPRECATED_EVAL_OPTIONS = {'topk': 'top_k_accuracy'}


def eval_options_to_metric_options(eval_options: Optional[dict]) -> dict:
    """Map 0.x ``--eval-options`` onto ``AccMetric``'s ``metric_options``.

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


def testing_metric_cfg(cfg, metrics: Optional[List[str]], eval_options: dict) -> Optional[dict]:
    """The ``AccMetric`` config of a test run, as ``tools/test.py`` evaluates.

    Args:
        cfg: The 0.x config; its ``eval_config`` (``metrics`` and metric
            options) is the default.
        metrics: ``--eval`` names; they replace ``eval_config.metrics``.
        eval_options: ``--eval-options``; they update ``eval_config``.

    Returns:
        The metric config, or None when neither gives a metric.
    """
    eval_config = dict(cfg.get('eval_config') or {})
    metrics = metrics or eval_config.pop('metrics', None)
    eval_config.pop('metrics', None)
    metric_options = eval_options_to_metric_options(dict(eval_config, **eval_options))
    return acc_metric_cfg(metrics, metric_options) if metrics else None


def convert_test_config(
    cfg, config_path: Optional[str] = None, options: Optional[TestOptions] = None
) -> Dict[str, Any]:
    """Runner settings for testing a checkpoint with a 0.x config.

    The 0.x config keys ``eval_config`` (``metrics`` and metric options) and
    ``output_config`` (``out``) are read too; the command line wins.

    Args:
        cfg: The 0.x config after ``--cfg-options``.
        config_path: The config file, for messages and the default work dir.
        options: The command-line options (defaults: ``TestOptions()``).

    Returns:
        ``model`` (config dict, still to be built) and the other Runner
        keyword arguments, plus ``speed`` and ``notes``.
    """
    options = options or TestOptions()
    metric = testing_metric_cfg(cfg, options.metrics, options.eval_options)
    out = options.out or dict(cfg.get('output_config') or {}).get('out')
    src = _plain(cfg)
    _check_common(src, config_path)
    if not metric and not out:
        raise ConfigError('Nothing to do: give --eval METRIC... and/or --out FILE')
    notes: List[str] = []
    model = model_cfg_for_testing(src, options.average_clips)
    data = src['data']
    move_normalize_to_model(model, data, ['test'])
    plan = plan_speed(src, options.amp, options.channels_last)
    plan.update_model_cfg(model)
    notes += plan.notes
    evaluators = []
    if metric:
        evaluators.append(metric)
    if out:
        evaluators.append(dict(type='DumpVideoScores', out_file=out))
    work_dir = options.work_dir or src.get('work_dir') or default_work_dir(config_path)
    evaluators.append(broken_video_report(work_dir, 'test'))
    logger_hook, visualizer, log_processor = convert_log_config(src.get('log_config'))
    kwargs: Dict[str, Any] = dict(
        model=model,
        # The work dir is usually the training run's: the logs of each test run
        # (a timestamped folder each) go under test/, beside the checkpoints.
        work_dir=osp.join(work_dir, 'test'),
        test_dataloader=dataloader_cfg(data, 'test'),
        test_cfg=plan.loop_cfg('test'),
        test_evaluator=evaluators,
        default_hooks=dict(
            runtime_info=dict(type='RuntimeInfoHook'),
            timer=dict(type='IterTimerHook'),
            logger=logger_hook,
        ),
        custom_hooks=[dict(type='TestProgressHook')],
        visualizer=visualizer,
        log_processor=log_processor,
        env_cfg=convert_env(src, notes, options.launcher),
        launcher=options.launcher,
        log_level=src.get('log_level', 'INFO'),
        default_scope='mmaction',
        speed=plan,
        notes=notes,
    )
    return kwargs
