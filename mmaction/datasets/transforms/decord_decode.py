"""Video decoding with decord: ``DecordInit`` and ``DecordDecode``.

When ``import decord`` fails, both transforms fall back to PyAV (logged once
per process), so configs written for decord run wherever PyAV is installed.

decord and PyAV (and OpenCV) return bit-identical frames for the same indices
on the mpeg4 and h264 files tried: all three decode with FFmpeg and convert
YUV 4:2:0 to RGB with libswscale's default BT.601 matrix, so no tolerance is
needed (``tests/datasets/test_decoders.py`` checks it).
"""

import logging
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from ..exceptions import BrokenVideoError
from .pyav_decode import pyav_decode, pyav_open
from .video_io import check_frame_inds, open_video_source, store_frames, unique_frame_inds

_DECORD_MODULE = None
_DECORD_CHECKED = False


def import_decord() -> Optional[object]:
    """The decord module, or None (logging the PyAV fallback once) if missing."""
    global _DECORD_MODULE, _DECORD_CHECKED
    if not _DECORD_CHECKED:
        _DECORD_CHECKED = True
        try:
            import decord
        except ImportError as error:
            from mmengine.logging import print_log

            print_log(
                f'decord is not available ({error}); DecordInit/DecordDecode use PyAV instead',
                logger='current',
                level=logging.WARNING,
            )
        else:
            _DECORD_MODULE = decord
    return _DECORD_MODULE


def _is_decord_reader(reader) -> bool:
    return hasattr(reader, 'get_batch')


@TRANSFORMS.register_module()
class DecordInit(BaseTransform):
    """Open a video with decord (PyAV if decord is not installed).

    Required keys: ``filename``. Added keys: ``video_reader``,
    ``total_frames``.

    Args:
        io_backend (str): Where the video is stored (``'disk'`` or an
            mmengine file backend name). Defaults to ``'disk'``.
        num_threads (int): Decoding threads of decord. Defaults to 1.
        **kwargs: Arguments of the file backend.
    """

    def __init__(self, io_backend: str = 'disk', num_threads: int = 1, **kwargs) -> None:
        self.io_backend = io_backend
        self.num_threads = num_threads
        self.kwargs = kwargs

    def transform(self, results: dict) -> dict:
        """Open ``results['filename']``; raise ``BrokenVideoError`` if unreadable."""
        filename = results['filename']
        source = open_video_source(filename, self.io_backend, **self.kwargs)
        decord = import_decord()
        if decord is None:
            results['video_reader'], results['total_frames'] = pyav_open(source, filename)
            return results
        try:
            reader = decord.VideoReader(source, num_threads=self.num_threads)
            total_frames = len(reader)
        except (decord.DECORDError, RuntimeError, OSError, ValueError) as error:
            raise BrokenVideoError(filename, f'decord cannot open it: {error}') from error
        if total_frames <= 0:
            raise BrokenVideoError(filename, 'no video frames')
        results['video_reader'] = reader
        results['total_frames'] = total_frames
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(io_backend={self.io_backend}, num_threads={self.num_threads})'
        )


@TRANSFORMS.register_module()
class DecordDecode(BaseTransform):
    """Decode the sampled frames of a video opened by :class:`DecordInit`.

    Each distinct index is decoded once (``get_batch`` on the unique
    indices). Required keys: ``video_reader``, ``frame_inds``, ``filename``.
    Added or changed keys: ``imgs`` (list of ``HxWx3`` uint8 RGB arrays, one
    per index), ``original_shape``, ``img_shape``, ``video_reader`` (None).

    Args:
        mode (str): ``'accurate'`` (exact frames) or ``'efficient'`` (the key
            frame at or before each index). Defaults to ``'accurate'``.
    """

    def __init__(self, mode: str = 'accurate') -> None:
        if mode not in ('accurate', 'efficient'):
            raise ValueError(f"mode must be 'accurate' or 'efficient', got {mode!r}")
        self.mode = mode

    def transform(self, results: dict) -> dict:
        """Decode ``results['frame_inds']`` into ``results['imgs']``."""
        filename = results.get('filename', '<video>')
        reader = results['video_reader']
        frame_inds = np.asarray(results['frame_inds']).reshape(-1)
        if 'total_frames' in results:
            check_frame_inds(frame_inds, results['total_frames'], filename)
        if not _is_decord_reader(reader):
            imgs, inverse = pyav_decode(reader, frame_inds, filename, self.mode)
            return store_frames(results, imgs, inverse)
        wanted, inverse = unique_frame_inds(frame_inds)
        decord = import_decord()
        try:
            if self.mode == 'accurate':
                imgs = list(reader.get_batch(wanted).asnumpy())
            else:
                imgs = []
                for index in wanted.tolist():
                    reader.seek(index)
                    imgs.append(reader.next().asnumpy())
        except (decord.DECORDError, RuntimeError, OSError, ValueError) as error:
            raise BrokenVideoError(filename, f'decord cannot decode it: {error}') from error
        return store_frames(results, imgs, inverse)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(mode={self.mode})'
