"""MMAction2 0.x configs, translated into the 1.x schema that the toolkit runs.

A 0.x config (``data``, ``optimizer``, ``lr_config``, ``total_epochs``,
``evaluation``, ...) becomes the 1.x config that means the same run
(``train_dataloader``, ``optim_wrapper``, ``param_scheduler``,
``train_cfg``, ``val_evaluator``, ``default_hooks``, ...), which
:mod:`.one_x` turns into the Runner's arguments. The translation renames; it
keeps every 0.x meaning the 1.x defaults would change:

- test clips are placed as 0.x placed them: every ``SampleFrames`` without
  a ``test_protocol`` gets ``test_protocol='0.x'``;
- the warm-up of ``lr_config`` reaches the regular rate at ``warmup_iters``
  as mmcv's did (:mod:`.schedule`);
- a 0.x run validates only with ``--validate`` (or a ``val`` workflow
  stage), and its ``--seed`` wins over the config's ``seed``
  (:class:`RunDefaults`).

Each key is read through the 0.x table of :mod:`.contract`.
"""

import copy
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from .checks import (
    ConfigError,
    check_data_keys,
    check_section_keys,
    non_negative_int,
    positive_int,
)
from .contract import KeyReader
from .optim import zero_x_optim_wrapper
from .runtime import (
    acc_metric_cfg,
    convert_checkpoint_config,
    convert_evaluation,
    convert_log_config,
    eval_options_to_metric_options,
)
from .schedule import convert_lr_config

#: Keys copied as they are: they mean the same in both dialects.
_SAME_IN_BOTH = (
    'load_from', 'load_class_rows', 'work_dir', 'custom_hooks', 'log_level', 'sync_bn', 'find_unused_parameters',
    'precision', 'channels_last', 'compile', 'nonfinite_loss',
)  # fmt: skip

#: Settings of ``data`` (and of ``data.<split>_dataloader``) with their 1.x names.
_LOADER_SETTINGS = {
    'persistent_workers': 'persistent_workers',
    'pin_memory': 'pin_memory',
    'drop_last': 'drop_last',
    'prefetch_factor': 'prefetch_factor',
}


@dataclass
class RunDefaults:
    """What a run does where the command line does not say, by the config's dialect.

    Attributes:
        dialect: ``'0.x'`` or ``'1.x'``.
        validate: Validate during training without ``--validate`` /
            ``--no-validate`` (0.x: no, unless a ``val`` workflow stage;
            1.x: yes, when the config has a validation loader).
        cli_seed_wins: ``--seed`` overrides the config's seed (0.x); in 1.x
            a ``randomness`` key wins over the command line, as in
            MMAction2 1.x's ``train.py``.
        notes: Lines for the log about how the config was read.
    """

    dialect: str
    validate: bool
    cli_seed_wins: bool
    notes: List[str] = field(default_factory=list)


def set_test_protocol(node: Any, protocol: str) -> None:
    """Give every ``SampleFrames`` under ``node`` a ``test_protocol``, unless it has one."""
    if isinstance(node, dict):
        if node.get('type') == 'SampleFrames':
            node.setdefault('test_protocol', protocol)
        for value in node.values():
            set_test_protocol(value, protocol)
    elif isinstance(node, (list, tuple)):
        for value in node:
            set_test_protocol(value, protocol)


def _model(keys: KeyReader) -> Optional[Dict[str, Any]]:
    model = keys.get('model')
    if model is None:
        return None  # a data-only config (the pipeline benchmarks read those)
    if not isinstance(model, dict):
        raise ConfigError(f'`model` must be a dict, got {model!r}')
    # 0.x also allowed train_cfg/test_cfg next to `model`.
    for key in ('train_cfg', 'test_cfg'):
        value = keys.get(key)
        if value is not None and model.get(key) is None:
            model[key] = value
    return model


def _loader(data: dict, split: str) -> dict:
    """The 1.x data loader of one split of a 0.x ``data`` dict."""
    if isinstance(data[split], (list, tuple)):
        raise ConfigError(f'data.{split} is a list (OmniSource training), which is not supported')
    override = data.get(f'{split}_dataloader') or {}
    settings = dict(data, **override)
    where = f'data.{split}_dataloader' if override else 'data'
    batch = settings.get('videos_per_gpu', 1)
    workers = settings.get('workers_per_gpu', 1)
    dataset = copy.deepcopy(dict(data[split]))
    if split != 'train':
        dataset['test_mode'] = True
    loader = dict(
        batch_size=positive_int(batch, f'{where}.videos_per_gpu', 'videos per GPU in a batch'),
        num_workers=non_negative_int(
            workers, f'{where}.workers_per_gpu', 'data-loader worker processes per GPU'
        ),
        sampler=dict(
            type='DefaultSampler', shuffle=bool(settings.get('shuffle', split == 'train'))
        ),
        dataset=dataset,
    )
    for old, new in _LOADER_SETTINGS.items():
        if settings.get(old) is not None:
            loader[new] = settings[old]
    return loader


def _data(keys: KeyReader, out: dict) -> None:
    data = keys.get('data')
    if data is None:
        return  # a model-only config: a run that needs data says so
    check_data_keys(data)
    for split in ('train', 'val', 'test'):
        if data.get(split) is not None:
            out[f'{split}_dataloader'] = _loader(data, split)
    set_test_protocol([out.get(f'{s}_dataloader') for s in ('train', 'val', 'test')], '0.x')


def _optim(keys: KeyReader, out: dict) -> None:
    optimizer = keys.get('optimizer')
    fp16 = keys.get('fp16')
    optimizer_config = keys.get('optimizer_config')
    if optimizer is None:
        if optimizer_config is not None or fp16 is not None:
            raise ConfigError('optimizer_config/fp16 are given but no `optimizer`')
        return
    out['optim_wrapper'] = zero_x_optim_wrapper(optimizer, optimizer_config, fp16)


def _workflow_validates(keys: KeyReader) -> bool:
    workflow = keys.get('workflow', [('train', 1)])
    stages = [tuple(stage)[0] for stage in workflow]
    if any(stage not in ('train', 'val') for stage in stages):
        raise ConfigError(f'workflow={workflow!r}: only train (and val) stages are supported')
    return 'val' in stages


def _test_evaluator(keys: KeyReader) -> Optional[List[dict]]:
    """``eval_config`` and ``output_config`` (the defaults of 0.x's ``tools/test.py``)."""
    eval_config = keys.get('eval_config', {})
    out = keys.get('output_config', {})
    check_section_keys('output_config', out, ('out', 'output_format'))
    evaluators = []
    metrics = eval_config.pop('metrics', None)
    if metrics:
        options = eval_options_to_metric_options(eval_config)
        evaluators.append(acc_metric_cfg(metrics, options))
    elif eval_config:
        raise ConfigError(f'eval_config={eval_config!r} sets options but no `metrics`')
    if out.get('out'):
        evaluators.append(dict(type='DumpVideoScores', out_file=out['out']))
    return evaluators or None


def _loops(keys: KeyReader, out: dict) -> Tuple[Optional[str], str]:
    """Loops and evaluators; returns the best-checkpoint key and rule of ``evaluation``."""
    loop, metric, save_best, rule = convert_evaluation(keys.get('evaluation'))
    if keys.has('total_epochs'):
        epochs = positive_int(keys.get('total_epochs'), 'total_epochs', 'epochs to train')
        out['train_cfg'] = dict(type='EpochBasedTrainLoop', max_epochs=epochs, **loop)
    if 'val_dataloader' in out:
        out['val_cfg'] = dict(type='ValLoop')
        out['val_evaluator'] = metric
    if 'test_dataloader' in out:
        out['test_cfg'] = dict(type='TestLoop')
    evaluators = _test_evaluator(keys)
    if evaluators:
        out['test_evaluator'] = evaluators
    return save_best, rule


def _hooks(keys: KeyReader, out: dict, save_best: Optional[str], rule: str) -> None:
    logger, visualizer, log_processor = convert_log_config(keys.get('log_config'))
    out['default_hooks'] = dict(
        runtime_info=dict(type='RuntimeInfoHook'),
        timer=dict(type='IterTimerHook'),
        logger=logger,
        param_scheduler=dict(type='ParamSchedulerHook'),
        checkpoint=convert_checkpoint_config(keys.get('checkpoint_config'), save_best, rule),
        sampler_seed=dict(type='DistSamplerSeedHook'),
    )
    out['visualizer'] = visualizer
    out['log_processor'] = log_processor


def _env(keys: KeyReader, out: dict, notes: List[str]) -> None:
    out['env_cfg'] = dict(
        cudnn_benchmark=bool(keys.get('cudnn_benchmark', False)),
        mp_cfg=dict(
            mp_start_method=keys.get('mp_start_method', 'fork'),
            opencv_num_threads=keys.get('opencv_num_threads', 0),
        ),
        dist_cfg=keys.get('dist_params', dict(backend='nccl')),
    )
    if keys.has('seed') or keys.has('deterministic'):
        out['randomness'] = dict(
            seed=keys.get('seed'), deterministic=bool(keys.get('deterministic', False))
        )
    if keys.has('gpu_ids'):
        # 0.x's train tool wrote it into the configs it dumped; here a process uses one device.
        notes.append('gpu_ids is ignored: one process per GPU (tools/dist_train.sh starts them).')


def translate(src: dict) -> Tuple[Dict[str, Any], RunDefaults]:
    """The 1.x config of a 0.x config, and the defaults of a 0.x run.

    Args:
        src: The 0.x config as a plain dict (after ``--cfg-options``).

    Returns:
        ``(config, defaults)``: the 1.x config (a new dict) and the
        :class:`RunDefaults` of a 0.x run.

    Raises:
        ConfigError: A key or value the translation cannot take, named.
    """
    keys = KeyReader(src, '0.x')
    notes: List[str] = []
    out: Dict[str, Any] = {}
    model = _model(keys)
    if model is not None:
        out['model'] = model
    _data(keys, out)
    _optim(keys, out)
    save_best, rule = _loops(keys, out)
    if keys.has('lr_config'):
        epochs = out.get('train_cfg', {}).get('max_epochs')
        schedulers = convert_lr_config(keys.get('lr_config'), epochs)
        if schedulers:
            out['param_scheduler'] = schedulers
    _hooks(keys, out, save_best, rule)
    _env(keys, out, notes)
    for key in _SAME_IN_BOTH:
        if keys.has(key):
            out[key] = keys.get(key)
    resume_from = keys.get('resume_from')
    if resume_from:
        out['load_from'], out['resume'] = resume_from, True
    elif keys.get('auto_resume'):
        # The toolkit's 'auto': the newest checkpoint of the work dir, else start from load_from.
        out['resume'] = 'auto'
    validate = _workflow_validates(keys)
    if validate:
        notes.append('workflow has a val stage: validating as with --validate.')
    keys.finish()
    return out, RunDefaults('0.x', validate=validate, cli_seed_wins=True, notes=notes)
