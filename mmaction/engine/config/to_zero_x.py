"""MMAction2 1.x configs, translated into the 0.x dialect (``tools/convert_config.py --to 0.x``).

The inverse of :mod:`.zero_x`: a 1.x config (``train_dataloader``,
``optim_wrapper``, ``param_scheduler``, ``train_cfg``, ``val_evaluator``,
``default_hooks``, ...) becomes the 0.x config of the same run (``data``,
``optimizer``, ``lr_config``, ``total_epochs``, ``evaluation``,
``checkpoint_config``, ...), keeping every 1.x meaning the 0.x defaults
would change:

- test clips stay where 1.x puts them: every ``SampleFrames`` without a
  ``test_protocol`` gets ``test_protocol='1.x'``;
- the normalization stays in ``model.data_preprocessor`` and
  ``average_clips`` moves to ``model.test_cfg``;
- the learning rate is the same at every iteration (:mod:`.to_zero_x_schedule`),
  and a scheduler no mmcv policy expresses exactly is refused.

Every key is read through the 1.x table of :mod:`.contract`; what 0.x
cannot hold and that changes no number (``default_scope``, ``launcher``,
log smoothing) is left out and listed in the returned notes.
"""

import copy
import os.path as osp
from typing import Any, Dict, List, Optional, Tuple

from .checks import ConfigError, check_section_keys
from .contract import KeyReader
from .optim import WRAPPER_KEYS
from .to_zero_x_runtime import default_hooks, evaluation, log_hooks, test_outputs, val_metrics
from .to_zero_x_schedule import lr_config_of
from .zero_x import set_test_protocol

#: Keys copied as they are: they mean the same in both dialects.
_SAME_IN_BOTH = (
    'work_dir', 'log_level', 'sync_bn', 'find_unused_parameters', 'precision', 'channels_last',
    'compile', 'nonfinite_loss', 'load_class_rows',
)  # fmt: skip
#: 1.x data loader settings -> their 0.x names in ``data``.
_LOADER_SETTINGS = {
    'batch_size': 'videos_per_gpu',
    'num_workers': 'workers_per_gpu',
    'persistent_workers': 'persistent_workers',
    'pin_memory': 'pin_memory',
    'drop_last': 'drop_last',
    'prefetch_factor': 'prefetch_factor',
}
_SPLITS = ('train', 'val', 'test')
#: A standard PackActionInputs is exactly these two 0.x steps.
COLLECT = dict(type='Collect', keys=['imgs', 'label'], meta_keys=[])
TO_TENSOR = dict(type='ToTensor', keys=['imgs', 'label'])


def _model(keys: KeyReader) -> Optional[dict]:
    model = keys.get('model')
    if not isinstance(model, dict):
        return model
    head = model.get('cls_head')
    if isinstance(head, dict) and 'average_clips' in head:
        value = head.pop('average_clips')
        test_cfg = dict(model.get('test_cfg') or {})
        if test_cfg.get('average_clips', value) != value:
            raise ConfigError(
                f'model.cls_head.average_clips={value!r} and model.test_cfg.average_clips='
                f'{test_cfg["average_clips"]!r} differ: keep one'
            )
        model['test_cfg'] = dict(test_cfg, average_clips=value)
    return model


def _is_plain_pack(step: Any) -> bool:
    """A ``PackActionInputs`` whose batches ``Collect`` + ``ToTensor`` give exactly.

    Its ``meta_keys`` only fill ``img_metas``, which no number depends on.
    """
    if not isinstance(step, dict) or step.get('type') != 'PackActionInputs':
        return False
    collect = step.get('collect_keys')
    return (collect is None or list(collect) == ['imgs']) and not step.get('algorithm_keys')


def _pipeline(pipeline: Any) -> Any:
    if not isinstance(pipeline, list):
        return pipeline
    out = []
    for step in pipeline:
        out += [dict(COLLECT), dict(TO_TENSOR)] if _is_plain_pack(step) else [step]
    return out


def _dataset(dataset: dict, where: str) -> dict:
    """A 1.x dataset config with 0.x's ``data_prefix`` string and pipeline."""
    dataset = dict(dataset)
    if isinstance(dataset.get('dataset'), dict):  # a wrapper such as RepeatDataset
        dataset['dataset'] = _dataset(dataset['dataset'], f'{where}.dataset')
    prefix = dataset.get('data_prefix')
    if isinstance(prefix, dict):
        if len(prefix) != 1 or set(prefix) - {'video', 'img'}:
            raise ConfigError(
                f'{where}.data_prefix={prefix!r}: 0.x datasets read one folder, '
                "dict(video='...') or dict(img='...')"
            )
        prefix = next(iter(prefix.values()))
    root = dataset.pop('data_root', None)
    if root:  # mmengine joins relative paths to data_root
        ann_file = dataset.get('ann_file')
        if ann_file and not osp.isabs(ann_file):
            dataset['ann_file'] = osp.join(root, ann_file)
        prefix = osp.join(root, prefix) if prefix else root
    if 'data_prefix' in dataset or root:
        dataset['data_prefix'] = prefix or None
    if 'pipeline' in dataset:
        dataset['pipeline'] = _pipeline(dataset['pipeline'])
    return dataset


def _loader_settings(loader: dict, split: str, notes: List[str]) -> Dict[str, Any]:
    """The 0.x settings of a 1.x data loader, all of them written out (1.x's defaults differ)."""
    where = f'{split}_dataloader'
    check_section_keys(where, loader, set(_LOADER_SETTINGS) | {'sampler', 'dataset', 'collate_fn'})
    settings = {new: loader.get(old) for old, new in _LOADER_SETTINGS.items()}
    settings['videos_per_gpu'] = loader.get('batch_size', 1)
    settings['workers_per_gpu'] = loader.get('num_workers', 0)  # 0.x's default is 1
    sampler = dict(loader.get('sampler') or {})
    if sampler.get('type', 'DefaultSampler') not in ('DefaultSampler', 'ResumableSampler'):
        raise ConfigError(
            f'{where}.sampler.type={sampler["type"]!r} has no MMAction2 0.x form: use '
            'DefaultSampler'
        )
    settings['shuffle'] = bool(sampler.get('shuffle', split == 'train'))
    ignored = sorted(set(sampler) - {'type', 'shuffle'})
    if ignored:
        notes.append(f'{where}.sampler.{", ".join(ignored)}: the toolkit does not read them')
    if loader.get('collate_fn') is not None:
        notes.append(f'{where}.collate_fn: every run batches with action_collate')
    return settings


def _data(keys: KeyReader, notes: List[str]) -> Optional[dict]:
    loaders = {s: keys.get(f'{s}_dataloader') for s in _SPLITS}
    loaders = {s: loader for s, loader in loaders.items() if loader is not None}
    if not loaders:
        return None
    settings = {s: _loader_settings(loader, s, notes) for s, loader in loaders.items()}
    first = next(iter(settings))  # the train loader's settings, where there is one
    base = {k: v for k, v in settings[first].items() if k != 'shuffle' and v is not None}
    data: Dict[str, Any] = dict(base)
    for split, loader in loaders.items():
        if not isinstance(loader.get('dataset'), dict):
            raise ConfigError(f'{split}_dataloader must have a `dataset` dict, got {loader!r}')
        own = settings[split]
        override = {k: v for k, v in own.items() if k != 'shuffle' and base.get(k) != v}
        if own['shuffle'] != (split == 'train'):
            override['shuffle'] = own['shuffle']
        if override:
            data[f'{split}_dataloader'] = override
        dataset = _dataset(loader['dataset'], f'{split}_dataloader.dataset')
        if split != 'train' and dataset.get('test_mode') is True:
            del dataset['test_mode']  # 0.x builds val and test data sets in test mode
        data[split] = dataset
    set_test_protocol(data, '1.x')
    return data


def _optim(keys: KeyReader, out: dict, notes: List[str]) -> None:
    wrapper = keys.get('optim_wrapper')
    if wrapper is None:
        return
    if not isinstance(wrapper, dict) or not isinstance(wrapper.get('optimizer'), dict):
        raise ConfigError(f'optim_wrapper must be a dict with an `optimizer`, got {wrapper!r}')
    check_section_keys('optim_wrapper', wrapper, WRAPPER_KEYS)
    kind = wrapper.get('type', 'OptimWrapper')
    if kind not in ('OptimWrapper', 'AmpOptimWrapper'):
        raise ConfigError(
            f'optim_wrapper.type={kind!r} has no MMAction2 0.x form: use OptimWrapper or '
            'AmpOptimWrapper'
        )
    optimizer = dict(wrapper['optimizer'])
    for key in ('paramwise_cfg', 'constructor'):
        if wrapper.get(key) is not None:
            optimizer[key] = wrapper[key]
    out['optimizer'] = optimizer
    out['optimizer_config'] = dict(grad_clip=wrapper.get('clip_grad'))
    counts = wrapper.get('accumulative_counts', 1)
    if counts != 1:
        out['optimizer_config']['cumulative_iters'] = counts
    if kind == 'OptimWrapper':
        if wrapper.get('loss_scale') is not None or wrapper.get('dtype') is not None:
            notes.append('optim_wrapper.loss_scale/dtype: only AmpOptimWrapper reads them')
    elif str(wrapper.get('dtype') or 'float16') in ('bfloat16', 'torch.bfloat16'):
        if not keys.has('precision'):  # the precision key wins over the wrapper in both
            out['precision'] = 'bf16'
    else:
        out['fp16'] = dict(loss_scale=wrapper.get('loss_scale', 'dynamic'))


_TRAIN_LOOPS = ('EpochBasedTrainLoop', 'ResumableTrainLoop')
_EVAL_LOOPS = dict(val=('ValLoop', 'ActionValLoop'), test=('TestLoop', 'ActionTestLoop'))


def _train_loop(keys: KeyReader, out: dict) -> dict:
    """``total_epochs`` of ``train_cfg``; returns ``train_cfg`` (validation interval and start)."""
    loop = keys.get('train_cfg') or {}
    if loop.get('type', _TRAIN_LOOPS[0]) not in _TRAIN_LOOPS or not loop.get('by_epoch', True):
        raise ConfigError(f'train_cfg={loop!r} has no MMAction2 0.x form: 0.x trains by epochs')
    check_section_keys(
        'train_cfg', loop, ('type', 'max_epochs', 'val_begin', 'val_interval', 'by_epoch')
    )
    if loop.get('max_epochs') is not None:
        out['total_epochs'] = loop['max_epochs']
    for split, kinds in _EVAL_LOOPS.items():
        # 0.x's data.val/data.test imply these loops.
        cfg = keys.get(f'{split}_cfg') or {}
        check_section_keys(f'{split}_cfg', cfg, ('type',))
        if cfg.get('type', kinds[0]) not in kinds:
            raise ConfigError(
                f'{split}_cfg.type={cfg["type"]!r} has no MMAction2 0.x form: use {kinds[0]}'
            )
    return loop


def _runtime(keys: KeyReader, out: dict, loop: dict, notes: List[str]) -> None:
    """Evaluation, test outputs, checkpoints, logging and extra hooks."""
    hooks = default_hooks(keys.get('default_hooks'), notes)
    out['checkpoint_config'] = hooks['checkpoint_config']
    out['log_config'] = dict(
        interval=hooks['log_interval'], hooks=log_hooks(keys.get('visualizer'), notes)
    )
    if keys.has('val_evaluator'):
        metrics = val_metrics(keys.get('val_evaluator'), notes)
        out['evaluation'] = evaluation(loop, metrics, hooks['best'])
    eval_config, output_config = test_outputs(keys.get('test_evaluator'), notes)
    if eval_config:
        out['eval_config'] = eval_config
    if output_config:
        out['output_config'] = output_config
    custom = list(keys.get('custom_hooks') or []) + hooks['custom_hooks']
    if custom:
        out['custom_hooks'] = custom
    if keys.has('log_processor'):
        notes.append('log_processor: 0.x averages the logs over log_config.interval iterations')


def _env(keys: KeyReader, out: dict) -> None:
    env = keys.get('env_cfg') or {}
    check_section_keys('env_cfg', env, ('cudnn_benchmark', 'mp_cfg', 'dist_cfg', 'resource_limit'))
    if env.get('resource_limit') is not None:
        raise ConfigError('env_cfg.resource_limit has no MMAction2 0.x form: remove it')
    if 'cudnn_benchmark' in env:
        out['cudnn_benchmark'] = bool(env['cudnn_benchmark'])
    mp_cfg = dict(env.get('mp_cfg') or {})
    check_section_keys('env_cfg.mp_cfg', mp_cfg, ('mp_start_method', 'opencv_num_threads'))
    out.update(mp_cfg)
    if env.get('dist_cfg') is not None:
        out['dist_params'] = dict(env['dist_cfg'])
    randomness = keys.get('randomness') or {}
    check_section_keys('randomness', randomness, ('seed', 'diff_rank_seed', 'deterministic'))
    if randomness.get('diff_rank_seed'):
        raise ConfigError(
            'randomness.diff_rank_seed=True has no MMAction2 0.x form: give tools/train.py '
            '--diff-seed instead'
        )
    if randomness.get('seed') is not None:
        out['seed'] = randomness['seed']
    if randomness.get('deterministic'):
        out['deterministic'] = True


def _resume(keys: KeyReader, out: dict) -> None:
    load_from, resume = keys.get('load_from'), keys.get('resume', False)
    if resume is True and load_from:
        out['resume_from'] = load_from
        return
    if resume is True or resume == 'auto':
        # The newest checkpoint of the work dir, else the weights of load_from.
        out['auto_resume'] = True
    elif isinstance(resume, str) and resume:
        out['resume_from'] = resume
    elif resume not in (False, None):
        raise ConfigError(f"resume={resume!r}: use True, False, 'auto' or a checkpoint path")
    if load_from:
        out['load_from'] = load_from


def _dropped(keys: KeyReader, notes: List[str]) -> None:
    """Keys 0.x has no form for; refused where they would change the run."""
    scale = keys.get('auto_scale_lr') or {}
    if scale.get('enable'):
        raise ConfigError(
            'auto_scale_lr.enable=True has no MMAction2 0.x form: scale optimizer.lr to your '
            'batch size yourself and remove auto_scale_lr'
        )
    if scale:
        notes.append('auto_scale_lr (not enabled): tools/train.py --auto-scale-lr needs 1.x')
    if keys.get('default_scope', 'mmaction') != 'mmaction':
        raise ConfigError(f"default_scope={keys.get('default_scope')!r}: use 'mmaction'")
    if keys.has('default_scope'):
        notes.append("default_scope: 0.x has no registry scopes (this toolkit's is 'mmaction')")
    if keys.has('launcher'):
        notes.append('launcher: give tools/train.py --launcher')
    wrapper = keys.get('model_wrapper_cfg') or {}
    check_section_keys('model_wrapper_cfg', wrapper, ('type', 'find_unused_parameters'))
    if wrapper.get('type', 'MMDistributedDataParallel') != 'MMDistributedDataParallel':
        raise ConfigError(
            f'model_wrapper_cfg.type={wrapper["type"]!r} has no MMAction2 0.x form: remove it'
        )


def translate(src: dict) -> Tuple[Dict[str, Any], List[str]]:
    """The 0.x config of a 1.x config.

    Args:
        src: The 1.x config as a plain dict (after ``--cfg-options``).

    Returns:
        ``(config, notes)``: the 0.x config (a new dict) and one line for
        each setting left out because 0.x has no place for it and it
        changes no number.

    Raises:
        ConfigError: A key or value with no 0.x form that would change the
            run (a scheduler no mmcv policy expresses, ``auto_scale_lr``
            enabled, ...), named with what to do.
    """
    src = copy.deepcopy(src)
    keys = KeyReader(src, '1.x')
    notes: List[str] = []
    out: Dict[str, Any] = {}
    model = _model(keys)
    if model is not None:
        out['model'] = model
    data = _data(keys, notes)
    if data is not None:
        out['data'] = data
    _optim(keys, out, notes)
    loop = _train_loop(keys, out)
    lr_config = lr_config_of(keys.get('param_scheduler'), loop.get('max_epochs'))
    if lr_config is not None:
        out['lr_config'] = lr_config
    _runtime(keys, out, loop, notes)
    _env(keys, out)
    _resume(keys, out)
    _dropped(keys, notes)
    wrapper = keys.get('model_wrapper_cfg') or {}
    if 'find_unused_parameters' in wrapper:
        out['find_unused_parameters'] = wrapper['find_unused_parameters']
    for key in _SAME_IN_BOTH:
        if keys.has(key):
            out[key] = keys.get(key)
    keys.finish()
    return out, notes
