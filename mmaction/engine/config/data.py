"""Data loaders of a run: a 1.x ``*_dataloader`` to the Runner's, the Normalize move, checked datasets.

A 1.x data loader config names a sampler, a batch size, workers and the
dataset. The Runner's gets the toolkit's samplers and collate function:
training uses a ``ResumableSampler`` (shuffled, per-sample seeds, mid-epoch
resume), validation and testing mmengine's ``DefaultSampler``, and
``action_collate`` stacks the samples into batch tensors.
"""

import copy
from typing import Any, Dict, List, Optional, Tuple

import torch

from .checks import ConfigError, check_section_keys, non_negative_int, positive_int
from .model import head_num_classes

# Transforms that only change layout or container type, so Normalize may move
# past them onto the model's data preprocessor without changing the numbers.
LAYOUT_TRANSFORMS = frozenset(
    {'FormatShape', 'Collect', 'ToTensor', 'ToDataContainer', 'PackActionInputs'}
)

_LOADER_KEYS = {
    'batch_size', 'num_workers', 'persistent_workers', 'pin_memory', 'drop_last',
    'prefetch_factor', 'sampler', 'dataset', 'collate_fn', 'batch_sampler', 'worker_init_fn',
}  # fmt: skip
# Collate functions a 1.x config may name: the toolkit's batches hold the same tensors.
_COLLATES = ('pseudo_collate', 'default_collate', 'action_collate')


def _sampler(sampler: Any, split: str, where: str) -> dict:
    sampler = dict(sampler or dict(type='DefaultSampler', shuffle=split == 'train'))
    kind = sampler.get('type', 'DefaultSampler')
    check_section_keys(f'{where}.sampler', sampler, ('type', 'shuffle', 'seed', 'round_up'))
    if kind not in ('DefaultSampler', 'ResumableSampler'):
        raise ConfigError(
            f'{where}.sampler.type={kind!r} is not supported: use DefaultSampler (epoch-based '
            'training reads every sample once per epoch)'
        )
    shuffle = bool(sampler.get('shuffle', split == 'train'))
    if split == 'train':
        # Per-sample seeds and mid-epoch resume (mmaction/engine/runtime/samplers.py).
        return dict(type='ResumableSampler', shuffle=shuffle)
    return dict(type='DefaultSampler', shuffle=shuffle)


def runner_dataloader(loader: Any, split: str) -> dict:
    """The Runner's data loader config of a 1.x ``<split>_dataloader``.

    Args:
        loader: The 1.x data loader config.
        split: ``'train'``, ``'val'`` or ``'test'``; val and test datasets
            get ``test_mode=True`` and are read in order.

    Raises:
        ConfigError: A missing dataset, an unknown key, a batch size or
            worker count that is not a positive (non-negative) integer.
    """
    where = f'{split}_dataloader'
    if not isinstance(loader, dict) or not isinstance(loader.get('dataset'), dict):
        raise ConfigError(f'{where} must be a dict with a `dataset` dict, got {loader!r}')
    check_section_keys(where, loader, _LOADER_KEYS)
    if loader.get('batch_sampler') is not None:
        raise ConfigError(f'{where}.batch_sampler is not supported: set {where}.batch_size')
    collate = dict(loader.get('collate_fn') or {}).get('type', 'action_collate')
    if collate not in _COLLATES:
        raise ConfigError(
            f'{where}.collate_fn={collate!r} is not supported: the toolkit batches with '
            'action_collate (leave collate_fn out)'
        )
    dataset = copy.deepcopy(dict(loader['dataset']))
    if split != 'train':
        dataset['test_mode'] = True
    workers = non_negative_int(
        loader.get('num_workers', 0), f'{where}.num_workers', 'data-loader worker processes'
    )
    out = dict(
        batch_size=positive_int(
            loader.get('batch_size', 1), f'{where}.batch_size', 'videos per batch'
        ),
        num_workers=workers,
        # torch refuses persistent workers (and a prefetch factor) without workers.
        persistent_workers=bool(loader.get('persistent_workers', False)) and workers > 0,
        # Pinning only helps copies to a GPU (0.x pinned by default).
        pin_memory=bool(loader.get('pin_memory', torch.cuda.is_available())),
        drop_last=bool(loader.get('drop_last', False)),
        sampler=_sampler(loader.get('sampler'), split, where),
        collate_fn=dict(type='action_collate'),
        dataset=dataset,
    )
    if split in ('train', 'val'):
        # The train loop stops on SIGTERM/SIGINT itself; workers must outlive them.
        out['worker_init_fn'] = dict(type='ignore_stop_signals')
    if workers > 0 and loader.get('prefetch_factor') is not None:
        out['prefetch_factor'] = positive_int(
            loader['prefetch_factor'], f'{where}.prefetch_factor', 'batches loaded ahead per worker'
        )
    return out


def build_checked_datasets(runner_kwargs: Dict[str, Any], model: dict) -> Dict[str, Any]:
    """Build the dataset of every dataloader of a run and check its labels, before any work.

    Building a dataset parses its annotation file strictly (a malformed line,
    a missing ``data_prefix`` folder are errors naming the file). Then every
    label of every split the run uses is checked against
    ``model.cls_head.num_classes``, and a data set's own ``num_classes``
    must agree with it. The built datasets replace their configs in the
    dataloader configs, so nothing is parsed twice.

    Args:
        runner_kwargs: Runner arguments with ``{split}_dataloader`` configs;
            updated in place.
        model: The model config.

    Returns:
        The built datasets by split name (``'train'``, ``'val'``, ``'test'``).

    Raises:
        ConfigError: the two ``num_classes`` disagree, or a ``label_file``
            names another number of classes.
        AnnotationError: a malformed annotation or a label out of range.
    """
    from mmaction.registry import DATASETS

    num_classes = head_num_classes(model)
    built = {}
    for split in ('train', 'val', 'test'):
        loader = runner_kwargs.get(f'{split}_dataloader')
        if not isinstance(loader, dict) or not isinstance(loader.get('dataset'), dict):
            continue
        dataset = DATASETS.build(loader['dataset'])
        own = getattr(dataset, 'num_classes', None)
        if num_classes is not None:
            if own is not None and own != num_classes:
                raise ConfigError(
                    f'data.{split}.num_classes={own} but model.cls_head.num_classes='
                    f'{num_classes}: make them equal (the head scores num_classes classes)'
                )
            dataset.check_labels(num_classes, f'model.cls_head.num_classes (data.{split})')
            _check_label_file(dataset, split, num_classes)
        loader['dataset'] = dataset
        built[split] = dataset
    return built


def _check_label_file(dataset, split: str, num_classes: int) -> None:
    """A data set's ``label_file`` must name as many classes as the head scores."""
    names = getattr(dataset, 'class_names', None)
    if names is not None and len(names) != num_classes:
        raise ConfigError(
            f'data.{split}.label_file {dataset.label_file} names {len(names)} classes but '
            f'model.cls_head.num_classes={num_classes}: use the label map of these lists, and '
            f"set num_classes (and a TPN's neck.aux_head_cfg.out_channels) to {len(names)}"
        )


def _movable_normalize(pipeline) -> Optional[Tuple[int, dict]]:
    """Index and config of a Normalize followed only by layout transforms."""
    if not isinstance(pipeline, (list, tuple)):
        return None
    types = [step.get('type') if isinstance(step, dict) else None for step in pipeline]
    if types.count('Normalize') != 1:
        return None
    index = types.index('Normalize')
    if not all(t in LAYOUT_TRANSFORMS for t in types[index + 1 :]):
        return None
    norm = pipeline[index]
    if set(norm) - {'type', 'mean', 'std', 'to_bgr'}:
        return None
    return index, norm


def move_normalize_to_model(model: dict, pipelines: List[list]) -> bool:
    """Move a trailing ``Normalize`` from the pipelines to ``model.data_preprocessor``.

    Frames then stay uint8 through the data loader (4x less memory and
    inter-process traffic) and are normalized on the model's device.
    Nothing changes unless every pipeline ends with the same ``Normalize``
    followed only by layout transforms and the model has no normalizing
    preprocessor yet.

    Args:
        model: The model config, updated in place.
        pipelines: The pipelines of the data sets this run builds (lists,
            updated in place).

    Returns:
        Whether the normalization was moved.
    """
    preprocessor = model.get('data_preprocessor') or {}
    if (
        preprocessor.get('mean') is not None
        or preprocessor.get('type', 'ActionDataPreprocessor') != 'ActionDataPreprocessor'
    ):
        return False
    found = []
    for pipeline in pipelines:
        spot = _movable_normalize(pipeline)
        if spot is None:
            return False
        found.append((pipeline, spot))
    if not found:
        return False
    keys = {
        (tuple(n['mean']), tuple(n['std']), bool(n.get('to_bgr', False))) for _, (_, n) in found
    }
    if len(keys) != 1:
        return False
    mean, std, to_bgr = keys.pop()
    for pipeline, (index, _) in found:
        del pipeline[index]
    new = dict(preprocessor)
    new.update(type='ActionDataPreprocessor', mean=list(mean), std=list(std), to_bgr=to_bgr)
    model['data_preprocessor'] = new
    return True
