"""Frames from a video held in memory: ``ArrayDecode``."""

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from ..exceptions import BrokenVideoError
from .video_io import check_frame_inds, store_frames, unique_frame_inds


@TRANSFORMS.register_module()
class ArrayDecode(BaseTransform):
    """Take the sampled frames of a video given as an array.

    It stands where a decoder (``DecordDecode``, ``RawFrameDecode``, ...)
    stands in a pipeline when the video is already decoded, e.g. frames from
    a camera or a window of a long video. ``SampleFrames`` before it needs
    ``total_frames`` (the array's length) and ``start_index`` 0.

    Required keys: ``array`` (``T x H x W x 3`` uint8 RGB), ``frame_inds``.
    Optional: ``filename`` (names the video in errors). Added or changed
    keys: ``imgs`` (one ``H x W x 3`` array per index, views of ``array``),
    ``original_shape``, ``img_shape``; ``array`` is removed so that the
    results do not keep the whole video alive.
    """

    def transform(self, results: dict) -> dict:
        """Index ``results['array']`` with ``results['frame_inds']``."""
        array = results.pop('array')
        name = results.get('filename', '<frames array>')
        if not isinstance(array, np.ndarray) or array.ndim != 4 or array.shape[-1] != 3:
            shape = getattr(array, 'shape', None)
            raise BrokenVideoError(
                name, f'expected RGB frames of shape (T, H, W, 3), got {type(array).__name__} '
                f'of shape {shape}'
            )  # fmt: skip
        frame_inds = np.asarray(results['frame_inds']).reshape(-1)
        check_frame_inds(frame_inds, len(array), name)
        wanted, inverse = unique_frame_inds(frame_inds)
        return store_frames(results, [array[index] for index in wanted], inverse, video=False)
