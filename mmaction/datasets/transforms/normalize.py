"""``Normalize``: subtract the mean and divide by the std, per channel."""

from collections.abc import Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from .aug_utils import frames_to_float32, stack_frames


def _as_vector(value, name: str) -> np.ndarray:
    if not isinstance(value, (Sequence, np.ndarray)) or isinstance(value, str):
        raise TypeError(
            f'Normalize: {name} must be a list, tuple or np.ndarray, but got {type(value)}'
        )
    return np.array(value, dtype=np.float32)


@TRANSFORMS.register_module()
class Normalize(BaseTransform):
    """Normalize frames to float32 ``(x - mean) / std``.

    The arithmetic is the one of ``mmcv.imnormalize_`` under the OpenCV 4
    releases MMAction2 was built with: ``x - mean`` and the product with
    ``1 / std`` are formed in float64 from the float32 ``mean``/``std`` and
    rounded once to float32. It is written in NumPy, not with OpenCV's
    in-place ``subtract``/``multiply``, whose results depend on the OpenCV
    release (OpenCV 5 rounds differently, and returns wrong values for
    frames 1 or 3 pixels wide). RGB frames become one stacked
    ``T x H x W x 3`` float32 array. Flow frames (``H x W``, x and y
    alternating) become ``T/2 x H x W x 2``.

    Required keys: ``imgs``, ``modality`` (``'RGB'`` if absent),
    ``scale_factor`` (flow with ``adjust_magnitude``).
    Modified keys: ``imgs``.
    Added keys: ``img_norm_cfg``.

    Args:
        mean (Sequence[float]): Per-channel means.
        std (Sequence[float]): Per-channel standard deviations.
        to_bgr (bool): Reverse the channel order (before subtracting ``mean``,
            which is therefore given in the output order). Defaults to False.
        adjust_magnitude (bool): Multiply normalized flow by the resize
            ``scale_factor``. Defaults to False.
    """

    def __init__(self, mean, std, to_bgr: bool = False, adjust_magnitude: bool = False) -> None:
        self.mean = _as_vector(mean, 'mean')
        self.std = _as_vector(std, 'std')
        if self.mean.shape != self.std.shape:
            raise ValueError(
                f'Normalize: mean {self.mean.tolist()} and std {self.std.tolist()} differ in length'
            )
        if np.any(self.std == 0):
            raise ValueError(f'Normalize: std {self.std.tolist()} contains a zero')
        self.to_bgr = to_bgr
        self.adjust_magnitude = adjust_magnitude
        self._mean64 = self.mean.astype(np.float64)
        self._stdinv64 = 1 / self.std.astype(np.float64)

    def _normalize_rgb(self, results: dict) -> dict:
        imgs = results['imgs']
        first = imgs[0]
        channels = self.mean.shape[0]
        if first.ndim != 3 or first.shape[-1] != channels:
            raise ValueError(
                f'Normalize: frames of shape {first.shape} do not match the '
                f'{channels} channels of mean/std'
            )
        out = frames_to_float32(imgs)
        if self.to_bgr:
            out = np.ascontiguousarray(out[..., ::-1])
        # Frame by frame, so that the float64 intermediate stays one frame big.
        buffer = np.empty(out.shape[1:], dtype=np.float64)
        for frame in out:
            np.subtract(frame, self._mean64, out=buffer)
            np.multiply(buffer, self._stdinv64, out=buffer)
            frame[...] = buffer
        results['imgs'] = out
        results['img_norm_cfg'] = dict(mean=self.mean, std=self.std, to_bgr=self.to_bgr)
        return results

    def _normalize_flow(self, results: dict) -> dict:
        imgs = stack_frames(results['imgs'])
        if len(imgs) % 2 != 0 or self.mean.shape[0] != 2:
            raise ValueError(
                'Normalize: flow needs an even number of frames (x, y alternating) and '
                f'two-value mean/std; got {len(imgs)} frames and mean {self.mean.tolist()}'
            )
        x_flow = (imgs[0::2].astype(np.float32) - self.mean[0]) / self.std[0]
        y_flow = (imgs[1::2].astype(np.float32) - self.mean[1]) / self.std[1]
        if self.adjust_magnitude:
            x_flow = x_flow * results['scale_factor'][0]
            y_flow = y_flow * results['scale_factor'][1]
        results['imgs'] = np.stack([x_flow, y_flow], axis=-1)
        results['img_norm_cfg'] = dict(
            mean=self.mean,
            std=self.std,
            to_bgr=self.to_bgr,
            adjust_magnitude=self.adjust_magnitude,
        )
        return results

    def transform(self, results: dict) -> dict:
        """Normalize ``results['imgs']``."""
        modality = results.get('modality', 'RGB')
        if modality == 'RGB':
            return self._normalize_rgb(results)
        if modality == 'Flow':
            return self._normalize_flow(results)
        raise ValueError(f"Normalize: modality {modality!r} is not supported (use 'RGB' or 'Flow')")

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(mean={self.mean}, std={self.std}, '
            f'to_bgr={self.to_bgr}, adjust_magnitude={self.adjust_magnitude})'
        )
