"""A config of either MMAction2 dialect to what a run needs: Runner arguments, a model, a pipeline.

The config's dialect is detected from its keys and every key is checked
against that dialect's contract (:mod:`.contract`). A 0.x config is then
translated into the 1.x schema (:mod:`.zero_x`), and the 1.x config becomes
the Runner's arguments (:mod:`.one_x`): one path for both dialects, with the
defaults of the config's own (:class:`~.zero_x.RunDefaults`: 0.x validates
only with ``--validate``, 1.x unless ``--no-validate``; 0.x test clips are
placed as 0.x placed them).
"""

import copy
from typing import Any, Dict, List, Optional, Tuple

from mmengine.config import Config

from ..options import KEEP_AVERAGE_CLIPS, TestOptions, TrainOptions
from ..speed.plan import SpeedPlan, plan_speed
from . import one_x, zero_x
from .checks import ConfigError
from .contract import KeyReader, check_top_level_keys, detect_dialect
from .evaluators import test_accuracy_metric
from .usage import used_names
from .zero_x import RunDefaults


def _plain(cfg) -> dict:
    """A deep, plain-dict copy of a Config/ConfigDict/dict."""
    if hasattr(cfg, 'to_dict'):
        cfg = cfg.to_dict()
    return copy.deepcopy(dict(cfg))


def as_one_x(cfg, config_path: Optional[str] = None) -> Tuple[Dict[str, Any], RunDefaults]:
    """The 1.x form of a config of either dialect, and the defaults of a run of its dialect.

    Args:
        cfg: The config (``mmengine.Config`` or dict), after ``--cfg-options``.
        config_path: The config file: its source tells which top-level
            names are helper variables; it also names the file in messages.

    Raises:
        ConfigError: Mixed dialects, a key no handler reads, a bad value.
    """
    plain = _plain(cfg)
    path = config_path or getattr(cfg, 'filename', None)
    used = used_names(path)
    dialect = detect_dialect(plain, used, path)
    check_top_level_keys(plain, dialect, used, path)
    if dialect == '0.x':
        return zero_x.translate(plain)
    return plain, RunDefaults('1.x', validate=True, cli_seed_wins=False)


def convert_train_config(
    cfg, config_path: Optional[str] = None, options: Optional[TrainOptions] = None
) -> Dict[str, Any]:
    """Runner keyword arguments for training with a config of either dialect.

    Args:
        cfg: The config (``mmengine.Config`` or dict), after ``--cfg-options``.
        config_path: The config file, for messages and the default work dir.
        options: The command-line options (defaults: ``TrainOptions()``).

    Returns:
        The keyword arguments of :class:`~mmaction.engine.runtime.runner.ActionRunner`
        (without ``cfg``), with ``speed`` (the run's
        :class:`~mmaction.engine.speed.plan.SpeedPlan`) and ``notes``:
        messages to log once the runner's logger exists.
    """
    options = options or TrainOptions()
    src, defaults = as_one_x(cfg, config_path)
    if defaults.dialect == '0.x':
        for key, old in (('optim_wrapper', 'optimizer'), ('train_cfg', 'total_epochs')):
            if key not in src:
                raise ConfigError(f'The config {config_path} has no `{old}`, needed for training')
    return one_x.train_kwargs(src, defaults, config_path, options)


def convert_test_config(
    cfg, config_path: Optional[str] = None, options: Optional[TestOptions] = None
) -> Dict[str, Any]:
    """Runner settings for testing a checkpoint with a config of either dialect.

    A 0.x config's ``eval_config`` (metrics and options) and
    ``output_config`` (``out``) are the defaults of ``--eval`` and
    ``--out``; a 1.x config's ``test_evaluator``. The command line wins.

    Returns:
        ``model`` (config dict, still to be built) and the other Runner
        keyword arguments, plus ``speed`` and ``notes``.
    """
    options = options or TestOptions()
    src, defaults = as_one_x(cfg, config_path)
    return one_x.test_kwargs(src, defaults, config_path, options)


def runner_config(cfg, work_dir: Optional[str] = None) -> Config:
    """The config object handed to the Runner (dumped to the work dir, stored in checkpoints).

    It is the config as written, in its own dialect, with ``work_dir``
    filled in and ``sync_bn`` in mmengine's spelling: 0.x-style
    ``sync_bn=True`` becomes ``'torch'`` (``torch.nn.SyncBatchNorm`` when
    distributed), a false value is dropped.
    """
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


def model_cfg_for_testing(cfg, average_clips: Any = KEEP_AVERAGE_CLIPS) -> dict:
    """The model config a test run builds: ``pretrained`` cleared, ``average_clips`` as asked.

    Args:
        cfg: The config, of either dialect.
        average_clips: A new ``average_clips``, or :data:`KEEP_AVERAGE_CLIPS`
            to keep the config's.
    """
    src, _ = as_one_x(cfg)
    return one_x.test_model_cfg(KeyReader(src, '1.x'), average_clips)


def split_pipeline(cfg, split: str) -> List[dict]:
    """The pipeline of the data set of ``split`` (``'train'``, ``'val'``, ``'test'``).

    Read where either dialect keeps it (``data.<split>.pipeline``,
    ``<split>_dataloader.dataset.pipeline``), else from a ``<split>_pipeline``
    helper variable; the config is not checked (the analysis tools read
    pipelines of partial configs too).

    Raises:
        ConfigError: The config has no such pipeline.
    """
    plain = _plain(cfg)
    candidates = [
        ((plain.get('data') or {}).get(split) or {}),
        ((plain.get(f'{split}_dataloader') or {}).get('dataset') or {}),
    ]
    for dataset in candidates:
        if isinstance(dataset, dict) and dataset.get('pipeline'):
            return list(dataset['pipeline'])
    if plain.get(f'{split}_pipeline'):
        return list(plain[f'{split}_pipeline'])
    raise ConfigError(
        f'The config has no {split} pipeline (data.{split}.pipeline in 0.x, '
        f'{split}_dataloader.dataset.pipeline in 1.x)'
    )


def split_loader(cfg, split: str) -> Dict[str, Any]:
    """The 1.x data loader config of ``split`` of a config of either dialect.

    Its dataset has ``test_mode`` for val and test, and its ``SampleFrames``
    the test protocol of the config's dialect.

    Raises:
        ConfigError: The config has no data set for ``split``.
    """
    src, defaults = as_one_x(cfg)
    loader = src.get(f'{split}_dataloader')
    if not isinstance(loader, dict) or not isinstance(loader.get('dataset'), dict):
        raise ConfigError(
            f'The config has no {split} data ({split}_dataloader, or data.{split} in 0.x)'
        )
    loader = copy.deepcopy(loader)
    if split != 'train':
        loader['dataset']['test_mode'] = True
    zero_x.set_test_protocol(loader['dataset'], defaults.dialect)
    return loader


def testing_metric_cfg(
    cfg, metrics: Optional[List[str]] = None, eval_options: Optional[dict] = None
) -> Optional[dict]:
    """The ``AccMetric`` config ``tools/test.py`` computes with ``cfg`` (None: no metric).

    ``metrics`` (``--eval``) replace the config's (0.x ``eval_config``, 1.x
    ``test_evaluator``); ``eval_options`` (``--eval-options``) update their options.
    """
    src, defaults = as_one_x(cfg)
    return test_accuracy_metric(
        src.get('test_evaluator'), metrics, eval_options, result_names=defaults.dialect
    )


def speed_plan_of(
    cfg, amp: Any = False, channels_last: bool = False, device_type: Optional[str] = None
) -> SpeedPlan:
    """The :class:`SpeedPlan` of a config of either dialect (``--amp`` and ``--channels-last`` win)."""
    src, _ = as_one_x(cfg)
    settings = one_x.speed_keys(KeyReader(src, '1.x'))
    settings['channels_last'] = channels_last or settings['channels_last']
    return plan_speed(amp=amp, device_type=device_type, **settings)


def cudnn_benchmark_of(cfg) -> bool:
    """The config's cuDNN benchmark setting (0.x ``cudnn_benchmark``, 1.x ``env_cfg``)."""
    src, _ = as_one_x(cfg)
    return bool((src.get('env_cfg') or {}).get('cudnn_benchmark', False))


def convert_inference_config(cfg, config_path: Optional[str] = None) -> Config:
    """What the inference API runs: the model and the test data set of ``tools/test.py``.

    ``pretrained`` is cleared, a trailing ``Normalize`` of the test pipeline
    moves into the model's data preprocessor, and test clips are placed by
    the protocol of the config's dialect, so the inference API computes the
    scores ``tools/test.py`` computes.

    Args:
        cfg: The config, of either dialect, after ``cfg_options``.
        config_path: The config file, for messages.

    Returns:
        mmengine.Config: ``model`` (the model to build), ``data.test`` (its
        data set config, pipeline included) and the speed keys
        (``precision``, ``fp16``, ``channels_last``, ``compile``) of
        :func:`~mmaction.engine.speed.plan.plan_speed`.

    Raises:
        ConfigError: Misspelled keys, or no test pipeline.
    """
    src, defaults = as_one_x(cfg, config_path)
    if defaults.dialect == '0.x' and 'test_dataloader' not in src:
        where = f' (config {config_path})' if config_path else ''
        raise ConfigError(f'The config has no data.test.pipeline, which inference runs{where}')
    model, dataset = one_x.inference_cfg(src)
    speed = one_x.speed_keys(KeyReader(src, '1.x'))
    return Config(dict(model=model, data=dict(test=dataset), **speed), filename=config_path)
