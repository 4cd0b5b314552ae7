"""The MMAction2 1.x (mmengine ``BaseDataset``) arguments of the datasets, in 0.x terms.

MMAction2 1.x's datasets are mmengine ``BaseDataset`` subclasses: the data
folder comes as ``data_prefix=dict(video=...)`` (or ``dict(img=...)``),
optionally under a ``data_root``, and mmengine adds arguments about how the
annotations are held in memory. :func:`split_mmengine_dataset_args` turns
these into what this toolkit's datasets take (``ann_file`` and a
``data_prefix`` string), accepts those that cannot change a sample, and
refuses, in one line, those that would select other samples.
"""

import os.path as osp
from typing import Optional, Tuple, Union

from mmaction.utils.errors import ConfigError

#: Arguments that only say how mmengine holds the annotation list in memory
#: or when it reads it: this toolkit always reads the list when the data set
#: is built and stores it compactly, so they cannot change a sample.
NO_EFFECT_ARGS = ('lazy_init', 'serialize_data')

#: Arguments that would select or filter samples, and what to do instead.
REFUSED_ARGS = {
    'indices': 'list the wanted samples in an annotation file instead',
    'filter_cfg': 'filter the annotation file instead',
}


def split_mmengine_dataset_args(
    dataset: str,
    prefix_key: str,
    ann_file: str,
    data_prefix: Union[None, str, dict],
    kwargs: dict,
) -> Tuple[str, Optional[str], Optional[dict]]:
    """Resolve a dataset's 1.x arguments; remove them from ``kwargs``.

    Args:
        dataset (str): The dataset's class name, for messages.
        prefix_key (str): The ``data_prefix`` key the dataset reads
            (``'video'`` for videos, ``'img'`` for frame folders).
        ann_file (str): The annotation file as given.
        data_prefix (None | str | dict): 0.x's folder string, or 1.x's
            ``dict(video=...)`` / ``dict(img=...)``; an empty string is no
            folder, as in 1.x.
        kwargs (dict): The dataset's other keyword arguments; ``data_root``,
            ``metainfo``, ``lazy_init``, ``serialize_data``, ``indices`` and
            ``filter_cfg`` are taken out of it.

    Returns:
        tuple: ``(ann_file, data_prefix, metainfo)``: the annotation file and
        the data folder (None for none) joined to ``data_root`` where they
        are relative (as mmengine joins them), and the ``metainfo`` dict
        (None if not given).

    Raises:
        ConfigError: ``data_prefix`` is a dict without ``prefix_key`` or with
            other keys, a path is not a string, or ``indices`` or
            ``filter_cfg`` is set.
    """
    for name in NO_EFFECT_ARGS:
        kwargs.pop(name, None)
    for name, instead in REFUSED_ARGS.items():
        value = kwargs.pop(name, None)
        if value is not None:
            raise ConfigError(
                f'{dataset}: {name}={value!r} is not supported (it would select other '
                f'samples than the annotation file lists): remove it and {instead}'
            )
    metainfo = kwargs.pop('metainfo', None)
    if metainfo is not None and not isinstance(metainfo, dict):
        raise ConfigError(
            f'{dataset}: metainfo must be a dict (e.g. dict(classes=...)), got '
            f'{type(metainfo).__name__}'
        )
    data_root = kwargs.pop('data_root', None) or None
    if isinstance(data_prefix, dict):
        data_prefix = _prefix_from_dict(dataset, prefix_key, data_prefix)
    for name, value in (('data_root', data_root), ('data_prefix', data_prefix)):
        if value is not None and not isinstance(value, str):
            raise ConfigError(
                f'{dataset}: {name} must be a folder path string, got {type(value).__name__}'
            )
    data_prefix = data_prefix or None
    if data_root is not None:
        if ann_file and not osp.isabs(ann_file):
            ann_file = osp.join(data_root, ann_file)
        data_prefix = data_root if data_prefix is None else osp.join(data_root, data_prefix)
    return ann_file, data_prefix, metainfo


def _prefix_from_dict(dataset: str, prefix_key: str, data_prefix: dict) -> Optional[str]:
    other = sorted(set(data_prefix) - {prefix_key})
    if prefix_key not in data_prefix or other:
        found = f'keys {other}' if other else 'no such key'
        raise ConfigError(
            f'{dataset}: data_prefix={dict(data_prefix)!r} has {found}; {dataset} reads its '
            f"folder from data_prefix=dict({prefix_key}='...')"
        )
    return data_prefix[prefix_key]
