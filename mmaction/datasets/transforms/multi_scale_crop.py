"""``MultiScaleCrop``: the TSN-style corner/centre crop at random scales."""

import random
from typing import Sequence, Tuple, Union

from mmaction.registry import TRANSFORMS

from .aug_utils import init_lazy_if_proper, to_pair
from .crops import RandomCrop, _check_no_keypoint_when_lazy


@TRANSFORMS.register_module()
class MultiScaleCrop(RandomCrop):
    """Crop a window whose width and height are random multiples of the short side.

    Width and height are each ``int(short_side * s)`` for ``s`` in
    ``scales``, with scale indices at most ``max_wh_scale_gap`` apart; a side
    within 2 pixels of ``input_size`` snaps to it. The window is placed at a
    random offset (``random_crop=True``) or at one of 5 or 13 fixed positions
    on a 4 x 4 grid of steps.

    Required keys: ``img_shape``, ``imgs`` (optional), ``keypoint`` (optional),
    ``gt_bboxes``/``proposals`` (optional), ``lazy`` (when ``lazy=True``).
    Modified keys: ``imgs``, ``img_shape``, ``keypoint``, ``gt_bboxes``,
    ``proposals``, ``lazy.crop_bbox``.
    Added keys: ``crop_bbox``, ``crop_quadruple``, ``scales``.

    Args:
        input_size (int | tuple[int]): ``(w, h)`` of the network input.
        scales (tuple[float]): Candidate scales of the short side.
            Defaults to (1, ).
        max_wh_scale_gap (int): Largest allowed gap between the width and the
            height scale indices. Defaults to 1.
        random_crop (bool): Place the window at random instead of at a fixed
            position. Defaults to False.
        num_fixed_crops (int): 5 (corners and centre) or 13 (plus edge
            centres and quarter points). Defaults to 5.
        lazy (bool): Only record the crop, to be applied by ``Fuse``.
            Defaults to False.
    """

    def __init__(
        self,
        input_size: Union[int, Tuple[int, int]],
        scales: Sequence[float] = (1,),
        max_wh_scale_gap: int = 1,
        random_crop: bool = False,
        num_fixed_crops: int = 5,
        lazy: bool = False,
    ) -> None:
        self.input_size = to_pair(input_size, 'MultiScaleCrop: input_size')
        if isinstance(scales, list):
            scales = tuple(scales)
        if not isinstance(scales, tuple) or not scales:
            raise TypeError(f'MultiScaleCrop: scales must be a tuple, but got {scales!r}')
        if num_fixed_crops not in (5, 13):
            raise ValueError(
                f'MultiScaleCrop: num_fixed_crops must be 5 or 13, but got {num_fixed_crops}'
            )
        self.scales = scales
        self.max_wh_scale_gap = max_wh_scale_gap
        self.random_crop = random_crop
        self.num_fixed_crops = num_fixed_crops
        self.lazy = lazy

    def _fixed_offsets(self, w_step: int, h_step: int):
        offsets = [(0, 0), (4, 0), (0, 4), (4, 4), (2, 2)]
        if self.num_fixed_crops == 13:
            offsets += [(0, 2), (4, 2), (2, 4), (2, 0), (1, 1), (3, 1), (1, 3), (3, 3)]
        return [(i * w_step, j * h_step) for i, j in offsets]

    def transform(self, results: dict) -> dict:
        """Crop a multi-scale window from ``results``' frames."""
        init_lazy_if_proper(results, self.lazy)
        _check_no_keypoint_when_lazy(results, self.lazy, 'MultiScaleCrop')
        img_h, img_w = results['img_shape']
        base_size = min(img_h, img_w)
        sizes = [int(base_size * s) for s in self.scales]
        candidates = [
            [w, h]
            for i, h in enumerate(sizes)
            for j, w in enumerate(sizes)
            if abs(i - j) <= self.max_wh_scale_gap
        ]
        crop_size = random.choice(candidates)
        for k in range(2):
            if abs(crop_size[k] - self.input_size[k]) < 3:
                crop_size[k] = self.input_size[k]
        crop_w, crop_h = crop_size
        if crop_w > img_w or crop_h > img_h:
            raise ValueError(
                f'MultiScaleCrop: crop (w={crop_w}, h={crop_h}) does not fit in the '
                f'frames (w={img_w}, h={img_h}); check input_size={self.input_size}'
            )

        if self.random_crop:
            x_offset = random.randint(0, img_w - crop_w)
            y_offset = random.randint(0, img_h - crop_h)
        else:
            offsets = self._fixed_offsets((img_w - crop_w) // 4, (img_h - crop_h) // 4)
            x_offset, y_offset = random.choice(offsets)

        results = self._apply_crop(
            results, x_offset, y_offset, x_offset + crop_w, y_offset + crop_h
        )
        results['scales'] = self.scales
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(input_size={self.input_size}, scales={self.scales}, '
            f'max_wh_scale_gap={self.max_wh_scale_gap}, random_crop={self.random_crop}, '
            f'num_fixed_crops={self.num_fixed_crops}, lazy={self.lazy})'
        )
