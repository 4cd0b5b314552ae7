"""``Fuse``: apply the crops, resize and flip recorded by lazy transforms."""

from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from .aug_utils import crop_frames, flip_frames, resize_frames


@TRANSFORMS.register_module()
class Fuse(BaseTransform):
    """Carry out the pending lazy operations in one pass.

    Transforms built with ``lazy=True`` only record what they would do: the
    crop window in original-frame coordinates, the interpolation and the
    flip. ``Fuse`` then crops the original frames once (window rounded to
    whole pixels), resizes the crop straight to the final ``img_shape`` and
    flips it, so each frame is resampled at most once.

    Required keys: ``imgs``, ``img_shape``, ``lazy`` (``crop_bbox``,
    ``interpolation``, ``flip``, ``flip_direction``).
    Modified keys: ``imgs``.
    Removed keys: ``lazy``.
    """

    def transform(self, results: dict) -> dict:
        """Apply ``results['lazy']`` to ``results['imgs']``."""
        if 'lazy' not in results:
            raise ValueError('Fuse: no lazy operation recorded (use lazy=True transforms first)')
        lazyop = results['lazy']
        left, top, right, bottom = lazyop['crop_bbox'].round().astype(int).tolist()
        imgs = crop_frames(results['imgs'], left, top, right, bottom)
        img_h, img_w = results['img_shape']
        interpolation = lazyop['interpolation'] or 'bilinear'
        imgs = resize_frames(imgs, (img_w, img_h), interpolation)
        if lazyop['flip']:
            imgs = flip_frames(imgs, lazyop['flip_direction'])
        results['imgs'] = imgs
        del results['lazy']
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'
