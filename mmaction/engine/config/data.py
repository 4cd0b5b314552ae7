"""0.x ``data`` dict to mmengine dataloader configs, and the Normalize move.

0.x's ``build_dataloader`` takes ``videos_per_gpu``/``workers_per_gpu`` from
``data`` and lets ``data.<split>_dataloader`` override them per split. A
mmengine dataloader config carries the same settings under its own names, a
sampler and a collate function, which stacks the 0.x sample dicts into batch
tensors. Training uses a ``ResumableSampler`` (shuffled, per-sample seeds,
mid-epoch resume); validation and testing mmengine's ``DefaultSampler``.
"""

import copy
from typing import Any, Dict, List, Optional, Tuple

import torch

from .checks import ConfigError

#: The top-level 0.x config keys this module handles.
TOP_LEVEL_KEYS = ('data',)

# Transforms that only change layout or container type, so Normalize may move
# past them onto the model's data preprocessor without changing the numbers.
LAYOUT_TRANSFORMS = frozenset({'FormatShape', 'Collect', 'ToTensor', 'ToDataContainer'})

#: Sampler of each split (``ResumableSampler``: ``mmaction/engine/runtime/samplers.py``).
SAMPLERS = {'train': 'ResumableSampler', 'val': 'DefaultSampler', 'test': 'DefaultSampler'}


def dataloader_cfg(data: dict, split: str) -> dict:
    """mmengine dataloader config for one split of a 0.x ``data`` dict.

    Args:
        data: The 0.x ``data`` dict.
        split: ``'train'``, ``'val'`` or ``'test'``; val and test datasets get
            ``test_mode=True`` and are read in order.

    Returns:
        A dict for mmengine's ``Runner(train_dataloader=...)`` and friends.
    """
    if split not in data or data[split] is None:
        raise ConfigError(f'The config has no data.{split}, which this run needs')
    if isinstance(data[split], (list, tuple)):
        raise ConfigError(f'data.{split} is a list (OmniSource training), which is not supported')
    dataset = copy.deepcopy(dict(data[split]))
    if split != 'train':
        dataset['test_mode'] = True
    settings = dict(
        videos_per_gpu=data.get('videos_per_gpu', 1),
        workers_per_gpu=data.get('workers_per_gpu', 1),
        persistent_workers=data.get('persistent_workers', False),
        # 0.x pinned by default; pinning only helps copies to a GPU.
        pin_memory=data.get('pin_memory', torch.cuda.is_available()),
        drop_last=data.get('drop_last', False),
        shuffle=split == 'train',
    )
    if data.get('prefetch_factor') is not None:
        settings['prefetch_factor'] = data['prefetch_factor']
    settings.update(data.get(f'{split}_dataloader') or {})
    workers = int(settings['workers_per_gpu'])
    loader = dict(
        batch_size=int(settings['videos_per_gpu']),
        num_workers=workers,
        # torch refuses persistent workers (and a prefetch factor) without workers.
        persistent_workers=bool(settings['persistent_workers']) and workers > 0,
        pin_memory=bool(settings['pin_memory']),
        drop_last=bool(settings['drop_last']),
        sampler=dict(type=SAMPLERS[split], shuffle=bool(settings['shuffle'])),
        collate_fn=dict(type='action_collate'),
        dataset=dataset,
    )
    if split in ('train', 'val'):
        # The train loop stops on SIGTERM/SIGINT itself; workers must outlive them.
        loader['worker_init_fn'] = dict(type='ignore_stop_signals')
    if workers > 0 and settings.get('prefetch_factor') is not None:
        loader['prefetch_factor'] = int(settings['prefetch_factor'])
    return loader


def head_num_classes(model: dict) -> Optional[int]:
    """``model.cls_head.num_classes`` of a model config, or None (no head)."""
    head = model.get('cls_head')
    return head.get('num_classes') if isinstance(head, dict) else None


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
        ConfigError: the two ``num_classes`` disagree.
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
        loader['dataset'] = dataset
        built[split] = dataset
    return built


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


def move_normalize_to_model(model: dict, data: dict, splits: List[str]) -> bool:
    """Move a trailing ``Normalize`` from the pipelines to ``model.data_preprocessor``.

    Frames then stay uint8 through the data loader (4x less memory and
    inter-process traffic) and are normalized on the model's device; the
    arithmetic is the same. Nothing changes unless every pipeline of
    ``splits`` ends with the same ``Normalize`` followed only by layout
    transforms and the model has no normalizing preprocessor yet.

    Args:
        model: The model config, updated in place.
        data: The 0.x ``data`` dict, whose pipelines are updated in place.
        splits: The splits this run builds.

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
    for split in splits:
        pipeline = (data.get(split) or {}).get('pipeline')
        spot = _movable_normalize(pipeline)
        if spot is None:
            return False
        found.append((split, spot))
    if not found:
        return False
    keys = {
        (tuple(n['mean']), tuple(n['std']), bool(n.get('to_bgr', False))) for _, (_, n) in found
    }
    if len(keys) != 1:
        return False
    mean, std, to_bgr = keys.pop()
    for split, (index, _) in found:
        # A new list: pipelines of several splits may be one shared object.
        pipeline = list(data[split]['pipeline'])
        data[split]['pipeline'] = pipeline[:index] + pipeline[index + 1 :]
    new = dict(preprocessor)
    new.update(type='ActionDataPreprocessor', mean=list(mean), std=list(std), to_bgr=to_bgr)
    model['data_preprocessor'] = new
    return True
