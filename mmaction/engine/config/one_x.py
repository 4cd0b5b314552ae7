"""MMAction2 1.x configs (and translated 0.x ones) to the arguments of the toolkit's Runner.

A 1.x config already names mmengine's parts (data loaders, loops,
``optim_wrapper``, ``param_scheduler``, evaluators, hooks). This module
checks each key and value, swaps in the toolkit's implementations (the
resumable train loop and sampler, the evaluation loops that run in the run's
precision and leave unreadable videos out, the crash-safe checkpoint hook,
the optimizer wrapper of the precision), applies the command-line options,
and places test clips as MMAction2 1.x does unless the config says otherwise
(``SampleFrames(test_protocol=...)``). Each key is read through the 1.x
table of :mod:`.contract`.
"""

import copy
import os.path as osp
from typing import Any, Dict, List, Optional, Tuple

from ..options import KEEP_AVERAGE_CLIPS, TestOptions, TrainOptions
from ..runtime.auto_resume import find_resumable_checkpoint
from ..runtime.fine_tune_load import CLASS_ROW_MODES
from ..runtime.nonfinite import nonfinite_loss_policy
from ..speed.plan import SpeedPlan, plan_speed
from .checks import ConfigError, check_section_keys, positive_int
from .contract import KeyReader
from .data import move_normalize_to_model, runner_dataloader
from .evaluators import class_report_hook, runner_evaluators
from .hooks import (
    runner_custom_hooks,
    runner_default_hooks,
    runner_log_processor,
    runner_visualizer,
)
from .model import runner_model_cfg, set_average_clips
from .optim import mixed_precision_request, runner_optim_wrapper
from .zero_x import RunDefaults, set_test_protocol

_TRAIN_LOOP_KEYS = ('type', 'max_epochs', 'val_begin', 'val_interval', 'by_epoch')
_TRAIN_LOOPS = ('EpochBasedTrainLoop', 'ResumableTrainLoop')


def default_work_dir(config_path: Optional[str]) -> str:
    """``./work_dirs/<config name>``, as MMAction2's tools choose it."""
    name = osp.splitext(osp.basename(config_path))[0] if config_path else 'run'
    return osp.join('./work_dirs', name)


def _work_dir(keys: KeyReader, options, config_path: Optional[str]) -> str:
    """``--work-dir``, else the config's ``work_dir``, else ``./work_dirs/<config name>``."""
    configured = keys.get('work_dir')
    return options.work_dir or configured or default_work_dir(config_path)


def speed_keys(keys: KeyReader) -> Dict[str, Any]:
    """The keyword arguments of :func:`plan_speed` a config gives.

    ``precision``, ``channels_last`` and ``compile`` as written; an
    ``AmpOptimWrapper`` asks for float16 with loss scaling (``fp16``), or
    bfloat16 with ``dtype='bfloat16'``, unless ``precision`` says otherwise.
    """
    request = mixed_precision_request(keys.get('optim_wrapper'))
    return dict(
        precision=keys.get('precision', request.get('precision')),
        fp16=request.get('fp16'),
        channels_last=keys.get('channels_last', False),
        compile=keys.get('compile'),
    )


def speed_plan(keys: KeyReader, amp: Any = False, channels_last: bool = False) -> SpeedPlan:
    """The run's :class:`SpeedPlan`; ``--amp`` and ``--channels-last`` win over the config."""
    settings = speed_keys(keys)
    settings['channels_last'] = bool(channels_last) or settings['channels_last']
    return plan_speed(amp=amp, **settings)


def _loaders(keys: KeyReader, splits: List[str], model: dict) -> Dict[str, dict]:
    loaders = {}
    for split in splits:
        loader = keys.get(f'{split}_dataloader')
        if loader is None:
            raise ConfigError(f'The config has no {split}_dataloader, which this run needs')
        loader = runner_dataloader(loader, split)
        # 1.x places test clips its way unless the config (or the 0.x translation) says.
        set_test_protocol(loader['dataset'], '1.x')
        loaders[split] = loader
    pipelines = [loader['dataset'].get('pipeline') for loader in loaders.values()]
    if all(isinstance(p, list) for p in pipelines):
        move_normalize_to_model(model, pipelines)
    return {f'{split}_dataloader': loader for split, loader in loaders.items()}


def _train_loop(keys: KeyReader, validate: bool) -> dict:
    loop = keys.get('train_cfg')
    if not isinstance(loop, dict):
        raise ConfigError(
            'The config has no train_cfg (e.g. dict(max_epochs=...)), needed for training'
        )
    check_section_keys('train_cfg', loop, _TRAIN_LOOP_KEYS)
    kind = loop.get('type', 'EpochBasedTrainLoop')
    if kind not in _TRAIN_LOOPS or not loop.get('by_epoch', True):
        raise ConfigError(
            f'train_cfg.type={kind!r} is not supported: the toolkit trains by epochs '
            "(type='EpochBasedTrainLoop')"
        )
    out = dict(
        type='ResumableTrainLoop',
        max_epochs=positive_int(loop.get('max_epochs'), 'train_cfg.max_epochs', 'epochs to train'),
        nonfinite_loss=nonfinite_loss_policy(keys.get('nonfinite_loss')),
    )
    if validate:
        out['val_interval'] = positive_int(
            loop.get('val_interval', 1), 'train_cfg.val_interval', 'epochs between validations'
        )
        if 'val_begin' in loop:
            out['val_begin'] = positive_int(
                loop['val_begin'], 'train_cfg.val_begin', 'first epoch to validate'
            )
    return out


def _eval_loop(keys: KeyReader, split: str, plan: SpeedPlan) -> dict:
    loop = keys.get(f'{split}_cfg', {})
    check_section_keys(f'{split}_cfg', loop, ('type', 'fp16'))
    expected = ('ValLoop', 'ActionValLoop') if split == 'val' else ('TestLoop', 'ActionTestLoop')
    if loop.get('type', expected[0]) not in expected:
        raise ConfigError(f'{split}_cfg.type={loop["type"]!r} is not supported: use {expected[0]}')
    if loop.get('fp16'):
        raise ConfigError(f"{split}_cfg.fp16: set the config key precision='fp16' instead")
    return plan.loop_cfg(split)


def _randomness(keys: KeyReader, options: TrainOptions, defaults: RunDefaults, notes) -> dict:
    config = keys.get('randomness')
    cli = dict(
        seed=options.seed, diff_rank_seed=options.diff_seed, deterministic=options.deterministic
    )
    if config is None:
        return cli
    check_section_keys('randomness', config, ('seed', 'diff_rank_seed', 'deterministic'))
    if defaults.cli_seed_wins:
        # 0.x: --seed overrides the config's seed; --deterministic adds to it.
        return dict(
            seed=options.seed if options.seed is not None else config.get('seed'),
            diff_rank_seed=options.diff_seed,
            deterministic=options.deterministic or bool(config.get('deterministic', False)),
        )
    if options.seed is not None or options.deterministic or options.diff_seed:
        notes.append(
            f'randomness={config} in the config wins over --seed/--deterministic/'
            '--diff-rank-seed, as in MMAction2 1.x'
        )
    return dict(config)


def _resume(keys: KeyReader, options: TrainOptions, work_dir: str, notes: List[str]) -> dict:
    load_from = keys.get('load_from')
    resume = options.resume if options.resume is not None else keys.get('resume', False)
    if resume not in (True, False, 'auto') and not isinstance(resume, str):
        raise ConfigError(f"resume={resume!r}: use True, False or 'auto'")
    if isinstance(resume, str) and resume != 'auto':
        return dict(load_from=resume, resume=True)
    if resume is True and load_from:
        return dict(load_from=load_from, resume=True)
    if resume:
        found = find_resumable_checkpoint(work_dir)
        if found:
            notes.append(f'Auto-resume: resuming from {found}')
            return dict(load_from=found, resume=True)
        notes.append(f'Auto-resume: no complete checkpoint in {work_dir}; starting afresh.')
    return dict(load_from=load_from, resume=False)


def _class_rows(keys: KeyReader) -> str:
    """``load_class_rows``: how ``load_from`` fills the heads' class rows."""
    mode = keys.get('load_class_rows', 'by_position')
    if mode not in CLASS_ROW_MODES:
        raise ConfigError(
            f'load_class_rows={mode!r}: use {" or ".join(repr(m) for m in CLASS_ROW_MODES)}'
        )
    return mode


def _env(keys: KeyReader, launcher: str, notes: List[str]) -> dict:
    import torch

    env = keys.get('env_cfg', {})
    check_section_keys('env_cfg', env, ('cudnn_benchmark', 'mp_cfg', 'dist_cfg', 'resource_limit'))
    dist_cfg = dict(env.get('dist_cfg') or dict(backend='nccl'))
    if dist_cfg.get('backend', 'nccl') == 'nccl' and not torch.cuda.is_available():
        dist_cfg['backend'] = 'gloo'
        if launcher != 'none':
            notes.append('CUDA is not available: using the gloo backend instead of nccl.')
    env['dist_cfg'] = dist_cfg
    env.setdefault('mp_cfg', dict(mp_start_method='fork', opencv_num_threads=0))
    env['cudnn_benchmark'] = bool(env.get('cudnn_benchmark', False))
    return env


def _common(keys: KeyReader, options, notes: List[str]) -> Dict[str, Any]:
    """Runner arguments shared by training and testing."""
    scope = keys.get('default_scope', 'mmaction')
    if scope != 'mmaction':
        raise ConfigError(f"default_scope={scope!r}: this toolkit's registries are 'mmaction'")
    launcher = keys.get('launcher')
    if launcher not in (None, options.launcher) and options.launcher == 'none':
        notes.append(f'launcher={launcher!r} in the config is not used: --launcher decides.')
    for key in ('sync_bn', 'find_unused_parameters', 'log_level'):
        keys.get(key)  # read from the Runner's copy of the config (see runner_config)
    out = dict(
        env_cfg=_env(keys, options.launcher, notes),
        launcher=options.launcher,
        log_level=keys.get('log_level', 'INFO'),
        default_scope='mmaction',
        visualizer=runner_visualizer(keys.get('visualizer')),
        log_processor=runner_log_processor(keys.get('log_processor')),
    )
    wrapper = keys.get('model_wrapper_cfg')
    if wrapper is not None:
        out['model_wrapper_cfg'] = wrapper
    return out


def _validates(keys: KeyReader, options: TrainOptions, defaults: RunDefaults) -> bool:
    if options.validate is not None:
        if options.validate and not keys.has('val_dataloader'):
            raise ConfigError('--validate: the config has no validation data (val_dataloader)')
        return options.validate
    return defaults.validate and keys.has('val_dataloader')


def train_kwargs(
    src: dict, defaults: RunDefaults, config_path: Optional[str], options: TrainOptions
) -> Dict[str, Any]:
    """The Runner's keyword arguments for training with a 1.x config.

    Args:
        src: The 1.x config as a plain dict (a 0.x one translated by :mod:`.zero_x`).
        defaults: What the run does where the command line does not say.
        config_path: The config file, for messages and the default work dir.
        options: The command-line options.

    Returns:
        The keyword arguments of :class:`~mmaction.engine.runtime.runner.ActionRunner`
        (``speed``: the :class:`SpeedPlan`) and ``notes``: lines to log.
    """
    keys = KeyReader(src, '1.x')
    notes = list(defaults.notes)
    validate = _validates(keys, options, defaults)
    splits = ['train'] + (['val'] if validate else []) + (['test'] if options.test else [])
    model = runner_model_cfg(keys.get('model'))
    plan = speed_plan(keys, options.amp)
    work_dir = _work_dir(keys, options, config_path)
    kwargs: Dict[str, Any] = dict(model=model, work_dir=work_dir, **_loaders(keys, splits, model))
    plan.update_model_cfg(model)
    notes += plan.notes
    kwargs.update(_common(keys, options, notes))
    scale = dict(keys.get('auto_scale_lr', {}))
    if options.auto_scale_lr:
        if not scale.get('base_batch_size'):
            raise ConfigError('--auto-scale-lr: the config has no auto_scale_lr.base_batch_size')
        scale['enable'] = True
    kwargs.update(
        train_cfg=_train_loop(keys, validate),
        optim_wrapper=runner_optim_wrapper(keys.get('optim_wrapper'), plan.precision),
        param_scheduler=keys.get('param_scheduler'),
        auto_scale_lr=scale or None,
        default_hooks=runner_default_hooks(keys.get('default_hooks'), validate),
        custom_hooks=runner_custom_hooks(
            keys.get('custom_hooks'), False, [class_report_hook(work_dir)] if validate else []
        ),
        randomness=_randomness(keys, options, defaults, notes),
        speed=plan,
    )
    if validate:
        kwargs.update(
            val_cfg=_eval_loop(keys, 'val', plan),
            val_evaluator=runner_evaluators(
                keys.get('val_evaluator'), 'val', work_dir, result_names=defaults.dialect
            ),
        )
    else:
        keys.get('val_cfg'), keys.get('val_evaluator'), keys.get('val_dataloader')  # unused
    if options.test:
        evaluators = keys.get('test_evaluator') or keys.get('val_evaluator')
        kwargs.update(
            test_cfg=_eval_loop(keys, 'test', plan),
            # MMAction2 0.x wrote the scores of --test-last/--test-best to <name>_pred.pkl.
            test_evaluator=runner_evaluators(
                evaluators,
                'test',
                work_dir,
                out=osp.join(work_dir, 'last_pred.pkl'),
                result_names=defaults.dialect,
            ),
        )
    else:
        keys.get('test_cfg'), keys.get('test_evaluator'), keys.get('test_dataloader')
    kwargs.update(_resume(keys, options, work_dir, notes), load_class_rows=_class_rows(keys))
    keys.finish()
    kwargs['notes'] = notes
    return kwargs


def test_model_cfg(keys: KeyReader, average_clips: Any = KEEP_AVERAGE_CLIPS) -> dict:
    """The model config of a test run: ``pretrained`` cleared, ``average_clips`` as asked."""
    model = runner_model_cfg(keys.get('model'), testing=True)
    if average_clips != KEEP_AVERAGE_CLIPS:
        set_average_clips(model, average_clips)
    return model


def test_kwargs(
    src: dict, defaults: RunDefaults, config_path: Optional[str], options: TestOptions
) -> Dict[str, Any]:
    """The Runner's keyword arguments for testing a checkpoint with a 1.x config.

    ``--eval`` replaces the metrics of ``test_evaluator`` (and
    ``--eval-options`` updates their options); ``--out`` and ``--dump`` add
    the score files.

    Returns:
        ``model`` (the config, still to be built), the other Runner keyword
        arguments, ``speed`` and ``notes``.
    """
    keys = KeyReader(src, '1.x')
    notes = list(defaults.notes)
    model = test_model_cfg(keys, options.average_clips)
    plan = speed_plan(keys, options.amp, options.channels_last)
    work_dir = _work_dir(keys, options, config_path)
    loaders = _loaders(keys, ['test'], model)
    plan.update_model_cfg(model)
    notes += plan.notes
    evaluators = runner_evaluators(
        keys.get('test_evaluator'), 'test', work_dir, out=options.out, dump=options.dump,
        metrics=options.metrics, eval_options=options.eval_options, result_names=defaults.dialect,
    )  # fmt: skip
    kwargs: Dict[str, Any] = dict(
        model=model,
        # The work dir is usually the training run's: the logs of each test run
        # (a timestamped folder each) go under test/, beside the checkpoints.
        work_dir=osp.join(work_dir, 'test'),
        test_cfg=_eval_loop(keys, 'test', plan),
        test_evaluator=evaluators,
        default_hooks={
            name: hook
            for name, hook in runner_default_hooks(keys.get('default_hooks'), False).items()
            if name in ('runtime_info', 'timer', 'logger')
        },
        custom_hooks=runner_custom_hooks(None, testing=True),
        speed=plan,
        notes=notes,
        **loaders,
        **_common(keys, options, notes),
    )
    _read_training_keys(keys)
    keys.finish()
    return kwargs


def _read_training_keys(keys: KeyReader) -> None:
    """Keys a test run has no use for: read, so the contract knows they were seen."""
    for key in (
        'train_dataloader', 'val_dataloader', 'train_cfg', 'val_cfg', 'optim_wrapper',
        'param_scheduler', 'auto_scale_lr', 'val_evaluator', 'custom_hooks', 'randomness',
        'resume', 'load_from', 'load_class_rows', 'nonfinite_loss', 'test_evaluator',
    ):  # fmt: skip
        keys.get(key)


def inference_cfg(src: dict) -> Tuple[dict, dict]:
    """``(model, test dataset)`` configs of a 1.x config, as ``tools/test.py`` builds them."""
    keys = KeyReader(src, '1.x')
    model = test_model_cfg(keys)
    loader = keys.get('test_dataloader')
    if not isinstance(loader, dict) or not isinstance(loader.get('dataset'), dict):
        raise ConfigError(
            'The config has no test_dataloader.dataset, whose pipeline inference runs'
        )
    dataset = copy.deepcopy(loader['dataset'])
    if not dataset.get('pipeline'):
        raise ConfigError(
            'The config has no test_dataloader.dataset.pipeline, which inference runs'
        )
    set_test_protocol(dataset, '1.x')
    move_normalize_to_model(model, [dataset['pipeline']])
    return model, dataset
