"""``ColorJitter``: random brightness, contrast, saturation and hue changes."""

from typing import Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from .aug_utils import frames_to_float32

Range = Union[float, Tuple[float, float]]


def _gray(imgs: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma of float32 RGB frames (the weights MMAction2 uses).

    Computed as ``0.2989 * r + 0.587 * g + 0.114 * b`` in float32, left to
    right, with one temporary buffer.
    """
    gray = np.multiply(imgs[..., 0], 0.2989, dtype=np.float32)
    tmp = np.multiply(imgs[..., 1], 0.587, dtype=np.float32)
    gray += tmp
    np.multiply(imgs[..., 2], 0.114, out=tmp)
    gray += tmp
    return gray


@TRANSFORMS.register_module()
class ColorJitter(BaseTransform):
    """Jitter brightness, contrast, saturation and hue of RGB frames.

    One set of factors is drawn per call (``np.random.uniform``, in the order
    brightness, contrast, saturation, hue) and applied to every frame. The
    order of the four adjustments is a random permutation drawn once, when
    the transform is built. Arithmetic is float32 per frame, as MMAction2
    does; the output is a stacked uint8 ``T x H x W x 3`` array.

    Arguments and arithmetic are MMAction2 1.x's: with the same seed the
    frames equal 1.2.0's exactly, except that the hue step converts HSV back
    to RGB with OpenCV, whose rounding changed in OpenCV 5 (up to one grey
    level on about a quarter of the values against OpenCV 4, which MMAction2
    1.2.0 runs with).

    Required keys: ``imgs`` (RGB, uint8 or float in [0, 255]).
    Modified keys: ``imgs``.

    Args:
        brightness (float | tuple[float]): Factor range; a float ``b`` means
            ``(1 - b, 1 + b)``. Defaults to 0.5.
        contrast (float | tuple[float]): As ``brightness``. Defaults to 0.5.
        saturation (float | tuple[float]): As ``brightness``. Defaults to 0.5.
        hue (float | tuple[float]): Range of the hue shift (fraction of the
            hue circle); a float ``h`` means ``(-h, h)``, at most 0.5.
            Defaults to 0.1.
    """

    def __init__(
        self,
        brightness: Range = 0.5,
        contrast: Range = 0.5,
        saturation: Range = 0.5,
        hue: Range = 0.1,
    ) -> None:
        self.brightness = self.check_input(brightness, 1, 1, 'brightness')
        self.contrast = self.check_input(contrast, 1, 1, 'contrast')
        self.saturation = self.check_input(saturation, 1, 1, 'saturation')
        self.hue = self.check_input(hue, 0.5, 0, 'hue')
        self.fn_idx = np.random.permutation(4)

    @staticmethod
    def check_input(val: Range, max_gap: float, base: float, name: str = 'value'):
        """Turn ``val`` into a ``(low, high)`` range within ``base +- max_gap``."""
        if isinstance(val, (tuple, list)):
            if len(val) != 2 or not base - max_gap <= val[0] <= val[1] <= base + max_gap:
                raise ValueError(
                    f'ColorJitter: {name}={val!r} must be (low, high) within '
                    f'[{base - max_gap}, {base + max_gap}]'
                )
            return tuple(val)
        if not 0 <= val <= max_gap:
            raise ValueError(f'ColorJitter: {name}={val!r} must be within [0, {max_gap}]')
        return (base - val, base + val)

    # The adjustments below work in place on the float32 clip they are given
    # and keep numpy's inner loops long (no broadcasting over the 3-wide
    # channel axis), while doing exactly MMAction2's float32 steps: fresh
    # multi-megabyte buffers and short inner loops dominate the cost otherwise.

    @staticmethod
    def _adjust_contrast(imgs: np.ndarray, factor: float) -> np.ndarray:
        gray = _gray(imgs)
        # One mean per frame, each reduced exactly like np.mean on that frame.
        means = np.array([g.mean() for g in gray], dtype=np.float64)
        # MMAction2 formed this offset in float64 and rounded it once to float32.
        offset = ((1 - factor) * means).astype(np.float32)
        imgs *= np.float32(factor)
        imgs.reshape(len(imgs), -1)[...] += offset[:, None]
        return imgs

    @staticmethod
    def _adjust_saturation(imgs: np.ndarray, factor: float) -> np.ndarray:
        gray = _gray(imgs)
        gray *= np.float32(1 - factor)
        imgs *= np.float32(factor)
        for channel in range(3):
            imgs[..., channel] += gray
        return imgs

    @staticmethod
    def _adjust_hue(imgs: np.ndarray, factor: float) -> np.ndarray:
        np.clip(imgs, 0, 255, out=imgs)
        rgb = imgs.astype(np.uint8)
        flat = rgb.reshape(-1, rgb.shape[-2], 3)
        cv2.cvtColor(flat, cv2.COLOR_RGB2HSV, dst=flat)
        offset = int(factor * 255)
        hue = np.arange(256, dtype=np.int64) + offset
        if offset > 0:
            # MMAction2 added a non-negative offset in uint8, which wraps at 256
            # before the modulo; a negative one was added in a wider type.
            hue %= 256
        lut = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)
        lut[0, :, 0] = hue % 180
        cv2.LUT(flat, lut, dst=flat)
        cv2.cvtColor(flat, cv2.COLOR_HSV2RGB, dst=flat)
        imgs[...] = rgb
        return imgs

    def transform(self, results: dict) -> dict:
        """Jitter the colours of ``results['imgs']``."""
        imgs = results['imgs']
        if len(imgs) == 0 or imgs[0].ndim != 3 or imgs[0].shape[-1] != 3:
            shape = imgs[0].shape if len(imgs) else None
            raise ValueError(
                f'ColorJitter: needs RGB frames (H x W x 3), got frames of shape {shape}'
            )
        b = np.random.uniform(low=self.brightness[0], high=self.brightness[1])
        c = np.random.uniform(low=self.contrast[0], high=self.contrast[1])
        s = np.random.uniform(low=self.saturation[0], high=self.saturation[1])
        h = np.random.uniform(low=self.hue[0], high=self.hue[1])

        out = frames_to_float32(imgs)
        for fn_id in self.fn_idx:
            if fn_id == 0 and b != 1:
                out *= np.float32(b)
            elif fn_id == 1 and c != 1:
                out = self._adjust_contrast(out, c)
            elif fn_id == 2 and s != 1:
                out = self._adjust_saturation(out, s)
            elif fn_id == 3 and h != 0:
                out = self._adjust_hue(out, h)
        np.clip(out, 0, 255, out=out)
        results['imgs'] = out.astype(np.uint8)
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(brightness={self.brightness}, '
            f'contrast={self.contrast}, saturation={self.saturation}, hue={self.hue})'
        )
