"""``Resize``: rescale every frame to a fixed size or by a keep-ratio rule."""

from typing import Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from .aug_utils import check_interpolation, init_lazy_if_proper, resize_frames


def rescale_size(old_size: Tuple[int, int], scale) -> Tuple[int, int]:
    """Output ``(w, h)`` of a keep-ratio rescale (same rule as ``mmcv.rescale_size``).

    A number scales both sides by it. A pair ``(a, b)`` scales by the largest
    factor that keeps the long side within ``max(a, b)`` and the short side
    within ``min(a, b)``. Sides are rounded half up.

    Args:
        old_size (tuple[int]): ``(w, h)`` of the frames.
        scale (float | tuple): The factor or the pair of limits.

    Returns:
        tuple[int]: ``(w, h)`` after rescaling.
    """
    w, h = old_size
    if isinstance(scale, (int, float)):
        if scale <= 0:
            raise ValueError(f'Invalid scale {scale}, must be positive.')
        factor = float(scale)
    else:
        factor = min(max(scale) / max(h, w), min(scale) / min(h, w))
    return int(w * factor + 0.5), int(h * factor + 0.5)


@TRANSFORMS.register_module()
class Resize(BaseTransform):
    """Resize every frame.

    With ``keep_ratio=True`` (the default), ``scale`` is either a factor
    (float) or a pair of limits, where ``-1`` means "no limit": ``(-1, 256)``
    resizes the short side to 256. With ``keep_ratio=False`` it is the output
    ``(w, h)``.

    Required keys: ``img_shape``, ``imgs`` (optional), ``keypoint`` (optional),
    ``gt_bboxes``/``proposals`` (optional), ``lazy`` (when ``lazy=True``).
    Modified keys: ``imgs``, ``img_shape``, ``keypoint``, ``gt_bboxes``,
    ``proposals``, ``lazy.interpolation``.
    Added keys: ``keep_ratio``, ``scale_factor`` (cumulative ``(w, h)``
    factors).

    Args:
        scale (float | tuple[int]): See above.
        keep_ratio (bool): Keep the aspect ratio. Defaults to True.
        interpolation (str): ``'nearest'``, ``'bilinear'``, ``'bicubic'``,
            ``'area'`` or ``'lanczos'``. Defaults to ``'bilinear'``.
        lazy (bool): Only record the interpolation; ``Fuse`` resizes to the
            final ``img_shape``. Defaults to False.
    """

    def __init__(
        self,
        scale: Union[float, Tuple[int, int]],
        keep_ratio: bool = True,
        interpolation: str = 'bilinear',
        lazy: bool = False,
    ) -> None:
        if isinstance(scale, float):
            if scale <= 0:
                raise ValueError(f'Resize: invalid scale {scale}, must be positive')
            if not keep_ratio:
                raise ValueError('Resize: a float scale needs keep_ratio=True')
        elif isinstance(scale, (tuple, list)) and len(scale) == 2:
            scale = tuple(scale)
            if min(scale) == -1:
                if not keep_ratio:
                    raise ValueError(f'Resize: scale={scale} with -1 needs keep_ratio=True')
                # An infinite long-side limit leaves only the short side bound.
                scale = (np.inf, max(scale))
            elif min(scale) <= 0:
                raise ValueError(f'Resize: invalid scale {scale}, sides must be positive')
        else:
            raise TypeError(f'Resize: scale must be a float or a pair of ints, but got {scale!r}')
        self.scale = scale
        self.keep_ratio = keep_ratio
        self.interpolation = check_interpolation(interpolation)
        self.lazy = lazy

    def transform(self, results: dict) -> dict:
        """Resize ``results``' frames (and keypoints/boxes)."""
        init_lazy_if_proper(results, self.lazy)
        if self.lazy and 'keypoint' in results:
            raise ValueError('Resize: keypoint augmentation does not support lazy=True')
        if 'scale_factor' not in results:
            results['scale_factor'] = np.array([1, 1], dtype=np.float32)
        img_h, img_w = results['img_shape']
        if self.keep_ratio:
            new_w, new_h = rescale_size((img_w, img_h), self.scale)
        else:
            new_w, new_h = self.scale
        scale_factor = np.array([new_w / img_w, new_h / img_h], dtype=np.float32)

        results['img_shape'] = (new_h, new_w)
        results['keep_ratio'] = self.keep_ratio
        results['scale_factor'] = results['scale_factor'] * scale_factor

        if not self.lazy:
            if 'imgs' in results:
                results['imgs'] = resize_frames(results['imgs'], (new_w, new_h), self.interpolation)
            if 'keypoint' in results:
                results['keypoint'] = results['keypoint'] * scale_factor
        else:
            lazyop = results['lazy']
            if lazyop['flip']:
                raise ValueError(
                    'Resize: a lazy Resize after a lazy Flip is not supported; '
                    'put Flip after all resizes'
                )
            lazyop['interpolation'] = self.interpolation

        if 'gt_bboxes' in results:
            if self.lazy:
                raise ValueError('Resize: gt_bboxes need lazy=False')
            box_factor = np.tile(scale_factor, 2)
            results['gt_bboxes'] = results['gt_bboxes'] * box_factor
            if results.get('proposals') is not None:
                results['proposals'] = results['proposals'] * box_factor
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(scale={self.scale}, keep_ratio={self.keep_ratio}, '
            f'interpolation={self.interpolation}, lazy={self.lazy})'
        )
