"""Helpers shared by the augmentation transforms.

Frames travel through a pipeline under ``results['imgs']`` either as a list of
``H x W x C`` arrays (what the decoders produce) or as one stacked
``T x H x W x C`` array (what the resizing transforms produce, because it
saves a copy when the clip is formatted). Every helper here accepts both.
"""

from typing import List, Sequence, Tuple, Union

import cv2
import numpy as np

Frames = Union[np.ndarray, List[np.ndarray]]

# The interpolation names and OpenCV codes used by mmcv.imresize in MMAction2.
INTERP_CODES = {
    'nearest': cv2.INTER_NEAREST,
    'bilinear': cv2.INTER_LINEAR,
    'bicubic': cv2.INTER_CUBIC,
    'area': cv2.INTER_AREA,
    'lanczos': cv2.INTER_LANCZOS4,
}


def check_interpolation(interpolation: str) -> str:
    """Return ``interpolation`` if OpenCV supports it, else raise ValueError."""
    if interpolation not in INTERP_CODES:
        raise ValueError(
            f'interpolation={interpolation!r} is not supported; '
            f'choose one of {sorted(INTERP_CODES)}'
        )
    return interpolation


def to_pair(value, name: str) -> Tuple[int, int]:
    """Turn an int or a 2-sequence of ints into a ``(w, h)`` tuple of ints."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2:
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
            return int(value[0]), int(value[1])
    raise TypeError(f'{name} must be an int or a pair of ints, but got {value!r}')


def to_float_range(value, name: str) -> Tuple[float, float]:
    """Turn a 2-sequence of numbers into a tuple of two floats."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f'{name} must be a tuple of two floats, but got {value!r}')
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise TypeError(f'{name} must be a tuple of two floats, but got {value!r}')
    return float(value[0]), float(value[1])


def frame_hw(imgs: Frames) -> Tuple[int, int]:
    """Height and width of the frames in ``imgs``."""
    if len(imgs) == 0:
        raise ValueError("results['imgs'] holds no frames")
    return tuple(imgs[0].shape[:2])


def stack_frames(imgs: Frames) -> np.ndarray:
    """Return the frames as one ``T x H x W (x C)`` array (no copy if stacked)."""
    if isinstance(imgs, np.ndarray):
        return imgs
    return np.stack(imgs)


def frames_to_float32(imgs: Frames) -> np.ndarray:
    """Return a new stacked float32 copy of the frames (one copy, also for lists)."""
    if isinstance(imgs, np.ndarray):
        return imgs.astype(np.float32)
    out = np.empty((len(imgs),) + imgs[0].shape, dtype=np.float32)
    for i, img in enumerate(imgs):
        out[i] = img
    return out


def crop_frames(imgs: Frames, left: int, top: int, right: int, bottom: int) -> Frames:
    """Crop every frame by slicing; the result shares memory with ``imgs``."""
    if isinstance(imgs, np.ndarray):
        return imgs[:, top:bottom, left:right]
    return [img[top:bottom, left:right] for img in imgs]


def resize_frames(imgs: Frames, size: Tuple[int, int], interpolation: str) -> Frames:
    """Resize every frame to ``size`` = (w, h) with OpenCV.

    The output is a newly allocated stacked array, filled frame by frame, so
    that later steps never have to stack the frames again. Frames that already
    have the requested size are returned untouched, which is what
    ``cv2.resize`` would produce anyway.
    """
    new_w, new_h = size
    if frame_hw(imgs) == (new_h, new_w):
        return imgs
    code = INTERP_CODES[interpolation]
    first = imgs[0]
    out = np.empty((len(imgs), new_h, new_w) + first.shape[2:], dtype=first.dtype)
    for i, img in enumerate(imgs):
        cv2.resize(img, (new_w, new_h), dst=out[i], interpolation=code)
    return out


def flip_frames(imgs: Frames, direction: str) -> Frames:
    """Flip every frame; the result is a view with a negative stride.

    The single copy happens later, when the clip is made contiguous by
    ``FormatShape`` (or by any transform that computes new pixel values).
    """
    axis = 1 if direction == 'horizontal' else 0
    if isinstance(imgs, np.ndarray):
        return np.flip(imgs, axis=axis + 1)
    return [np.flip(img, axis=axis) for img in imgs]


def init_lazy_if_proper(results: dict, lazy: bool) -> None:
    """Prepare ``results`` for a (lazy or eager) geometric transform.

    Sets ``img_shape`` from the frames when it is missing. With ``lazy`` it
    creates the ``lazy`` record (``original_shape``, ``crop_bbox``, ``flip``,
    ``flip_direction``, ``interpolation``) unless one exists; without it, a
    pending lazy record means a ``Fuse`` is missing, which is an error.
    """
    if 'img_shape' not in results:
        results['img_shape'] = frame_hw(results['imgs'])
    if lazy:
        if 'lazy' not in results:
            img_h, img_w = results['img_shape']
            results['lazy'] = dict(
                original_shape=results['img_shape'],
                crop_bbox=np.array([0, 0, img_w, img_h], dtype=np.float32),
                flip=False,
                flip_direction=None,
                interpolation=None,
            )
    elif 'lazy' in results:
        raise ValueError(
            'results hold pending lazy operations: add a Fuse transform after the '
            'lazy transforms before using a non-lazy one'
        )


def box_crop(box: np.ndarray, crop_bbox: Sequence[int]) -> np.ndarray:
    """Shift boxes ``(..., 4k)`` into a crop and clip them to its extent."""
    x1, y1, x2, y2 = crop_bbox
    out = box.copy()
    out[..., 0::2] = np.clip(box[..., 0::2] - x1, 0, x2 - x1 - 1)
    out[..., 1::2] = np.clip(box[..., 1::2] - y1, 0, y2 - y1 - 1)
    return out
