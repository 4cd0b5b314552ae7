"""Fixed-size crops: ``RandomCrop``, ``CenterCrop``, ``ThreeCrop`` and ``TenCrop``.

Crops are taken by slicing, so the cropped frames are views of the input
frames and no pixel is copied here.
"""

import warnings
from abc import abstractmethod
from typing import List, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from .aug_utils import box_crop, crop_frames, frame_hw, init_lazy_if_proper, to_pair


def _check_no_keypoint_when_lazy(results: dict, lazy: bool, name: str) -> None:
    if lazy and 'keypoint' in results:
        raise ValueError(f'{name}: keypoint augmentation does not support lazy=True')


@TRANSFORMS.register_module()
class RandomCrop(BaseTransform):
    """Crop a random ``size x size`` square from every frame.

    The same window is used for all frames of a sample. As in MMAction2, the
    offsets are drawn with ``np.random.randint(0, img_h - size)`` (the last
    possible offset is never drawn).

    Required keys: ``img_shape``, ``imgs`` (optional), ``keypoint`` (optional),
    ``gt_bboxes``/``proposals`` (optional), ``lazy`` (when ``lazy=True``).
    Modified keys: ``imgs``, ``img_shape``, ``keypoint``, ``gt_bboxes``,
    ``proposals``, ``lazy.crop_bbox``.
    Added keys: ``crop_bbox``, ``crop_quadruple``.

    Args:
        size (int): Side of the square crop.
        lazy (bool): Only record the crop, to be applied by ``Fuse``.
            Defaults to False.
    """

    def __init__(self, size: int, lazy: bool = False) -> None:
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f'RandomCrop: size must be an int, but got {type(size)}')
        self.size = size
        self.lazy = lazy

    def _apply_crop(self, results: dict, left: int, top: int, right: int, bottom: int) -> dict:
        """Record a crop window in ``results`` and crop (or lazily note) it.

        ``results['img_shape']`` must still be the shape before the crop.
        """
        img_h, img_w = results['img_shape']
        new_w, new_h = right - left, bottom - top

        old_x, old_y, old_w, old_h = results.get(
            'crop_quadruple', np.array([0, 0, 1, 1], dtype=np.float32)
        )
        results['crop_quadruple'] = np.array(
            [
                old_x + left / img_w * old_w,
                old_y + top / img_h * old_h,
                new_w / img_w * old_w,
                new_h / img_h * old_h,
            ],
            dtype=np.float32,
        )
        crop_bbox = np.array([left, top, right, bottom])
        results['crop_bbox'] = crop_bbox
        results['img_shape'] = (new_h, new_w)

        if not self.lazy:
            if 'keypoint' in results:
                results['keypoint'] = results['keypoint'] - crop_bbox[:2]
            if 'imgs' in results:
                results['imgs'] = crop_frames(results['imgs'], left, top, right, bottom)
        else:
            lazyop = results['lazy']
            if lazyop['flip']:
                raise ValueError(
                    f'{type(self).__name__}: a lazy crop after a lazy Flip is not '
                    'supported; put Flip after all crops'
                )
            # Map the window into the coordinates of the original frames so
            # that Fuse crops only once.
            l_left, l_top, l_right, l_bottom = lazyop['crop_bbox']
            x_scale = (l_right - l_left) / img_w
            y_scale = (l_bottom - l_top) / img_h
            lazyop['crop_bbox'] = np.array(
                [
                    l_left + left * x_scale,
                    l_top + top * y_scale,
                    l_left + right * x_scale,
                    l_top + bottom * y_scale,
                ],
                dtype=np.float32,
            )

        if 'gt_bboxes' in results:
            if self.lazy:
                raise ValueError(f'{type(self).__name__}: gt_bboxes need lazy=False')
            results['gt_bboxes'] = box_crop(results['gt_bboxes'], crop_bbox)
            if results.get('proposals') is not None:
                results['proposals'] = box_crop(results['proposals'], crop_bbox)
        return results

    def transform(self, results: dict) -> dict:
        """Crop a random square window from ``results``' frames."""
        init_lazy_if_proper(results, self.lazy)
        _check_no_keypoint_when_lazy(results, self.lazy, 'RandomCrop')
        img_h, img_w = results['img_shape']
        if self.size > img_h or self.size > img_w:
            raise ValueError(
                f'RandomCrop: size={self.size} is larger than the frames (h={img_h}, w={img_w})'
            )
        y_offset = int(np.random.randint(0, img_h - self.size)) if img_h > self.size else 0
        x_offset = int(np.random.randint(0, img_w - self.size)) if img_w > self.size else 0
        return self._apply_crop(
            results, x_offset, y_offset, x_offset + self.size, y_offset + self.size
        )

    def __repr__(self) -> str:
        return f'{type(self).__name__}(size={self.size}, lazy={self.lazy})'


@TRANSFORMS.register_module()
class CenterCrop(RandomCrop):
    """Crop the central ``crop_size`` window from every frame.

    Required keys: ``img_shape``, ``imgs`` (optional), ``keypoint`` (optional),
    ``gt_bboxes``/``proposals`` (optional), ``lazy`` (when ``lazy=True``).
    Modified keys: ``imgs``, ``img_shape``, ``keypoint``, ``gt_bboxes``,
    ``proposals``, ``lazy.crop_bbox``.
    Added keys: ``crop_bbox``, ``crop_quadruple``.

    Args:
        crop_size (int | tuple[int]): ``(w, h)`` of the crop, or one int for a
            square.
        lazy (bool): Only record the crop, to be applied by ``Fuse``.
            Defaults to False.
    """

    def __init__(self, crop_size: Union[int, Tuple[int, int]], lazy: bool = False) -> None:
        self.crop_size = to_pair(crop_size, 'CenterCrop: crop_size')
        self.lazy = lazy

    def transform(self, results: dict) -> dict:
        """Crop the centre window from ``results``' frames."""
        init_lazy_if_proper(results, self.lazy)
        _check_no_keypoint_when_lazy(results, self.lazy, 'CenterCrop')
        img_h, img_w = results['img_shape']
        crop_w, crop_h = self.crop_size
        if crop_w > img_w or crop_h > img_h:
            raise ValueError(
                f'CenterCrop: crop_size (w={crop_w}, h={crop_h}) is larger than the '
                f'frames (w={img_w}, h={img_h})'
            )
        left = (img_w - crop_w) // 2
        top = (img_h - crop_h) // 2
        return self._apply_crop(results, left, top, left + crop_w, top + crop_h)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(crop_size={self.crop_size}, lazy={self.lazy})'


def _multi_crop(
    imgs, offsets: List[Tuple[int, int]], crop_w: int, crop_h: int, with_flip: bool
) -> Tuple[np.ndarray, np.ndarray]:
    """Stack the crops at ``offsets`` (each followed by its mirror if asked)."""
    num = len(imgs)
    per_offset = 2 if with_flip else 1
    first = imgs[0]
    out = np.empty(
        (len(offsets) * per_offset * num, crop_h, crop_w) + first.shape[2:], dtype=first.dtype
    )
    bboxes = []
    pos = 0
    for x, y in offsets:
        crops = crop_frames(imgs, x, y, x + crop_w, y + crop_h)
        for img in crops:
            out[pos] = img
            pos += 1
        if with_flip:
            for img in crops:
                out[pos] = img[:, ::-1]
                pos += 1
        bboxes.extend([[x, y, x + crop_w, y + crop_h]] * (num * per_offset))
    return out, np.array(bboxes)


class _MultiCrop(BaseTransform):
    """Several fixed crops of every frame; subclasses say where they are.

    Args:
        crop_size (int | tuple[int]): ``(w, h)`` of the crops, or one int.
    """

    with_flip = False

    def __init__(self, crop_size: Union[int, Tuple[int, int]]) -> None:
        self.crop_size = to_pair(crop_size, f'{type(self).__name__}: crop_size')

    @abstractmethod
    def crop_offsets(self, img_w: int, img_h: int) -> List[Tuple[int, int]]:
        """Upper-left corners ``(x, y)`` of the crops, in output order."""

    def transform(self, results: dict) -> dict:
        """Replace the frames by their crops (and mirror images with ``with_flip``)."""
        init_lazy_if_proper(results, False)
        if 'gt_bboxes' in results or 'proposals' in results:
            warnings.warn(f'{type(self).__name__} cannot process bounding boxes', stacklevel=2)
        imgs = results['imgs']
        img_h, img_w = frame_hw(imgs)
        crop_w, crop_h = self.crop_size
        offsets = self.crop_offsets(img_w, img_h)
        results['imgs'], results['crop_bbox'] = _multi_crop(
            imgs, offsets, crop_w, crop_h, with_flip=self.with_flip
        )
        results['img_shape'] = (crop_h, crop_w)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(crop_size={self.crop_size})'


@TRANSFORMS.register_module()
class ThreeCrop(_MultiCrop):
    """Take three crops evenly spaced along the longer side of the frames.

    One side of ``crop_size`` must equal the frames' side. The crops come in
    the order first (left/top), last (right/bottom), middle; the output holds
    all frames of the first crop, then all of the second, then the third.

    Required keys: ``imgs``.
    Modified keys: ``imgs``, ``img_shape``.
    Added keys: ``crop_bbox`` (one box per output frame).

    Args:
        crop_size (int | tuple[int]): ``(w, h)`` of the crops, or one int.
    """

    def crop_offsets(self, img_w: int, img_h: int) -> List[Tuple[int, int]]:
        """First, last and middle crop along the side the crop does not fill."""
        crop_w, crop_h = self.crop_size
        if crop_h == img_h and crop_w <= img_w:
            step = (img_w - crop_w) // 2
            return [(0, 0), (2 * step, 0), (step, 0)]
        if crop_w == img_w and crop_h <= img_h:
            step = (img_h - crop_h) // 2
            return [(0, 0), (0, 2 * step), (0, step)]
        raise ValueError(
            f'ThreeCrop: crop_size (w={crop_w}, h={crop_h}) must match one side of the '
            f'frames (w={img_w}, h={img_h}) and fit in the other'
        )


@TRANSFORMS.register_module()
class TenCrop(_MultiCrop):
    """Take the four corner and the centre crops, plus their mirror images.

    The output holds, for each of upper-left, upper-right, lower-left,
    lower-right and centre, all frames of that crop followed by all frames of
    its horizontal mirror.

    Required keys: ``imgs``.
    Modified keys: ``imgs``, ``img_shape``.
    Added keys: ``crop_bbox`` (one box per output frame).

    Args:
        crop_size (int | tuple[int]): ``(w, h)`` of the crops, or one int.
    """

    with_flip = True

    def crop_offsets(self, img_w: int, img_h: int) -> List[Tuple[int, int]]:
        """Corners, then centre, on a grid of quarter steps."""
        crop_w, crop_h = self.crop_size
        if crop_w > img_w or crop_h > img_h:
            raise ValueError(
                f'TenCrop: crop_size (w={crop_w}, h={crop_h}) is larger than the '
                f'frames (w={img_w}, h={img_h})'
            )
        w_step = (img_w - crop_w) // 4
        h_step = (img_h - crop_h) // 4
        return [
            (0, 0),
            (4 * w_step, 0),
            (0, 4 * h_step),
            (4 * w_step, 4 * h_step),
            (2 * w_step, 2 * h_step),
        ]
