"""``RandomResizedCrop``: a random crop of random area and aspect ratio."""

import random
from typing import Tuple

import numpy as np

from mmaction.registry import TRANSFORMS

from .aug_utils import init_lazy_if_proper, to_float_range
from .crops import RandomCrop, _check_no_keypoint_when_lazy


@TRANSFORMS.register_module()
class RandomResizedCrop(RandomCrop):
    """Crop a window whose area and aspect ratio are drawn at random.

    Despite the name nothing is resized here: pipelines follow this transform
    with ``Resize(scale=(224, 224), keep_ratio=False)``. Up to 10 candidate
    windows are drawn (area uniform in ``area_range`` times the frame area,
    aspect ratio log-uniform in ``aspect_ratio_range``); the first one that
    fits is placed at a random offset. If none fits, the central square with
    the frames' short side is used.

    Required keys: ``img_shape``, ``imgs`` (optional), ``keypoint`` (optional),
    ``gt_bboxes``/``proposals`` (optional), ``lazy`` (when ``lazy=True``).
    Modified keys: ``imgs``, ``img_shape``, ``keypoint``, ``gt_bboxes``,
    ``proposals``, ``lazy.crop_bbox``.
    Added keys: ``crop_bbox``, ``crop_quadruple``.

    Args:
        area_range (tuple[float]): Range of the crop area, as a fraction of
            the frame area. Defaults to (0.08, 1.0).
        aspect_ratio_range (tuple[float]): Range of the crop's width / height.
            Defaults to (3 / 4, 4 / 3).
        lazy (bool): Only record the crop, to be applied by ``Fuse``.
            Defaults to False.
    """

    def __init__(
        self,
        area_range: Tuple[float, float] = (0.08, 1.0),
        aspect_ratio_range: Tuple[float, float] = (3 / 4, 4 / 3),
        lazy: bool = False,
    ) -> None:
        self.area_range = to_float_range(area_range, 'RandomResizedCrop: area_range')
        self.aspect_ratio_range = to_float_range(
            aspect_ratio_range, 'RandomResizedCrop: aspect_ratio_range'
        )
        if not 0 < self.area_range[0] <= self.area_range[1] <= 1:
            raise ValueError(
                f'RandomResizedCrop: area_range must satisfy 0 < min <= max <= 1, '
                f'but got {self.area_range}'
            )
        if not 0 < self.aspect_ratio_range[0] <= self.aspect_ratio_range[1]:
            raise ValueError(
                f'RandomResizedCrop: aspect_ratio_range must satisfy 0 < min <= max, '
                f'but got {self.aspect_ratio_range}'
            )
        self.lazy = lazy

    @staticmethod
    def get_crop_bbox(
        img_shape: Tuple[int, int],
        area_range: Tuple[float, float],
        aspect_ratio_range: Tuple[float, float],
        max_attempts: int = 10,
    ) -> Tuple[int, int, int, int]:
        """Draw a crop window ``(left, top, right, bottom)``.

        The random numbers are drawn in MMAction2's order (all aspect ratios,
        then all areas from ``np.random``; offsets from ``random``), so seeded
        runs pick the same windows.

        Args:
            img_shape (tuple[int]): ``(h, w)`` of the frames.
            area_range (tuple[float]): Range of the area fraction.
            aspect_ratio_range (tuple[float]): Range of width / height.
            max_attempts (int): Candidate windows to try before falling back
                to the central square. Defaults to 10.

        Returns:
            tuple[int]: The window's left, top, right and bottom.
        """
        img_h, img_w = img_shape
        log_ratios = np.log(aspect_ratio_range[0]), np.log(aspect_ratio_range[1])
        ratios = np.exp(np.random.uniform(*log_ratios, size=max_attempts))
        areas = np.random.uniform(*area_range, size=max_attempts) * (img_h * img_w)
        widths = np.round(np.sqrt(areas * ratios)).astype(np.int32)
        heights = np.round(np.sqrt(areas / ratios)).astype(np.int32)
        for crop_w, crop_h in zip(widths.tolist(), heights.tolist()):
            if crop_h <= img_h and crop_w <= img_w:
                left = random.randint(0, img_w - crop_w)
                top = random.randint(0, img_h - crop_h)
                return left, top, left + crop_w, top + crop_h
        side = min(img_h, img_w)
        left = (img_w - side) // 2
        top = (img_h - side) // 2
        return left, top, left + side, top + side

    def transform(self, results: dict) -> dict:
        """Crop a random window from ``results``' frames."""
        init_lazy_if_proper(results, self.lazy)
        _check_no_keypoint_when_lazy(results, self.lazy, 'RandomResizedCrop')
        left, top, right, bottom = self.get_crop_bbox(
            results['img_shape'], self.area_range, self.aspect_ratio_range
        )
        return self._apply_crop(results, left, top, right, bottom)

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(area_range={self.area_range}, '
            f'aspect_ratio_range={self.aspect_ratio_range}, lazy={self.lazy})'
        )
