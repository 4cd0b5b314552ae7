"""``Flip``: mirror all frames of a sample with a given probability."""

from typing import Dict, Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from .aug_utils import flip_frames, init_lazy_if_proper


def _invert_flow_x(imgs):
    """Negate the x component of flow frames (every even frame, 0-255 coded)."""
    if isinstance(imgs, np.ndarray):
        imgs = imgs.copy()
        imgs[0::2] = 255 - imgs[0::2]
        return imgs
    imgs = list(imgs)
    for i in range(0, len(imgs), 2):
        imgs[i] = 255 - imgs[i]
    return imgs


@TRANSFORMS.register_module()
class Flip(BaseTransform):
    """Flip the frames horizontally or vertically with probability ``flip_ratio``.

    One draw of ``np.random.rand()`` decides for all frames of the sample.
    Place it after crops and resizes (lazy crops/resizes after a lazy flip
    are refused).

    Required keys: ``img_shape``, ``modality`` (``'RGB'`` if absent),
    ``imgs`` (optional), ``label`` (with ``flip_label_map``),
    ``keypoint``/``keypoint_score`` (optional), ``gt_bboxes``/``proposals``
    (optional), ``lazy`` (when ``lazy=True``).
    Modified keys: ``imgs``, ``label``, ``keypoint``, ``keypoint_score``,
    ``gt_bboxes``, ``proposals``, ``lazy.flip``, ``lazy.flip_direction``.
    Added keys: ``flip``, ``flip_direction``.

    Args:
        flip_ratio (float): Probability of flipping. Defaults to 0.5.
        direction (str): ``'horizontal'`` or ``'vertical'``.
            Defaults to ``'horizontal'``.
        flip_label_map (dict[int, int], optional): New label of a flipped
            sample, e.g. "move left" becomes "move right". Defaults to None.
        left_kp (list[int], optional): Indices of left keypoints, swapped
            with ``right_kp`` when flipping. Defaults to None.
        right_kp (list[int], optional): Indices of right keypoints.
            Defaults to None.
        lazy (bool): Only record the flip, to be applied by ``Fuse``.
            Defaults to False.
    """

    _directions = ('horizontal', 'vertical')

    def __init__(
        self,
        flip_ratio: float = 0.5,
        direction: str = 'horizontal',
        flip_label_map: Optional[Dict[int, int]] = None,
        left_kp: Optional[Sequence[int]] = None,
        right_kp: Optional[Sequence[int]] = None,
        lazy: bool = False,
    ) -> None:
        if direction not in self._directions:
            raise ValueError(
                f'Flip: direction {direction!r} is not supported; use one of {self._directions}'
            )
        self.flip_ratio = flip_ratio
        self.direction = direction
        self.flip_label_map = flip_label_map
        self.left_kp = left_kp
        self.right_kp = right_kp
        self.lazy = lazy

    def _flip_kps(self, kps: np.ndarray, kpscores: Optional[np.ndarray], img_width: int):
        kps = kps.copy()
        kp_x = kps[..., 0]
        # Zero marks a missing keypoint and must stay zero.
        kp_x[kp_x != 0] = img_width - kp_x[kp_x != 0]
        order = list(range(kps.shape[2]))
        if self.left_kp is not None and self.right_kp is not None:
            for left, right in zip(self.left_kp, self.right_kp):
                order[left] = right
                order[right] = left
        kps = kps[:, :, order]
        if kpscores is not None:
            kpscores = kpscores[:, :, order]
        return kps, kpscores

    @staticmethod
    def _box_flip(box: np.ndarray, img_width: int) -> np.ndarray:
        out = box.copy()
        out[..., 0::4] = img_width - box[..., 2::4]
        out[..., 2::4] = img_width - box[..., 0::4]
        return out

    def transform(self, results: dict) -> dict:
        """Flip ``results``' frames (and label, keypoints, boxes) at random."""
        init_lazy_if_proper(results, self.lazy)
        modality = results.get('modality', 'RGB')
        if 'keypoint' in results:
            if self.lazy:
                raise ValueError('Flip: keypoint augmentation does not support lazy=True')
            if self.direction != 'horizontal':
                raise ValueError('Flip: keypoints can only be flipped horizontally')
        if modality == 'Flow' and self.direction != 'horizontal':
            raise ValueError('Flip: flow frames can only be flipped horizontally')

        flip = bool(np.random.rand() < self.flip_ratio)
        results['flip'] = flip
        results['flip_direction'] = self.direction
        img_width = results['img_shape'][1]

        if flip and self.flip_label_map is not None:
            results['label'] = self.flip_label_map.get(results['label'], results['label'])

        if not self.lazy:
            if flip and 'imgs' in results:
                imgs = flip_frames(results['imgs'], self.direction)
                results['imgs'] = _invert_flow_x(imgs) if modality == 'Flow' else imgs
            if flip and 'keypoint' in results:
                kps, scores = self._flip_kps(
                    results['keypoint'], results.get('keypoint_score'), img_width
                )
                results['keypoint'] = kps
                if 'keypoint_score' in results:
                    results['keypoint_score'] = scores
        else:
            lazyop = results['lazy']
            if lazyop['flip']:
                raise ValueError('Flip: only one lazy Flip is supported before Fuse')
            lazyop['flip'] = flip
            lazyop['flip_direction'] = self.direction

        if flip and 'gt_bboxes' in results:
            if self.lazy or self.direction != 'horizontal':
                raise ValueError('Flip: gt_bboxes need lazy=False and a horizontal flip')
            results['gt_bboxes'] = self._box_flip(results['gt_bboxes'], img_width)
            if results.get('proposals') is not None:
                results['proposals'] = self._box_flip(results['proposals'], img_width)
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(flip_ratio={self.flip_ratio}, '
            f'direction={self.direction}, flip_label_map={self.flip_label_map}, '
            f'left_kp={self.left_kp}, right_kp={self.right_kp}, lazy={self.lazy})'
        )
