"""Final pipeline steps: ``FormatShape``, ``Collect`` and ``ToTensor``."""

from collections.abc import Sequence
from typing import Sequence as SequenceT
from typing import Tuple

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS


def to_tensor(data) -> torch.Tensor:
    """Convert an array, a sequence or a number to a ``torch.Tensor``.

    Arrays share memory with the tensor. An int becomes a ``LongTensor`` of
    shape ``(1,)`` and a float a ``FloatTensor`` of shape ``(1,)``.
    """
    if isinstance(data, torch.Tensor):
        return data
    if isinstance(data, np.ndarray):
        return torch.from_numpy(data)
    if isinstance(data, Sequence) and not isinstance(data, str):
        return torch.tensor(data)
    if isinstance(data, (int, np.integer)) and not isinstance(data, bool):
        return torch.LongTensor([int(data)])
    if isinstance(data, (float, np.floating)):
        return torch.FloatTensor([float(data)])
    raise TypeError(f'type {type(data)} cannot be converted to tensor.')


@TRANSFORMS.register_module()
class FormatShape(BaseTransform):
    """Lay the frames out as the network input.

    The frames ``M x H x W x C`` (``M = crops x clips x clip_len``, or a list
    of ``M`` frames) are written, in one copy, into a contiguous array of the
    requested layout with the input's dtype, so uint8 and float32 clips get
    the same layout:

    - ``'NCTHW'``: ``(crops * clips, C, clip_len, H, W)``;
    - ``'NCHW'``: ``(M, C, H, W)``;
    - ``'NCHW_Flow'``: ``(crops * clips, clip_len * C, H, W)``;
    - ``'NPTCHW'``: ``(proposals, clips * clip_len, C, H, W)``.

    Required keys: ``imgs``, ``num_clips`` and ``clip_len`` (all but NCHW),
    ``num_proposals`` (NPTCHW).
    Modified keys: ``imgs``.
    Added keys: ``input_shape``.

    Args:
        input_format (str): One of the layouts above.
        collapse (bool): Drop the leading axis, which must then be 1 (and
            ``num_clips`` must be 1). Defaults to False.
    """

    _formats = ('NCTHW', 'NCHW', 'NCHW_Flow', 'NPTCHW')

    def __init__(self, input_format: str, collapse: bool = False) -> None:
        if input_format not in self._formats:
            raise ValueError(
                f'FormatShape: input_format {input_format!r} is invalid; use one of {self._formats}'
            )
        self.input_format = input_format
        self.collapse = collapse

    def _layout(self, results: dict, num_frames: int) -> Tuple[tuple, int]:
        """Leading output axes and the number of frames per leading entry."""
        if self.input_format == 'NCHW':
            return (num_frames,), 1
        clip_len = results['clip_len']
        num_clips = results['num_clips']
        if self.input_format == 'NPTCHW':
            groups, per_group = results['num_proposals'], num_clips * clip_len
        else:
            groups, per_group = num_frames // (num_clips * clip_len) * num_clips, clip_len
        if groups * per_group != num_frames:
            raise ValueError(
                f'FormatShape: {num_frames} frames do not fit the {self.input_format} layout '
                f'(num_clips={num_clips}, clip_len={clip_len})'
            )
        return (groups, per_group), per_group

    def transform(self, results: dict) -> dict:
        """Lay ``results['imgs']`` out as ``input_format``."""
        imgs = results['imgs']
        if len(imgs) == 0:
            raise ValueError("FormatShape: results['imgs'] holds no frames")
        if self.collapse and results['num_clips'] != 1:
            raise ValueError(
                f'FormatShape: collapse=True needs num_clips == 1, got {results["num_clips"]}'
            )
        first = imgs[0]
        if first.ndim not in (2, 3):
            raise ValueError(f'FormatShape: frames must be H x W (x C), got shape {first.shape}')
        h, w = first.shape[:2]
        c = first.shape[2] if first.ndim == 3 else 1
        lead, per_group = self._layout(results, len(imgs))
        if self.input_format in ('NCHW', 'NPTCHW'):
            # ... x C x H x W: channels just before the spatial axes.
            out = np.empty(lead + (c, h, w), dtype=first.dtype)
            dst = np.moveaxis(out, -3, -1)
        else:
            # N x C x T x H x W (NCHW_Flow merges C and T afterwards, T-major).
            order = (c, lead[1], h, w) if self.input_format == 'NCTHW' else (lead[1], c, h, w)
            out = np.empty(lead[:1] + order, dtype=first.dtype)
            dst = (
                np.moveaxis(out, 1, -1) if self.input_format == 'NCTHW' else np.moveaxis(out, 2, -1)
            )
        # dst is a view of out indexed like the frames: lead axes, H, W, C.
        if isinstance(imgs, np.ndarray):
            dst[...] = imgs.reshape(dst.shape)
        else:
            for i, img in enumerate(imgs):
                slot = dst[i] if len(lead) == 1 else dst[i // per_group, i % per_group]
                slot[...] = img.reshape(slot.shape)
        if self.input_format == 'NCHW_Flow':
            out = out.reshape((out.shape[0], out.shape[1] * out.shape[2]) + out.shape[3:])
        if self.collapse:
            if out.shape[0] != 1:
                raise ValueError(f'FormatShape: cannot collapse a leading axis of {out.shape[0]}')
            out = out[0]
        results['imgs'] = out
        results['input_shape'] = out.shape
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(input_format={self.input_format!r}, collapse={self.collapse})'
        )


@TRANSFORMS.register_module()
class Collect(BaseTransform):
    """Keep only the listed keys, optionally with a dict of meta information.

    Required keys: ``keys`` and ``meta_keys``.
    Output: a new dict with ``keys`` and, if ``meta_keys`` is not empty,
    ``meta_name`` holding a plain dict of the meta keys.

    Args:
        keys (Sequence[str]): Keys to keep.
        meta_keys (Sequence[str]): Keys gathered under ``meta_name``. Defaults
            to ``('filename', 'label', 'original_shape', 'img_shape',
            'pad_shape', 'flip_direction', 'img_norm_cfg')``.
        meta_name (str): Key of the meta dict. Defaults to ``'img_metas'``.
        nested (bool): Wrap every value in a one-element list.
            Defaults to False.
    """

    def __init__(
        self,
        keys: SequenceT[str],
        meta_keys: SequenceT[str] = (
            'filename',
            'label',
            'original_shape',
            'img_shape',
            'pad_shape',
            'flip_direction',
            'img_norm_cfg',
        ),
        meta_name: str = 'img_metas',
        nested: bool = False,
    ) -> None:
        self.keys = keys
        self.meta_keys = meta_keys
        self.meta_name = meta_name
        self.nested = nested

    @staticmethod
    def _get(results: dict, key: str, kind: str):
        if key not in results:
            raise KeyError(
                f'Collect: {kind} {key!r} is not in the results (available: {sorted(results)})'
            )
        return results[key]

    def transform(self, results: dict) -> dict:
        """Return a new dict with the collected keys."""
        data = {key: self._get(results, key, 'key') for key in self.keys}
        if len(self.meta_keys) != 0:
            data[self.meta_name] = {
                key: self._get(results, key, 'meta key') for key in self.meta_keys
            }
        if self.nested:
            data = {key: [value] for key, value in data.items()}
        return data

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(keys={self.keys}, meta_keys={self.meta_keys}, '
            f'meta_name={self.meta_name!r}, nested={self.nested})'
        )


@TRANSFORMS.register_module()
class ToTensor(BaseTransform):
    """Convert the listed values to ``torch.Tensor`` (see :func:`to_tensor`).

    Required keys: ``keys``.
    Modified keys: ``keys``.

    Args:
        keys (Sequence[str]): Keys to convert.
    """

    def __init__(self, keys: SequenceT[str]) -> None:
        self.keys = keys

    def transform(self, results: dict) -> dict:
        """Convert ``results[key]`` for every key in ``keys``."""
        for key in self.keys:
            if key not in results:
                raise KeyError(f'ToTensor: key {key!r} is not in the results')
            results[key] = to_tensor(results[key])
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(keys={self.keys})'
