"""The 1.x translation of a 0.x config, rewritten the way 1.x configs say it, with the same numbers.

:mod:`.zero_x` translates a 0.x config into the 1.x schema the toolkit
runs, keeping 0.x-isms that the toolkit reads either way. For a config file
a person reads next, :func:`idiomatic_one_x` puts them the 1.x way where
that changes no number:

- ``data_prefix='dir'`` becomes ``dict(video='dir')`` or ``dict(img='dir')``
  by the dataset type;
- a pipeline ending in ``Collect(keys=['imgs', 'label'], meta_keys=[])``
  and ``ToTensor`` ends in ``PackActionInputs()`` (the same batches);
- a ``Normalize`` followed only by layout steps, the same in every
  pipeline, moves to ``model.data_preprocessor`` (as every run of the
  toolkit moves it), with ``format_shape`` from ``FormatShape``;
- ``model.test_cfg.average_clips`` moves to ``model.cls_head``;
- the toolkit's iteration-based ``LinearWarmupLR``/``ConstantWarmupLR``
  (``end=W``) become mmengine's ``LinearLR``/``ConstantLR`` (``end=W+1``),
  which are equal;
- ``save_best`` names 1.x's results (``acc/top1`` for ``top1_acc``), and
  ``default_scope='mmaction'`` is written.
"""

import copy
from typing import Any, List, Optional

from .data import move_normalize_to_model
from .evaluators import result_key

#: Dataset type -> the ``data_prefix`` key of its 1.x form.
PREFIX_KEYS = {'VideoDataset': 'video', 'RawframeDataset': 'img'}
_NATIVE_WARMUPS = {'LinearWarmupLR': 'LinearLR', 'ConstantWarmupLR': 'ConstantLR'}
_SPLITS = ('train', 'val', 'test')


def _dataset_prefix(dataset: Any) -> None:
    if not isinstance(dataset, dict):
        return
    _dataset_prefix(dataset.get('dataset'))  # a wrapper such as RepeatDataset
    key = PREFIX_KEYS.get(dataset.get('type'))
    if key and isinstance(dataset.get('data_prefix'), str):
        dataset['data_prefix'] = {key: dataset['data_prefix']}


def _is_standard_end(pipeline: List[Any]) -> bool:
    """Whether the pipeline ends in 0.x's ``Collect`` + ``ToTensor`` of images and labels."""
    if len(pipeline) < 2 or not all(isinstance(step, dict) for step in pipeline[-2:]):
        return False
    collect, to_tensor = pipeline[-2:]
    return (
        collect == dict(type='Collect', keys=['imgs', 'label'], meta_keys=[])
        and to_tensor.get('type') == 'ToTensor'
        and set(to_tensor) == {'type', 'keys'}
        and list(to_tensor['keys']) in (['imgs', 'label'], ['imgs'])
    )


def _pack(pipeline: Any) -> None:
    if isinstance(pipeline, list) and _is_standard_end(pipeline):
        pipeline[-2:] = [dict(type='PackActionInputs')]


def _format_shape(pipelines: List[list]) -> Optional[str]:
    shapes = {
        step.get('input_format')
        for pipeline in pipelines
        for step in pipeline
        if isinstance(step, dict) and step.get('type') == 'FormatShape'
    }
    return shapes.pop() if len(shapes) == 1 else None


def _normalize_in_model(model: dict, pipelines: List[Any]) -> None:
    pipelines = [p for p in pipelines if p is not None]
    if not pipelines or not all(isinstance(p, list) for p in pipelines):
        return
    if not move_normalize_to_model(model, pipelines):
        return
    preprocessor = model['data_preprocessor']
    # 1.x's to_rgb reverses the channels as 0.x's to_bgr did.
    if preprocessor.pop('to_bgr'):
        preprocessor['to_rgb'] = True
    shape = _format_shape(pipelines)
    if shape:
        preprocessor['format_shape'] = shape


def _average_clips_on_head(model: dict) -> None:
    test_cfg, head = model.get('test_cfg'), model.get('cls_head')
    if not isinstance(test_cfg, dict) or 'average_clips' not in test_cfg:
        return
    if not isinstance(head, dict) or 'average_clips' in head:
        return
    head['average_clips'] = test_cfg.pop('average_clips')
    model['test_cfg'] = test_cfg or None


def _native_schedulers(schedulers: Any) -> None:
    for scheduler in schedulers if isinstance(schedulers, list) else []:
        kind = scheduler.get('type')
        if kind in _NATIVE_WARMUPS and scheduler.get('by_epoch') is False:
            # Equal: the toolkit's count the window as mmcv did, one step longer.
            scheduler.update(type=_NATIVE_WARMUPS[kind], end=scheduler['end'] + 1)


def idiomatic_one_x(cfg: dict) -> dict:
    """The 1.x config ``cfg`` (a translated 0.x one) in 1.x's idiom, with the same numbers.

    Args:
        cfg: A 1.x config dict, as :func:`~.zero_x.translate` returns it.

    Returns:
        A new dict.
    """
    cfg = copy.deepcopy(cfg)
    cfg['default_scope'] = 'mmaction'
    datasets = [cfg[f'{s}_dataloader']['dataset'] for s in _SPLITS if f'{s}_dataloader' in cfg]
    for dataset in datasets:
        _dataset_prefix(dataset)
        _pack(dataset.get('pipeline'))
    model = cfg.get('model')
    if isinstance(model, dict):
        _normalize_in_model(model, [dataset.get('pipeline') for dataset in datasets])
        _average_clips_on_head(model)
    _native_schedulers(cfg.get('param_scheduler'))
    checkpoint = (cfg.get('default_hooks') or {}).get('checkpoint') or {}
    if checkpoint.get('save_best'):
        checkpoint['save_best'] = result_key(checkpoint['save_best'], '1.x')
    return cfg
