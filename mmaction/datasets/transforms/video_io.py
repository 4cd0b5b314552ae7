"""Helpers shared by the video decoding transforms (not a transform itself)."""

import io
import os.path as osp
from typing import List, Tuple, Union

import numpy as np

from ..exceptions import BrokenVideoError


def open_video_source(
    filename: str, io_backend: str = 'disk', **backend_kwargs
) -> Union[str, io.BytesIO]:
    """Return what a decoder should open for ``filename``.

    On disk that is the path itself (after checking that the file exists and
    is not empty); for other backends the bytes, fetched with mmengine's file
    I/O, wrapped in a ``BytesIO``.

    Raises:
        BrokenVideoError: missing or empty file.
    """
    if io_backend in ('disk', 'local'):
        if not osp.isfile(filename):
            raise BrokenVideoError(filename, 'file not found')
        if osp.getsize(filename) == 0:
            raise BrokenVideoError(filename, 'file is empty')
        return filename
    from mmengine import fileio

    try:
        data = fileio.get(filename, backend_args=dict(backend=io_backend, **backend_kwargs))
    except (OSError, KeyError, ValueError) as error:
        raise BrokenVideoError(filename, f'cannot read it from {io_backend!r}: {error}') from error
    if not data:
        raise BrokenVideoError(filename, 'file is empty')
    return io.BytesIO(data)


def unique_frame_inds(frame_inds: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Sorted unique frame indices and, for each requested one, its position there."""
    frame_inds = np.asarray(frame_inds).reshape(-1).astype(np.int64)
    if frame_inds.size == 0:
        raise ValueError('frame_inds is empty: nothing to decode')
    return np.unique(frame_inds, return_inverse=True)


def check_frame_inds(frame_inds: np.ndarray, total_frames: int, filename: str) -> None:
    """Reject indices outside ``[0, total_frames)`` with an error naming the file."""
    low, high = int(frame_inds.min()), int(frame_inds.max())
    if low < 0 or high >= total_frames:
        raise IndexError(
            f'frame index {low if low < 0 else high} out of range for {filename} '
            f'({total_frames} frames); is the dataset start_index right for videos (0)?'
        )


def store_frames(
    results: dict, unique_imgs: List[np.ndarray], inverse: np.ndarray, video: bool = True
) -> dict:
    """Put the decoded frames, in the requested order, and their shapes into ``results``.

    For videos, also drop the (closed) reader from ``results``.
    """
    imgs = [unique_imgs[position] for position in inverse]
    results['imgs'] = imgs
    results['original_shape'] = imgs[0].shape[:2]
    results['img_shape'] = imgs[0].shape[:2]
    if video:
        results['video_reader'] = None
    return results
