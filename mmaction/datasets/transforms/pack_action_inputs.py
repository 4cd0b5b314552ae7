"""``PackActionInputs``: the last step of an MMAction2 1.x pipeline, in this toolkit's data flow."""

from collections.abc import Sequence as SequenceABC
from typing import Optional, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from .formatting import to_tensor

#: The input keys MMAction2 1.x packs when ``collect_keys`` is None, in its
#: order of preference; only ``imgs`` feeds this toolkit's recognizers.
INPUT_KEYS = ('imgs', 'heatmap_imgs', 'keypoint', 'audios', 'text')

#: MMAction2 1.x's default ``meta_keys``.
DEFAULT_META_KEYS = ('img_shape', 'img_key', 'video_id', 'timestamp')


def label_tensor(label) -> torch.Tensor:
    """A label as MMAction2 1.x's ``set_gt_label`` stores it.

    A number (also a 0-d array or tensor) becomes a ``LongTensor`` of shape
    ``(1,)``, an array or a sequence of class indices a ``LongTensor``, and a
    tensor (a multi-hot vector) stays as it is: for the labels the datasets
    give, the same tensors as 0.x's ``ToTensor``.
    """
    if isinstance(label, (torch.Tensor, np.ndarray)) and label.ndim == 0:
        label = int(label.item())
    if isinstance(label, np.ndarray):
        return torch.from_numpy(label).to(torch.long)
    if isinstance(label, SequenceABC) and not isinstance(label, str):
        return torch.tensor(label).to(torch.long)
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool):
        return torch.LongTensor([int(label)])
    if isinstance(label, torch.Tensor):
        return label
    raise TypeError(
        f'PackActionInputs: label must be an int, a sequence or array of class indices, or a '
        f'tensor, got {type(label).__name__}'
    )


@TRANSFORMS.register_module()
class PackActionInputs(BaseTransform):
    """Finish a 1.x pipeline with what this toolkit's collate and recognizers take.

    MMAction2 1.x packs a sample into ``{'inputs': tensor, 'data_samples':
    ActionDataSample}``; this toolkit's data flow is 0.x's (a dict of
    tensors, collated by :func:`~mmaction.datasets.action_collate`, the
    recognizers reading ``imgs`` and ``label``). So this transform gives
    exactly what ``Collect(keys=['imgs', 'label'], meta_keys=...)`` followed
    by ``ToTensor(keys=['imgs', 'label'])`` gives:

    - ``imgs``: ``results['imgs']`` as a tensor (sharing the array's memory);
    - ``label``: as 1.x's ``set_gt_label``, an int label becomes a
      ``LongTensor`` of shape ``(1,)`` and a multi-hot tensor stays as it is
      (absent when the sample has no label);
    - ``img_metas``: a dict of the ``meta_keys`` the results have (1.x skips
      missing ones too), kept per sample by the collate; absent when
      ``meta_keys`` is empty;
    - each of ``algorithm_keys`` the results have, unchanged (1.x puts them
      on the data sample for the model; this toolkit's recognizers take
      none, so they do not change any number).

    Args:
        collect_keys (Sequence[str], optional): Keys packed as the model
            inputs, each as a tensor under its own name. None packs the first
            of ``imgs``, ``heatmap_imgs``, ``keypoint``, ``audios``,
            ``text`` that the results have (1.x), of which this toolkit's
            recognizers take ``imgs`` only. Defaults to None.
        meta_keys (Sequence[str]): Meta information kept with the sample.
            Defaults to ``('img_shape', 'img_key', 'video_id', 'timestamp')``.
        algorithm_keys (Sequence[str]): Other keys passed on. Defaults to
            ``()``.
    """

    def __init__(
        self,
        collect_keys: Optional[Sequence[str]] = None,
        meta_keys: Sequence[str] = DEFAULT_META_KEYS,
        algorithm_keys: Sequence[str] = (),
    ) -> None:
        for name, value in (
            ('collect_keys', collect_keys),
            ('meta_keys', meta_keys),
            ('algorithm_keys', algorithm_keys),
        ):
            if isinstance(value, str):
                raise TypeError(
                    f'PackActionInputs: {name} must be a sequence of keys, got the string '
                    f'{value!r}; write {name}=({value!r},)'
                )
        self.collect_keys = tuple(collect_keys) if collect_keys is not None else None
        self.meta_keys = tuple(meta_keys)
        self.algorithm_keys = tuple(algorithm_keys)

    def _inputs(self, results: dict) -> dict:
        if self.collect_keys is not None:
            missing = [key for key in self.collect_keys if key not in results]
            if missing:
                raise KeyError(
                    f'PackActionInputs: collect_keys {missing} are not in the results '
                    f'(available: {sorted(results)})'
                )
            return {key: to_tensor(results[key]) for key in self.collect_keys}
        for key in INPUT_KEYS:
            if key in results:
                if key != 'imgs':
                    raise ValueError(
                        f'PackActionInputs: the results hold {key!r} but no "imgs"; this '
                        "toolkit's recognizers take RGB or flow frames ('imgs') only"
                    )
                return {'imgs': to_tensor(results['imgs'])}
        raise KeyError(
            f'PackActionInputs: the results have none of {list(INPUT_KEYS)} '
            f'(available: {sorted(results)}); does the pipeline decode frames?'
        )

    def transform(self, results: dict) -> dict:
        """Pack ``results`` into ``imgs``, ``label``, ``img_metas`` and the algorithm keys."""
        packed = self._inputs(results)
        if 'label' in results:
            packed['label'] = label_tensor(results['label'])
        for key in self.algorithm_keys:
            if key in results:
                packed[key] = results[key]
        if self.meta_keys:
            packed['img_metas'] = {key: results[key] for key in self.meta_keys if key in results}
        return packed

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(collect_keys={self.collect_keys}, '
            f'meta_keys={self.meta_keys}, algorithm_keys={self.algorithm_keys})'
        )
